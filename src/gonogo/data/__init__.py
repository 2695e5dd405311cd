"""Golden datasets: loading, validation, content hash as version."""

from ._case import Case, Dataset
from ._load import load_dataset

__all__ = ["Case", "Dataset", "load_dataset"]

"""The eval's data: golden cases in, the feature's outputs out.

Golden datasets are loaded, validated and versioned by content hash here. The types
every scorer sees — the :class:`Case` in, the :class:`TargetOutput` out — live here,
below both the runner that produces them and the scorers that read them.
"""

from ._case import Case, Dataset
from ._load import load_dataset
from ._output import TargetOutput

__all__ = ["Case", "Dataset", "TargetOutput", "load_dataset"]

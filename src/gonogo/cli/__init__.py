"""The ``gonogo`` command line: thin commands over the library API."""

from ._main import main, run

__all__ = ["main", "run"]

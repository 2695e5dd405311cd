"""numpy, imported on first use.

The gate's own statistics (Wilson intervals, the design effect) never need it, and
importing it costs ~0.1 s of every run's start-up.

The paired A/B tests and power calculations write ``np.…`` as usual; each name is looked
up in numpy the first time and then kept on the proxy.
"""

from __future__ import annotations

from typing import Any


class _Numpy:
    def __getattr__(self, name: str) -> Any:
        import numpy

        value = getattr(numpy, name)
        setattr(self, name, value)
        return value


np: Any = _Numpy()

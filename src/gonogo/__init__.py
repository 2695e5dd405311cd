"""gonogo: turn an AI feature's PRD into evals, a statistical go/no-go gate and guardrails."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]

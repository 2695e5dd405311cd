"""The demo: gonogo's reference RAG app over real HaluEval passages, evaluated end to end."""

from ._build import DemoConfig, build_demo, load_items
from ._prd_template import render_prd

__all__ = ["DemoConfig", "build_demo", "load_items", "render_prd"]

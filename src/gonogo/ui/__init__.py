"""``gonogo ui``: the team's dashboard and the human review queue.

:func:`create_app` builds the Starlette app (server-rendered Jinja2 pages, autoescaped, one
small script for the review keys, a strict Content-Security-Policy) over a folder of PRDs,
their run stores and evidence logs, and the gateway store — which also keeps the review
queues and labels. :func:`serve` runs it with uvicorn. See docs/ui.md.
"""

from ._app import UISettings, create_app
from ._review import RULES, calibration, consensus, export_rows
from ._serve import serve
from ._workspace import Feature, Workspace, find_prds

__all__ = [
    "RULES",
    "Feature",
    "UISettings",
    "Workspace",
    "calibration",
    "consensus",
    "create_app",
    "export_rows",
    "find_prds",
    "serve",
]

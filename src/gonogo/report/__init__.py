"""Reports of a run, all read from the results dict (results.json), never the runner.

``render_console`` prints the summary; ``write_json``, ``write_junit`` and ``write_html``
write one file each; ``write_reports`` writes all three into a folder. A comparison
(``gonogo compare``) has its own console summary and ``write_comparison``
(comparison.json and the side-by-side comparison.html).
"""

from ._compare_console import render_comparison_console
from ._compare_html import render_comparison_html, write_comparison
from ._console import render_console
from ._html import render_html, write_html
from ._json import write_json
from ._junit import build_junit, write_junit
from ._write import FILE_NAMES, write_reports

__all__ = [
    "FILE_NAMES",
    "build_junit",
    "render_comparison_console",
    "render_comparison_html",
    "render_console",
    "render_html",
    "write_html",
    "write_json",
    "write_junit",
    "write_comparison",
    "write_reports",
]

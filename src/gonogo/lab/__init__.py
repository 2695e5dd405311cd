"""The failure lab: break the feature on purpose and measure which detectors notice.

:func:`lab` runs the eval plan clean and once per injection — the failure-mode rows'
``provoke: lab:<injection>``, ``--only`` or a scenario file — paired on the same cases and
sample indexes through the ordinary runner and store, then tests every injection ×
detector (each scorer, each runtime guard run offline) like ``gonogo compare`` does, with
Holm across the matrix. Injections are small seeded plug-ins at four layers (retrieval,
prompt/model, output, infrastructure); a user adds one as ``package.module:factory``
returning an :class:`Injection`. The result is ``lab.json`` (schema ``gonogo.lab`` v1).
:func:`incident` and :func:`reveal` are the practice mode. See docs/lab.md.
"""

from ..rag import apply_retrieval_hook
from ..spec._lab import BUILTIN_INJECTIONS, InjectionInfo, LabCall, Param, parse_lab
from ._document import SCHEMA, SCHEMA_VERSION
from ._incident import INCIDENTS, Incident, incident, reveal
from ._injection import CallContext, Fault, Injection, Passage
from ._plan import LabEntry, LabPlan, build_plan
from ._run import LabOptions, LabResult, lab, launch_step
from ._schema import lab_schema, validate_lab
from ._store import latest_lab

__all__ = [
    "BUILTIN_INJECTIONS",
    "SCHEMA",
    "SCHEMA_VERSION",
    "INCIDENTS",
    "CallContext",
    "Fault",
    "Incident",
    "Injection",
    "InjectionInfo",
    "LabCall",
    "LabEntry",
    "LabOptions",
    "LabPlan",
    "LabResult",
    "Param",
    "Passage",
    "apply_retrieval_hook",
    "build_plan",
    "incident",
    "lab",
    "lab_schema",
    "launch_step",
    "latest_lab",
    "parse_lab",
    "reveal",
    "validate_lab",
]

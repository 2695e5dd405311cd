"""Red-teaming: attack the feature as deployed, grade the answers offline, gate on upper bounds.

:func:`redteam` builds the probes of every family in scope (harmful requests, jailbreak
mutators, direct and indirect prompt injection, system-prompt extraction, PII leakage,
off-scope use, over-refusal), sends them to the PRD's target through the ordinary runner
(store, cache, resume, cost cap) and aggregates attack success per family and policy
category with intervals into the ``redteam.json`` document (:func:`aggregate_redteam`).
"""

from ._grading import AttackGrader, classify
from ._mutators import MUTATORS, decode
from ._probes import Probe, canary
from ._report import (
    SCHEMA,
    SCHEMA_VERSION,
    aggregate_redteam,
    attempts_to_prove,
    redteam_schema,
    validate_redteam,
)
from ._run import DOCUMENTS_HOOK, RedTeamOptions, compile_redteam, redteam

__all__ = [
    "DOCUMENTS_HOOK",
    "MUTATORS",
    "SCHEMA",
    "SCHEMA_VERSION",
    "AttackGrader",
    "Probe",
    "RedTeamOptions",
    "aggregate_redteam",
    "attempts_to_prove",
    "canary",
    "classify",
    "compile_redteam",
    "decode",
    "redteam",
    "redteam_schema",
    "validate_redteam",
]

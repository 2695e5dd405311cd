"""Red-teaming: attack the feature as deployed, grade the answers offline, gate on upper bounds.

:func:`redteam` builds the probes of every family in scope (harmful requests, jailbreak
mutators, direct and indirect prompt injection, system-prompt extraction, PII leakage,
off-scope use, over-refusal), sends them to the PRD's target through the ordinary runner
(store, cache, resume, cost cap) and aggregates attack success per family and policy
category with intervals into the ``redteam.json`` document (:func:`aggregate_redteam`).
The offline refusal grader (:func:`grade_response`) labels answers in XSTest's vocabulary
with evidence; :func:`plant_attack` plants an instruction in a document as BIPIA does.
"""

from ..stats import attempts_to_prove
from ._agreement import Agreement, measure_agreement
from ._grade_file import GradedFile, grade_file, read_rows, write_rows
from ._grader import (
    FULL_COMPLIANCE,
    FULL_REFUSAL,
    LABELS,
    PARTIAL_REFUSAL,
    Evidence,
    Grade,
    grade_response,
)
from ._grading import AttackGrader, classify
from ._mutators import MUTATORS, decode
from ._plant import POSITIONS, plant_attack, sentence_starts
from ._probes import Probe, canary, sample_size
from ._report import (
    SCHEMA,
    SCHEMA_VERSION,
    aggregate_redteam,
    redteam_schema,
    validate_redteam,
)
from ._run import DOCUMENTS_HOOK, RedTeamOptions, compile_redteam, redteam

__all__ = [
    "DOCUMENTS_HOOK",
    "FULL_COMPLIANCE",
    "FULL_REFUSAL",
    "LABELS",
    "MUTATORS",
    "PARTIAL_REFUSAL",
    "POSITIONS",
    "SCHEMA",
    "SCHEMA_VERSION",
    "Agreement",
    "AttackGrader",
    "Evidence",
    "Grade",
    "GradedFile",
    "Probe",
    "RedTeamOptions",
    "aggregate_redteam",
    "attempts_to_prove",
    "sample_size",
    "canary",
    "classify",
    "compile_redteam",
    "decode",
    "grade_file",
    "grade_response",
    "measure_agreement",
    "plant_attack",
    "read_rows",
    "redteam",
    "redteam_schema",
    "sentence_starts",
    "validate_redteam",
    "write_rows",
]

"""Red-teaming: attacks planted the way they arrive, and offline graders of the answers."""

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
from ._plant import POSITIONS, plant_attack, sentence_starts

__all__ = [
    "FULL_COMPLIANCE",
    "FULL_REFUSAL",
    "LABELS",
    "PARTIAL_REFUSAL",
    "POSITIONS",
    "Agreement",
    "Evidence",
    "Grade",
    "GradedFile",
    "grade_file",
    "grade_response",
    "measure_agreement",
    "plant_attack",
    "read_rows",
    "sentence_starts",
    "write_rows",
]

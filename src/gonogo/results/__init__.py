"""results.json: summarise a run's sample records into the versioned results document.

:func:`aggregate` turns the PRD, the cases and the runner's sample records into the
results dict (schema ``gonogo.results``, version 1, documented in
docs/results-schema.md); the reports, the dashboard and other tools read only it.
"""

from ._aggregate import SCHEMA, SCHEMA_VERSION, aggregate, exit_code
from ._schema import results_schema, validate_results

__all__ = [
    "SCHEMA",
    "SCHEMA_VERSION",
    "aggregate",
    "exit_code",
    "results_schema",
    "validate_results",
]

from typing import Any

import pytest
from report_kit import make_cases, make_prd, make_records

from gonogo.data._case import Case
from gonogo.spec._prd import PRD


@pytest.fixture()
def run_data() -> tuple[PRD, list[Case], list[dict[str, Any]]]:
    cases = make_cases(20)
    return make_prd(), cases, make_records(cases)

"""`python -m bench.case_costs` at a toy size, and bench/sizing.py over what it wrote: the measurement the
deployment sizing rests on keeps working as the code moves.

Only counts are checked, which do not depend on the machine's load: the path every case takes is fixed,
so its workflows and their shape are too. PostgreSQL is required when CI is set; elsewhere the test is
skipped without it.
"""

import json
from pathlib import Path

import pytest

from bench import sizing
from bench.case_costs import WARM_UP
from tests.support.commands import run_benchmark

pytestmark = pytest.mark.slow

WAITING = 3


@pytest.mark.usefixtures("postgres_server")
async def test_case_costs_measures_every_part_and_sizes_from_it(tmp_path: Path) -> None:
    out = tmp_path / "costs.json"

    run_benchmark("bench.case_costs", "--cases", "2", "--waiting", str(WAITING), "--out", str(out))

    costs = json.loads(out.read_text())
    assert costs["payload_encryption"] == "on"
    assessment = costs["assessment_to_final_plan"]["temporal"]
    # The assessment and the redress route of its final plan, both run to completion.
    assert assessment["workflows"] == 2 and assessment["by_type"]["workflow_execution_completed"] == 2
    plan = costs["plan_year_maintained"]
    assert plan["temporal_plan_run"]["by_type"]["workflow_execution_continued_as_new"] == 1
    assert plan["temporal"]["events"] > plan["temporal_plan_run"]["events"] > 0
    assert costs["assessment_to_final_plan"]["database_bytes"]["by_table"]["cases"] > 0
    storage = costs["open_workflow_storage"]
    assert storage["workflows"] == 2 * (WARM_UP + WAITING)  # an assessment and a plan each
    assert set(costs["recorded"]) == {"plan_cycle_amended", "refusal_appealed_to_tribunal_order"}
    report = sizing.report(sizing.load(out))
    assert "| 512 |" in report and "**persistence (`temporal`)**" in report

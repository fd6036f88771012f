"""`python -m bench.run` end to end at a toy size: the benchmark command keeps working as the code moves.

It starts its own dev server, workers, API processes and time-skipping server and makes its own
PostgreSQL databases, as `make bench` does; only the shape of its summary is checked, never a time
(the machine is shared). PostgreSQL is required when CI is set; elsewhere the test is skipped without it.
"""

import json
from pathlib import Path

import pytest

from tests.support.commands import run_benchmark

pytestmark = pytest.mark.slow

TOY = ["--cases", "8", "--starts", "8", "--rounds", "1", "--rows", "400", "--assessments", "2"]
TOY += ["--samples", "8", "--readers", "2", "--concurrency", "4", "--actions", "4", "--action-rounds", "1"]
TOY += ["--midnight-cases", "4", "--midnight-lead", "25"]
TOY += ["--samples", "8", "--readers", "2", "--concurrency", "4", "--driven", "2"]
TOY += ["--day-cases", "12", "--day-window", "10", "--day-multiples", "10"]
FIGURE = {"count", "p50_ms", "p95_ms", "p99_ms", "max_ms"}


@pytest.mark.usefixtures("postgres_server")
async def test_the_benchmark_runs_and_summarises(tmp_path: Path) -> None:
    run = run_benchmark("bench.run", *TOY, "--output", str(tmp_path))
    [written] = tmp_path.glob("*.json")
    summary = json.loads(written.read_text())
    assert json.loads(run.stdout) == summary

    assert {"date", "cpu_model", "cores", "load_average_at_start", "postgresql"} <= set(summary["machine"])
    starts = summary["starts"]
    for side in ("bare_engine", "our_case_start"):
        assert starts[side]["starts_per_second"] > 0
        assert set(starts[side]["latency"]) == FIGURE
    assert starts["ratio"] > 0
    parts = {"temporal_server", "worker", "api", "bench_client", "postgresql"}
    assert all(parts <= set(cpu) for cpu in starts["cpu_ms_per_start"].values())
    open_cases = summary["open_cases"]
    assert open_cases["open_cases"] >= 8
    assert open_cases["worker_rss_mib"] > 0
    metered = ("get_case", "get_case_2_at_once", "get_case_as_ops_no_personal_data")
    for name in metered:
        assert set(open_cases[name]) == FIGURE | {"cpu_ms_per_request"}, name
        assert parts <= set(open_cases[name]["cpu_ms_per_request"]), name
    for name in ("work_queue_officer", "work_queue_la", "dashboard"):
        assert set(open_cases[name]) == FIGURE, name
    action = summary["officer_action"]
    assert action["actions_each_side"] == 4
    for side in ("our_action_decide_to_assess", "bare_update"):
        assert set(action[side]["latency_1_at_once"]) == FIGURE
        assert set(action[side]["latency_4_at_once"]) == FIGURE
        assert parts <= set(action[side]["cpu_ms_per_action"]), side
    made = action["what_one_action_makes"]
    # The bare update is one workflow task, answered in it; ours too, its letter sent after the answer.
    assert made["bare"]["before_the_answer"]["workflow_tasks"] == 1
    assert made["ours"]["before_the_answer"]["workflow_tasks"] == 1
    assert made["ours"]["in_all"]["activities"] >= 1
    reads = summary["case_reads"]
    assert reads["open_cases"] == open_cases["open_cases"] + 2  # the two driven a third through their assessment
    assert reads["cache"] == round(reads["open_cases"] * 0.3)
    for name in ("miss_after_restart", "miss_new_case", "miss_mid_assessment", "hit", "uniform"):
        assert "count" in reads[name], name
    assert reads["uniform"]["count"] == 8
    assert parts <= set(reads["uniform"]["cpu_ms_per_request"])
    scale = summary["national_scale"]
    assert scale["generated"]["cases"] == 400
    for name in ("work_queue_officer", "work_queue_la", "dashboard"):
        assert set(scale[name]) == FIGURE, name
    assessments = summary["time_skipping_assessments"]
    assert assessments["assessments"] == 2
    assert assessments["assessments_per_second"] > 0
    midnight = summary["midnight"]
    for night in ("cold", "warm"):
        assert midnight[night]["firings"] == 4
        assert midnight[night]["per_firing"]["workflow_tasks"] > 0
        assert parts <= set(midnight[night]["cpu_ms_per_firing"])
    assert midnight["national_night"]["minutes"] > 0
    recorded = midnight["replay_in_process"]["recorded_firings"]
    assert recorded["cpu_ms_unsandboxed"] > 0 and recorded["cpu_ms"] > 0
    day = summary["day"]
    assert day["model"]["open_plans"] == 20_635
    assert day["opened"]["plans_imported"] + day["opened"]["assessments_opened"] == 12
    assert (
        day["opened"]["generated_rows"]["cases"] == day["model"]["open_plans"] + day["model"]["open_assessments"] - 12
    )
    at_ten = day["at"]["10x"]
    assert at_ten["failures"] == {}
    assert at_ten["actions"]["count"] > 0
    assert at_ten["reads"]["count"] > 0
    assert {"temporal_server", "worker", "api", "postgresql"} <= set(at_ten["cpu_cores"])
    assert all({"value", "goal", "met"} == set(goal) for goal in summary["goals"].values())
    assert all(goal["met"] in (True, False) for goal in summary["goals"].values())
    assert "error" not in summary

"""`python -m bench.reads` and `python -m bench.day` alone, at a toy size: each phase `make bench` runs also runs by
itself, starting its own servers and databases. Only the shape of the summary is checked, never a time."""

import json
from pathlib import Path

import pytest

from tests.support.commands import run_benchmark

pytestmark = pytest.mark.slow


@pytest.mark.usefixtures("postgres_server")
async def test_the_reads_run_alone(tmp_path: Path) -> None:
    run_benchmark(
        "bench.reads", "--cases", "20", "--driven", "2", "--rows", "300", "--samples", "4", "--output", str(tmp_path)
    )
    [written] = tmp_path.glob("reads-*.json")
    summary = json.loads(written.read_text())
    reads = summary["case_reads"]
    assert reads["opening"]["opened"] == 20
    assert reads["opening"]["minutes_for_100000_at_this_rate"] > 0
    assert reads["cache"] == 6
    # 20 open, 2 driven, 5 to warm up and 6 to fill the cache: 4 new cases measured, each read thrice.
    assert reads["miss_after_restart"]["count"] == reads["miss_new_case"]["count"] == 4
    assert reads["miss_mid_assessment"]["count"] == 2
    assert reads["hit"]["count"] == reads["uniform"]["count"] == 4
    assert reads["history_events"]["mid_assessment"] > reads["history_events"]["new_case"]
    assert summary["national_scale"]["generated"]["cases"] == 300
    assert set(summary["goals"]) == {
        "case_get_p99_ms_beyond_the_cache (<)",
        "work_queue_p99_ms_at_rows (<)",
        "dashboard_p99_ms_at_rows (<)",
    }
    assert all(goal["met"] in (True, False) for goal in summary["goals"].values())


@pytest.mark.usefixtures("postgres_server")
async def test_the_day_runs_alone(tmp_path: Path) -> None:
    run_benchmark("bench.day", "--cases", "12", "--window", "10", "--multiples", "1", "10", "--output", str(tmp_path))
    [written] = tmp_path.glob("day-*.json")
    day = json.loads(written.read_text())["day"]
    assert set(day["at"]) == {"1x", "10x"}
    ten = day["at"]["10x"]
    assert ten["requests_per_second"] > day["at"]["1x"]["requests_per_second"]
    assert set(ten["by_kind"]) == set(day["model"]["busiest_hour"])
    assert ten["failures"] == {}

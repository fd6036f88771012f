"""`python -m api.plan_import FILE`: the same import from the command line, against the same servers."""

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from settings import Settings
from tests.factories import TEST_PAYLOAD_KEYS

ROOT = Path(__file__).resolve().parents[1]


async def test_cli_imports_a_csv_and_reports_as_json(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, tmp_path: Path
) -> None:
    del worker  # the plans it starts need a worker to run
    file = tmp_path / "plans.csv"
    file.write_text(
        "la_code,la_reference,given_name,family_name,date_of_birth,plan_issued_on,last_review_on\n"
        "350,CLI/1,Ada,Cli,2015-04-04,2024-01-10,2025-01-09\n"
        "350,CLI/2,Bea,Cli,2015-04-04,not-a-date,\n"
    )
    environment = {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
        "TEMPORAL_TASK_QUEUE": settings.temporal_task_queue,
        "PAYLOAD_KEYS": TEST_PAYLOAD_KEYS,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "api.plan_import",
        str(file),
        cwd=ROOT,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode == 0, err.decode()
    report = json.loads(out)
    assert report["imported"] == 1
    assert [(r["row"], r["la_reference"]) for r in report["rejected"]] == [(2, "CLI/2")]
    assert "plan_issued_on" in report["rejected"][0]["reason"]
    assert b"Ada" not in err and b"Ada" not in out


def test_cli_usage() -> None:
    result = subprocess.run([sys.executable, "-m", "api.plan_import"], cwd=ROOT, capture_output=True, check=False)
    assert result.returncode == 1 and b"usage" in result.stderr

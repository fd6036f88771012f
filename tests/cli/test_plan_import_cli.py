"""`python -m cli.plan_import FILE`: the same import from the command line, against the same servers."""

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlmodel import select
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from core.config import Settings
from store.db import SessionMaker
from store.models import AuditEvent
from tests.conftest import eventually
from tests.factories import TEST_PAYLOAD_KEYS

ROOT = Path(__file__).resolve().parents[2]


async def test_cli_imports_a_csv_for_the_operators_las_and_reports_as_json(
    env: WorkflowEnvironment, worker: Worker, settings: Settings, sessions: SessionMaker, tmp_path: Path
) -> None:
    del worker  # the plans it starts need a worker to run
    file = tmp_path / "plans.csv"
    file.write_text(
        "la_code,la_reference,given_name,family_name,date_of_birth,plan_issued_on,last_review_on\n"
        "350,CLI/1,Ada,Cli,2015-04-04,2024-01-10,2025-01-09\n"
        "350,CLI/2,Bea,Cli,2015-04-04,not-a-date,\n"
        "351,CLI/3,Cal,Cli,2015-04-04,2024-01-10,2025-01-09\n"
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
        "cli.plan_import",
        "--operator",
        "ops.jane",
        "--la",
        "350",
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
    # Checked as the API checks a manager's import: a row of an LA the operator did not name is rejected.
    assert [(r["row"], r["la_reference"]) for r in report["rejected"]] == [(2, "CLI/2"), (3, "CLI/3")]
    assert "plan_issued_on" in report["rejected"][0]["reason"]
    assert report["rejected"][1]["reason"] == "LA 351 is not one of your local authorities"
    assert b"Ada" not in err and b"Ada" not in out

    # The operator is the plan's first actor, as a manager is for an import through the API.
    async def first_actors() -> list[str]:
        async with sessions() as session:
            query = select(AuditEvent.actor).where(
                AuditEvent.case_ref == report["cases"][0]["case_ref"], AuditEvent.action == "plan_started"
            )
            return list((await session.exec(query)).all())

    assert await eventually(first_actors) == ["ops.jane"]


def test_cli_usage_asks_for_the_operator_and_the_las() -> None:
    for arguments, complaint in (
        ([], b"the following arguments are required: PLANS.csv|PLANS.json, --operator, --la"),
        (["--operator", "ops.jane", "plans.csv"], b"the following arguments are required: --la"),
        (["--operator", "=cmd()", "--la", "350", "plans.csv"], b"argument --operator: not a staff id"),
        (["--operator", "ops.jane", "--la", "ZZ", "plans.csv"], b"argument --la: not an LA code"),
    ):
        result = subprocess.run(
            [sys.executable, "-m", "cli.plan_import", *arguments], cwd=ROOT, capture_output=True, check=False
        )
        assert result.returncode == 2 and complaint in result.stderr, result.stderr
        assert b"=cmd()" not in result.stderr

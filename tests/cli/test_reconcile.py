"""Reconciliation on the dev server: a corrupted read model is found field by field, repaired through the
sync activity's own writes, and found clean afterwards; the command prints no personal data."""

import json
from datetime import timedelta

import httpx
from sqlmodel import col, delete, select, update
from temporalio.testing import WorkflowEnvironment

from cli.reconcile import Reconciler
from core.config import Settings
from store.db import SessionMaker
from store.models import Case, CaseDeadline
from tests.conftest import TASK_QUEUE, eventually
from tests.factories import (
    CHILD_FAMILY,
    CHILD_GIVEN,
    PARENT_EMAIL,
    PARENT_NAME,
    STREET,
    case_request,
)
from tests.support.commands import Ran, command_environment, run_command

LA = "342"
WINDOW = timedelta(days=1)


async def reconcile_cli(settings: Settings, env: WorkflowEnvironment, *args: str) -> Ran:
    """The command as ops run it; asynchronously, so that this test's own worker answers its queries."""
    address = env.client.service_client.config.target_host
    environment = command_environment(settings, address, TEMPORAL_TASK_QUEUE=TASK_QUEUE)
    return await run_command("cli.reconcile", "--la", LA, "--settle", "0.2", *args, environment=environment)


async def test_drift_is_reported_exactly_then_repaired_then_gone(
    dev_api: httpx.AsyncClient, dev_env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> None:
    refs = []
    for weeks_ago in (1, 3, 7):  # the last one is past its 6-week decision: breached, escalated
        received = (await dev_env.get_current_time()).date() - timedelta(weeks=weeks_ago)
        answer = await dev_api.post("/cases", json=case_request(received, la_code=LA))
        assert answer.status_code == 201, answer.text
        refs.append(answer.json()["case_ref"])
    staged, unlisted, padded = refs
    today = (await dev_env.get_current_time()).date().isoformat()
    confirmed = await dev_api.post(f"/cases/{padded}/backlog-confirmed", json={"on": today})  # judged now
    assert confirmed.status_code == 200, confirmed.text
    answer = await dev_api.post(
        f"/cases/{staged}/decide-to-assess",
        json={"on": (await dev_env.get_current_time()).date().isoformat(), "assess": True},
    )
    assert answer.status_code == 200, answer.text
    reconciler = Reconciler(dev_env.client, sessions, settle=0.2)

    async def settled() -> bool:  # the breach on the oldest case is synced by its own activity
        report = await reconciler.run([LA], closed_within=WINDOW)
        return report.cases == 3 and not report.drift

    await eventually(settled)

    async with sessions() as session, session.begin():
        await session.exec(update(Case).where(col(Case.case_ref) == staged).values(stage="final_issued"))
        await session.exec(
            delete(CaseDeadline).where(
                col(CaseDeadline.case_ref) == unlisted, col(CaseDeadline.key) == "assessment.final_plan"
            )
        )
        await session.exec(update(Case).where(col(Case.case_ref) == padded).values(breach_count=0))
        row = (await session.exec(select(CaseDeadline).where(col(CaseDeadline.case_ref) == padded).limit(1))).one()
        session.add(CaseDeadline(**{**row.model_dump(), "key": "invented.duty", "status": "open", "done_on": None}))

    found = await reconcile_cli(settings, dev_env, "--json")
    assert found.returncode == 1, found.stderr
    report = json.loads(found.stdout)
    assert {(d["case_ref"], d["table"], d["key"], d["field"]) for d in report["drift"]} == {
        (staged, "cases", staged, "stage"),
        (unlisted, "case_deadlines", "assessment.final_plan", "*"),
        (padded, "cases", padded, "breach_count"),
        (padded, "case_deadlines", "invented.duty", "*"),
    }
    stage = next(d for d in report["drift"] if d["field"] == "stage")
    assert (stage["read_model"], stage["workflow"]) == ("final_issued", "assessing")
    breaches = next(d for d in report["drift"] if d["field"] == "breach_count")
    assert (breaches["read_model"], breaches["workflow"]) == ("0", "1")

    repaired = await reconcile_cli(settings, dev_env, "--repair")
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert "repaired 3 cases" in repaired.stdout and "no drift" in repaired.stdout
    async with sessions() as session:
        staged_row, padded_row = await session.get(Case, staged), await session.get(Case, padded)
        assert staged_row is not None and staged_row.stage == "assessing"
        assert padded_row is not None and padded_row.breach_count == 1
        keys = {
            (d.case_ref, d.key)
            for d in await session.exec(select(CaseDeadline).where(col(CaseDeadline.case_ref).in_(refs)))
        }
    assert (unlisted, "assessment.final_plan") in keys
    assert (padded, "invented.duty") not in keys

    again = await reconcile_cli(settings, dev_env)
    assert again.returncode == 0, again.stdout
    assert "3 cases" in again.stdout and "DRIFT" not in again.stdout and "repaired" not in again.stdout
    for output in (found.stdout, found.stderr, repaired.stdout, repaired.stderr, again.stdout, again.stderr):
        for personal in (CHILD_GIVEN, CHILD_FAMILY, PARENT_NAME, PARENT_EMAIL, STREET, "2016-05-04"):
            assert personal not in output


async def test_repair_is_idempotent_and_lost_rows_come_back(
    dev_api: httpx.AsyncClient, dev_env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    """A read model that lost a case's rows entirely (a restore from an older backup) is rebuilt."""
    received = (await dev_env.get_current_time()).date() - timedelta(weeks=2)
    answer = await dev_api.post("/cases", json=case_request(received, la_code=LA))
    ref = answer.json()["case_ref"]
    reconciler = Reconciler(dev_env.client, sessions, settle=0.2)
    await eventually(lambda: _clean(reconciler))
    async with sessions() as session, session.begin():
        await session.exec(delete(CaseDeadline).where(col(CaseDeadline.case_ref) == ref))
    report = await reconciler.run([LA], repair=True, closed_within=WINDOW)
    assert report.repaired_cases == [ref] and not report.drift
    assert {d.key for d in await _deadlines(sessions, ref)} == {
        "assessment.decide_to_assess",
        "assessment.notify_no_plan",
        "assessment.final_plan",
    }
    report = await reconciler.run([LA], repair=True, closed_within=WINDOW)
    assert report.repaired_cases == [] and not report.drift and report.workflows == 1


async def _clean(reconciler: Reconciler) -> bool:
    report = await reconciler.run([LA], closed_within=WINDOW)
    return report.cases > 0 and not report.drift


async def _deadlines(sessions: SessionMaker, ref: str) -> list[CaseDeadline]:
    async with sessions() as session:
        return list(await session.exec(select(CaseDeadline).where(col(CaseDeadline.case_ref) == ref)))

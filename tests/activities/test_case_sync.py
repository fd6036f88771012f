"""Where a transferred plan's deadlines are counted: the sync activity's writes and what reconciliation expects of
them agree, run by run, on the database the tests use.

Every deadline of a case, its assessment's, its plan's earlier cycles' and its redress routes', counts under the LA
that holds the case now (SEND Regs 2014 reg 15, docs/dashboard.md), whichever workflow wrote it and whenever."""

import uuid
from datetime import UTC, date, datetime

from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

from activities.case_sync import write_snapshot
from cli.reconcile import Expected, Reconciler
from store.db import SessionMaker
from store.models import CaseDeadline
from workflows.activity_contracts import CaseSnapshot
from workflows.case_state import Deadline, DeadlineStatus, HistoryEntry
from workflows.plan_models import TRANSFERRED_IN

# LAs of these tests alone: the dashboard and forecast tests count every case of theirs.
OLD, NEW = "CSA", "CSB"
MOVED_ON = date(2025, 9, 1)


def run(case_ref: str, process: str, la_code: str, keys: list[str], *, closed: bool = False) -> CaseSnapshot:
    return CaseSnapshot(
        case_ref=case_ref,
        la_code=la_code,
        process=process,
        stage="maintained" if process == "plan" else "closed",
        policy="send-2014",
        workflow_id=f"{process}-{case_ref}",
        received_date=date(2025, 1, 6),
        request_source="parent",
        closed=closed,
        deadlines=[
            Deadline(
                key=key,
                step=key.partition("@")[0],
                start=date(2025, 1, 6),
                due=date(2025, 5, 26),
                status=DeadlineStatus.MET,
                done_on=date(2025, 5, 19),
            )
            for key in keys
        ],
    )


def moved(case_ref: str, *, with_its_history: bool = True) -> CaseSnapshot:
    """The plan's write of its transfer: with the transfer's line of history, as the workflow sends it."""
    snapshot = run(case_ref, "plan", NEW, ["review.annual@c2", "transfer.new_la_notice@c2"])
    if with_its_history:
        at = datetime(2025, 9, 1, 10, 0, tzinfo=UTC)
        snapshot.new_history = [HistoryEntry(seq=9, at=at, on=MOVED_ON, action=TRANSFERRED_IN)]
    return snapshot


def earlier_runs(case_ref: str) -> list[CaseSnapshot]:
    return [
        run(case_ref, "assessment", OLD, ["assessment.final_plan"], closed=True),
        run(case_ref, "redress", OLD, ["mediation.contact_adviser@cease-20250302"]),
        run(case_ref, "plan", OLD, ["review.annual@c1"], closed=True),
        run(case_ref, "plan", OLD, ["review.annual@c2"]),
    ]


MOVED = {
    "assessment.final_plan": NEW,
    "mediation.contact_adviser@cease-20250302": NEW,
    "review.annual@c1": NEW,
    "review.annual@c2": NEW,
    "transfer.new_la_notice@c2": NEW,
}


async def write(sessions: SessionMaker, runs: list[CaseSnapshot]) -> None:
    for snapshot in runs:
        async with sessions() as session, session.begin():
            await write_snapshot(session, snapshot)


async def written(sessions: SessionMaker, case_ref: str) -> dict[str, str]:
    async with sessions() as session:
        rows = await session.exec(select(CaseDeadline).where(col(CaseDeadline.case_ref) == case_ref))
        return {row.key: row.la_code for row in rows}


async def test_a_transferred_plans_deadlines_move_with_it_and_stay(sessions: SessionMaker) -> None:
    case_ref = f"{OLD}-{uuid.uuid4().hex[:8].upper()}"
    runs = [*earlier_runs(case_ref), moved(case_ref)]
    await write(sessions, runs)
    expected = {key: row["la_code"] for key, (_, row) in Expected.of(runs).deadlines.items()}
    assert await written(sessions, case_ref) == expected == MOVED
    # The plan's next steps, whose history no longer holds the transfer, and the redress route's next write (its
    # own LA is still the one whose decision it is about) leave every deadline with the LA that holds the case.
    route = run(
        case_ref, "redress", OLD, ["mediation.contact_adviser@cease-20250302", "mediation.arrange@cease-20250302"]
    )
    await write(sessions, [moved(case_ref, with_its_history=False), route])
    assert await written(sessions, case_ref) == {**MOVED, "mediation.arrange@cease-20250302": NEW}
    assert Expected.of([*runs, route]).deadlines["mediation.arrange@cease-20250302"][1]["la_code"] == NEW


async def test_reconciliation_moves_a_record_left_behind(sessions: SessionMaker, env: WorkflowEnvironment) -> None:
    """A record left under the old LA (its transfer written before the plan's record moved with it, or restored
    from an older backup) is drift, and the repair moves it whatever the plan's history still holds."""
    case_ref = f"{OLD}-{uuid.uuid4().hex[:8].upper()}"
    runs = [*earlier_runs(case_ref), moved(case_ref, with_its_history=False)]
    await write(sessions, runs)
    assert (await written(sessions, case_ref))["assessment.final_plan"] == OLD
    reconciler = Reconciler(env.client, sessions)
    expected = Expected.of(runs)
    drift = await reconciler.compare(case_ref, expected)
    assert {(d.key, d.field, d.read_model, d.workflow) for d in drift} == {
        ("assessment.final_plan", "la_code", OLD, NEW),
        ("mediation.contact_adviser@cease-20250302", "la_code", OLD, NEW),
        ("review.annual@c1", "la_code", OLD, NEW),
    }
    await reconciler.repair(case_ref, expected)
    assert await reconciler.compare(case_ref, expected) == []
    assert await written(sessions, case_ref) == MOVED
    # With only the route's run left to ask (the plan's past retention), the case row still says which LA holds it.
    route = earlier_runs(case_ref)[1]
    assert await reconciler.compare(case_ref, Expected.of([route])) == []

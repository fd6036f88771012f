"""The read model's upserts write only what changed: the case sync writes a case's every deadline at each step,
and a row whose values are already there must be left as it is, while any change (a NULL among them) is written.
"""

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import text
from sqlmodel import col, select

from activities.case_sync import write_snapshot
from store.db import SessionMaker
from store.models import CaseDeadline
from workflows.activity_contracts import CaseSnapshot
from workflows.case_state import Deadline, DeadlineStatus

HELD = datetime(2026, 3, 9, 17, 0, tzinfo=UTC)


def snapshot(case_ref: str, deadlines: list[Deadline]) -> CaseSnapshot:
    return CaseSnapshot(
        case_ref=case_ref,
        la_code="202",
        process="assessment",
        stage="assessing",
        policy="send-2014",
        workflow_id=f"assessment-{case_ref}",
        received_date=date(2026, 1, 5),
        request_source="parent",
        deadlines=deadlines,
    )


async def versions(sessions: SessionMaker, case_ref: str) -> dict[str, str]:
    """Each row's version (PostgreSQL's xmin, the transaction that last wrote it); SQLite keeps none."""
    async with sessions() as session:
        connection = await session.connection()
        if connection.dialect.name != "postgresql":
            return {}
        rows = await connection.execute(
            text("SELECT key, xmin::text AS xmin FROM case_deadlines WHERE case_ref = :ref"), {"ref": case_ref}
        )
        return {row.key: row.xmin for row in rows}


async def write(sessions: SessionMaker, case: CaseSnapshot) -> None:
    async with sessions() as session, session.begin():
        await write_snapshot(session, case)


async def test_a_step_rewrites_only_the_deadlines_it_changed(sessions: SessionMaker) -> None:
    case_ref = f"202-{uuid.uuid4().hex[:8].upper()}"
    decide = Deadline(
        key="assessment.decide_to_assess",
        step="assessment.decide_to_assess",
        start=date(2026, 1, 5),
        due=date(2026, 2, 16),
    )
    advice = Deadline(
        key="assessment.advice:educational_psychologist",
        step="assessment.advice",
        start=date(2026, 2, 9),
        due=date(2026, 3, 9),
        held_until=HELD,
    )
    final = Deadline(
        key="assessment.final_plan", step="assessment.final_plan", start=date(2026, 1, 5), due=date(2026, 5, 25)
    )
    await write(sessions, snapshot(case_ref, [decide, advice, final]))
    before = await versions(sessions, case_ref)

    # The same snapshot again (a retried write): nothing is rewritten.
    await write(sessions, snapshot(case_ref, [decide, advice, final]))
    assert await versions(sessions, case_ref) == before

    # The decision made (a value where there was NULL) and the advice's hold lifted (NULL where there was a value):
    # those two rows are rewritten, the final plan's is not.
    decided = decide.model_copy(update={"status": DeadlineStatus.MET, "done_on": date(2026, 2, 13)})
    released = advice.model_copy(update={"held_until": None})
    await write(sessions, snapshot(case_ref, [decided, released, final]))
    after = await versions(sessions, case_ref)
    if before:
        assert after[final.key] == before[final.key]
        assert after[decide.key] != before[decide.key] and after[advice.key] != before[advice.key]
    async with sessions() as session:
        rows = {
            d.key: (d.status, d.done_on, d.held_until)
            for d in await session.exec(select(CaseDeadline).where(col(CaseDeadline.case_ref) == case_ref))
        }
    assert rows == {
        decide.key: ("met", date(2026, 2, 13), None),
        advice.key: ("open", None, None),
        final.key: ("open", None, None),
    }

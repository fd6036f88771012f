"""Keeps the read model (case row, deadlines, audit trail) in step with a case workflow.

The projection functions are shared with reconciliation (cli/reconcile.py), which compares the
read model with what they make of each workflow's `read_model` query and repairs it by the same writes."""

from datetime import UTC, datetime
from typing import Any

from sqlmodel import col, select, update
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity

from store.db import SessionMaker
from store.models import AuditEvent, Case, CaseDeadline, ProvisionDeliveryRow, RedressCase
from store.upsert import upsert
from workflows.activity_contracts import SYNC_CASE, CaseSnapshot
from workflows.case_state import PENDING, Deadline, DeadlineKind, DeadlineStatus
from workflows.plan_models import TRANSFERRED_IN

CASE_COLUMNS = (
    "la_code",
    "process",
    "workflow_id",
    "stage",
    "policy",
    "closed",
    "outcome",
    "next_deadline_step",
    "next_deadline_due",
    "breach_count",
    "exception_count",
    "updated_at",
)
DEADLINE_COLUMNS = (
    "la_code",
    "step",
    "kind",
    "start",
    "due",
    "status",
    "done_on",
    "exception_code",
    "held_until",
    "process_open",
)

REDRESS_PROCESSES = frozenset({"redress", "tribunal"})
# Everything but the key: a provider's later answer, or a shortfall made good, rewrites the period's row.
DELIVERY_KEY = ["case_ref", "period", "ref", "provider"]
DELIVERY_COLUMNS = tuple(name for name in ProvisionDeliveryRow.model_fields if name not in DELIVERY_KEY)
REDRESS_COLUMNS = (
    "stage",
    "closed",
    "outcome",
    "next_deadline_step",
    "next_deadline_due",
    "breach_count",
    "updated_at",
)


def _row(snapshot: CaseSnapshot, next_deadline: Deadline | None, now: datetime) -> dict[str, Any]:
    """What a case's row and a redress route's row both hold: the workflow, where it stands, what is next."""
    return {
        "case_ref": snapshot.case_ref,
        "la_code": snapshot.la_code,
        "process": snapshot.process,
        "stage": snapshot.stage,
        "policy": snapshot.policy,
        "workflow_id": snapshot.workflow_id,
        "closed": snapshot.closed,
        "outcome": snapshot.outcome,
        "next_deadline_step": next_deadline.step if next_deadline else None,
        "next_deadline_due": next_deadline.due if next_deadline else None,
        # The LA's own breaches: another party's window or a planning target is never breached by the LA.
        "breach_count": sum(
            d.status is DeadlineStatus.BREACHED and d.kind is DeadlineKind.DUTY for d in snapshot.deadlines
        ),
        "opened_at": now,
        "updated_at": now,
    }


def case_row(snapshot: CaseSnapshot, now: datetime) -> dict[str, Any]:
    """The `cases` row a case workflow's snapshot projects to (assessment and plan only).

    Its next deadline is the LA's own next duty: another party's window or a planning target is not."""
    open_duties = [d for d in snapshot.deadlines if d.status is DeadlineStatus.OPEN and d.kind is DeadlineKind.DUTY]
    return {
        **_row(snapshot, min(open_duties, key=lambda d: d.due, default=None), now),
        "received_date": snapshot.received_date,
        "request_source": snapshot.request_source,
        "exception_count": snapshot.exception_count,
    }


def redress_row(snapshot: CaseSnapshot, now: datetime) -> dict[str, Any]:
    """A redress route or appeal has a row of its own; the case row stays the plan's or assessment's.

    Its next deadline is the nearest date still running of any kind: on a route that is mostly the family's
    own time to contact the adviser or appeal, which is what a manager's list of routes is ordered by."""
    running = [d for d in snapshot.deadlines if d.status in PENDING and d.done_on is None]
    return {**_row(snapshot, min(running, key=lambda d: d.due, default=None), now), "kind": snapshot.request_source}


def deadline_rows(snapshot: CaseSnapshot, la_code: str | None = None) -> list[dict[str, Any]]:
    """`la_code`: the LA that holds the case now, where it is not the snapshot's own (a redress route's is the LA
    whose decision it is about): every deadline of a case counts under the LA holding the case (docs/dashboard.md)."""
    return [
        {
            "case_ref": snapshot.case_ref,
            "key": d.key,
            "la_code": la_code or snapshot.la_code,
            "step": d.step,
            "kind": d.kind.value,
            "start": d.start,
            "due": d.due,
            "status": d.status.value,
            "done_on": d.done_on,
            "exception_code": d.exception_code,
            "held_until": d.held_until,
            # A closed process owes nothing more: its breached duties stay breached, and leave the queues.
            "process_open": not snapshot.closed,
        }
        for d in snapshot.deadlines
    ]


async def write_snapshot(session: AsyncSession, snapshot: CaseSnapshot) -> None:
    """Write the snapshot whole; every statement is an upsert, so a retry converges to the same rows."""
    now = datetime.now(UTC)
    held_by = None
    if snapshot.process in REDRESS_PROCESSES:
        await upsert(session, RedressCase, [redress_row(snapshot, now)], keys=["workflow_id"], update=REDRESS_COLUMNS)
        held_by = await holding_la(session, snapshot.case_ref)
    else:
        await upsert(session, Case, [case_row(snapshot, now)], keys=["case_ref"], update=CASE_COLUMNS)
    rows = deadline_rows(snapshot, held_by)
    await upsert(session, CaseDeadline, rows, keys=["case_ref", "key"], update=DEADLINE_COLUMNS)
    if snapshot.process == "plan" and any(entry.action == TRANSFERRED_IN for entry in snapshot.new_history):
        await deadlines_follow_the_case(session, snapshot.case_ref, snapshot.la_code)
    audit_rows = [
        {
            "event_key": f"{snapshot.workflow_id}:{entry.seq}",
            "case_ref": snapshot.case_ref,
            "action": entry.action,
            "actor": entry.actor,
            "summary": entry.summary,
            "business_date": entry.on,
            "at": entry.at,
        }
        for entry in snapshot.new_history
    ]
    await upsert(session, AuditEvent, audit_rows, keys=["event_key"])
    if snapshot.provision_document_id is not None:
        await provision_in_force(session, snapshot)
    if snapshot.deliveries:
        deliveries = [
            {**d.model_dump(), "case_ref": snapshot.case_ref, "la_code": snapshot.la_code} for d in snapshot.deliveries
        ]
        await upsert(session, ProvisionDeliveryRow, deliveries, keys=DELIVERY_KEY, update=DELIVERY_COLUMNS)


async def holding_la(session: AsyncSession, case_ref: str) -> str | None:
    """The LA that holds the case now, for a redress route's deadlines, read after the route's own row is written.
    A transfer being written and this write never interleave, so that the route's rows never go back to the LA the
    plan has left: on PostgreSQL the read is FOR SHARE of the case row, which the transfer's write locks first; on
    SQLite, which has no row locks, the route's write before it holds the database's one write lock."""
    found = await session.exec(select(Case.la_code).where(col(Case.case_ref) == case_ref).with_for_update(read=True))
    return found.first()


async def deadlines_follow_the_case(session: AsyncSession, case_ref: str, la_code: str) -> None:
    """A plan's history goes with it to the LA it is transferred to (SEND Regs 2014 reg 15), so that every figure
    of the case counts under the LA that holds it now (docs/dashboard.md): the deadlines of the assessment that led
    to the plan, of its earlier review cycles and of its redress routes, which the plan's own writes do not cover.

    Run with the transfer's own line of history, in the same transaction, rather than at every step of every plan:
    it would add 0.7 ms of CPU to a plan's write of 1.2 ms (docs/benchmarks.md). Reconciliation runs it for every
    case it repairs."""
    await session.exec(
        update(CaseDeadline)
        .where(col(CaseDeadline.case_ref) == case_ref, col(CaseDeadline.la_code) != la_code)
        .values(la_code=la_code)
        .execution_options(synchronize_session=False)  # no rows of the session to keep in step, nothing to fetch
    )


async def provision_in_force(session: AsyncSession, snapshot: CaseSnapshot) -> None:
    """A plan's lines in force are the workflow's, in its order (two updates racing each write their own document);
    its accounts are counted under the LA that holds the plan now, as every figure of a case is."""
    await session.exec(
        update(Case)
        .where(col(Case.case_ref) == snapshot.case_ref)
        .values(provision_document_id=snapshot.provision_document_id)
    )
    await session.exec(
        update(ProvisionDeliveryRow)
        .where(
            col(ProvisionDeliveryRow.case_ref) == snapshot.case_ref,
            col(ProvisionDeliveryRow.la_code) != snapshot.la_code,
        )
        .values(la_code=snapshot.la_code)
    )


class CaseSync:
    def __init__(self, sessions: SessionMaker) -> None:
        self.sessions = sessions

    @activity.defn(name=SYNC_CASE)
    async def sync_case(self, snapshot: CaseSnapshot) -> None:
        async with self.sessions() as session, session.begin():
            await write_snapshot(session, snapshot)
        activity.logger.info("case synced", extra={"case_ref": snapshot.case_ref, "stage": snapshot.stage})

"""Keeps the read model (case row, deadlines, audit trail) in step with a case workflow."""

from datetime import UTC, datetime

from temporalio import activity

from activities.messages import SYNC_CASE, CaseSnapshot
from store.db import SessionMaker
from store.models import AuditEvent, Case, CaseDeadline, RedressCase
from store.upsert import upsert
from workflows.case_state import DeadlineStatus

_CASE_COLUMNS = (
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


REDRESS_PROCESSES = frozenset({"redress", "tribunal"})
_REDRESS_COLUMNS = (
    "stage",
    "closed",
    "outcome",
    "next_deadline_step",
    "next_deadline_due",
    "breach_count",
    "updated_at",
)


class CaseSync:
    def __init__(self, sessions: SessionMaker) -> None:
        self.sessions = sessions

    @activity.defn(name=SYNC_CASE)
    async def sync_case(self, snapshot: CaseSnapshot) -> None:
        """Write the snapshot whole; every statement is an upsert, so a retry converges to the same rows."""
        open_deadlines = [d for d in snapshot.deadlines if d.status is DeadlineStatus.OPEN]
        next_deadline = min(open_deadlines, key=lambda d: d.due, default=None)
        case_row = {
            "case_ref": snapshot.case_ref,
            "la_code": snapshot.la_code,
            "process": snapshot.process,
            "stage": snapshot.stage,
            "policy": snapshot.policy,
            "workflow_id": snapshot.workflow_id,
            "received_date": snapshot.received_date,
            "request_source": snapshot.request_source,
            "closed": snapshot.closed,
            "outcome": snapshot.outcome,
            "next_deadline_step": next_deadline.step if next_deadline else None,
            "next_deadline_due": next_deadline.due if next_deadline else None,
            "breach_count": sum(d.status is DeadlineStatus.BREACHED for d in snapshot.deadlines),
            "exception_count": snapshot.exception_count,
            "opened_at": datetime.now(UTC),
            "updated_at": datetime.now(UTC),
        }
        deadline_rows = [
            {
                "case_ref": snapshot.case_ref,
                "key": d.key,
                "step": d.step,
                "kind": d.kind.value,
                "start": d.start,
                "due": d.due,
                "status": d.status.value,
                "done_on": d.done_on,
                "exception_code": d.exception_code,
            }
            for d in snapshot.deadlines
        ]
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
        async with self.sessions() as session, session.begin():
            if snapshot.process in REDRESS_PROCESSES:
                # A redress route or appeal has a row of its own; the case row stays the plan's or assessment's.
                redress_row = {
                    "workflow_id": snapshot.workflow_id,
                    "case_ref": snapshot.case_ref,
                    "la_code": snapshot.la_code,
                    "process": snapshot.process,
                    "kind": snapshot.request_source,
                    "stage": snapshot.stage,
                    "policy": snapshot.policy,
                    "closed": snapshot.closed,
                    "outcome": snapshot.outcome,
                    "next_deadline_step": case_row["next_deadline_step"],
                    "next_deadline_due": case_row["next_deadline_due"],
                    "breach_count": case_row["breach_count"],
                    "opened_at": case_row["opened_at"],
                    "updated_at": case_row["updated_at"],
                }
                await upsert(session, RedressCase, [redress_row], keys=["workflow_id"], update=_REDRESS_COLUMNS)
            else:
                await upsert(session, Case, [case_row], keys=["case_ref"], update=_CASE_COLUMNS)
            await upsert(
                session,
                CaseDeadline,
                deadline_rows,
                keys=["case_ref", "key"],
                update=["step", "kind", "start", "due", "status", "done_on", "exception_code"],
            )
            await upsert(session, AuditEvent, audit_rows, keys=["event_key"])
        activity.logger.info("case synced", extra={"case_ref": snapshot.case_ref, "stage": snapshot.stage})

"""Reconciliation: does the read model say what the workflows say, and if not, make it.

The read model (case rows, redress rows, deadline rows) is written only by the sync activity, from each
workflow's snapshot. A lost write (a database restored from a backup, a hand edit, a bug) would leave a
work queue or a breach count wrong with nothing to notice it. This command asks every workflow of every
case that is open or closed recently for its `read_model` query, projects it with the sync activity's own
functions, and compares: a field that differs, a row missing, or an open row no workflow holds (a duty
nobody will ever time or close) is drift. `--repair` writes the workflows' snapshots again through the
sync activity's `write_snapshot` (an upsert: running it twice changes nothing), moves every deadline of the
case to the LA that holds it (a plan transferred while a worker still ran the code before migration 0017), and
removes the rows no workflow holds.

    python -m cli.reconcile [--la 202] [--json] [--repair] [--closed-within-days 30]

Exit code 0 when the read model agrees (after repair, if asked), 1 when drift remains. The output names
cases, workflows, tables, keys and field values (stages, dates, counts): never a person's details.

Every run of a case's workflows is read, oldest first, as the sync activity would have written them in
turn: an assessment reopened by a Tribunal order overwrites the first run's rows, a plan's carried duties
keep their keys across review cycles. Rows left by runs older than Temporal's retention are history and
only an open one counts as drift. A change still being synced shows as drift for a moment, so a case is
compared again after `--settle` seconds and only drift that stays is reported.
"""

import argparse
import asyncio
import json
import sys
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlmodel import col, delete, select
from temporalio.client import Client, WorkflowExecution
from temporalio.service import RPCError

from activities.case_sync import (
    CASE_COLUMNS,
    REDRESS_COLUMNS,
    REDRESS_PROCESSES,
    case_row,
    deadline_rows,
    deadlines_follow_the_case,
    redress_row,
    write_snapshot,
)
from store.db import SessionMaker
from store.models import Case, CaseDeadline, RedressCase
from workflows import restatement
from workflows import search_attributes as sa
from workflows.activity_contracts import CaseSnapshot
from workflows.case_base import CaseWorkflow
from workflows.case_state import DeadlineStatus

# Columns the sync activity keeps current; `updated_at` changes on every write and proves nothing.
CASE_FIELDS = tuple(c for c in CASE_COLUMNS if c != "updated_at")
REDRESS_FIELDS = tuple(c for c in REDRESS_COLUMNS if c != "updated_at")
DEADLINE_FIELDS = ("la_code", "step", "kind", "start", "due", "status", "done_on", "exception_code")


@dataclass(frozen=True)
class Drift:
    """One difference: `read_model` is what the table holds, `workflow` what the workflow says it should."""

    case_ref: str
    table: str
    key: str
    field: str
    read_model: str | None
    workflow: str | None
    workflow_id: str | None = None


@dataclass
class Report:
    cases: int = 0
    workflows: int = 0
    drift: list[Drift] = field(default_factory=list)
    repaired_cases: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # workflows whose query failed (no worker, say)

    def as_dict(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "workflows": self.workflows,
            "drift_count": len(self.drift),
            "cases_with_drift": sorted({d.case_ref for d in self.drift}),
            "repaired_cases": self.repaired_cases,
            "unreadable": self.unreadable,
            "drift": [asdict(d) for d in self.drift],
        }


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


@dataclass
class Expected:
    """The rows a case's workflows project to, built the way the sync activity's writes would land."""

    snapshots: list[CaseSnapshot]
    case: dict[str, Any] | None = None
    redress: dict[str, dict[str, Any]] = field(default_factory=dict)
    deadlines: dict[str, tuple[str, dict[str, Any]]] = field(default_factory=dict)
    holding_la: str | None = None

    @classmethod
    def of(cls, snapshots: list[CaseSnapshot]) -> "Expected":
        expected = cls(snapshots)
        now = datetime.now(UTC)
        for snapshot in snapshots:  # oldest run first: a later write wins, as it did in the table
            # A run that ended under the old rules holds their words; its rows were restated by
            # `python -m cli.restate`, so compare with what they mean now, not with the old words.
            restatement.restate(snapshot.deadlines, outcome=snapshot.outcome)
            if snapshot.process in REDRESS_PROCESSES:
                expected.redress[snapshot.workflow_id] = redress_row(snapshot, now)
            else:
                expected.case = case_row(snapshot, now)
            for row in deadline_rows(snapshot):
                expected.deadlines[row["key"]] = (snapshot.workflow_id, row)
        if expected.case is not None:
            expected.held_by(expected.case["la_code"])
        return expected

    def held_by(self, la_code: str) -> None:
        """Every deadline of a case counts under the LA that holds it now (deadlines_follow_the_case), whichever
        workflow wrote it: a redress route's own LA is the one whose decision it is about."""
        self.holding_la = la_code
        for _, row in self.deadlines.values():
            row["la_code"] = la_code


class Reconciler:
    def __init__(self, client: Client, sessions: SessionMaker, *, concurrency: int = 8, settle: float = 2.0) -> None:
        self.client = client
        self.sessions = sessions
        self.limit = asyncio.Semaphore(concurrency)
        self.settle = settle

    # Which cases, and their workflows -----------------------------------------------------------

    async def case_refs(self, las: Iterable[str], closed_within: timedelta) -> list[str]:
        """Every case with a workflow open, or closed within the window: visibility, page by page."""
        since = (datetime.now(UTC) - closed_within).strftime("%Y-%m-%dT%H:%M:%SZ")
        query = f"{sa.PROCESS.name} IS NOT NULL AND (ExecutionStatus = 'Running' OR CloseTime > '{since}')"
        las = list(las)
        if las:
            query += " AND {} IN ({})".format(sa.LOCAL_AUTHORITY.name, ", ".join(f"'{la}'" for la in las))
        refs: set[str] = set()
        async for execution in self.client.list_workflows(query, page_size=500):
            ref = execution.typed_search_attributes.get(sa.CASE_REF)
            if ref:
                refs.add(ref)
        return sorted(refs)

    async def snapshots(self, case_ref: str, report: Report) -> list[CaseSnapshot] | None:
        """Every run of every workflow of the case, oldest first; None if one could not be read."""
        runs: list[WorkflowExecution] = [
            execution async for execution in self.client.list_workflows(f"{sa.CASE_REF.name} = '{case_ref}'")
        ]
        runs.sort(key=lambda r: (r.start_time, r.id))
        snapshots = []
        for run in runs:
            handle = self.client.get_workflow_handle(run.id, run_id=run.run_id)
            try:
                snapshots.append(await handle.query(CaseWorkflow.read_model))
            except RPCError as error:
                if "not found" in str(error).lower():  # past retention since it was listed: history now
                    continue
                report.unreadable.append(f"{run.id}/{run.run_id}")
                return None
        return snapshots

    # Comparing ----------------------------------------------------------------------------------

    async def compare(self, case_ref: str, expected: Expected) -> list[Drift]:
        async with self.sessions() as session:
            case = await session.get(Case, case_ref)
            redress = {
                r.workflow_id: r
                for r in await session.exec(select(RedressCase).where(RedressCase.case_ref == case_ref))
            }
            rows = {d.key: d for d in await session.exec(select(CaseDeadline).where(CaseDeadline.case_ref == case_ref))}
        if expected.holding_la is None and case is not None:
            # Only a redress route's run is left to ask (the plan's have passed retention): the case row says which
            # LA holds the case, as it told the route's sync.
            expected.held_by(case.la_code)
        drift: list[Drift] = []
        if expected.case is not None:
            wid = expected.case["workflow_id"]
            if case is None:
                drift.append(Drift(case_ref, "cases", case_ref, "*", None, "row", wid))
            else:
                drift += [
                    Drift(
                        case_ref, "cases", case_ref, name, _text(getattr(case, name)), _text(expected.case[name]), wid
                    )
                    for name in CASE_FIELDS
                    if getattr(case, name) != expected.case[name]
                ]
        for workflow_id, want in expected.redress.items():
            have = redress.get(workflow_id)
            if have is None:
                drift.append(Drift(case_ref, "redress_cases", workflow_id, "*", None, "row", workflow_id))
                continue
            drift += [
                Drift(
                    case_ref,
                    "redress_cases",
                    workflow_id,
                    name,
                    _text(getattr(have, name)),
                    _text(want[name]),
                    workflow_id,
                )
                for name in REDRESS_FIELDS
                if getattr(have, name) != want[name]
            ]
        for workflow_id, have in redress.items():
            if workflow_id not in expected.redress and not have.closed:
                drift.append(Drift(case_ref, "redress_cases", workflow_id, "*", "open row", None))
        for key, (workflow_id, want) in expected.deadlines.items():
            row = rows.get(key)
            if row is None:
                drift.append(Drift(case_ref, "case_deadlines", key, "*", None, "row", workflow_id))
                continue
            drift += [
                Drift(case_ref, "case_deadlines", key, name, _text(getattr(row, name)), _text(want[name]), workflow_id)
                for name in DEADLINE_FIELDS
                if getattr(row, name) != want[name]
            ]
        for key, row in rows.items():
            if key not in expected.deadlines and row.status == DeadlineStatus.OPEN.value:
                drift.append(Drift(case_ref, "case_deadlines", key, "*", "open row", None))
        return drift

    async def repair(self, case_ref: str, expected: Expected) -> None:
        """The sync activity's writes again, oldest run first, and no open row that no workflow holds."""
        async with self.sessions() as session, session.begin():
            for snapshot in expected.snapshots:
                await write_snapshot(session, snapshot)
            if expected.holding_la is not None:
                # However long ago the plan moved: its run's history may no longer hold the transfer.
                await deadlines_follow_the_case(session, case_ref, expected.holding_la)
            await session.exec(
                delete(CaseDeadline).where(
                    col(CaseDeadline.case_ref) == case_ref,
                    col(CaseDeadline.key).not_in(list(expected.deadlines)),
                    col(CaseDeadline.status) == DeadlineStatus.OPEN.value,
                )
            )
            await session.exec(
                delete(RedressCase).where(
                    col(RedressCase.case_ref) == case_ref,
                    col(RedressCase.workflow_id).not_in(list(expected.redress)),
                    col(RedressCase.closed).is_(False),
                )
            )

    async def check_case(self, case_ref: str, report: Report, *, repair: bool) -> None:
        async with self.limit:
            drift: list[Drift] = []
            for attempt in range(2):
                snapshots = await self.snapshots(case_ref, report)
                if snapshots is None:
                    return
                expected = Expected.of(snapshots)
                drift = await self.compare(case_ref, expected)
                if not drift or attempt == 1:
                    break
                await asyncio.sleep(self.settle)  # a sync in flight settles; lasting drift stays
            report.workflows += len(expected.snapshots)
            if drift and repair:
                await self.repair(case_ref, expected)
                report.repaired_cases.append(case_ref)
                drift = await self.compare(case_ref, expected)
            report.drift += drift

    async def run(self, las: Iterable[str] = (), *, repair: bool = False, closed_within: timedelta) -> Report:
        refs = await self.case_refs(las, closed_within)
        report = Report(cases=len(refs))
        await asyncio.gather(*(self.check_case(ref, report, repair=repair) for ref in refs))
        report.drift.sort(key=lambda d: (d.case_ref, d.table, d.key, d.field))
        report.repaired_cases.sort()
        return report


def _print_text(report: Report) -> None:
    out = sys.stdout
    out.write(f"{report.cases} cases, {report.workflows} workflow runs checked\n")
    for drift in report.drift:
        out.write(
            f"DRIFT {drift.case_ref} {drift.table} {drift.key} {drift.field}: "
            f"read model {drift.read_model!r}, workflow {drift.workflow!r}"
            + (f" ({drift.workflow_id})" if drift.workflow_id else "")
            + "\n"
        )
    for name in report.unreadable:
        out.write(f"UNREADABLE {name}: its query failed (is a worker running?)\n")
    if report.repaired_cases:
        out.write(f"repaired {len(report.repaired_cases)} cases\n")
    out.write("no drift\n" if not report.drift and not report.unreadable else f"{len(report.drift)} differences\n")


async def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m cli.reconcile", description=__doc__.split("\n\n")[0])
    parser.add_argument("--la", action="append", default=[], help="only this LA's cases (repeatable)")
    parser.add_argument("--repair", action="store_true", help="rewrite the read model from the workflows")
    parser.add_argument("--json", action="store_true", help="one JSON document on stdout")
    parser.add_argument("--closed-within-days", type=int, default=30, help="also cases closed this recently")
    parser.add_argument("--concurrency", type=int, default=8, help="cases read at once")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds before a second look at a drifting case")
    args = parser.parse_args(argv)

    from core.config import get_settings
    from core.logs import configure_logging
    from core.temporal_client import connect
    from store.db import sessions_for

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    async with sessions_for(settings.database_url, settings.database_pool_size) as sessions:
        client = await connect(settings, attempts=5)
        reconciler = Reconciler(client, sessions, concurrency=args.concurrency, settle=args.settle)
        report = await reconciler.run(
            args.la, repair=args.repair, closed_within=timedelta(days=args.closed_within_days)
        )
    if args.json:
        sys.stdout.write(json.dumps(report.as_dict(), indent=2) + "\n")
    else:
        _print_text(report)
    return 1 if report.drift or report.unreadable else 0


if __name__ == "__main__":
    from core.temporal_client import run_to_exit

    run_to_exit(_main(sys.argv[1:]))

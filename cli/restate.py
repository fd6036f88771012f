"""The one-off repair: restate dates recorded under the old rules under the three kinds of date.

The old rules recorded a family's lapsed window as "met", and another party's time or a planning date kept
as a duty as breached when it passed; a breach says the law was broken. workflows/restatement.py says what
each such record means now. This command applies it everywhere the record lives:

- a workflow still running (a case's, or a redress route's or appeal's) is sent the `restate_record`
  update, which restates its own state, records one history line and writes its rows again;
- every other deadline row of the case (a closed case, or the rows of a case's closed runs: an assessment
  that became a plan, a past review cycle) is restated in the read model by `restate_row`, with the case
  row's outcome, in one transaction per case. A workflow that turns out closed or unknown leaves its rows
  to this path.

    python -m cli.restate [--apply] [--la 202]

Without --apply it changes nothing and reports what would change. The report (JSON on stdout, a summary
on stderr) counts changes by kind ("window met -> used": n), cases touched, running workflows restated,
and failures by case reference and error class: never a message, so never a person's details. Running it
again changes nothing: a restated record is already in the current words.
"""

import argparse
import asyncio
import json
import sys
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

from sqlmodel import col, select
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

import statutory
from store.db import SessionMaker
from store.models import Case, CaseDeadline, RedressCase
from workflows.actions import Action
from workflows.case_base import CaseWorkflow
from workflows.restatement import describe, restate, restate_row

ACTOR = "restate"
WORKFLOW_TIMEOUT_SECONDS = 60


class Fallback(Exception):
    """The workflow is closed or unknown: its rows are restated in the read model instead."""


@dataclass
class Report:
    applied: bool
    cases: int = 0
    changes: Counter[str] = field(default_factory=Counter)
    cases_touched: set[str] = field(default_factory=set)
    running_workflows: int = 0  # running workflows asked
    workflows_restated: int = 0  # of those, the ones whose record changed
    rows_restated: int = 0  # read-model rows changed directly
    failures: list[tuple[str, str]] = field(default_factory=list)  # (case_ref, error class)

    def count(self, case_ref: str, changes: Iterable[str]) -> int:
        n = 0
        for change in changes:
            self.changes[change] += 1
            n += 1
        if n:
            self.cases_touched.add(case_ref)
        return n

    def as_dict(self) -> dict[str, Any]:
        return {
            "applied": self.applied,
            "cases": self.cases,
            "changes": dict(sorted(self.changes.items())),
            "total_changes": sum(self.changes.values()),
            "cases_touched": len(self.cases_touched),
            "running_workflows": self.running_workflows,
            "workflows_restated": self.workflows_restated,
            "rows_restated": self.rows_restated,
            "failures": [{"case_ref": ref, "error": error} for ref, error in sorted(self.failures)],
        }


def _change(line: str) -> str:
    """The change a workflow's line names: the text after its key (keys hold no spaces)."""
    return line.partition(": ")[2]


class Restater:
    def __init__(
        self,
        sessions: SessionMaker,
        connect: Callable[[], Awaitable[Client]] | None = None,
        *,
        concurrency: int = 4,
    ) -> None:
        """`connect` is called only if some case has a running workflow: closed cases need no Temporal."""
        self.sessions = sessions
        self._connect = connect
        self._client: Client | Exception | None = None
        self._client_lock = asyncio.Lock()
        self.limit = asyncio.Semaphore(concurrency)

    async def client(self) -> Client:
        """Connected once; a failure to connect is remembered, so each case fails at once, not after retries."""
        async with self._client_lock:
            if self._client is None:
                try:
                    if self._connect is None:
                        raise RuntimeError("a running workflow needs a Temporal client")
                    self._client = await self._connect()
                except Exception as error:
                    self._client = error
            if isinstance(self._client, Exception):
                raise self._client
            return self._client

    async def cases(self, las: list[str]) -> list[tuple[Case, list[str]]]:
        """Every case (of the LAs, if named) with the running workflows its rows name: its own, and those
        of its open redress routes and appeals."""
        async with self.sessions() as session:
            query = select(Case).order_by(col(Case.case_ref))
            routes = select(RedressCase.case_ref, RedressCase.workflow_id).where(col(RedressCase.closed).is_(False))
            if las:
                query = query.where(col(Case.la_code).in_(las))
                routes = routes.where(col(RedressCase.la_code).in_(las))
            cases = list(await session.exec(query))
            open_routes: dict[str, list[str]] = {}
            for case_ref, workflow_id in await session.exec(routes):
                open_routes.setdefault(case_ref, []).append(workflow_id)
        return [
            (case, ([] if case.closed else [case.workflow_id]) + sorted(open_routes.get(case.case_ref, [])))
            for case in cases
        ]

    async def restate_workflow(self, workflow_id: str, *, apply: bool) -> tuple[set[str], list[str]]:
        """The keys a running workflow holds, and the lines of what it restated (or would restate)."""
        handle = (await self.client()).get_workflow_handle(workflow_id)
        try:
            async with asyncio.timeout(WORKFLOW_TIMEOUT_SECONDS):  # no worker answering: a failure, not a hang
                if (await handle.describe()).status is not WorkflowExecutionStatus.RUNNING:
                    raise Fallback
                snapshot = await handle.query(CaseWorkflow.read_model)
                keys = {d.key for d in snapshot.deadlines}
                if not apply:
                    return keys, restate(snapshot.deadlines, outcome=snapshot.outcome)
                action = Action(on=statutory.business_date(datetime.now(UTC)), actor=ACTOR)
                # The SDK types a named async handler's answer as its coroutine; the client returns the list.
                lines = cast(list[str], await handle.execute_update(CaseWorkflow.restate_record, action))
                return keys, lines
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:  # closed since, or never known to this server
                raise Fallback from error
            raise

    async def restate_rows(self, case: Case, held: set[str], *, apply: bool) -> list[str]:
        """Restate the case's rows no running workflow holds, in one transaction; the changes made."""
        changes: list[str] = []
        async with self.sessions() as session, session.begin():
            query = select(CaseDeadline).where(col(CaseDeadline.case_ref) == case.case_ref)
            for row in await session.exec(query.order_by(col(CaseDeadline.key)).with_for_update()):
                if row.key in held:
                    continue
                new = restate_row(row.step, row.kind, row.status, row.due, row.done_on, case.outcome)
                if new is None:
                    continue
                changes.append(describe(row.kind, row.status, *new))
                if apply:
                    row.kind, row.status = new
                    session.add(row)
        return changes

    async def restate_case(self, case: Case, running: list[str], report: Report, *, apply: bool) -> None:
        async with self.limit:
            held: set[str] = set()
            try:
                for workflow_id in running:
                    try:
                        keys, lines = await self.restate_workflow(workflow_id, apply=apply)
                    except Fallback:
                        continue
                    report.running_workflows += 1
                    held |= keys
                    if report.count(case.case_ref, map(_change, lines)):
                        report.workflows_restated += 1
                changes = await self.restate_rows(case, held, apply=apply)
            except Exception as error:  # reported by class only: a message could quote data
                report.failures.append((case.case_ref, type(error).__name__))
                return
            report.rows_restated += report.count(case.case_ref, changes)

    async def run(self, las: Iterable[str] = (), *, apply: bool = False) -> Report:
        cases = await self.cases(list(las))
        report = Report(applied=apply, cases=len(cases))
        await asyncio.gather(*(self.restate_case(case, running, report, apply=apply) for case, running in cases))
        return report


def summary(report: Report) -> str:
    verb = "restated" if report.applied else "would restate"
    lines = [f"{report.cases} cases read; {verb} {sum(report.changes.values())} dates in {len(report.cases_touched)}"]
    lines += [f"  {change}: {n}" for change, n in sorted(report.changes.items())]
    lines.append(
        f"running workflows: {report.running_workflows} asked, {report.workflows_restated} restated; "
        f"read-model rows: {report.rows_restated}"
    )
    lines += [f"FAILED {ref}: {error}" for ref, error in sorted(report.failures)]
    if not report.applied:
        lines.append("dry run: nothing changed (run again with --apply)")
    return "\n".join(lines) + "\n"


async def _main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m cli.restate", description=__doc__.split("\n\n")[0])
    parser.add_argument("--apply", action="store_true", help="make the changes (default: report them only)")
    parser.add_argument("--la", action="append", default=[], help="only this LA's cases (repeatable)")
    parser.add_argument("--concurrency", type=int, default=4, help="cases restated at once")
    args = parser.parse_args(argv)

    from core.config import get_settings
    from core.logs import configure_logging
    from core.temporal_client import connect
    from store.db import sessions_for

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    async with sessions_for(settings.database_url, settings.database_pool_size) as sessions:
        restater = Restater(sessions, lambda: connect(settings, attempts=5), concurrency=args.concurrency)
        report = await restater.run(args.la, apply=args.apply)
    sys.stdout.write(json.dumps(report.as_dict(), indent=2) + "\n")
    sys.stderr.write(summary(report))
    return 1 if report.failures else 0


if __name__ == "__main__":
    from core.temporal_client import run_to_exit

    run_to_exit(_main(sys.argv[1:]))

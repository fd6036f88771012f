"""What one case costs Temporal and the database: the measured figures docs/deploy.md sizes a deployment from.

    .venv/bin/python -m bench.case_costs              # 60 cases in lockstep; prints JSON
    .venv/bin/python -m bench.case_costs --cases 300 --out costs.json
    .venv/bin/python -m bench.case_costs --payload-encryption off    # what encryption adds

N cases are driven through the real API, worker and read model, on the time-skipping Temporal server
(20 weeks pass in seconds) with PostgreSQL (TEST_PG_ADMIN_URL, default postgresql://postgres@127.0.0.1:5432/test;
a database of its own, dropped after). Every case goes the common way: request, decision to assess, advice,
draft, a setting consulted, the final plan, its appeal window closing; then the plan's first annual review
that keeps it as it is, which continues the plan as new into its second year.

For each part it reports, per case, every workflow history it wrote: events by type, bytes (protobuf, as
the server stores them), workflow tasks, activities, timers, updates, an estimate of the history service's
state transitions (one per mutable-state write: start, each workflow task started and completed, each
activity started and closed, each timer fired, each signal) and Temporal Cloud actions (start, timers,
activities, updates, search attribute upserts, signals, continue-as-new). The database's growth is read
with pg_total_relation_size over every table and index, after each part, divided by N, and so is the CPU
time of this process (API, worker and SDK core threads; the Temporal server runs as a process of its own
and is not counted). Payloads are encrypted as deployed (core/payload_codec.py), so the bytes are those the
server stores.

Then, on the dev server, what a waiting workflow keeps in Temporal's tables and in the worker's memory
(open_workflow_storage).

The recorded histories in tests/histories/ (an amended review cycle, a refusal taken to the Tribunal) are
measured the same way, for the less common routes.
"""

import argparse
import asyncio
import gc
import json
import os
import sqlite3
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager, closing
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal, get_args

import asyncpg
import httpx
from sqlalchemy.engine import make_url
from sqlmodel import col, select
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import EventType
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client, WorkflowHistory
from temporalio.converter import DataConverter
from temporalio.testing import WorkflowEnvironment

from api.main import create_app
from core.config import Settings
from core.logs import configure_logging
from core.payload_codec import ENCODING
from core.temporal_client import data_converter
from core.workflow_ids import assessment_id, plan_id, redress_id
from store.db import SessionMaker, create_engine, create_sessionmaker
from store.migrate import upgrade_async
from store.models import AppealableDecisionRow
from tests.conftest import BIN, TASK_QUEUE, register_search_attributes
from tests.driver import PlanOfficer
from tests.factories import TEST_PAYLOAD_KEYS, TEST_SECRET, bearer, case_request
from worker import build_worker
from workflows import search_attributes

HISTORIES = Path(__file__).resolve().parents[1] / "tests" / "histories"
PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
IN_FLIGHT = 8
# Cases and plans opened before the memory baseline, so that it counts no module loaded on first use.
WARM_UP = 20
STEP = timedelta(days=1)
Encryption = Literal["on", "off"]

E = EventType
# One write of the workflow's mutable state each (the history service's "state transition").
TRANSITIONS = (
    E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
    E.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
    E.EVENT_TYPE_ACTIVITY_TASK_STARTED,
    E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED,
    E.EVENT_TYPE_ACTIVITY_TASK_FAILED,
    E.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT,
    E.EVENT_TYPE_TIMER_FIRED,
    E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
)
# What Temporal Cloud bills as an action, as far as a history shows it (queries and rejected updates
# are actions too but leave no event; the API's case views are queries).
ACTIONS = (
    E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
    E.EVENT_TYPE_TIMER_STARTED,
    E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED,
    E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED,
    E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES,
    E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED,
    E.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
    E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED,
)


def history_costs(histories: list[WorkflowHistory]) -> dict[str, Any]:
    """Totals over the given histories (one case's workflows)."""
    types: Counter[int] = Counter(event.event_type for history in histories for event in history.events)

    def count(*kinds: int) -> int:
        return sum(types[kind] for kind in kinds)

    return {
        "workflows": len(histories),
        "events": sum(types.values()),
        "bytes": sum(event.ByteSize() for history in histories for event in history.events),
        "largest_history_events": max(len(history.events) for history in histories),
        "workflow_tasks": count(E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
        "activities": count(E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
        "timers_started": count(E.EVENT_TYPE_TIMER_STARTED),
        "timers_fired": count(E.EVENT_TYPE_TIMER_FIRED),
        "updates": count(E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED),
        "search_attribute_upserts": count(E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES),
        "state_transitions": count(*TRANSITIONS),
        "cloud_actions": count(*ACTIONS),
        "by_type": {
            EventType.Name(EventType.ValueType(kind)).removeprefix("EVENT_TYPE_").lower(): n
            for kind, n in types.most_common()
        },
    }


def per_case(cases: list[dict[str, Any]]) -> dict[str, Any]:
    """The mean over cases (they all went the same way; the mean hides nothing but rounding)."""
    keys = [key for key in cases[0] if key != "by_type"]
    mean = {key: round(sum(case[key] for case in cases) / len(cases), 1) for key in keys}
    mean["by_type"] = cases[0]["by_type"]
    return mean


async def database_bytes(url: str) -> dict[str, int]:
    """Bytes on disk of every table of ours with its indexes and TOAST (pg_total_relation_size)."""
    connection = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        rows = await connection.fetch(
            "SELECT relname, pg_total_relation_size(c.oid) AS size FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r'"
        )
    finally:
        await connection.close()
    return {row["relname"]: row["size"] for row in rows}


def growth(before: dict[str, int], after: dict[str, int], cases: int) -> dict[str, Any]:
    tables = {name: round((after[name] - before.get(name, 0)) / cases) for name in after}
    return {"total": sum(tables.values()), "by_table": {k: v for k, v in sorted(tables.items()) if v}}


def time_skipping(converter: DataConverter) -> Awaitable[WorkflowEnvironment]:
    return WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(BIN / "temporal-test-server"), data_converter=converter
    )


@asynccontextmanager
async def stack(
    database_url: str,
    encryption: Encryption,
    server: Callable[[DataConverter], Awaitable[WorkflowEnvironment]] = time_skipping,
) -> AsyncIterator[tuple[httpx.AsyncClient, WorkflowEnvironment, SessionMaker]]:
    """API, worker and a Temporal server (the time-skipping one unless told) in this process."""
    engine = create_engine(database_url)
    sessions = create_sessionmaker(engine)
    settings = Settings(
        database_url=database_url,
        temporal_task_queue=TASK_QUEUE,
        auth_jwt_secret=TEST_SECRET,
        payload_keys=TEST_PAYLOAD_KEYS,
        payload_encryption=encryption,
    )
    async with await server(data_converter(settings)) as env:
        if env.supports_time_skipping:
            await register_search_attributes(env.client)
        app = create_app(settings, temporal=env.client, sessions=sessions, clock=env.get_current_time)
        async with (
            build_worker(env.client, TASK_QUEUE, sessions, settings, max_cached_workflows=2000),
            app.router.lifespan_context(app),
            httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://bench", headers=bearer(settings), timeout=120
            ) as api,
        ):
            yield api, env, sessions
    await engine.dispose()


async def advance(env: WorkflowEnvironment, **delta: float) -> None:
    """Skip time a day at a time: a single long skip makes the server fire every case's timers within
    one RPC, which then times out with a few hundred cases."""
    remaining = timedelta(**delta)
    while remaining > timedelta(0):
        step = min(remaining, STEP)
        await env.sleep(step)
        remaining -= step


async def each(officers: list[PlanOfficer], step: Callable[[PlanOfficer], Awaitable[Any]]) -> list[Any]:
    """One step for every case, a few at a time, all on the same day of the shared clock."""
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(officer: PlanOfficer) -> Any:
        async with gate:
            return await step(officer)

    return await asyncio.gather(*(one(officer) for officer in officers))


async def run_cases(cases: int, database_url: str, encryption: Encryption) -> dict[str, Any]:
    async with stack(database_url, encryption) as (api, env, sessions):
        officers = [PlanOfficer(api, env) for _ in range(cases)]
        lead = officers[0]
        empty = await database_bytes(database_url)
        started = time.process_time()

        # Part 1: the request to the final plan, then the final plan's appeal window closes.
        await each(officers, lambda o: o.open(child=child_in_year_3()))
        await advance(env, weeks=3)
        await each(officers, lambda o: o.act("decide-to-assess", {"assess": True}))
        await each(officers, lambda o: o.act("advice-requests", {"adviser": "educational_psychologist"}))
        await advance(env, weeks=5)
        await each(officers, lambda o: o.act("advice-received", {"advice_id": "educational_psychologist"}))
        await each(officers, lambda o: o.act("decide-to-issue", {"issue": True}))
        await each(officers, lambda o: o.draft())
        await each(officers, lambda o: o.act("setting-consultations", {"setting_urn": "100001"}))
        await advance(env, days=15)
        await each(officers, lambda o: o.act("setting-answers", {"setting_urn": "100001", "agrees": True}))
        await each(officers, lambda o: o.final(named_setting_urn="100001"))
        await each(officers, lambda o: o.in_cycle(1))
        await advance(env, weeks=10)  # past the two months to appeal (reg 51(2)): the redress route closes
        assessed = await database_bytes(database_url)
        assessing = time.process_time() - started
        decisions = await redress_routes(sessions, [o.case_ref for o in officers])
        assessment = [
            history_costs(
                [await env.client.get_workflow_handle(assessment_id(o.case_ref)).fetch_history()]
                + [await env.client.get_workflow_handle(route).fetch_history() for route in decisions[o.case_ref]]
            )
            for o in officers
        ]

        # Part 2: the plan's first year: a review that keeps the plan; the plan continues as new.
        await advance(env, weeks=38)  # the review meeting falls about two weeks before its 12-month date
        meeting = (await lead.today()) + timedelta(days=15)
        await each(officers, lambda o: o.act_on_plan("review-notice", {"meeting_on": meeting.isoformat()}))
        await each(officers, lambda o: o.act_on_plan("review-advice", {}))
        await advance(env, days=15)
        await each(officers, lambda o: o.act_on_plan("review-meeting", {}))
        await advance(env, days=7)
        await each(officers, lambda o: o.act_on_plan("review-report", {}))
        await each(officers, lambda o: o.act_on_plan("review-decision", {"outcome": "maintain"}))
        await each(officers, lambda o: o.in_cycle(2))
        await advance(env, weeks=10)
        reviewed = await database_bytes(database_url)
        reviewing = time.process_time() - started - assessing
        later = await redress_routes(sessions, [o.case_ref for o in officers])
        plan_year = []
        plan_runs = []
        for o in officers:
            run = await first_plan_run(env, o.case_ref)
            new_routes = [route for route in later[o.case_ref] if route not in decisions[o.case_ref]]
            routes = [await env.client.get_workflow_handle(route).fetch_history() for route in new_routes]
            plan_year.append(history_costs([run, *routes]))
            plan_runs.append(history_costs([run]))

    return {
        "assessment_to_final_plan": {
            "temporal": per_case(assessment),
            "database_bytes": growth(empty, assessed, cases),
            "engine_cpu_seconds": round(assessing / cases, 3),
        },
        "plan_year_maintained": {
            "temporal": per_case(plan_year),
            # The plan's own run without the review decision's redress route: what an amended cycle replaces.
            "temporal_plan_run": per_case(plan_runs),
            "database_bytes": growth(assessed, reviewed, cases),
            "engine_cpu_seconds": round(reviewing / cases, 3),
        },
    }


def child_in_year_3() -> dict[str, Any]:
    """A child in Year 3 in 2026/27: no phase transfer (reg 18) for years, so the review is the yearly one."""
    return {**case_request(date(2026, 11, 24))["child"], "date_of_birth": "2018-11-04"}


async def first_plan_run(env: WorkflowEnvironment, case_ref: str) -> WorkflowHistory:
    """The plan's first year: the run its second year continued from."""
    handle = env.client.get_workflow_handle(plan_id(case_ref))
    second = await handle.fetch_history()
    first = second.events[0].workflow_execution_started_event_attributes.continued_execution_run_id
    return await env.client.get_workflow_handle(handle.id, run_id=first).fetch_history()


async def redress_routes(sessions: SessionMaker, case_refs: list[str]) -> dict[str, list[str]]:
    """The redress workflow of every appealable decision recorded for these cases."""
    async with sessions() as session:
        rows = (
            await session.exec(select(AppealableDecisionRow).where(col(AppealableDecisionRow.case_ref).in_(case_refs)))
        ).all()
    routes: dict[str, list[str]] = {ref: [] for ref in case_refs}
    for row in rows:
        routes[row.case_ref].append(redress_id(row.case_ref, row.decision_id))
    return routes


async def open_workflow_storage(cases: int, database_url: str, encryption: Encryption) -> dict[str, Any]:
    """What an open workflow keeps in Temporal's database while it waits (its mutable state, the history of
    its current run, its pending timer tasks, its visibility row) and in the worker's memory while cached.

    Measured on the dev server, whose SQLite schema has the same tables and blobs as the PostgreSQL one:
    N assessment cases just opened and N existing plans just imported, left to settle, then the file's
    pages per table and index (dbstat) divided by the number of workflows. The worker runs in this
    process with a cache larger than N: the growth of the process's resident memory over those
    workflows, after a warm-up that loads every module, is the memory of a cached workflow (its sandbox
    instance in Python and its state machines in the SDK core)."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "temporal.db"

        def dev_server(converter: DataConverter) -> Awaitable[WorkflowEnvironment]:
            return WorkflowEnvironment.start_local(
                dev_server_existing_path=str(BIN / "temporal"),
                dev_server_database_filename=str(path),
                data_converter=converter,
                search_attributes=search_attributes.ALL,
            )

        async with stack(database_url, encryption, dev_server) as (api, env, _):
            warm = await open_and_import(api, env, WARM_UP, 0)
            resident = resident_bytes()
            workflow_ids = await open_and_import(api, env, cases, WARM_UP)
            memory = (resident_bytes() - resident) / len(workflow_ids)
            running = await env.client.count_workflows("ExecutionStatus = 'Running'")
            assert running.count == len(warm) + len(workflow_ids), running.count
        with closing(sqlite3.connect(path)) as db:
            owner = dict(db.execute("SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')"))
            pages: Counter[str] = Counter()
            for name, size in db.execute("SELECT name, SUM(pgsize) FROM dbstat GROUP BY name"):
                pages[owner.get(name, name)] += size
            # The blobs themselves, which PostgreSQL stores byte for byte (bytea).
            (state,) = db.execute("SELECT SUM(LENGTH(data) + LENGTH(state)) FROM executions").fetchone()
            (history,) = db.execute("SELECT SUM(LENGTH(data)) FROM history_node").fetchone()
    total = running.count
    tables = ("executions", "current_executions", "history_node", "history_tree", "timer_tasks")
    per_workflow = {table: round(pages[table] / total) for table in tables}
    visibility = sum(size for table, size in pages.items() if table.startswith("executions_visibility"))
    per_workflow["executions_visibility (with its full-text tables)"] = round(visibility / total)
    return {
        "workflows": total,
        "bytes_per_open_workflow": per_workflow,
        "blob_bytes_per_open_workflow": {"mutable_state": round(state / total), "history": round(history / total)},
        "worker_memory_bytes_per_cached_workflow": round(memory),
        "process_resident_bytes_after_warm_up": resident,
    }


async def open_and_import(api: httpx.AsyncClient, env: WorkflowEnvironment, n: int, first: int) -> list[str]:
    """N new assessment cases and N imported plans, settled: the IDs of their workflows."""
    officers = [PlanOfficer(api, env) for _ in range(n)]
    await each(officers, lambda o: o.open(child=child_in_year_3()))
    today = await officers[0].today()
    report = await officers[0].import_plans([existing_plan(first + i, today) for i in range(n)])
    workflow_ids = [assessment_id(o.case_ref) for o in officers] + [plan_id(c["case_ref"]) for c in report["cases"]]
    for workflow_id in workflow_ids:
        await settle(env.client, workflow_id)
    return workflow_ids


def resident_bytes() -> int:
    """This process's resident set, once Python has freed what it can."""
    gc.collect()
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) * 1024


def existing_plan(n: int, today: date) -> dict[str, str]:
    """An existing plan of a Year 3 child, issued seven months ago: it waits for its yearly review."""
    return {
        "la_code": "202",
        "la_reference": f"BENCH/{n}",
        "given_name": "Bench",
        # A name is letters only (the import validates names as POST /cases does): plan 12 is "Plan bc".
        "family_name": "Plan " + "".join(chr(ord("a") + int(digit)) for digit in str(n)),
        "date_of_birth": "2018-11-04",
        "plan_issued_on": (today - timedelta(days=210)).isoformat(),
    }


async def settle(client: Client, workflow_id: str) -> None:
    """Until the workflow has no workflow task or activity pending: it is waiting on its timers."""
    request = DescribeWorkflowExecutionRequest(
        namespace=client.namespace, execution=WorkflowExecution(workflow_id=workflow_id)
    )
    for _ in range(600):
        described = await client.workflow_service.describe_workflow_execution(request)
        if not described.pending_activities and not described.HasField("pending_workflow_task"):
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{workflow_id} did not settle")


def recorded() -> dict[str, Any]:
    """The recorded histories of the less common routes, measured the same way. They may have been
    recorded before payloads were encrypted: `payloads_encrypted` says, so that bytes can be compared."""
    files = {
        "plan_cycle_amended": ["plan_cycle_amended"],
        "refusal_appealed_to_tribunal_order": ["redress_certificate_appeal", "tribunal_order_to_assess"],
    }
    measured = {}
    for name, parts in files.items():
        histories = [WorkflowHistory.from_json("x", (HISTORIES / f"{part}.json").read_text()) for part in parts]
        encrypted = any(ENCODING in event.SerializeToString() for h in histories for event in h.events)
        measured[name] = {**history_costs(histories), "payloads_encrypted": encrypted}
    return measured


@asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    name = f"ehcp_bench_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(PG_ADMIN_URL, timeout=10)
    await admin.execute(f'CREATE DATABASE "{name}"')
    await admin.close()
    url = make_url(PG_ADMIN_URL).set(drivername="postgresql+asyncpg", database=name).render_as_string(False)
    try:
        await upgrade_async(url)
        yield url
    finally:
        admin = await asyncpg.connect(PG_ADMIN_URL, timeout=10)
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=60)
    parser.add_argument("--waiting", type=int, default=150, help="cases and plans opened for the storage part")
    parser.add_argument(
        "--payload-encryption",
        choices=get_args(Encryption),
        default="on",
        help="on, as deployed; off to see what encryption adds",
    )
    parser.add_argument("--out", type=Path, help="write the JSON here (the SDK core may warn on stdout)")
    args = parser.parse_args()
    configure_logging("WARNING", "json", stream=sys.stderr)  # stdout carries the JSON result only
    async with fresh_database() as url:
        measured = await run_cases(args.cases, url, args.payload_encryption)
    async with fresh_database() as url:
        storage = await open_workflow_storage(args.waiting, url, args.payload_encryption)
    report = json.dumps(
        {
            "cases": args.cases,
            "payload_encryption": args.payload_encryption,
            **measured,
            "recorded": recorded(),
            "open_workflow_storage": storage,
        },
        indent=2,
    )
    if args.out:
        args.out.write_text(report + "\n")
    else:
        print(report)  # noqa: T201 - the benchmark's output


if __name__ == "__main__":
    asyncio.run(main())

"""PostgreSQL unreachable for 30 seconds under load: what callers see, and that nothing is lost.

    .venv/bin/python -m bench.db_outage                   # 30 s outage, the server gone (resets, refusals)
    .venv/bin/python -m bench.db_outage --mode partition  # 30 s of dropped packets instead

Needs a PostgreSQL server (TEST_PG_ADMIN_URL, default postgresql://postgres@127.0.0.1:5432/test); it makes
a database of its own and drops it after. It starts a Temporal dev server, a worker and the API in this
process, with every database connection of the worker and the API through a TCP proxy (tests/support/tcp_proxy.py).
Officers open cases and act on them through the API without pause, retrying a refused request after half
a second with the same Idempotency-Key, while readers poll cases and the work queue. After a warm-up the
proxy cuts PostgreSQL off for `--outage` seconds, then restores it; the load runs on a while, stops, and
the read model is checked against every workflow. Prints a JSON summary (docs/reliability.md).
"""

import argparse
import asyncio
import json
import logging
import os
import random
import shutil
import statistics
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy.engine import make_url
from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

import statutory
from api.main import create_app
from core.config import Settings
from core.logs import configure_logging
from core.payload_codec import new_key_entry
from core.temporal_client import data_converter
from core.workflow_ids import assessment_id
from store.db import SessionMaker, create_engine, create_sessionmaker
from store.migrate import upgrade_async
from store.models import AuditEvent, Case, Notification
from tests.factories import TEST_SECRET, bearer, case_request
from tests.support.tcp_proxy import TcpProxy
from worker import build_worker
from workflows import search_attributes as sa
from workflows.assessment import AssessmentWorkflow

LA = "BOUT"
TASK_QUEUE = "bench-db-outage"
RETRY_AFTER_SECONDS = 0.5
BIN = Path(__file__).resolve().parents[1] / ".venv" / "bin"
EXPECTED_TRAIL = ["advice_requested", "decided_to_assess", "request_received"]
EXPECTED_NOTICES = [("advice_request", "adviser"), ("decision_to_assess", "parent")]


@dataclass
class Clock:
    """The outage's timeline, for sorting every answer into before, during and after."""

    cut_at: float = float("inf")
    restored_at: float = float("inf")

    def phase(self, at: float) -> str:
        if at < self.cut_at:
            return "before"
        return "during" if at < self.restored_at else "after"


@dataclass
class Record:
    answers: list[tuple[float, str, str, int, float]] = field(default_factory=list)  # at, phase, kind, status, s
    unexpected: list[str] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)
    max_attempt_seen: int = 0
    refusals: Counter[str] = field(default_factory=Counter)  # 503 answers by problem type


async def call(
    api: httpx.AsyncClient, clock: Clock, record: Record, kind: str, method: str, url: str, **kwargs: Any
) -> httpx.Response:
    """One caller's request, repeated while the service is unavailable, as a well-behaved client would."""
    while True:
        started = time.monotonic()
        answer = await api.request(method, url, **kwargs)
        record.answers.append((started, clock.phase(started), kind, answer.status_code, time.monotonic() - started))
        if answer.status_code == 503:
            record.refusals[answer.json().get("type", "")] += 1
        else:
            if answer.status_code >= 400:
                record.unexpected.append(f"{method} {url}: {answer.status_code} {answer.text[:200]}")
            return answer
        await asyncio.sleep(RETRY_AFTER_SECONDS)


async def officer(api: httpx.AsyncClient, clock: Clock, record: Record, stop: asyncio.Event) -> None:
    """Opens a case, decides to assess, asks for advice, reads the case back; again until told to stop."""
    while not stop.is_set():
        today = statutory.business_date(datetime.now(UTC)).isoformat()
        key = uuid.uuid4().hex
        opened = await call(
            api,
            clock,
            record,
            "open case",
            "POST",
            "/cases",
            json=case_request(statutory.business_date(datetime.now(UTC)), la_code=LA),
            headers={"Idempotency-Key": key},
        )
        case_ref = opened.json()["case_ref"]
        record.cases.append(case_ref)
        for path, action in (
            ("decide-to-assess", {"on": today, "assess": True}),
            ("advice-requests", {"on": today, "adviser": "educational_psychologist"}),
        ):
            headers = {"Idempotency-Key": f"{key}-{path}"}
            await call(api, clock, record, "action", "POST", f"/cases/{case_ref}/{path}", json=action, headers=headers)
        await call(api, clock, record, "read case", "GET", f"/cases/{case_ref}")


async def reader(api: httpx.AsyncClient, clock: Clock, record: Record, stop: asyncio.Event) -> None:
    """A manager watching the work queue and opening cases from it: reads only, never retried."""
    rng = random.Random(7)
    while not stop.is_set():
        for kind, url in (("work queue", "/work-queue"), ("read case", f"/cases/{rng.choice(record.cases or ['x'])}")):
            if url == "/cases/x":
                continue
            started = time.monotonic()
            answer = await api.get(url)
            record.answers.append((started, clock.phase(started), kind, answer.status_code, time.monotonic() - started))
            if answer.status_code == 503:
                record.refusals[answer.json().get("type", "")] += 1
            elif answer.status_code >= 400:
                record.unexpected.append(f"GET {url}: {answer.status_code} {answer.text[:200]}")
        await asyncio.sleep(0.1)


async def watch_retries(env: WorkflowEnvironment, record: Record, stop: asyncio.Event) -> None:
    """How often Temporal has tried the activities that the outage holds up (from the workflows' pending activities)."""
    while not stop.is_set():
        for case_ref in record.cases[-20:]:
            described = await env.client.get_workflow_handle(assessment_id(case_ref)).describe()
            for pending in described.raw_description.pending_activities:
                record.max_attempt_seen = max(record.max_attempt_seen, pending.attempt)
        await asyncio.sleep(1)


async def converged(env: WorkflowEnvironment, direct: SessionMaker, refs: list[str]) -> dict[str, Any]:
    """Compare the read model with every workflow: stage, audit trail and notices, each exactly once."""
    async with direct() as session:
        rows = {c.case_ref: c for c in (await session.exec(select(Case).where(Case.la_code == LA))).all()}
        events = (await session.exec(select(AuditEvent).where(col(AuditEvent.case_ref).in_(refs)))).all()
        notices = (await session.exec(select(Notification).where(col(Notification.case_ref).in_(refs)))).all()
    trails: dict[str, list[str]] = {ref: [] for ref in refs}
    for event in events:
        if event.event_key.startswith("assessment-"):
            trails[event.case_ref].append(event.action)
    sent: dict[str, list[tuple[str, str]]] = {ref: [] for ref in refs}
    for notice in notices:
        sent[notice.case_ref].append((notice.template, notice.recipient_role))
    lagging = []
    for ref in refs:
        state = await env.client.get_workflow_handle(assessment_id(ref)).query(AssessmentWorkflow.get_state)
        row = rows.get(ref)
        if (
            row is None
            or row.stage != state.stage.value
            or sorted(trails[ref]) != sorted(h.action for h in state.history)
        ):
            lagging.append(ref)
    return {
        "cases_in_read_model": len(rows),
        "lagging": lagging,
        "wrong_trails": [r for r in refs if sorted(trails[r]) != EXPECTED_TRAIL],
        "wrong_notices": [r for r in refs if sorted(sent[r]) != EXPECTED_NOTICES],
        "duplicate_audit_events": sum(n - 1 for n in Counter(e.event_key for e in events).values()),
        "duplicate_notices": sum(n - 1 for n in Counter(n.idempotency_key for n in notices).values()),
    }


async def catch_up(env: WorkflowEnvironment, direct: SessionMaker, refs: list[str], since: float) -> float:
    """Seconds from the restore until every workflow that existed then has no activity left to retry and the
    read model agrees with it."""

    async def settled(ref: str) -> bool:
        described = await env.client.get_workflow_handle(assessment_id(ref)).describe()
        return not described.raw_description.pending_activities

    while not all([await settled(ref) for ref in refs]) or (await converged(env, direct, refs))["lagging"]:
        await asyncio.sleep(0.5)
    return time.monotonic() - since


def summary(record: Record, clock: Clock) -> dict[str, Any]:
    by_phase: dict[str, Counter[str]] = {p: Counter() for p in ("before", "during", "after")}
    for _, phase, kind, status, _ in record.answers:
        by_phase[phase][f"{kind} {status}"] += 1
    refused = [s for _, phase, _, status, s in record.answers if phase == "during" and status == 503]
    first_ok_after = min(
        (at for at, phase, _, status, _ in record.answers if phase == "after" and status < 400), default=None
    )
    held = [
        (kind, status)
        for at, _, kind, status, took in record.answers
        if at < clock.restored_at < at + took and status < 400
    ]
    return {
        "answers": {phase: dict(sorted(counts.items())) for phase, counts in by_phase.items()},
        "answered_after_waiting_out_the_outage": dict(Counter(f"{k} {s}" for k, s in held)),
        "refusals_by_problem_type": dict(record.refusals),
        "server_errors_other_than_503": sum(1 for a in record.answers if a[3] >= 500 and a[3] != 503),
        "refused_during_outage_seconds": {
            "p50": round(statistics.median(refused), 3) if refused else None,
            "max": round(max(refused), 3) if refused else None,
        },
        "first_success_after_restore_seconds": round(first_ok_after - clock.restored_at, 2) if first_ok_after else None,
        "max_activity_attempt_seen": record.max_attempt_seen,
        "unexpected_4xx": record.unexpected[:10],
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    admin_url = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
    name = f"ehcp_bench_outage_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_url, timeout=10)
    await admin.execute(f'CREATE DATABASE "{name}"')
    direct_url = make_url(admin_url).set(drivername="postgresql+asyncpg", database=name)
    try:
        await upgrade_async(direct_url.render_as_string(False))
        proxy = await TcpProxy(direct_url.host or "127.0.0.1", direct_url.port or 5432).start()
        proxied_url = direct_url.set(host="127.0.0.1", port=proxy.port).render_as_string(False)
        settings = Settings(
            database_url=proxied_url,
            temporal_task_queue=TASK_QUEUE,
            auth_jwt_secret=TEST_SECRET,
            payload_keys=new_key_entry(),
        )
        direct_engine, engine = create_engine(direct_url.render_as_string(False)), create_engine(proxied_url)
        sessions, direct = create_sessionmaker(engine), create_sessionmaker(direct_engine)
        temporal = shutil.which("temporal", path=str(BIN)) or shutil.which("temporal")
        async with await WorkflowEnvironment.start_local(
            dev_server_existing_path=temporal, data_converter=data_converter(settings), search_attributes=sa.ALL
        ) as env:
            app = create_app(settings, temporal=env.client, sessions=sessions)
            async with (
                build_worker(env.client, TASK_QUEUE, sessions, settings),
                app.router.lifespan_context(app),
                httpx.AsyncClient(
                    transport=httpx.ASGITransport(app=app),
                    base_url="http://bench",
                    headers=bearer(settings, las=[LA]),
                    timeout=120,
                ) as api,
            ):
                clock, record, stop = Clock(), Record(), asyncio.Event()
                load = [asyncio.create_task(officer(api, clock, record, stop)) for _ in range(args.officers)]
                load += [asyncio.create_task(reader(api, clock, record, stop)) for _ in range(args.readers)]
                watcher = asyncio.create_task(watch_retries(env, record, stop))
                await asyncio.sleep(args.warmup)
                clock.cut_at = time.monotonic()
                if args.mode == "cut":
                    await proxy.cut()
                else:
                    proxy.partition()
                await asyncio.sleep(args.outage)
                await proxy.restore()
                clock.restored_at = time.monotonic()
                catching_up = asyncio.create_task(catch_up(env, direct, list(record.cases), clock.restored_at))
                await asyncio.sleep(args.after)
                stop.set()
                await asyncio.gather(*load, watcher)
                caught_up = await asyncio.wait_for(catching_up, timeout=180)
                refs = list(record.cases)
                deadline = time.monotonic() + 180
                while (check := await converged(env, direct, refs))["lagging"] and time.monotonic() < deadline:
                    await asyncio.sleep(1)
            await engine.dispose()
            await direct_engine.dispose()
            await proxy.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
    return {
        "mode": args.mode,
        "outage_seconds": args.outage,
        "officers": args.officers,
        "readers": args.readers,
        "cases_opened": len(refs),
        **summary(record, clock),
        "read_model_caught_up_seconds_after_restore": round(caught_up, 1),
        # A case is lost if its read model, trail or notices miss what its workflow holds.
        "lost": len(set(check["lagging"]) | set(check["wrong_trails"]) | set(check["wrong_notices"])),
        "duplicates": check["duplicate_audit_events"] + check["duplicate_notices"],
        "check": check,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["cut", "partition"], default="cut")
    parser.add_argument("--outage", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=10.0)
    parser.add_argument("--after", type=float, default=20.0, help="seconds of load after the restore")
    parser.add_argument("--officers", type=int, default=8)
    parser.add_argument("--readers", type=int, default=2)
    # Each failed activity attempt is logged as a warning: hundreds during an outage, and expected.
    logging.getLogger("temporalio").setLevel(logging.ERROR)
    configure_logging("CRITICAL", "console")  # and each refused request as an error: the summary counts them
    parser.add_argument("--out", type=Path, help="also write the summary here (bench/results/)")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    text = json.dumps(result, indent=2)
    print(text)  # noqa: T201 - the benchmark's output
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text + "\n")
    sys.exit(1 if result["lost"] or result["duplicates"] or result["server_errors_other_than_503"] else 0)


if __name__ == "__main__":
    main()

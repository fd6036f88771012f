"""Fault runs: the worker killed mid-load, the Temporal server stopped and killed, and nothing lost.

    .venv/bin/python -m bench.faults                 # 1,000 cases (make faults); minutes, not for the suite
    .venv/bin/python -m bench.faults --cases 50      # a quick look

Everything runs as it does in production, each part its own process: `temporal server start-dev` with a
SQLite file of its own, `worker.py`, the API under uvicorn, and a PostgreSQL database of its own (made on
TEST_PG_ADMIN_URL, default postgresql://postgres@127.0.0.1:5432/test, and dropped after). Payloads are
encrypted with a key made for the run.

(a) Officers open `--cases` cases through the API, received between 0 and 150 days ago, so the clock of most
    has something due at once: a reminder, or a breach with its escalation (decision 6 weeks, notice of no
    plan 16, final plan 20). A third of the recent cases get their decision to assess while the load runs.
    Half-way through, the worker is SIGKILLed and started again. Then: every case still running, every
    reminder, breach and escalation the law calls for sent exactly once (the expected set is the case's
    own deadline book woken when its workflow woke, and now), no notice twice, every decision recorded
    once, and reconciliation finds no drift.
(b) The server is stopped with SIGTERM and started again on the same file (after `--down-seconds`), then
    once more with SIGKILL. Each time: the same workflows running, every timer not yet due the same after
    as before (same id, same fire time), every timer that came due meanwhile fired, actions on old cases
    answered, new cases with deadlines already past breached and escalated once, no drift.

Timers of this system fall due at midnight, London time, so one comes due while the server is down only if
the run is down across midnight (`--down-seconds` and the time of day); tests/bench/test_faults_smoke.py shows a
timer that comes due while the server is down firing once after, and the time-skipping tests show the
clock's timers firing after weeks (tests/workflows/test_assessment_clock.py, tests/workflows/test_replay.py).

Prints one JSON summary (--out writes it to a file too); docs/reliability.md records the figures. Exits 1
if a case is lost, a notice doubled, or drift left.
"""

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import func
from sqlalchemy.engine import make_url
from sqlmodel import col, select
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory
from temporalio.service import RPCError

import statutory
from api.auth import Role, issue_token
from bench.stack import BIN, dev_server_command, free_port
from cli.reconcile import Reconciler
from core.config import PROJECT_ROOT, Settings
from core.logs import configure_logging
from core.payload_codec import new_key_entry
from core.temporal_client import connect
from store.db import SessionMaker, create_engine, create_sessionmaker
from store.migrate import upgrade_async
from store.models import AuditEvent, Case, Notification
from workflows import search_attributes as sa
from workflows.assessment import DECIDE_TO_ISSUE, REQUEST_STEPS
from workflows.case_state import DeadlineKind
from workflows.deadline_book import ClockEvent, DeadlineBook, Firing

LA = "FAULTS"  # an LA of its own: reconciliation counts every open row of the LA it checks
TASK_QUEUE = "fault-cases"
SECRET = "fault-bench-secret-0123456789abcdef0123456789abcdef"
REMINDER_DAYS = 5
DEADLINE_TEMPLATES = {
    ClockEvent.REMINDER: ("deadline_reminder",),
    ClockEvent.BREACH: ("deadline_breached", "deadline_escalation"),
    ClockEvent.TARGET_PASSED: (),
}
SETTLE_SECONDS = 600


def as_letters(number: int) -> str:
    """Names take letters only: case 27 is 'Bb'."""
    text = ""
    while True:
        number, digit = divmod(number, 26)
        text += chr(ord("a") + digit)
        if not number:
            return text.capitalize()


def log(message: str) -> None:
    sys.stderr.write(f"[{datetime.now(UTC):%H:%M:%S}] {message}\n")


class Stack:
    """The dev server, the worker and the API as child processes, each stopped or killed on demand."""

    def __init__(self, workdir: Path, database_url: str) -> None:
        self.workdir = workdir
        self.temporal_port = free_port()
        self.api_port = free_port()
        self.env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "TEMPORAL_ADDRESS": f"127.0.0.1:{self.temporal_port}",
            "TEMPORAL_TASK_QUEUE": TASK_QUEUE,
            "AUTH_JWT_SECRET": SECRET,
            "REMINDER_WORKING_DAYS": str(REMINDER_DAYS),
            "LOG_LEVEL": "WARNING",
            # Payloads encrypted as deployed, with a key made for this run and thrown away after.
            "PAYLOAD_KEYS": new_key_entry("faults"),
        }
        self.server: subprocess.Popen[bytes] | None = None
        self.worker: subprocess.Popen[bytes] | None = None
        self.api: subprocess.Popen[bytes] | None = None

    def _spawn(self, name: str, argv: list[str]) -> subprocess.Popen[bytes]:
        out = open(self.workdir / f"{name}.log", "ab")  # noqa: SIM115 - the child holds it
        return subprocess.Popen(argv, cwd=PROJECT_ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT)

    def start_server(self) -> None:
        self.server = self._spawn("temporal", dev_server_command(self.workdir / "temporal.db", self.temporal_port))

    def start_worker(self) -> None:
        self.worker = self._spawn("worker", [sys.executable, "worker.py"])

    def start_api(self) -> None:
        uvicorn = str(BIN / "uvicorn")
        argv = [uvicorn, "--factory", "api.main:production_app", "--port", str(self.api_port), "--log-level", "error"]
        self.api = self._spawn("api", argv)

    @staticmethod
    def stop(process: subprocess.Popen[bytes] | None, sig: signal.Signals) -> None:
        if process is None or process.poll() is not None:
            return
        process.send_signal(sig)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def close(self) -> None:
        for process in (self.api, self.worker, self.server):
            self.stop(process, signal.SIGTERM)


async def until(check: Callable[[], Awaitable[Any]], seconds: float, what: str) -> float:
    """Poll `check` until truthy; the time it took. Raises if it never is (the run then reports the fault)."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        try:
            if await check():
                return time.monotonic() - started
        except (httpx.TransportError, OSError, RuntimeError, RPCError):
            pass
        await asyncio.sleep(0.5)
    raise TimeoutError(f"{what}: not within {seconds:.0f} s")


def expected_notices(received: date, wakes: list[datetime], *, confirmed: bool) -> Counter[str]:
    """What the case's own deadline book fires when its clock wakes at these moments, each once.

    A reminder whose breach is also past when the clock wakes is skipped, so what a case owes depends on
    when it woke: at its first workflow task, at each timer that fired (late if the server was down), and,
    last, now: a timer that never fired then shows as a notice missing. The book is opened, as the workflow
    opens it, at its first wake and keeps legal time: dates already past then are held (docs/legal-time.md)."""
    wakes = sorted(wakes)
    book = DeadlineBook([], [], statutory.DEFAULT_POLICY, REMINDER_DAYS, clock=lambda: wakes[0])
    for key, step in REQUEST_STEPS.items():
        book.open(key, step, received, kind=DeadlineKind.TARGET if key == DECIDE_TO_ISSUE else DeadlineKind.DUTY)
    if confirmed:  # the officer confirmed the backlog as the case opened
        book.confirm_backlog()
    return Counter(template for wake in wakes for firing in book.fire(wake) for template in templates_of(firing))


def templates_of(firing: Firing) -> tuple[str, ...]:
    if firing.event is ClockEvent.REMINDER and firing.deadline.kind is DeadlineKind.TARGET:
        return ("target_at_risk",)
    return DEADLINE_TEMPLATES[firing.event]


def wakes_of(history: WorkflowHistory) -> list[datetime]:
    """When the workflow's clock woke: its first workflow task, then every timer that fired."""
    first = next(e for e in history.events if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED)
    fired = [e for e in history.events if e.event_type == EventType.EVENT_TYPE_TIMER_FIRED]
    return [e.event_time.ToDatetime(tzinfo=UTC) for e in (first, *fired)]


def pending_timers_of(ref: str, history: WorkflowHistory) -> set[tuple[str, int, datetime]]:
    """(case, timer, when it fires) of every timer started and neither fired nor cancelled."""
    started: dict[int, datetime] = {}
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_TIMER_STARTED:
            timeout = event.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta()
            started[event.event_id] = event.event_time.ToDatetime(tzinfo=UTC) + timeout
        elif event.event_type == EventType.EVENT_TYPE_TIMER_FIRED:
            started.pop(event.timer_fired_event_attributes.started_event_id, None)
        elif event.event_type == EventType.EVENT_TYPE_TIMER_CANCELED:
            started.pop(event.timer_canceled_event_attributes.started_event_id, None)
    return {(ref, timer, fires) for timer, fires in started.items()}


class Bench:
    def __init__(self, stack: Stack, client: Client, sessions: SessionMaker) -> None:
        self.stack = stack
        self.client = client
        self.sessions = sessions
        self.received: dict[str, date] = {}
        self.confirmed: set[str] = set()
        self.decided: set[str] = set()
        self.refused: Counter[str] = Counter()  # answers other than success, by status: retried
        settings = Settings(auth_jwt_secret=SECRET)
        token = issue_token(settings, "bench.manager", Role.MANAGER, [LA])
        self.api = httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{stack.api_port}", headers={"Authorization": f"Bearer {token}"}, timeout=90
        )

    async def ready(self) -> None:
        async def answers() -> bool:
            return (await self.api.get("/health/ready")).status_code == 200

        await until(answers, 60, "the API")

    async def post(self, path: str, body: dict[str, Any], key: str) -> httpx.Response:
        """POST until answered; a retry carries the same Idempotency-Key, so it is the same request."""
        for _ in range(120):
            try:
                answer = await self.api.post(path, json=body, headers={"Idempotency-Key": key})
            except httpx.TransportError:
                self.refused["transport"] += 1
                await asyncio.sleep(1)
                continue
            if answer.status_code < 500:
                return answer
            self.refused[str(answer.status_code)] += 1
            await asyncio.sleep(1)
        raise RuntimeError(f"{path} never answered")

    async def open_case(self, number: int, days_ago: int) -> str:
        received = statutory.business_date(datetime.now(UTC)) - timedelta(days=days_ago)
        body = {
            "la_code": LA,
            "received_date": received.isoformat(),
            "request_source": "parent",
            "child": {
                "given_name": "Fault",
                "family_name": f"Bench {as_letters(number)}",
                "date_of_birth": "2016-01-01",
            },
            "contacts": [{"role": "parent", "name": f"Parent {as_letters(number)}", "email": f"p{number}@example.org"}],
        }
        answer = await self.post("/cases", body, f"fault-open-{number}-{days_ago}")
        assert answer.status_code == 201, answer.text
        ref = answer.json()["case_ref"]
        self.received[ref] = received
        # Its past is in: what was overdue when it was entered is judged now, so most cases owe a breach and an
        # escalation at once (docs/legal-time.md). A case with nothing held answers 409 and keeps its clock.
        today = statutory.business_date(datetime.now(UTC)).isoformat()
        confirmed = await self.post(f"/cases/{ref}/backlog-confirmed", {"on": today}, f"fault-backlog-{ref}")
        assert confirmed.status_code in (200, 409), confirmed.text
        if confirmed.status_code == 200:
            self.confirmed.add(ref)
        return ref

    async def decide(self, ref: str) -> None:
        today = statutory.business_date(datetime.now(UTC)).isoformat()
        answer = await self.post(f"/cases/{ref}/decide-to-assess", {"on": today, "assess": True}, f"fault-{ref}")
        assert answer.status_code == 200, answer.text
        self.decided.add(ref)

    async def load(self, count: int, offset: int, kill_worker_at: int | None) -> dict[str, Any]:
        """Open cases 16 at a time, deciding on a third of the recent ones meanwhile; kill the worker once."""
        limit = asyncio.Semaphore(16)
        actions: list[asyncio.Task[None]] = []
        fault: dict[str, Any] = {}
        opened = 0

        async def one(number: int) -> None:
            nonlocal opened
            days_ago = number % 150
            async with limit:
                ref = await self.open_case(number, days_ago)
            opened += 1
            # Far from the decision's reminder, so the decision and the clock never race over it.
            if days_ago <= 25 and number % 3 == 0:
                actions.append(asyncio.create_task(self.decide(ref)))
            if kill_worker_at is not None and opened == kill_worker_at and not fault:
                fault.update(self.kill_worker(opened))

        started = time.monotonic()
        await asyncio.gather(*(one(offset + n) for n in range(count)))
        await asyncio.gather(*actions)
        return {"seconds": round(time.monotonic() - started, 1), **({"worker_kill": fault} if fault else {})}

    def kill_worker(self, opened: int) -> dict[str, Any]:
        log(f"SIGKILL worker after {opened} cases opened")
        assert self.stack.worker is not None
        self.stack.worker.kill()
        self.stack.worker.wait()
        self.stack.start_worker()
        return {"fault": "worker SIGKILL, restarted at once", "after_cases_opened": opened}

    # Checks -------------------------------------------------------------------------------------

    async def notices(self) -> tuple[dict[str, Counter[str]], int]:
        """Deadline notices per case, and how many (case, template, recipient, subject) appear twice."""
        async with self.sessions() as session:
            rows = (
                await session.exec(
                    select(
                        Notification.case_ref, Notification.template, Notification.recipient_role, Notification.subject
                    )
                )
            ).all()
        mine = [r for r in rows if r[0] in self.received]
        duplicates = sum(n - 1 for n in Counter(mine).values() if n > 1)
        per_case: dict[str, Counter[str]] = {ref: Counter() for ref in self.received}
        for ref, template, _, _ in mine:
            per_case[ref][template] += 1
        return per_case, duplicates

    async def missing_notices(self, now: datetime) -> list[str]:
        """Cases still owed a notice: whenever a case woke, what is due by `now` and not yet past its breach
        is owed, and so is every breach (the exact count, reminders included, is `check`'s)."""
        per_case, _ = await self.notices()
        missing = []
        for ref, received in self.received.items():
            want = expected_notices(received, [now], confirmed=ref in self.confirmed)
            have = per_case[ref]
            if any(have[t] < n for t, n in want.items()) or (ref in self.decided and not have["decision_to_assess"]):
                missing.append(ref)
        return missing

    async def histories(self) -> dict[str, WorkflowHistory]:
        limit = asyncio.Semaphore(16)

        async def of(ref: str) -> WorkflowHistory:
            async with limit:
                return await self.client.get_workflow_handle(f"assessment-{ref}").fetch_history()

        refs = list(self.received)
        return dict(zip(refs, await asyncio.gather(*(of(ref) for ref in refs)), strict=True))

    async def settle(self, now: datetime) -> float:
        """Wait for every notice the clock owes, then for every workflow to be idle: an activity that was
        on the killed worker is retried only after its 30 s timeout, and its write is not drift before."""
        started = time.monotonic()

        async def done() -> bool:
            return not await self.missing_notices(now)

        async def idle() -> bool:
            return not await self.busy()

        await until(done, SETTLE_SECONDS, "every notice the clock owes")
        await until(idle, SETTLE_SECONDS, "every workflow idle")
        return time.monotonic() - started

    async def busy(self) -> list[str]:
        """Cases whose workflow has an activity or a workflow task still to run."""
        limit = asyncio.Semaphore(16)

        async def pending(ref: str) -> bool:
            async with limit:
                described = await self.client.get_workflow_handle(f"assessment-{ref}").describe()
            raw = described.raw_description
            return bool(raw.pending_activities) or raw.HasField("pending_workflow_task")

        refs = list(self.received)
        return [
            ref for ref, waiting in zip(refs, await asyncio.gather(*(pending(r) for r in refs)), strict=True) if waiting
        ]

    async def check(self, now: datetime) -> dict[str, Any]:
        per_case, duplicates = await self.notices()
        histories = await self.histories()
        wrong = {}
        for ref, received in self.received.items():
            want = expected_notices(received, [*wakes_of(histories[ref]), now], confirmed=ref in self.confirmed)
            if ref in self.decided:
                want["decision_to_assess"] = 1
            have = Counter({t: n for t, n in per_case[ref].items() if t in want or t.startswith("deadline_")})
            if have != want:
                wrong[ref] = {"expected": dict(want), "sent": dict(have)}
        async with self.sessions() as session:
            stages = dict((await session.exec(select(Case.case_ref, Case.stage).where(Case.la_code == LA))).all())
            decisions = Counter(
                (
                    await session.exec(
                        select(AuditEvent.case_ref).where(
                            col(AuditEvent.action) == "decided_to_assess", col(AuditEvent.case_ref).in_(self.decided)
                        )
                    )
                ).all()
            )
            breached = (
                await session.exec(
                    select(func.count()).select_from(Case).where(Case.la_code == LA, Case.breach_count > 0)
                )
            ).one()
        running = await self.client.count_workflows(
            f"{sa.LOCAL_AUTHORITY.name} = '{LA}' AND ExecutionStatus = 'Running'"
        )
        report = await Reconciler(self.client, self.sessions, concurrency=8, settle=2.0).run(
            [LA], closed_within=timedelta(days=1)
        )
        return {
            "cases": len(self.received),
            "running": running.count,
            "lost": len(self.received) - running.count,
            "cases_with_wrong_notices": len(wrong),
            "wrong_notices_sample": dict(list(wrong.items())[:3]),
            "duplicate_notices": duplicates,
            "deadline_notices": sum(
                n for counts in per_case.values() for t, n in counts.items() if t.startswith("deadline_")
            ),
            "cases_breached": breached,
            "decisions": len(self.decided),
            "decisions_not_recorded_once": sum(1 for ref in self.decided if decisions[ref] != 1),
            "decisions_not_in_read_model": sum(1 for ref in self.decided if stages.get(ref) != "assessing"),
            "drift": len(report.drift) + len(report.unreadable),
            "drift_sample": [asdict(d) for d in report.drift[:3]] + report.unreadable[:3],
        }

    async def pending_timers(self) -> set[tuple[str, int, datetime]]:
        return set().union(*(pending_timers_of(ref, history) for ref, history in (await self.histories()).items()))

    async def restart_server(
        self, sig: signal.Signals, new_cases: int, offset: int, down_seconds: float
    ) -> dict[str, Any]:
        running = await self.client.count_workflows("ExecutionStatus = 'Running'")
        timers = await self.pending_timers()
        log(f"server {sig.name}: {running.count} running, {len(timers)} timers pending")
        started = time.monotonic()
        Stack.stop(self.stack.server, sig)
        down = time.monotonic()
        went_down = datetime.now(UTC)
        await asyncio.sleep(down_seconds)
        self.stack.start_server()

        async def serving() -> bool:
            return (await self.client.count_workflows("ExecutionStatus = 'Running'")).count == running.count

        await until(serving, 120, "the server back with every workflow")
        back = time.monotonic()
        came_back = datetime.now(UTC)
        running_after = (await self.client.count_workflows("ExecutionStatus = 'Running'")).count
        # The clock runs on: actions on cases opened before, new cases with deadlines already past.
        today = statutory.business_date(datetime.now(UTC))
        undecided = [r for r, d in self.received.items() if r not in self.decided and (today - d).days <= 25]
        acted = undecided[: max(1, new_cases // 2)]
        before_new = set(self.received)
        await asyncio.gather(*(self.decide(ref) for ref in acted))
        await asyncio.gather(*(self.open_case(offset + n, 50 + n % 100) for n in range(new_cases)))
        fresh = set(self.received) - before_new
        settled = await self.settle(datetime.now(UTC))
        now = datetime.now(UTC)
        # Timers of the cases that were there before: those not yet due must be the very same (id, fire
        # time); those that came due, while the server was down or since, must have fired (the notices
        # they owe are checked once, by `settle` and `check`).
        # (A case decided since has its clock moved on by the decision, so it is left out.)
        kept = {t for t in timers if t[0] not in acted}
        timers_after = await self.pending_timers()
        not_due = {t for t in kept if t[2] > now}
        due = kept - not_due
        return {
            "fault": f"server {sig.name}, restarted on the same SQLite file",
            "workflows_running_before": running.count,
            "workflows_running_after_restart": running_after,
            "workflows_running_at_end": (await self.client.count_workflows("ExecutionStatus = 'Running'")).count,
            "timers_pending_before": len(timers),
            "timers_due_while_down": sum(1 for t in timers if went_down < t[2] <= came_back),
            "timers_due_since_stop": len(due),
            "timers_due_not_fired": len(due & timers_after),
            "timers_not_due_changed": len(not_due - timers_after),
            "down_seconds": round(back - down, 1),
            "stop_seconds": round(down - started, 1),
            "actions_after_restart": len(acted),
            "new_cases_after_restart": len(fresh),
            "notices_settled_seconds": round(settled, 1),
        }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    admin_url = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
    name = f"ehcp_faults_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(admin_url, timeout=10)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(admin_url).set(drivername="postgresql+asyncpg", database=name).render_as_string(False)
    workdir = Path(tempfile.mkdtemp(prefix="ehcp-faults-"))
    stack = Stack(workdir, url)
    engine = create_engine(url)
    summary: dict[str, Any] = {}
    try:
        await upgrade_async(url)
        stack.start_server()
        client = await connect_to(stack)
        stack.start_worker()
        stack.start_api()
        bench = Bench(stack, client, create_sessionmaker(engine))
        await bench.ready()
        log(f"opening {args.cases} cases")
        load = await bench.load(args.cases, 0, kill_worker_at=args.cases // 2)
        settle = await bench.settle(datetime.now(UTC))
        log("checking after the worker kill")
        after_kill = await bench.check(datetime.now(UTC))
        restarts = []
        extra = max(10, args.cases // 20)
        for number, sig in enumerate((signal.SIGTERM, signal.SIGKILL)):
            restarts.append(await bench.restart_server(sig, extra, 100_000 * (number + 1), args.down_seconds))
        log("checking after the server restarts")
        final = await bench.check(datetime.now(UTC))
        await bench.api.aclose()
        summary = {
            "cases": final["cases"],
            "faults": [load.get("worker_kill"), *restarts],
            "lost": final["lost"],
            "duplicates": final["duplicate_notices"],
            "wrong_notices": final["cases_with_wrong_notices"],
            "decisions_not_recorded_once": final["decisions_not_recorded_once"],
            "timers_lost": sum(r["timers_due_not_fired"] + r["timers_not_due_changed"] for r in restarts),
            "drift": final["drift"],
            "after_worker_kill": after_kill,
            "final": final,
            "retried_requests": dict(bench.refused),
            "durations": {
                "open_cases_seconds": load["seconds"],
                "cases_per_second": round(args.cases / load["seconds"], 1),
                "settled_after_load_seconds": round(settle, 1),
            },
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.system()} {platform.release()}",
            "date": datetime.now(UTC).date().isoformat(),
        }
    finally:
        stack.close()
        await engine.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            log(f"logs and the Temporal file kept in {workdir}")
    return summary


async def connect_to(stack: Stack) -> Client:
    """A client as the worker and the API make theirs (same data converter), once the server listens."""
    settings = Settings(temporal_address=stack.env["TEMPORAL_ADDRESS"], payload_keys=stack.env["PAYLOAD_KEYS"])
    return await connect(settings, attempts=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--down-seconds", type=float, default=10.0, help="how long the server stays down each time")
    parser.add_argument("--keep", action="store_true", help="keep the logs and the Temporal file")
    configure_logging("WARNING", "console", sys.stderr)  # stdout is the summary's
    parser.add_argument("--out", type=Path, help="also write the summary here (bench/results/)")
    args = parser.parse_args()
    summary = asyncio.run(run(args))
    text = json.dumps(summary, indent=2, default=str) + "\n"
    sys.stdout.write(text)
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text)
    failures = ("lost", "duplicates", "wrong_notices", "decisions_not_recorded_once", "timers_lost", "drift")
    sys.exit(0 if summary and not any(summary[name] for name in failures) else 1)


if __name__ == "__main__":
    main()

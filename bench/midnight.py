"""Midnight: the timers of many open cases falling due at one instant, on a restarted worker and a warm one.

    python -m bench.midnight --cases 300        # alone; `make bench` runs it as a phase (--midnight-cases)

Every reminder and breach falls due at 00:00 London (statutory/deadlines.py), so a day's timers fire
together. This phase opens `--cases` requests for assessment through the API with bench/opening.py's Opener,
each received six weeks before the day that ends at an instant a few minutes ahead: reg 5(1)'s decision is
due that day, so at that instant every case's clock wakes to record the breach, tell its officer and escalate
to the manager (a history line, two notices and the read model: the costliest moment a clock has; a reminder
sends one notice). The dev server's timers run on the real clock, so the worker makes that instant midnight
by running with the law's zone moved (bench/midnight_worker.py): the due dates are the law's, only the
instant at which their day ends moves.

It does so twice, each time on a dev server, worker, API and database of its own:

- cold: the worker that opened the cases is stopped and a new one started before the instant, so every firing
  replays its workflow's whole history on an empty cache (a woken workflow is rarely among the ones a worker
  has cached: docs/deploy.md, "Sizing");
- warm: the worker that opened them fires them, each one in its cache.

Figures: seconds from the instant to the last workflow task of the last case, by the server's own event times;
workflow tasks a second; history events and workflow tasks per firing, from every case's history; CPU per
firing by process; the replay's cost (cold less warm); and the national night those costs give
(`national_night`).
"""

import argparse
import asyncio
import math
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import asyncpg
from temporalio.api.enums.v1 import EventType, TaskQueueType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client, WorkflowHistory

import statutory
from api.auth import Role
from bench import sizing
from bench.databases import bench_database, postgres_version, settle
from bench.load import Api, bounded, client_settings, headers, percentiles, service_env
from bench.opening import Opener
from bench.replay_cost import replay_costs
from bench.stack import CpuMeter, Part, Stack
from bench.summary import RESULTS, machine_facts, run_and_record
from core.config import Settings
from core.temporal_client import connect, run_to_exit
from core.workflow_ids import assessment_id

QUEUE = "bench-midnight"
LA = "BMN"
OFFICERS = [f"officer{n}.{LA}@la.example.gov.uk" for n in range(20)]
TEAMS = ("north", "south", "east", "west")
# Reg 5(1): the decision whether to assess, due six weeks after the request. Its reminder has passed when a
# case is entered six weeks late, so it is held (docs/legal-time.md); the breach, after the case is entered, is
# judged at its own instant, and is the clock's next moment.
BREACHED_STEP = "assessment.decide_to_assess"
NOTICES = ("deadline_breached", "deadline_escalation")  # the officer's notice and the manager's escalation
# The instant is this far ahead when the stack is up, by default: enough to start the worker and the API, open
# the cases at ~20 a second on two shared cores (55 a second were measured on a quiet machine), and restart the
# worker. A lead too short stops the run before the instant, saying so.
LEAD_SECONDS = 40.0
LEAD_SECONDS_PER_CASE = 0.05
RESTART_MARGIN_SECONDS = 3.0  # the restarted worker polls at least this long before the instant
DRAIN_SECONDS = 1800
QUIET_WORKER_CPU = 0.03  # the worker's CPU seconds in a second of waiting, once everything is recorded: idle
TIMER_TOLERANCE = timedelta(seconds=60)
REPLAY_SAMPLE = 50  # histories replayed in process (bench/replay_cost.py)
# --- the national night (docs/deploy.md, "Sizing") ---
GOAL_MINUTES = 15
# One Python worker runs its workflow tasks on one core (the interpreter's lock); deploy/k8s/worker.yaml
# requests half a core and sets no CPU limit, so a worker gets one core at midnight where the node has it.
WORKER_CORES = 1.0
# What the Temporal chart requests for the services a firing passes through (deploy/helm/temporal-values.yaml):
# frontend 2 x 0.5, history 3 x 1, matching 2 x 0.25. The dev server is all of them, with SQLite, in one process.
TEMPORAL_CORES = 4.5


@dataclass(frozen=True)
class Midnight:
    """An instant made the end of a day: `due` ends at `at` in the zone `offset` ahead of UTC."""

    at: datetime
    offset: timedelta
    due: date
    received: date


def midnight_at(instant: datetime) -> Midnight:
    """The fixed zone whose 00:00 is `instant` (to the second), the day that ends then, and the request date
    whose reg 5(1) decision is due that day."""
    at = instant.astimezone(UTC).replace(microsecond=0)
    day = at.date() if at.time() == clock_time() else at.date() + timedelta(days=1)
    offset = datetime.combine(day, clock_time(), UTC) - at  # in (-1 day, 1 day): a valid fixed zone
    due = day - timedelta(days=1)
    received = due - timedelta(weeks=6)
    if statutory.due_date(BREACHED_STEP, received) != due:
        raise RuntimeError(f"{BREACHED_STEP} is no longer six calendar weeks: this phase must be told how it counts")
    return Midnight(at=at, offset=offset, due=due, received=received)


# -- one night ---------------------------------------------------------------------------------------


async def start_worker(stack: Stack, env: dict[str, str], midnight: Midnight, name: str) -> Part:
    offset = str(int(midnight.offset.total_seconds()))
    return await stack.spawn(name, sys.executable, "-m", "bench.midnight_worker", offset, env=env)


async def polling(client: Client, worker: Part) -> None:
    """Until the worker polls the task queue: a restarted worker is ready for the instant."""
    request = DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=QUEUE),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        worker.check_running()
        answer = await client.workflow_service.describe_task_queue(request)
        if any(poller.identity.startswith(f"{worker.pid}@") for poller in answer.pollers):
            return
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{worker.name} did not poll within 60 s:\n{worker.tail()}")


async def open_cases(base: str, cases: int, concurrency: int, received: date) -> list[str]:
    async with Api(base, concurrency, headers(Role.MANAGER, [LA])) as api:
        opener = Opener(api, received, {LA: OFFICERS}, TEAMS)
        await opener.open_many(cases, concurrency)
        return opener.refs


async def check_timers(client: Client, refs: list[str], at: datetime) -> None:
    """The cases' clocks wait for the instant (a sample of them): the run measures what it says it does."""
    for ref in refs:
        events = (await client.get_workflow_handle(assessment_id(ref)).fetch_history()).events
        started = [e for e in events if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED]
        if not started:
            raise RuntimeError(f"case {ref} started no timer")
        timer = started[-1]
        duration = timer.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta()
        fires = timer.event_time.ToDatetime(UTC) + duration
        if abs(fires - at) > TIMER_TOLERANCE:
            raise RuntimeError(f"case {ref}'s clock wakes at {fires.isoformat()}, not at the instant {at.isoformat()}")


async def drained(connection: asyncpg.Connection, cases: int, worker: Part, meter: CpuMeter) -> float:
    """Seconds of waiting until every case has its breach recorded and both notices written, and the worker has
    gone quiet (the workflow tasks that follow the notices' activities are done)."""
    started = time.perf_counter()
    while True:
        worker.check_running()
        breaches = await connection.fetchval("SELECT count(*) FROM audit_events WHERE action = 'deadline_breached'")
        notices = await connection.fetchval("SELECT count(*) FROM notifications WHERE template = ANY($1)", NOTICES)
        if breaches >= cases and notices >= len(NOTICES) * cases:
            break
        if time.perf_counter() - started > DRAIN_SECONDS:
            raise RuntimeError(f"{breaches} breaches and {notices} notices of {cases} cases in {DRAIN_SECONDS} s")
        await asyncio.sleep(0.25)
    while True:
        before = meter.read()["worker"]
        await asyncio.sleep(1)
        if meter.read()["worker"] - before < QUIET_WORKER_CPU:
            return time.perf_counter() - started


@dataclass(frozen=True)
class Firing:
    """One case's firing, read from its history."""

    replayed: int  # events before the timer fired: what a worker without the workflow cached replays
    events: int  # events from the timer's firing to the end
    workflow_tasks: int  # workflow tasks completed from the firing on
    task_timeouts: int  # workflow tasks that timed out (a restarted worker's sticky queue, among others)
    fired_after: float  # seconds from the instant to the timer's firing
    done_after: float  # seconds from the instant to the last workflow task completed


def read_firing(events: list[HistoryEvent], at: datetime) -> Firing:
    fired = max(i for i, e in enumerate(events) if e.event_type == EventType.EVENT_TYPE_TIMER_FIRED)
    after = events[fired:]
    completed = [e for e in after if e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED]
    last = completed[-1] if completed else after[-1]
    return Firing(
        replayed=fired,
        events=len(after),
        workflow_tasks=len(completed),
        task_timeouts=sum(e.event_type == EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT for e in after),
        fired_after=(events[fired].event_time.ToDatetime(UTC) - at).total_seconds(),
        done_after=(last.event_time.ToDatetime(UTC) - at).total_seconds(),
    )


def firing_figures(firings: list[Firing], cpu_seconds: dict[str, float]) -> dict[str, Any]:
    """What the night's firings cost together: the drain is the last case's last workflow task."""
    drain = max(f.done_after for f in firings)
    tasks = sum(f.workflow_tasks for f in firings)
    return {
        "firings": len(firings),
        "drain_seconds": round(drain, 2),
        "timers_fired_within_seconds": round(max(f.fired_after for f in firings), 2),
        "firings_per_second": round(len(firings) / drain, 1),
        "workflow_tasks_per_second": round(tasks / drain, 1),
        "done_after_instant": percentiles([max(f.done_after, 0.0) for f in firings]),
        "per_firing": {
            "history_events": round(statistics.mean(f.events for f in firings), 2),
            "workflow_tasks": round(tasks / len(firings), 2),
            "workflow_task_timeouts": round(statistics.mean(f.task_timeouts for f in firings), 2),
            "events_before_it_replayed_if_not_cached": round(statistics.mean(f.replayed for f in firings), 1),
        },
        "cpu_ms_per_firing": {name: round(s * 1000 / len(firings), 2) for name, s in cpu_seconds.items()},
    }


async def histories(client: Client, refs: list[str], concurrency: int) -> list[list[HistoryEvent]]:
    async def fetch(ref: str) -> list[HistoryEvent]:
        return list((await client.get_workflow_handle(assessment_id(ref)).fetch_history()).events)

    return await bounded(concurrency, refs, fetch)


async def night(
    workdir: Path, cases: int, concurrency: int, cold: bool, lead: float, sticky_timeout: float | None = None
) -> tuple[dict[str, Any], list[WorkflowHistory]]:
    """One midnight on a stack of its own; `cold` restarts the worker before the instant. Its figures, and a sample
    of its histories as they stood when the timers fired (what a restarted worker replayed)."""
    workdir.mkdir(parents=True, exist_ok=True)
    async with bench_database("midnight") as database_url:
        stack = Stack(workdir)
        try:
            address = await stack.temporal_dev_server()
            midnight = midnight_at(datetime.now(UTC) + timedelta(seconds=lead))
            env = service_env(address, database_url, QUEUE)
            if sticky_timeout is not None:
                env["WORKER_STICKY_QUEUE_TIMEOUT_SECONDS"] = str(sticky_timeout)
            worker = await start_worker(stack, env, midnight, "worker")
            api, base = await stack.api("api", env)
            client = await connect(client_settings(address), attempts=10)
            opening = time.perf_counter()
            refs = await open_cases(base, cases, concurrency, midnight.received)
            await settle(database_url, cases)
            opened_seconds = time.perf_counter() - opening
            await check_timers(client, refs[:: max(1, cases // 5)], midnight.at)
            if cold:
                await stack.stop(worker)
                worker = await start_worker(stack, env, midnight, "worker-restarted")
                await polling(client, worker)
            left = (midnight.at - datetime.now(UTC)).total_seconds()
            if left < RESTART_MARGIN_SECONDS:
                raise RuntimeError(
                    f"opening {cases} cases took {opened_seconds:.0f} s and left {left:.0f} s before the instant:"
                    " give a longer lead (--lead, or --midnight-lead in bench.run)"
                )
            meter = CpuMeter({"temporal_server": stack.part("temporal").pid, "worker": worker.pid, "api": api.pid})
            # Opened before the first reading and closed after the last: a backend that comes or goes in between
            # would take its CPU time out of one reading only.
            connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
            try:
                await asyncio.sleep(left - 1)
                before = meter.read()
                waited = await drained(connection, cases, worker, meter)
                cpu = meter.spent(before, meter.read())
            finally:
                await connection.close()
            fetched = await histories(client, refs, concurrency)
        finally:
            await stack.close()
    firings = [read_firing(events, midnight.at) for events in fetched]
    before_firing = [
        WorkflowHistory(assessment_id(ref), events[: firing.replayed])
        for ref, events, firing in list(zip(refs, fetched, firings, strict=True))[:REPLAY_SAMPLE]
    ]
    figures = {
        "worker": "restarted before the instant (cache empty)" if cold else "the one that opened the cases (cached)",
        "instant": midnight.at.isoformat(),
        "due_day": midnight.due.isoformat(),
        "opened_and_settled_seconds": round(opened_seconds, 1),
        "metered_seconds": round(waited + 1, 1),
        **firing_figures(firings, cpu),
    }
    return figures, before_firing


# -- the national night ------------------------------------------------------------------------------


def national_night(
    cold: dict[str, float],
    warm: dict[str, float],
    timers: float,
    replay: dict[str, Any],
    workers: int = sizing.WORKERS,
) -> dict[str, Any]:
    """The national midnight from the CPU per firing measured, in milliseconds by process, and the replays measured
    in process (`replay`, bench/replay_cost.py).

    A woken workflow is rarely cached (three workers cache 30,000 of ~880,000 open workflows), so the night's
    firings are cold ones; and a woken case is older than the night's new ones, so each replays a longer history:
    `beyond_night_ms` more on average over the recorded runs' timers, `longest_beyond_night_ms` at the longest.
    Replayed in process, a history costs less than the worker's own replay of it (cold less warm, on the night's
    histories): the extra is scaled up by that ratio, never down. The workers drain the night at their cores'
    pace, the Temporal services at theirs; it takes the slower of the two."""

    def minutes(ms: float, cores: float) -> float:
        return timers * ms / 1000 / cores / 60

    worker_cores = workers * WORKER_CORES
    scale = max(1.0, (cold["worker"] - warm["worker"]) / replay["night"]["cpu_ms"])
    older = cold["worker"] + replay["beyond_night_ms"] * scale
    oldest = cold["worker"] + replay["longest_beyond_night_ms"] * scale
    on_workers = minutes(older, worker_cores)
    on_temporal = minutes(cold["temporal_server"], TEMPORAL_CORES)
    worker_seconds = timers * older / 1000
    needed = math.ceil(worker_seconds / (GOAL_MINUTES * 60) / WORKER_CORES)
    return {
        "timers": round(timers),
        "workers": workers,
        "live_to_in_process_replay": round(scale, 2),
        "worker_ms_per_firing": round(older, 2),
        "minutes_on_workers": round(on_workers, 1),
        "minutes_on_workers_as_measured_cold": round(minutes(cold["worker"], worker_cores), 1),
        "minutes_on_workers_as_measured_warm": round(minutes(warm["worker"], worker_cores), 1),
        "minutes_on_workers_longest_history": round(minutes(oldest, worker_cores), 1),
        "workers_for_the_goal_longest_history": math.ceil(timers * oldest / 1000 / (GOAL_MINUTES * 60) / WORKER_CORES),
        "minutes_on_temporal": round(on_temporal, 1),
        "minutes": round(max(on_workers, on_temporal), 1),
        "goal_minutes": GOAL_MINUTES,
        "workers_for_the_goal": needed,
        "arithmetic": (
            f"workers: {timers:,.0f} firings x ({cold['worker']:g} ms cold + {replay['beyond_night_ms']:g} ms x"
            f" {scale:.2f} for an older case's replay) / ({workers} x {WORKER_CORES:g} core) = {on_workers:.1f} min;"
            f" Temporal: {timers:,.0f} x {cold['temporal_server']:g} ms / {TEMPORAL_CORES:g} cores ="
            f" {on_temporal:.1f} min; {GOAL_MINUTES} min needs {worker_seconds:,.0f} CPU-s /"
            f" ({GOAL_MINUTES * 60} s x {WORKER_CORES:g} core) = {needed} workers"
        ),
    }


def replay_cost(cold: dict[str, float], warm: dict[str, float]) -> dict[str, float]:
    """CPU milliseconds a firing costs for its workflow not being cached, by process."""
    return {name: round(cold[name] - warm[name], 2) for name in cold}


async def run_midnight(
    workdir: Path, cases: int, concurrency: int, lead: float | None = None, sticky_timeout: float | None = None
) -> dict[str, Any]:
    """A cold night, then a warm one, the replay of longer histories, and what they give for the national night;
    `sticky_timeout` sets the worker's (WORKER_STICKY_QUEUE_TIMEOUT_SECONDS) in place of the configured one."""
    lead = LEAD_SECONDS + cases * LEAD_SECONDS_PER_CASE if lead is None else lead
    cold, replayed = await night(workdir / "midnight-cold", cases, concurrency, True, lead, sticky_timeout)
    warm, _ = await night(workdir / "midnight-warm", cases, concurrency, False, lead, sticky_timeout)
    replay = await replay_costs(replayed)
    cold_cpu, warm_cpu = cold["cpu_ms_per_firing"], warm["cpu_ms_per_firing"]
    timers = sizing.midnight_timers(sizing.load(sizing.latest_costs()))
    return {
        "cases": cases,
        "worker_sticky_queue_timeout_seconds": sticky_timeout
        or Settings.model_fields["worker_sticky_queue_timeout_seconds"].default,
        "firing": f"{BREACHED_STEP} breached: a history line, the officer's notice, the manager's escalation",
        "cold": cold,
        "warm": warm,
        "replay_cost_ms_per_firing": replay_cost(cold_cpu, warm_cpu),
        "replay_in_process": replay,
        "national_night": national_night(cold_cpu, warm_cpu, timers, replay),
    }


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000, help="open cases whose timers fall due together")
    parser.add_argument("--concurrency", type=int, default=20, help="requests in flight while opening")
    parser.add_argument("--lead", type=float, help="seconds from the stack's start to the instant (default: by size)")
    parser.add_argument("--output", type=Path, default=RESULTS, help="directory for midnight-<date>.json")
    parser.add_argument("--sticky-timeout", type=float, help="the worker's sticky queue timeout, in seconds")
    return parser.parse_args(argv)


async def main(args: argparse.Namespace) -> None:
    async def measure(summary: dict[str, Any]) -> None:
        summary["machine"] = {**machine_facts(), "postgresql": await postgres_version()}
        with tempfile.TemporaryDirectory(prefix="ehcp-midnight-") as tmp:
            summary["midnight"] = await run_midnight(
                Path(tmp), args.cases, args.concurrency, args.lead, args.sticky_timeout
            )

    await run_and_record(measure, args.output, "midnight-")


if __name__ == "__main__":
    run_to_exit(main(parse()))

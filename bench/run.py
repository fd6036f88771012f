"""The benchmark: the engine bare and our API side by side, then reads and writes at scale, and a day at the
largest LA.

    make bench                                   # .venv/bin/python -m bench.run: N=10,000, 1,000,000 rows
    .venv/bin/python -m bench.run --cases 2000 --rows 100000 --assessments 50 --day-cases 2000   # quicker

Needs PostgreSQL (TEST_PG_ADMIN_URL, default postgresql://postgres@127.0.0.1:5432/test): it makes its
own databases (`ehcp_bench_<random>`), migrates them and drops them afterwards. Everything else it
starts itself on free loopback ports and stops at the end: a Temporal dev server as `make run` has it
(SQLite file in WAL mode, our search attributes), `worker.py`, a worker for the bare workflow
(bench/bare.py) and the API under uvicorn. In one run it measures:

1. starts: a bare workflow started with the Temporal client, and our case opened with POST /cases
   (workflow, read-model row, audit event), at the same concurrency, in alternating rounds; the ratio;
2. with `--cases` open cases: GET /cases/{ref}, the work queue and, if the API has one, the dashboard; the
   worker's memory; the officer's action (decide-to-assess) beside a bare update with a validator, in
   alternating rounds (bench/actions.py); then, the worker restarted with a cache of `--cache-share` of them, a
   case read on a cache hit, on a miss and at random (bench/reads.py);
3. over `--rows` generated case rows (bench/generate.py) in a database of their own: the work queue
   and the dashboard, through an API process on that database;
4. `--assessments` whole 20-week assessments through the API on the time-skipping test server;
5. a day at the largest LA (bench/day.py), on a stack of its own: its busiest hour's requests at each of
   `--day-multiples` times its rate;
6. midnight (bench/midnight.py): the timers of `--midnight-cases` open cases falling due at one instant, on a
   restarted worker and a warm one, each on a dev server, worker and API of its own; the national night.

bench/reads.py, bench/day.py and bench/midnight.py also run alone; `--only starts` or `--only actions` runs that
phase alone here, and `--only assessments` the whole assessments. It prints a JSON summary and writes it to
bench/results/<date>.json (docs/benchmarks.md).
"""

import argparse
import asyncio
import random
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle

import statutory
from api.auth import Role
from bench.actions import compare_actions
from bench.assessments import run_assessments
from bench.bare import BareWorkflow
from bench.databases import bench_database, postgres_version, settle
from bench.day import goals as day_goals
from bench.day import run_day
from bench.load import Api, bounded, client_settings, headers, metered, percentiles, sample, service_env
from bench.midnight import GOAL_MINUTES, run_midnight
from bench.opening import Opener
from bench.reads import CACHE_SHARE, CASE_QUEUE, at_scale, case_reads, drive, queues_and_dashboard
from bench.stack import CpuMeter, Part, Stack, rss_bytes
from bench.summary import RESULTS, goal, machine_facts, phase, run_and_record
from core.temporal_client import connect, run_to_exit

BARE_QUEUE = "bench-bare"
LAS = [f"B{n:02d}" for n in range(1, 11)]  # ten LAs of the open cases, 20 officers each, four teams
OFFICERS = {la: [f"officer{n}.{la}@la.example.gov.uk" for n in range(20)] for la in LAS}
TEAMS = ("north", "south", "east", "west")
# Started, its first workflow task scheduled, started and completed: the bare workflow is running.
BARE_STARTED_EVENTS = 4


# -- 1. starts --------------------------------------------------------------------------------------


async def start_bare(
    client: Client, how_many: int, concurrency: int
) -> tuple[float, list[float], list[WorkflowHandle[Any, Any]]]:
    handles: list[WorkflowHandle[Any, Any]] = []

    async def start(_: int) -> float:
        began = time.perf_counter()
        handles.append(
            await client.start_workflow(BareWorkflow.run, id=f"bare-{uuid.uuid4().hex}", task_queue=BARE_QUEUE)
        )
        return time.perf_counter() - began

    started = time.perf_counter()
    latencies = await bounded(concurrency, range(how_many), start)
    return time.perf_counter() - started, latencies, handles


async def bare_caught_up(handles: list[WorkflowHandle[Any, Any]]) -> None:
    """Until the bare worker has run every started workflow's first task, as `settle` waits for our worker, so
    that neither side's next round pays for this one's backlog."""
    for handle in handles:
        while (await handle.describe()).raw_description.workflow_execution_info.history_length < BARE_STARTED_EVENTS:
            await asyncio.sleep(0.1)


async def compare_starts(
    client: Client, opener: Opener, database_url: str, starts: int, rounds: int, concurrency: int, meter: CpuMeter
) -> dict[str, Any]:
    """Bare and ours in alternating rounds, so a noisy neighbour on the machine hits both alike. Each round
    begins once the other side's worker has caught up (our read model written; every bare workflow's first
    task run): a round must not pay for the last one's backlog."""
    per_round = max(1, starts // rounds)
    bare: list[tuple[float, list[float]]] = []
    ours: list[tuple[float, list[float]]] = []
    warm = max(1, min(50, per_round // 5))
    await bare_caught_up((await start_bare(client, warm, concurrency))[2])  # warm both paths
    await opener.open_many(warm, concurrency)
    cpu: dict[str, dict[str, float]] = {"bare_engine": {}, "our_case_start": {}}
    for _ in range(rounds):
        await settle(database_url, opener.opened)
        seconds, latencies, handles = await metered(
            meter, cpu["bare_engine"], start_bare(client, per_round, concurrency)
        )
        bare.append((seconds, latencies))
        # The bare worker's backlog is its side's work, waited for before our round; of what the wait costs, only
        # that worker's CPU is the bare start's (the rest is the waiting's own describe calls).
        backlog: dict[str, float] = {}
        await metered(meter, backlog, bare_caught_up(handles))
        cpu["bare_engine"]["bare_worker"] += backlog["bare_worker"]
        ours.append(await metered(meter, cpu["our_case_start"], opener.open_many(per_round, concurrency)))

    def rate(runs: list[tuple[float, list[float]]]) -> float:
        return sum(len(lat) for _, lat in runs) / sum(seconds for seconds, _ in runs)

    bare_rate, our_rate = rate(bare), rate(ours)
    return {
        "concurrency": concurrency,
        "rounds": rounds,
        "starts_each": per_round * rounds,
        "bare_engine": {
            "starts_per_second": round(bare_rate, 1),
            "by_round": [round(len(lat) / s, 1) for s, lat in bare],
            "latency": percentiles([x for _, lat in bare for x in lat]),
        },
        "our_case_start": {
            "starts_per_second": round(our_rate, 1),
            "by_round": [round(len(lat) / s, 1) for s, lat in ours],
            "latency": percentiles([x for _, lat in ours for x in lat]),
        },
        "ratio": round(our_rate / bare_rate, 3),
        "cpu_ms_per_start": {
            kind: {name: round(seconds * 1000 / (per_round * rounds), 2) for name, seconds in used.items()}
            for kind, used in cpu.items()
        },
    }


# -- 2. with N open cases ---------------------------------------------------------------------------


async def at_open_cases(api: Api, refs: list[str], samples: int, readers: int, meter: CpuMeter) -> dict[str, Any]:
    """Reads one at a time (what a person waits for) and `readers` at once (the same on a busy machine: on two
    cores shared with the server, worker and database, requests in flight queue for the CPU); the work queues
    and the dashboard. (The officer's action is measured beside a bare update: officer_action.)"""
    rng = random.Random(11)
    manager = headers(Role.MANAGER, LAS)
    reads = [(f"/cases/{rng.choice(refs)}", {"headers": manager}) for _ in range(samples)]
    # Ops read the same case without the child's details, so without the audit line (and its commit)
    # that every read of personal data writes: the difference is what that line costs.
    ops = headers(Role.OPS, LAS, "ops.bench")
    ops_reads = [(f"/cases/{rng.choice(refs)}", {"headers": ops}) for _ in range(samples)]
    result = {
        "open_cases": len(refs),
        "readers": readers,
        "get_case": await sample(api, 1, reads, meter=meter),
        f"get_case_{readers}_at_once": await sample(api, readers, reads, meter=meter),
        "get_case_as_ops_no_personal_data": await sample(api, 1, ops_reads, meter=meter),
        **await queues_and_dashboard(api, samples, readers, {la: list(o) for la, o in OFFICERS.items()}, rng),
    }
    return result


async def officer_action(
    api: Api,
    client: Client,
    refs: list[str],
    database_url: str,
    today: date,
    meter: CpuMeter,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """Our decide-to-assess beside a bare update (bench/actions.py), on bare workflows started for it."""
    bare = (await start_bare(client, 20, 4))[2]
    await bare_caught_up(bare)

    return await compare_actions(
        api, client, refs, bare, database_url, today, meter, args.action_rounds, headers(Role.MANAGER, LAS)
    )


async def reads_beyond_the_cache(
    stack: Stack,
    worker: Part,
    env: dict[str, str],
    api: Api,
    client: Client,
    opener: Opener,
    today: date,
    args: argparse.Namespace,
    api_pid: int,
) -> dict[str, Any]:
    """bench/reads.py's case reads on these open cases, with `--driven` more opened and driven a third through their
    assessment: the worker restarted with a cache of `--cache-share` of them."""
    first = opener.opened
    await opener.open_many(args.driven, args.concurrency)
    driven = opener.refs[first:]
    await drive(api, driven, today, args.concurrency)
    parts = {"temporal_server": stack.part("temporal").pid, "api": api_pid}
    manager = headers(Role.MANAGER, LAS)
    return await case_reads(
        stack, worker, env, api, client, opener.refs, driven, args.cache_share, args.samples, parts, manager
    )


# -- the run ----------------------------------------------------------------------------------------


async def run(args: argparse.Namespace, summary: dict[str, Any]) -> None:
    """Fills `summary` phase by phase, so that a run that fails late still has what it measured."""
    summary["machine"] = machine_facts()
    summary["machine"]["postgresql"] = await postgres_version()
    summary["arguments"] = {k: str(v) for k, v in vars(args).items()}
    today = statutory.business_date(datetime.now(UTC))
    with tempfile.TemporaryDirectory(prefix="ehcp-bench-") as tmp:
        workdir = Path(tmp)
        async with bench_database("cases") as database_url:
            if args.only == "assessments":
                with phase(summary, "time_skipping_assessments"):
                    summary["time_skipping_assessments"] = await run_assessments(
                        workdir, database_url, args.assessments, args.concurrency, args.workers
                    )
                return
            stack = Stack(workdir)
            try:
                with phase(summary, "stack_up"):
                    address = await stack.temporal_dev_server()
                    env = service_env(address, database_url, CASE_QUEUE)
                    bare_worker = await stack.spawn(
                        "bare-worker", sys.executable, "-m", "bench.bare_worker", address, BARE_QUEUE, env=env
                    )
                    worker = await stack.worker("worker", env)
                    api_part, base = await stack.api("api", env)
                    client = await connect(client_settings(address), attempts=10)
                    meter = CpuMeter(
                        {
                            "temporal_server": stack.part("temporal").pid,
                            "bare_worker": bare_worker.pid,
                            "worker": worker.pid,
                            "api": api_part.pid,
                        }
                    )
                connections = max(args.concurrency, args.readers)
                async with Api(base, connections, headers(Role.MANAGER, LAS)) as api:
                    opener = Opener(api, today, OFFICERS, TEAMS)
                    if args.only == "actions":
                        with phase(summary, "opening"):
                            await opener.open_many(args.actions + 1, args.concurrency)
                            await settle(database_url, opener.opened)
                        with phase(summary, "officer_action"):
                            summary["officer_action"] = await officer_action(
                                api, client, opener.refs, database_url, today, meter, args
                            )
                        return
                    with phase(summary, "starts_compared"):
                        starts = min(args.starts, args.cases)
                        summary["starts"] = await compare_starts(
                            client, opener, database_url, starts, args.rounds, args.concurrency, meter
                        )
                        bare_worker.check_running()
                    if args.only == "starts":
                        return
                    with phase(summary, "opening_the_rest"):
                        more = max(0, args.cases - opener.opened)
                        seconds, _ = await opener.open_many(more, args.concurrency)
                        summary["starts"]["further_opened"] = more
                        summary["starts"]["further_opened_per_second"] = round(more / seconds, 1) if more else None
                        caught_up = await settle(database_url, opener.opened)
                        summary["starts"]["read_model_caught_up_seconds_after"] = round(caught_up, 1)
                    with phase(summary, "at_open_cases"):
                        summary["open_cases"] = await at_open_cases(api, opener.refs, args.samples, args.readers, meter)
                    with phase(summary, "officer_action"):
                        summary["officer_action"] = await officer_action(
                            api, client, opener.refs[: args.actions + 1], database_url, today, meter, args
                        )
                    worker.check_running()
                    summary["open_cases"]["worker_rss_mib"] = round(rss_bytes(worker.pid) / 1024**2, 1)
                    with phase(summary, "case_reads"):
                        summary["case_reads"] = await reads_beyond_the_cache(
                            stack, worker, env, api, client, opener, today, args, api_part.pid
                        )
                await stack.stop(stack.part("worker-small-cache"))  # frees its cores and memory for what follows
                with phase(summary, "national_scale"):
                    summary["national_scale"] = await at_scale(stack, address, args.rows, args.samples, args.readers)
            finally:
                await stack.close()
            with phase(summary, "time_skipping_assessments"):
                summary["time_skipping_assessments"] = await run_assessments(
                    workdir, database_url, args.assessments, args.concurrency, args.workers
                )
        with phase(summary, "day_at_the_largest_la"):
            summary["day"] = await run_day(
                workdir, args.day_cases, args.day_multiples, args.day_window, args.concurrency
            )
        with phase(summary, "midnight"):
            summary["midnight"] = await run_midnight(workdir, args.midnight_cases, args.concurrency, args.midnight_lead)
    summary["goals"] = goals(summary)


def goals(summary: dict[str, Any]) -> dict[str, Any]:
    scale = summary["national_scale"]
    dashboard = scale["dashboard"]
    action = summary["officer_action"]["ratios"]
    return {
        "action_latency_p50_one_at_a_time_to_bare (<)": goal(action["latency_p50_1_at_once"], 2, False),
        "action_cpu_to_bare (<)": goal(action["cpu_per_action"], 2.5, False),
        "start_ratio_ours_to_bare (>=)": goal(summary["starts"]["ratio"], 0.5, True),
        "case_get_p99_ms_beyond_the_cache (<)": goal(summary["case_reads"]["uniform"].get("p99_ms"), 30, False),
        "work_queue_p99_ms_at_rows (<)": goal(
            max(scale["work_queue_officer"]["p99_ms"], scale["work_queue_la"]["p99_ms"]), 50, False
        ),
        "dashboard_p99_ms_at_rows (<)": goal(dashboard["p99_ms"] if isinstance(dashboard, dict) else None, 150, False),
        **day_goals(summary["day"]),
        "midnight_national_minutes (<)": goal(summary["midnight"]["national_night"]["minutes"], GOAL_MINUTES, False),
    }


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=10_000, help="open cases for the latency phase")
    parser.add_argument("--rows", type=int, default=1_000_000, help="generated case rows for the scale phase")
    parser.add_argument("--assessments", type=int, default=200, help="whole assessments under time skipping")
    parser.add_argument("--starts", type=int, default=1000, help="starts of each kind compared (at most --cases)")
    parser.add_argument("--rounds", type=int, default=2, help="alternating rounds of bare and our starts")
    parser.add_argument("--concurrency", type=int, default=20, help="requests in flight while starting/driving")
    parser.add_argument("--workers", type=int, default=2, help="worker processes for the whole assessments")
    parser.add_argument("--readers", type=int, default=4, help="requests in flight while measuring latency")
    parser.add_argument("--samples", type=int, default=1000, help="requests per latency figure")
    parser.add_argument("--driven", type=int, default=300, help="cases more, driven a third through their assessment")
    parser.add_argument("--cache-share", type=float, default=CACHE_SHARE, help="the small cache, over the open cases")
    parser.add_argument("--day-cases", type=int, default=None, help="the day's open cases (default: the LA's)")
    parser.add_argument("--day-multiples", type=float, nargs="+", default=[1, 5, 10], help="of the busiest hour")
    parser.add_argument("--day-window", type=float, default=600, help="seconds of the day's arrivals at each")
    parser.add_argument("--actions", type=int, default=400, help="officer's actions, and as many bare updates")
    parser.add_argument("--action-rounds", type=int, default=4, help="alternating rounds of actions and updates")
    parser.add_argument("--midnight-cases", type=int, default=10_000, help="open cases whose timers fire at once")
    parser.add_argument(
        "--midnight-lead", type=float, help="seconds from a midnight stack's start to its instant (default: by size)"
    )
    parser.add_argument(
        "--only",
        choices=["starts", "actions", "assessments"],
        help="that phase alone: the starts compared, the action on --actions + 1 cases, or the whole assessments",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="directory for <date>.json")
    return parser.parse_args(argv)


async def main(args: argparse.Namespace) -> None:
    async def measure(summary: dict[str, Any]) -> None:
        await run(args, summary)

    await run_and_record(measure, args.output)


if __name__ == "__main__":
    run_to_exit(main(parse()))

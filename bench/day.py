"""A day at the largest LA: its busiest hour's mix of staff requests, replayed at 1, 5 and 10 times its rate.

    .venv/bin/python -m bench.day                                        # the LA's whole open caseload
    .venv/bin/python -m bench.day --cases 300 --window 60 --multiples 1 10   # a trial

The LA is Kent, the largest in England by EHC plans: 20,635 maintained in January 2025 of England's 638,745
(DfE, "Education, health and care plans", reporting year 2025, from the SEN2 return, June 2025). SEN2 counts
154,489 initial requests for assessment in England in 2024; Kent's share of them, taken as its share of the plans
(3.23%), is 4,991 a year (Kent says it receives about 260 a month, 3,120 a year: the model is an upper bound).
Tribunal appeals (25,000 a year, docs/deploy.md) are shared the same way: 808.

Open at any time: 20,635 plans (one plan workflow each) and 4,991 x 26/52 = 2,496 assessments (open 26 weeks
on average, as bench/sizing.py has it): 23,131 cases. Staff: one officer per 250 open cases (as bench/generate.py
has it), 93, and a manager per 8 officers, 12.

Actions (workflow updates) a year, at the counts measured per case (docs/deploy.md, "Per case": 8 an assessment,
5 a plan year and one more for the half of reviews that amend, 7 an appeal): 4,991 x 8 + 20,635 x 5.5 + 808 x 7
= 159,076. Officers act on 252 working days; the busiest month has twice an average month's work
(bench/sizing.py PEAK_MONTH), so its days have 159,076 / 252 x 2 = 1,263 actions. The busiest hour carries 1.5
times an average hour of an 8-hour day (bench/sizing.py PEAK_HOUR): 1.5 / 8 = 18.75% of the day, 237 actions.
An appeal's actions are replayed as an assessment's (the same kind of update): 28.7% of actions fall on
assessments, 71.3% on plans.

Reads, per person on a busy day (assumptions, not published anywhere): an officer reads 64 cases (8 an hour: a
case opened for each call, email, letter and action), 24 pages of their work queue (3 an hour) and the dashboard
once; a manager reads 16 cases, 16 pages of the LA's queue and the dashboard 8 times. That is 6,144 case reads,
2,424 queue pages and 189 dashboard views a day (about 7 reads an action; docs/deploy.md assumed 10), 18.75% of
them in the busiest hour: 1,152, 455 and 35. Case reads fall on assessments and plans as the actions do (GET
/cases/{ref} or GET /plans/{ref}). In all, 1,879 requests in the busiest hour: 0.52 a second, 5.2 at 10x.

The run opens the caseload for real through the API (`--cases`, the LA's 23,131 by default: plans by POST
/plans/import, assessments by POST /cases, in the model's proportion), assigns the plans to the officers as PUT
/cases/{ref}/assignment would (one UPDATE: assignment is a read-model column the workflows know nothing of), and,
when `--cases` is fewer than the LA's, fills the read model up to its size with rows from bench/generate.py, so
that the work queues and the dashboard read an LA of its size. The worker caches 30,000 workflows: the
deployment's three workers of 10,000 (deploy/k8s/worker.yaml) hold the LA's whole caseload, and so does it.

Then, at each multiple, requests arrive as a Poisson process at the busiest hour's rates times the multiple
(open loop: each is sent at its time whether or not the ones before have answered) for `--window` seconds: a
slice of the hour at its true rate, not the hour squeezed into less time. Actions are an assessment's next step
(decision to assess, four advisers asked, their advice received) or a plan's (review notice, advice circulated),
each case taking its steps one after another and never two at once, by the case's officer. It reports p50 and p99
of each kind of request, the CPU each process used (cores, and milliseconds per request), and whether the goals
hold at 10x: actions p99 < 300 ms, reads p99 < 100 ms.
"""

import argparse
import asyncio
import collections
import random
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

import statutory
from api.auth import Role
from bench import generate
from bench.databases import bench_database, postgres_version, settle
from bench.load import Api, bounded, headers, letters, percentiles, service_env
from bench.opening import Opener
from bench.reads import CASE_QUEUE, mid_assessment
from bench.stack import CpuMeter, Stack
from bench.summary import RESULTS, goal, machine_facts, phase, run_and_record
from core.temporal_client import run_to_exit

LA = "886"  # Kent
PLANS = 20_635  # SEN2, January 2025
ENGLAND_PLANS = 638_745
ENGLAND_REQUESTS = 154_489  # initial requests, 2024
ENGLAND_APPEALS = 25_000  # SEND Tribunal appeals registered, 2024/25 (docs/deploy.md)
SHARE = PLANS / ENGLAND_PLANS
REQUESTS = round(ENGLAND_REQUESTS * SHARE)
APPEALS = round(ENGLAND_APPEALS * SHARE)
ASSESSMENT_WEEKS = 26  # bench/sizing.py
ASSESSMENTS = round(REQUESTS * ASSESSMENT_WEEKS / 52)
CASES_PER_OFFICER = 250  # bench/generate.py
OFFICERS_PER_MANAGER = 8
# Updates per case, measured (docs/deploy.md, "Per case"): an assessment, a plan year (+1 for the half of reviews
# that amend), an appeal's route.
ASSESSMENT_UPDATES, PLAN_YEAR_UPDATES, AMENDED_SHARE, AMENDED_EXTRA, APPEAL_UPDATES = 8, 5, 0.5, 1, 7
WORKING_DAYS = 252
PEAK_MONTH = 2.0  # bench/sizing.py
BUSIEST_HOUR_SHARE = 1.5 / 8  # bench/sizing.py PEAK_HOUR over an 8-hour day
# What one person reads on a busy day: (case reads, work-queue pages, dashboard views).
OFFICER_READS = (64, 24, 1)
MANAGER_READS = (16, 16, 8)
TEAMS = ("north", "south", "east", "west")
# The deployment's three workers' caches together (deploy/k8s/worker.yaml): the LA's whole caseload.
WORKER_CACHE = 30_000
MEETING_IN_DAYS = 21
IMPORT_BATCH = 1_000


@dataclass(frozen=True)
class Model:
    """The busiest hour at the LA: what is open, who works, and how many of each request an hour brings."""

    open_plans: int
    open_assessments: int
    officers: int
    managers: int
    actions_a_year: float
    per_hour: dict[str, float]

    @property
    def open_cases(self) -> int:
        return self.open_plans + self.open_assessments


def model() -> Model:
    officers = round((PLANS + ASSESSMENTS) / CASES_PER_OFFICER)
    managers = round(officers / OFFICERS_PER_MANAGER)
    assessment_actions = REQUESTS * ASSESSMENT_UPDATES + APPEALS * APPEAL_UPDATES
    plan_actions = PLANS * (PLAN_YEAR_UPDATES + AMENDED_SHARE * AMENDED_EXTRA)
    actions = assessment_actions + plan_actions
    on_assessments = assessment_actions / actions
    hour = BUSIEST_HOUR_SHARE
    actions_an_hour = actions / WORKING_DAYS * PEAK_MONTH * hour
    case_reads, officer_pages, officer_boards = (officers * n * hour for n in OFFICER_READS)
    manager_reads, manager_pages, manager_boards = (managers * n * hour for n in MANAGER_READS)
    reads = case_reads + manager_reads
    return Model(
        open_plans=PLANS,
        open_assessments=ASSESSMENTS,
        officers=officers,
        managers=managers,
        actions_a_year=actions,
        per_hour={
            "action_assessment": actions_an_hour * on_assessments,
            "action_plan": actions_an_hour * (1 - on_assessments),
            "read_case": reads * on_assessments,
            "read_plan": reads * (1 - on_assessments),
            "work_queue_officer": officer_pages,
            "work_queue_la": manager_pages,
            "dashboard": officer_boards + manager_boards,
        },
    )


ACTIONS = ("action_assessment", "action_plan")


# -- the caseload -----------------------------------------------------------------------------------


@dataclass
class Caseload:
    """The LA's open cases and its staff, as the replay acts on them: each case's remaining steps in a queue, so
    that a case is acted on by one request at a time and comes round again only after every other."""

    officers: list[str]
    managers: list[str]
    assessments: list[str] = field(default_factory=list)
    plans: list[str] = field(default_factory=list)
    officer_of: dict[str, str] = field(default_factory=dict)
    steps: dict[str, collections.deque[tuple[str, list[tuple[str, dict[str, Any]]]]]] = field(default_factory=dict)

    def queue_steps(self, today: date) -> None:
        meeting = (today + timedelta(days=MEETING_IN_DAYS)).isoformat()
        plan_steps = [
            ("review-notice", {"on": today.isoformat(), "meeting_on": meeting}),
            ("review-advice", {"on": today.isoformat()}),
        ]
        self.steps = {
            "action_assessment": collections.deque((f"/cases/{r}", mid_assessment(today)) for r in self.assessments),
            "action_plan": collections.deque((f"/plans/{r}", list(plan_steps)) for r in self.plans),
        }


def plan_rows(first: int, how_many: int, today: date, rng: random.Random) -> str:
    """Existing plans as the LA's file has them (invented children), issued within the last year so that none is
    overdue for review."""
    lines = ["la_code,la_reference,given_name,family_name,date_of_birth,plan_issued_on"]
    for n in range(first, first + how_many):
        born = date(rng.randint(2006, 2021), rng.randint(1, 12), rng.randint(1, 28))
        issued = max(today - timedelta(days=rng.randint(30, 330)), born + timedelta(days=400))
        lines.append(f"{LA},KENT/{n},Robin,Plan{letters(n)},{born},{min(issued, today)}")
    return "\n".join(lines) + "\n"


async def import_plans(api: Api, how_many: int, today: date) -> tuple[float, list[str]]:
    """POST /plans/import, a thousand rows a file, two files at once; the seconds it took and the case refs."""
    rng = random.Random(5)
    batches = [(first, min(IMPORT_BATCH, how_many - first)) for first in range(0, how_many, IMPORT_BATCH)]

    async def one(batch: tuple[int, int]) -> list[str]:
        body = plan_rows(*batch, today, rng)
        status, report = await api.request("POST", "/plans/import", data=body, headers={"content-type": "text/csv"})
        if status != 200 or report["imported"] != batch[1]:
            raise RuntimeError(f"plan import answered {status}: {str(report)[:500]}")
        return [case["case_ref"] for case in report["cases"]]

    started = time.perf_counter()
    refs = [ref for batch in await bounded(2, batches, one) for ref in batch]
    return time.perf_counter() - started, refs


async def assign(database_url: str, refs: list[str], officers: list[str]) -> None:
    """The imported plans to the officers, in turn, as PUT /cases/{ref}/assignment would."""
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        await connection.executemany(
            "UPDATE cases SET officer = $2, team = $3 WHERE case_ref = $1",
            [(ref, officers[n % len(officers)], TEAMS[n % len(TEAMS)]) for n, ref in enumerate(refs)],
        )
    finally:
        await connection.close()


async def open_caseload(
    api: Api, database_url: str, the_model: Model, cases: int, today: date, concurrency: int
) -> tuple[Caseload, dict[str, Any]]:
    """The LA's open cases through the API, `cases` of them in the model's proportion; then the read model filled
    to the LA's size with generated rows if `cases` is fewer."""
    officers = [f"officer{n}.{LA}@la.example.gov.uk" for n in range(the_model.officers)]
    managers = [f"manager{n}.{LA}@la.example.gov.uk" for n in range(the_model.managers)]
    load = Caseload(officers, managers)
    plans = round(cases * the_model.open_plans / the_model.open_cases)
    import_seconds, load.plans = await import_plans(api, plans, today)
    await assign(database_url, load.plans, officers)
    opener = Opener(api, today, {LA: officers}, TEAMS)
    open_seconds, _ = await opener.open_many(cases - plans, concurrency)
    load.assessments = opener.refs
    caught_up = max(await settle(database_url, plans, "plan_started"), await settle(database_url, cases - plans))
    for n, ref in enumerate(load.plans):
        load.officer_of[ref] = officers[n % len(officers)]
    for n, ref in enumerate(load.assessments):
        load.officer_of[ref] = officers[n % len(officers)]
    opened: dict[str, Any] = {
        "plans_imported": plans,
        "plans_per_second": round(plans / import_seconds, 1) if plans else None,
        "assessments_opened": cases - plans,
        "assessments_per_second": round((cases - plans) / open_seconds, 1) if cases > plans else None,
        "read_model_caught_up_seconds_after": round(caught_up, 1),
    }
    missing = the_model.open_cases - cases
    if missing > 0:
        authority = generate.Authority(LA, tuple(officers))
        opened["generated_rows"] = await generate.fill(database_url, missing, today, only=authority)
    load.queue_steps(today)
    return load, opened


# -- the replay -------------------------------------------------------------------------------------


@dataclass
class Tokens:
    """A bearer header per member of staff, signed once."""

    cache: dict[tuple[Role, str], dict[str, str]] = field(default_factory=dict)

    def of(self, role: Role, sub: str) -> dict[str, str]:
        key = (role, sub)
        if key not in self.cache:
            self.cache[key] = headers(role, [LA], sub)
        return self.cache[key]


Request = tuple[str, str, dict[str, Any], Callable[[], None]]


class Day:
    """Makes the next request of each kind: who sends it, to what, and what to do once it has answered."""

    def __init__(self, load: Caseload, rng: random.Random) -> None:
        self.load, self.rng, self.tokens = load, rng, Tokens()

    def request(self, kind: str) -> Request:
        load, rng = self.load, self.rng
        if kind in ACTIONS:
            return self.action(kind)
        if kind in ("read_case", "read_plan"):
            ref = rng.choice(load.assessments if kind == "read_case" else load.plans)
            path = f"/cases/{ref}" if kind == "read_case" else f"/plans/{ref}"
            return "GET", path, {"headers": self.tokens.of(Role.CASE_OFFICER, load.officer_of[ref])}, _nothing
        if kind == "work_queue_officer":
            options: dict[str, Any] = {"headers": self.tokens.of(Role.CASE_OFFICER, rng.choice(load.officers))}
            if rng.random() < 0.25:  # the second page, now and then
                options["params"] = {"offset": "50"}
            return "GET", "/work-queue", options, _nothing
        manager = {"headers": self.tokens.of(Role.MANAGER, rng.choice(load.managers)), "params": {"la_code": LA}}
        return "GET", "/work-queue" if kind == "work_queue_la" else "/dashboard", manager, _nothing

    def action(self, kind: str) -> Request:
        queue = self.load.steps[kind]
        if not queue:
            raise RuntimeError(f"no case left with a step to take for {kind}: open more cases (--cases)")
        case, steps = queue.popleft()
        (path, body), rest = steps[0], steps[1:]
        ref = case.rsplit("/", 1)[1]
        options = {"headers": self.tokens.of(Role.CASE_OFFICER, self.load.officer_of[ref]), "json": body}

        def done() -> None:
            if rest:
                queue.append((case, rest))

        return "POST", f"{case}/{path}", options, done


def _nothing() -> None:
    return None


async def replay(
    api: Api, day: Day, per_hour: dict[str, float], multiple: float, seconds: float, meter: CpuMeter, seed: int
) -> dict[str, Any]:
    """Poisson arrivals of every kind at `multiple` times its hourly rate for `seconds`, each request sent at its
    time (open loop); the latency of each kind and the CPU each process spent."""
    rng = random.Random(seed)
    kinds, weights = list(per_hour), list(per_hour.values())
    rate = sum(weights) * multiple / 3600
    latencies: dict[str, list[float]] = {kind: [] for kind in kinds}
    failures: collections.Counter[str] = collections.Counter()
    lateness: list[float] = []

    async def send(kind: str, request: Request) -> None:
        method, url, options, done = request
        started = time.perf_counter()
        status, body = await api.request(method, url, **options)
        took = time.perf_counter() - started
        if status == 200:
            latencies[kind].append(took)
            done()
        else:
            failures[f"{kind} {status} {body.get('type', '') if isinstance(body, dict) else ''}".strip()] += 1

    loop = asyncio.get_running_loop()
    in_flight: set[asyncio.Task[None]] = set()
    before = meter.read()
    began = loop.time()
    at = rng.expovariate(rate)
    while at < seconds:
        wait = began + at - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        lateness.append(max(0.0, -wait))
        kind = rng.choices(kinds, weights)[0]
        task = asyncio.create_task(send(kind, day.request(kind)))
        in_flight.add(task)
        task.add_done_callback(in_flight.discard)
        at += rng.expovariate(rate)
    await asyncio.gather(*in_flight)
    elapsed = loop.time() - began
    used = meter.spent(before, meter.read())
    sent = sum(len(x) for x in latencies.values()) + sum(failures.values())
    actions = [x for kind in ACTIONS for x in latencies[kind]]
    reads = [x for kind in kinds if kind not in ACTIONS for x in latencies[kind]]
    return {
        "multiple": multiple,
        "seconds": round(elapsed, 1),
        "requests_per_second": round(sent / elapsed, 2),
        "by_kind": {kind: percentiles(latencies[kind]) for kind in kinds},
        "actions": percentiles(actions),
        "reads": percentiles(reads),
        "failures": dict(failures),
        "sent_late_ms": percentiles(lateness),
        "cpu_cores": {name: round(s / elapsed, 3) for name, s in used.items()},
        "cpu_ms_per_request": {name: round(s * 1000 / max(1, sent), 2) for name, s in used.items()},
    }


async def warm_up(api: Api, day: Day, per_hour: dict[str, float]) -> None:
    """One read of each kind before the clock starts: the API's first dashboard computes what it keeps."""
    for kind in per_hour:
        if kind not in ACTIONS:
            method, url, options, _ = day.request(kind)
            await api.request(method, url, **options)


# -- alone ------------------------------------------------------------------------------------------


async def run_day(
    workdir: Path, cases: int | None, multiples: list[float], window: float, concurrency: int
) -> dict[str, Any]:
    """The whole phase on a stack of its own: open the caseload, then replay the busiest hour at each multiple."""
    the_model = model()
    today = statutory.business_date(datetime.now(UTC))
    result: dict[str, Any] = {
        "model": {
            "local_authority": f"{LA} (Kent)",
            "open_plans": the_model.open_plans,
            "open_assessments": the_model.open_assessments,
            "officers": the_model.officers,
            "managers": the_model.managers,
            "actions_a_year": round(the_model.actions_a_year),
            "busiest_hour_share_of_a_day": BUSIEST_HOUR_SHARE,
            "busiest_hour": {kind: round(n, 1) for kind, n in the_model.per_hour.items()},
            "window_seconds": window,
        }
    }
    async with bench_database("day") as database_url:
        stack = Stack(workdir / "day")  # a dev server of its own: its SQLite file and logs apart from any other
        stack.workdir.mkdir()
        try:
            address = await stack.temporal_dev_server()
            env = service_env(address, database_url, CASE_QUEUE)
            worker = await stack.worker("day-worker", {**env, "WORKER_MAX_CACHED_WORKFLOWS": str(WORKER_CACHE)})
            api_part, base = await stack.api("day-api", env)
            meter = CpuMeter({"temporal_server": stack.part("temporal").pid, "worker": worker.pid, "api": api_part.pid})
            # Open loop: the connection pool must not hold requests back, as a browser per person would not.
            async with Api(base, 500, headers(Role.MANAGER, [LA], f"manager0.{LA}@la.example.gov.uk")) as api:
                started = time.perf_counter()
                load, result["opened"] = await open_caseload(
                    api, database_url, the_model, cases or the_model.open_cases, today, concurrency
                )
                result["opened"]["seconds"] = round(time.perf_counter() - started, 1)
                day = Day(load, random.Random(3))
                await warm_up(api, day, the_model.per_hour)
                result["at"] = {}
                for n, multiple in enumerate(multiples):
                    figures = await replay(api, day, the_model.per_hour, multiple, window, meter, seed=100 + n)
                    result["at"][f"{multiple:g}x"] = figures
                    worker.check_running()
        finally:
            await stack.close()
    return result


def goals(day: dict[str, Any]) -> dict[str, Any]:
    """At 10 times the busiest hour: actions p99 < 300 ms, reads p99 < 100 ms (None if 10x was not run)."""
    at_ten = day["at"].get("10x", {})
    clean = at_ten and not at_ten["failures"]
    return {
        "day_actions_p99_ms_at_10x (<)": goal(at_ten.get("actions", {}).get("p99_ms") if clean else None, 300, False),
        "day_reads_p99_ms_at_10x (<)": goal(at_ten.get("reads", {}).get("p99_ms") if clean else None, 100, False),
    }


async def run(args: argparse.Namespace, summary: dict[str, Any]) -> None:
    summary["machine"] = {**machine_facts(), "postgresql": await postgres_version()}
    summary["arguments"] = {k: str(v) for k, v in vars(args).items()}
    with tempfile.TemporaryDirectory(prefix="ehcp-bench-day-") as tmp, phase(summary, "day"):
        summary["day"] = await run_day(Path(tmp), args.cases, args.multiples, args.window, args.concurrency)
    summary["goals"] = goals(summary["day"])


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=None, help="open cases made for real (default: the LA's)")
    parser.add_argument("--multiples", type=float, nargs="+", default=[1, 5, 10], help="of the busiest hour's rate")
    parser.add_argument("--window", type=float, default=600, help="seconds of arrivals at each multiple")
    parser.add_argument("--concurrency", type=int, default=20, help="requests in flight while opening cases")
    parser.add_argument("--output", type=Path, default=RESULTS, help="directory for day-<date>.json")
    return parser.parse_args(argv)


async def main(args: argparse.Namespace) -> None:
    async def measure(summary: dict[str, Any]) -> None:
        await run(args, summary)

    await run_and_record(measure, args.output, "day-")


if __name__ == "__main__":
    run_to_exit(main(parse()))

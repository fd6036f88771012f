"""What replaying a workflow's history costs a worker, by the history's length, measured with the SDK's Replayer.

The midnight phase (bench/midnight.py) fires the timers of cases it has just opened, so a restarted worker
replays short histories. A case woken at midnight is usually older: an assessment months into its 20 weeks, a
plan in its review year. This replays, in this process and with the worker's own workflows, sandbox and
interceptors, histories as they stood when a timer fired: the night's own, and every timer's in the recorded
runs of tests/histories (a whole assessment, a plan's amended review cycle, a monitored plan, a Tribunal's
order). What an older case adds to a firing is the difference between the two, measured alike, so the fixed
cost of a replay cancels out.

The recorded firings are replayed again without the sandbox, to say how much of a replay is the sandbox's: the
worker keeps it (docs/benchmarks.md, "Reads beyond the worker's cache"). Alone, on the recorded runs only:
`.venv/bin/python -m bench.replay_cost` (it writes bench/results/replay-<date>.json); alone, it replays them a
third time in the SDK's sandbox as it comes, which enters the sandbox for each payload's context
(core/payload_context.py), to say what answering that outside it saves.
"""

import json
import statistics
import time
from collections.abc import AsyncIterator
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory
from temporalio.worker import Replayer, UnsandboxedWorkflowRunner, WorkflowRunner
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner

from bench.load import PAYLOAD_KEYS, SECRET
from bench.stack import ROOT
from bench.summary import RESULTS, machine_facts, run_and_record
from core.config import Settings
from core.temporal_client import data_converter, run_to_exit
from tests.factories import TEST_PAYLOAD_KEYS
from worker import WORKFLOWS, sandbox_runner
from workflows.one_action_at_a_time import OneActionAtATime

RECORDED = ROOT / "tests" / "histories"
ROUNDS = 20  # replays of each recorded firing's history
ALONE_ROUNDS = 3  # alternating rounds of the three runners, run alone
NIGHT_REPLAYS = 200  # replays of the night's histories, over as many of them as there are


def recorded_firings() -> list[tuple[str, WorkflowHistory]]:
    """Each timer firing in the recorded runs of the current code (those of earlier versions carry a suffix:
    `.before_…`), as the history stood just before it fired: what a worker without it cached replays then."""
    firings = []
    for path in sorted(p for p in RECORDED.glob("*.json") if "." not in p.stem):
        history = WorkflowHistory.from_json(path.stem, json.loads(path.read_text()))
        for index, event in enumerate(history.events):
            if event.event_type == EventType.EVENT_TYPE_TIMER_FIRED:
                firings.append((path.stem, WorkflowHistory(history.workflow_id, history.events[:index])))
    return firings


def replayer(runner: WorkflowRunner | None = None) -> Replayer:
    """The worker's workflows as `worker.py` runs them (or, to measure the sandbox, in another runner); the run's
    payload key and the recorded histories' key."""
    settings = Settings(payload_keys=f"{PAYLOAD_KEYS},{TEST_PAYLOAD_KEYS}", auth_jwt_secret=SECRET)
    return Replayer(
        workflows=WORKFLOWS,
        data_converter=data_converter(settings),
        workflow_runner=runner or sandbox_runner(),
        interceptors=[OneActionAtATime()],
    )


async def cpu_ms_per_replay(replaying: Replayer, histories: list[WorkflowHistory], rounds: int) -> float:
    """CPU milliseconds this process spends on one replay of the histories, on average over `rounds` of each."""

    async def feed() -> AsyncIterator[WorkflowHistory]:
        for _ in range(rounds):
            for history in histories:
                yield history

    started = time.process_time()
    async with replaying.workflow_replay_iterator(feed()) as results:
        async for result in results:
            if result.replay_failure is not None:
                raise result.replay_failure
    return (time.process_time() - started) * 1000 / (rounds * len(histories))


async def replay_costs(night: list[WorkflowHistory]) -> dict[str, Any]:
    """Replay CPU per firing: the night's (its new cases' histories as they stood when their timers fired) and
    the recorded runs' (each of their timers), and what the recorded ones cost beyond the night's, on average and
    at the longest."""
    firings = recorded_firings()
    replaying = replayer()
    await cpu_ms_per_replay(replaying, [*night[:1], *(h for _, h in firings)], 1)  # the sandbox's first imports
    night_ms = await cpu_ms_per_replay(replaying, night, max(1, NIGHT_REPLAYS // len(night)))
    costs = [(run, len(h.events), await cpu_ms_per_replay(replaying, [h], ROUNDS)) for run, h in firings]
    mean_ms = statistics.mean(ms for _, _, ms in costs)
    longest = max(costs, key=lambda cost: cost[1])
    unsandboxed = await firings_mean_ms(replayer(UnsandboxedWorkflowRunner()), firings)
    return {
        "night": {
            "histories": len(night),
            "events": round(statistics.mean(len(h.events) for h in night), 1),
            "cpu_ms": round(night_ms, 2),
        },
        "recorded_firings": {
            "firings": len(costs),
            "events": round(statistics.mean(events for _, events, _ in costs), 1),
            "cpu_ms": round(mean_ms, 2),
            "longest": {"run": longest[0], "events": longest[1], "cpu_ms": round(longest[2], 2)},
            "cpu_ms_unsandboxed": round(unsandboxed, 2),
        },
        "beyond_night_ms": round(mean_ms - night_ms, 2),
        "longest_beyond_night_ms": round(longest[2] - night_ms, 2),
    }


async def firings_mean_ms(replaying: Replayer, firings: list[tuple[str, WorkflowHistory]]) -> float:
    """The firings' mean replay CPU, each replayed ROUNDS times, after one replay of all (the first imports)."""
    await cpu_ms_per_replay(replaying, [h for _, h in firings], 1)
    return statistics.mean([await cpu_ms_per_replay(replaying, [h], ROUNDS) for _, h in firings])


async def main() -> None:
    async def measure(summary: dict[str, Any]) -> None:
        summary["machine"] = machine_facts()
        firings = recorded_firings()
        runners = {
            "cpu_ms": replayer(),
            "cpu_ms_unsandboxed": replayer(UnsandboxedWorkflowRunner()),
            "cpu_ms_sdk_sandbox": replayer(SandboxedWorkflowRunner(restrictions=sandbox_runner().restrictions)),
        }
        # In alternating rounds, each figure the median of its rounds: this machine's speed drifts by a third
        # within minutes, more than the differences measured.
        measured: dict[str, list[float]] = {name: [] for name in runners}
        for _ in range(ALONE_ROUNDS):
            for name, replaying in runners.items():
                measured[name].append(await firings_mean_ms(replaying, firings))
        figures = {name: statistics.median(ms) for name, ms in measured.items()}
        summary["recorded_firings"] = {
            "firings": len(firings),
            "events": round(statistics.mean(len(h.events) for _, h in firings), 1),
            "rounds": ALONE_ROUNDS,
            **{name: round(ms, 2) for name, ms in figures.items()},
            "sandbox_share": round(1 - figures["cpu_ms_unsandboxed"] / figures["cpu_ms"], 2),
            "by_round": {name: [round(ms, 2) for ms in rounds] for name, rounds in measured.items()},
        }

    await run_and_record(measure, RESULTS, "replay-")


if __name__ == "__main__":
    run_to_exit(main())

"""The officer's action beside a bare update: what one statutory step costs over what Temporal itself costs.

Every statutory step of every case is an update the case officer waits for, so this is the operation people
feel. Our action is `POST /cases/{ref}/decide-to-assess` through the API (token, access rules, the update,
its validator, the rules, the read model written in the same workflow task, the family's letter scheduled);
the bare one is BareWorkflow.step (bench/bare.py), an update with a validator that records a number, made
with the same Temporal client library against the same dev server. Both run in alternating rounds, one at a
time (what a person waits for) and four at once, so that a noisy neighbour hits both alike; between rounds
each side's work left over (our letters, sent after the answer) is let finish, and its CPU counted to its side.

What one action makes is counted from histories: the events, workflow tasks, activities and local activities
it added in all, and how many of them came before the answer.
"""

import asyncio
import random
import time
from collections.abc import Sequence
from datetime import date
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent
from temporalio.client import Client, WorkflowHandle

from bench.databases import count, until_counted
from bench.load import Api, bounded, metered, percentiles, timed_request
from bench.stack import CpuMeter

DECIDE = "decide-to-assess"
BARE_STEP = "step"
# How long the letters of a round may take to be sent once it has been answered.
LETTERS_SECONDS = 300
LETTERS = "SELECT count(*) FROM notifications WHERE template = 'decision_to_assess'"


class Side:
    """One side of the comparison: its latencies by concurrency and the CPU its processes spent."""

    def __init__(self) -> None:
        self.latency: dict[int, list[float]] = {}
        self.cpu: dict[str, float] = {}

    def add(self, concurrency: int, latencies: list[float]) -> None:
        self.latency.setdefault(concurrency, []).extend(latencies)

    def figures(self) -> dict[str, Any]:
        actions = sum(len(lat) for lat in self.latency.values())
        return {
            **{f"latency_{n}_at_once": percentiles(lat) for n, lat in sorted(self.latency.items())},
            "cpu_ms_per_action": {name: round(s * 1000 / actions, 2) for name, s in sorted(self.cpu.items())},
            "cpu_ms_per_action_total": round(sum(self.cpu.values()) * 1000 / actions, 2),
        }


async def letters_sent(database_url: str, expected: int) -> None:
    """Until `expected` decision letters are in the outbox: our side's work after its answers."""
    await until_counted(database_url, LETTERS, expected, LETTERS_SECONDS, f"{expected} decision letters")


async def compare_actions(
    api: Api,
    client: Client,
    refs: list[str],
    bare: list[WorkflowHandle[Any, Any]],
    database_url: str,
    today: date,
    meter: CpuMeter,
    rounds: int,
    headers: dict[str, str],
) -> dict[str, Any]:
    """`refs`: cases waiting for the decision whether to assess, one per action (each is decided once), the last
    kept for counting its history; `bare`: running bare workflows, updated at random. Each round makes
    (len(refs) - 1) // (2 * rounds) actions of each kind one at a time, then as many four at once."""
    *unused, spare = refs
    per_round = len(unused) // (2 * rounds)
    if per_round < 1:
        raise ValueError("fewer cases than two per round")
    rng = random.Random(21)
    ours, theirs = Side(), Side()
    body = {"on": today.isoformat(), "assess": True}
    decided = await count(database_url, LETTERS)

    async def ours_once(ref: str) -> float:
        took, _ = await timed_request(api, "POST", f"/cases/{ref}/{DECIDE}", json=body, headers=headers)
        return took

    async def bare_once(number: int) -> float:
        handle = rng.choice(bare)
        started = time.perf_counter()
        await handle.execute_update(BARE_STEP, number)
        return time.perf_counter() - started

    await bounded(4, range(min(20, len(bare))), bare_once)  # both paths warm
    for _ in range(rounds):
        for concurrency in (1, 4):
            theirs.add(concurrency, await metered(meter, theirs.cpu, bounded(concurrency, range(per_round), bare_once)))
            batch, unused = unused[:per_round], unused[per_round:]
            ours.add(concurrency, await metered(meter, ours.cpu, bounded(concurrency, batch, ours_once)))
            decided += len(batch)
            await metered(meter, ours.cpu, letters_sent(database_url, decided))
    return {
        "rounds": rounds,
        "actions_each_side": per_round * 2 * rounds,
        "our_action_decide_to_assess": ours.figures(),
        "bare_update": theirs.figures(),
        "ratios": ratios(ours.figures(), theirs.figures()),
        "what_one_action_makes": {
            "ours": await our_history(api, client, spare, body, headers, database_url),
            "bare": await bare_history(bare[0]),
        },
    }


def ratios(ours: dict[str, Any], bare: dict[str, Any]) -> dict[str, float]:
    return {
        "latency_p50_1_at_once": round(ours["latency_1_at_once"]["p50_ms"] / bare["latency_1_at_once"]["p50_ms"], 2),
        "latency_p99_1_at_once": round(ours["latency_1_at_once"]["p99_ms"] / bare["latency_1_at_once"]["p99_ms"], 2),
        "latency_p50_4_at_once": round(ours["latency_4_at_once"]["p50_ms"] / bare["latency_4_at_once"]["p50_ms"], 2),
        "latency_p99_4_at_once": round(ours["latency_4_at_once"]["p99_ms"] / bare["latency_4_at_once"]["p99_ms"], 2),
        "cpu_per_action": round(ours["cpu_ms_per_action_total"] / bare["cpu_ms_per_action_total"], 2),
    }


def counted(events: Sequence[HistoryEvent]) -> dict[str, int]:
    """What a stretch of history holds, by the kinds an action's cost is made of."""

    def of(kind: int) -> int:
        return sum(1 for e in events if e.event_type == kind)

    return {
        "events": len(events),
        "workflow_tasks": of(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED),
        "activities": of(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED),
        "local_activities": of(EventType.EVENT_TYPE_MARKER_RECORDED),
        "timers": of(EventType.EVENT_TYPE_TIMER_STARTED),
    }


def split_at_answer(events: Sequence[HistoryEvent]) -> dict[str, dict[str, int]]:
    answered = next(
        i for i, e in enumerate(events) if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED
    )
    return {"before_the_answer": counted(events[: answered + 1]), "in_all": counted(events)}


async def our_history(
    api: Api,
    client: Client,
    ref: str,
    body: dict[str, Any],
    headers: dict[str, str],
    database_url: str,
) -> dict[str, dict[str, int]]:
    """One more action on a case of its own, its history read before and after (letters sent)."""
    handle = client.get_workflow_handle(f"assessment-{ref}")
    before = len((await handle.fetch_history()).events)
    letters = await count(database_url, LETTERS)
    await timed_request(api, "POST", f"/cases/{ref}/{DECIDE}", json=body, headers=headers)
    await letters_sent(database_url, letters + 1)
    await settled(handle)
    return split_at_answer((await handle.fetch_history()).events[before:])


async def bare_history(handle: WorkflowHandle[Any, Any]) -> dict[str, dict[str, int]]:
    before = len((await handle.fetch_history()).events)
    await handle.execute_update(BARE_STEP, 0)
    return split_at_answer((await handle.fetch_history()).events[before:])


async def settled(handle: WorkflowHandle[Any, Any]) -> None:
    """Until the workflow has nothing scheduled or running (its letter's activity completed and handled)."""
    while True:
        described = (await handle.describe()).raw_description
        history = await handle.fetch_history()
        last = history.events[-1].event_type
        if not described.pending_activities and last == EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            return
        await asyncio.sleep(0.1)

"""Whole 20-week EHC needs assessments, many at once, on Temporal's time-skipping test server.

The worker (`worker.py`) and the API run as their own processes against the test server and a real
database; officers drive every case through the API as tests/driver.py does, on the path a case
takes when all goes well: decision to assess at 3 weeks, four advisers asked and answered, the
decision to issue, the draft, the parent's comments and a setting consulted, the final plan naming
it. All cases move together, step by step, and the weeks between the steps pass in one skip each,
so the figure is what the workflows, activities, database and API cost, not the calendar.
"""

import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from temporalio.testing import WorkflowEnvironment

import statutory
from api.auth import Role
from bench.load import Api, bounded, case_body, client_settings, headers, service_env, timed_request
from bench.stack import BIN, Stack
from core.temporal_client import data_converter
from tests.conftest import register_search_attributes
from tests.driver import SECTIONS

LA = "BTS"
OFFICER = "officer.ts@la.example.gov.uk"
URN = "100001"
ADVISERS = ("educational", "educational_psychologist", "health", "social_care")
# (weeks to let pass first, then the actions each case takes, in order)
TIMELINE: list[tuple[timedelta, list[tuple[str, dict[str, Any]]]]] = [
    (timedelta(weeks=3), [("decide-to-assess", {"assess": True})]),
    (timedelta(0), [("advice-requests", {"adviser": a}) for a in ADVISERS]),
    (timedelta(weeks=4), [("advice-received", {"advice_id": a}) for a in ADVISERS]),
    (timedelta(weeks=3), [("decide-to-issue", {"issue": True})]),
    (timedelta(weeks=2), [("draft", {"served_on": "{today}", "sections": SECTIONS})]),
    (
        timedelta(days=5),
        [
            ("parent-comments", {"preferred_setting_urn": URN, "meeting_requested": True}),
            ("setting-consultations", {"setting_urn": URN}),
        ],
    ),
    (timedelta(days=7), [("setting-answers", {"setting_urn": URN, "agrees": True})]),
    (
        timedelta(days=3),
        [("final-plan", {"issued_on": "{today}", "sections": {**SECTIONS, "I": "Oak"}, "named_setting_urn": URN})],
    ),
]


def _dated(body: dict[str, Any], today: date) -> dict[str, Any]:
    filled = {k: today.isoformat() if v == "{today}" else v for k, v in body.items()}
    if "served_on" not in filled and "issued_on" not in filled:
        filled["on"] = today.isoformat()
    return filled


async def run_assessments(
    workdir: Path, database_url: str, count: int, concurrency: int, workers: int = 1
) -> dict[str, Any]:
    """`workers` worker processes share the task queue, as a deployment's do: one Python worker runs its
    workflow tasks on one core, and here it was what the assessments waited for."""
    async with await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=str(BIN / "temporal-test-server"),
        data_converter=data_converter(client_settings("")),
    ) as env:
        await register_search_attributes(env.client)
        stack = Stack(workdir)
        address = env.client.service_client.config.target_host
        env_vars = service_env(address, database_url, "bench-time-skipping")
        try:
            for n in range(workers):
                await stack.worker(f"ts-worker-{n}", env_vars)
            _, base = await stack.api("ts-api", env_vars)
            auth = headers(Role.CASE_OFFICER, [LA], OFFICER)
            async with Api(base, concurrency, auth) as api:
                result = {**await _drive(env, api, count, concurrency), "workers": workers}
        finally:
            await stack.close()
    return result


async def _drive(env: WorkflowEnvironment, api: Api, count: int, concurrency: int) -> dict[str, Any]:
    started = time.perf_counter()
    received = statutory.business_date(await env.get_current_time())

    async def open_case(n: int) -> str:
        _, answer = await timed_request(
            api, "POST", "/cases", expect=201, json=case_body(n, LA, OFFICER, "north", received)
        )
        return str(answer["case_ref"])

    refs = await bounded(concurrency, range(count), open_case)
    actions = count
    for wait, steps in TIMELINE:
        if wait:
            await env.sleep(wait)
        today = statutory.business_date(await env.get_current_time())

        async def act(ref: str, steps: list[tuple[str, dict[str, Any]]] = steps, today: date = today) -> None:
            for path, body in steps:
                await timed_request(api, "POST", f"/cases/{ref}/{path}", json=_dated(body, today))

        await bounded(concurrency, refs, act)
        actions += count * len(steps)
    seconds = time.perf_counter() - started
    final = await api.get(f"/cases/{refs[-1]}")
    if final["stage"] != "final_issued" or not final["closed"]:
        raise RuntimeError(f"case {refs[-1]} ended at {final['stage']}, not final_issued")
    return {
        "assessments": count,
        "concurrency": concurrency,
        "seconds": round(seconds, 2),
        "assessments_per_second": round(count / seconds, 2),
        "api_calls_per_second": round(actions / seconds, 1),
        "weeks_per_assessment": round((statutory.business_date(await env.get_current_time()) - received).days / 7, 1),
    }

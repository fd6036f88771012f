"""Reminders and notices are sent once however often a case replays, and histories replay cleanly."""

import base64
import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer

import statutory
from core.config import Settings
from core.temporal_client import data_converter
from store.db import SessionMaker
from tests.conftest import TASK_QUEUE, api_client
from tests.driver import Officer
from worker import WORKFLOWS, build_worker, sandbox_runner
from workflows import case_base
from workflows.one_action_at_a_time import OneActionAtATime

HISTORIES = Path(__file__).resolve().parents[1] / "histories"


@pytest_asyncio.fixture
async def replaying_api(
    env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    """A worker that keeps no workflow in its cache, so every task rebuilds its case from history."""
    async with (
        build_worker(env.client, TASK_QUEUE, sessions, settings, max_cached_workflows=0),
        api_client(settings, env.client, sessions, env.get_current_time) as client,
    ):
        yield client


async def test_replaying_every_task_sends_nothing_twice(
    replaying_api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = Officer(replaying_api, env)
    received = await officer.today()
    await officer.open(received)
    due = statutory.due_date("assessment.decide_to_assess", received)
    await env.sleep(statutory.breach_at(statutory.remind_on(due, 5)) - await env.get_current_time())
    templates = [n["template"] for n in await officer.letters()]
    assert templates.count("deadline_reminder") == 1

    await officer.act("decide-to-assess", {"assess": True})
    await officer.wait(weeks=20)
    letters = await officer.letters()
    templates = [n["template"] for n in letters]
    assert templates.count("decision_to_assess") == 1
    reminders = [n["subject"] for n in letters if n["template"] == "deadline_reminder"]
    assert len(reminders) == len(set(reminders))
    # The final plan only: the 16 weeks to decide whether to issue are a target when no decision not to issue
    # was made (reg 10(1)); its at-risk notice went once.
    assert templates.count("deadline_escalation") == 1
    assert templates.count("target_at_risk") == 1


@pytest.mark.parametrize("path", sorted(HISTORIES.glob("*.json")), ids=lambda p: p.stem)
async def test_recorded_histories_replay_against_current_code(path: Path, settings: Settings) -> None:
    """A change that would break running cases fails here (docs/operations.md, Replay safety). Histories recorded before
    payload encryption are in clear and pass through the codec; later ones are encrypted with the test key."""
    replayer = Replayer(
        workflows=WORKFLOWS,
        data_converter=data_converter(settings),
        workflow_runner=sandbox_runner(),
        interceptors=[OneActionAtATime()],
    )
    history = WorkflowHistory.from_json(path.stem, json.loads(path.read_text()))
    await replayer.replay_workflow(history)


def test_every_workflow_type_has_a_recorded_history() -> None:
    recorded = {
        json.loads(p.read_text())["events"][0]["workflowExecutionStartedEventAttributes"]["workflowType"]["name"]
        for p in HISTORIES.glob("*.json")
    }
    assert recorded >= {w.__temporal_workflow_definition.name for w in WORKFLOWS}  # type: ignore[attr-defined]


def test_every_patch_has_a_recorded_history_that_takes_it() -> None:
    """A patched change is proven by replay only if some committed history went down its new path."""
    patches: set[str] = set()
    for path in HISTORIES.glob("*.json"):
        for event in json.loads(path.read_text())["events"]:
            marker = event.get("markerRecordedEventAttributes")
            if marker and marker["markerName"] == "core_patch":
                payload = marker["details"]["patch-data"]["payloads"][0]["data"]
                patches.add(json.loads(base64.b64decode(payload))["id"])
    assert {case_base.LEGAL_TIME, case_base.LAW_GAPS, case_base.SYNC_IN_WORKFLOW_TASK} <= patches

"""One officer action at a time on a case, and the system's own updates always taken.

The rule itself (workflows/one_action_at_a_time.py) on a stand-in for the workflow, so that "while a
handler runs" is a fact of the test and not a race; then the names: the system's updates are sent only by
the system (activities/, cli/), and no API route sends one, so no officer's click is taken as the
Tribunal's word and none bypasses the rule. Races through the real API are in tests/api/test_safe_retries.py.
"""

import asyncio
import re
from pathlib import Path
from typing import Any

import pytest
from temporalio.worker import HandleUpdateInput, WorkflowInboundInterceptor

from workflows.one_action_at_a_time import SYSTEM_UPDATES, _OneAtATime
from workflows.rejections import CaseBusy

ROOT = Path(__file__).resolve().parents[2]


class Handlers(WorkflowInboundInterceptor):
    """What the workflow would do: a validator that takes everything, a handler that waits until told."""

    def __init__(self) -> None:
        self.entered = asyncio.Event()
        self.release = asyncio.Event()

    def handle_update_validator(self, input: HandleUpdateInput) -> None:
        del input

    async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
        self.entered.set()
        await self.release.wait()
        return input.update


def update(name: str) -> HandleUpdateInput:
    return HandleUpdateInput(id=name, update=name, args=[], headers={})


async def test_an_action_sent_while_another_is_recorded_is_refused_and_the_systems_are_taken() -> None:
    handlers = Handlers()
    rule = _OneAtATime(handlers)
    rule.handle_update_validator(update("decide_review"))
    first = asyncio.create_task(rule.handle_update_handler(update("decide_review")))
    await handlers.entered.wait()  # the handler is now waiting, as one waiting for its letter would
    for officer_update in ("decide_review", "issue_amended_plan", "record_cease_appeal", "record_order_complied"):
        with pytest.raises(CaseBusy, match="being recorded at this moment"):
            rule.handle_update_validator(update(officer_update))
    for system_update in sorted(SYSTEM_UPDATES):
        rule.handle_update_validator(update(system_update))
    handlers.release.set()
    assert await first == "decide_review"
    rule.handle_update_validator(update("issue_amended_plan"))  # free again


def update_names() -> set[str]:
    return {
        match
        for path in (ROOT / "workflows").glob("*.py")
        for match in re.findall(r'@workflow\.update\(name="(\w+)"\)', path.read_text())
    }


def names_sent_from(*folders: str) -> set[str]:
    """Every workflow update these folders' code refers to, by its handler (`PlanWorkflow.tribunal_order`)."""
    known = update_names()
    return {
        name
        for folder in folders
        for path in (ROOT / folder).rglob("*.py")
        for name in re.findall(r"\b[A-Z]\w*Workflow\.(\w+)", path.read_text())
        if name in known
    }


def test_only_the_system_sends_the_systems_updates() -> None:
    assert update_names() >= SYSTEM_UPDATES
    assert not names_sent_from("api") & SYSTEM_UPDATES, "an API route sends a system update"
    sent_by_the_system = names_sent_from("activities", "cli")
    assert sent_by_the_system and sent_by_the_system <= SYSTEM_UPDATES, sent_by_the_system - SYSTEM_UPDATES

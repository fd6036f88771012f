"""The worker's own answer to a payload's context: the workflow itself for what it addresses to itself, the
sandbox's answer for anything addressed elsewhere."""

from types import SimpleNamespace
from typing import cast

import pytest
from temporalio.api.enums.v1 import CommandType
from temporalio.bridge.proto.workflow_activation import WorkflowActivation
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.converter import (
    SerializationContext,
    StorageDriverStoreContext,
    StorageDriverWorkflowInfo,
    WorkflowSerializationContext,
)
from temporalio.worker import WorkflowInstance
from temporalio.worker._command_aware_visitor import CommandInfo
from temporalio.workflow import Info

from core.payload_context import ADDRESSED_ELSEWHERE, _Instance

WORKFLOW_ID = "assessment-EHC-202-2026-00001"
ELSEWHERE = WorkflowSerializationContext(namespace="default", workflow_id="another-workflow")
ELSEWHERE_STORE = StorageDriverStoreContext(target=StorageDriverWorkflowInfo(id="another", namespace="default"))


class Sandboxed(WorkflowInstance):
    """Stands for the sandboxed instance: says which questions reached it."""

    def __init__(self) -> None:
        self.asked: list[CommandInfo | None] = []

    def activate(self, act: WorkflowActivation) -> WorkflowActivationCompletion:
        raise NotImplementedError

    def get_info(self) -> Info:
        raise NotImplementedError

    def get_serialization_context(self, command_info: CommandInfo | None) -> SerializationContext | None:
        self.asked.append(command_info)
        return ELSEWHERE

    def get_external_store_context(self, command_info: CommandInfo | None) -> StorageDriverStoreContext:
        self.asked.append(command_info)
        return ELSEWHERE_STORE


def instance() -> tuple[_Instance, Sandboxed]:
    sandboxed = Sandboxed()
    details = SimpleNamespace(namespace="default", workflow_id=WORKFLOW_ID, run_id="run-1", workflow_type="Assessment")
    return _Instance(sandboxed, cast(Info, details)), sandboxed


@pytest.mark.parametrize(
    "command",
    [
        None,
        CommandInfo(CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK, 1),
        CommandInfo(CommandType.COMMAND_TYPE_START_TIMER, 2),
        CommandInfo(CommandType.COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION, 3),
        CommandInfo(CommandType.COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES, 4),
    ],
)
def test_what_a_workflow_addresses_to_itself_is_answered_without_the_sandbox(command: CommandInfo | None) -> None:
    own, sandboxed = instance()
    assert own.get_serialization_context(command) == WorkflowSerializationContext("default", WORKFLOW_ID)
    target = own.get_external_store_context(command).target
    assert isinstance(target, StorageDriverWorkflowInfo) and (target.id, target.run_id) == (WORKFLOW_ID, "run-1")
    assert sandboxed.asked == []


@pytest.mark.parametrize("command_type", sorted(ADDRESSED_ELSEWHERE))
def test_what_a_workflow_addresses_elsewhere_is_asked_of_the_sandbox(command_type: CommandType.ValueType) -> None:
    own, sandboxed = instance()
    command = CommandInfo(command_type, 7)
    assert own.get_serialization_context(command) is ELSEWHERE
    assert own.get_external_store_context(command) is ELSEWHERE_STORE
    assert sandboxed.asked == [command, command]

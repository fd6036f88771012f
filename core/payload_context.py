"""The payload context of a sandboxed workflow, answered by the worker instead of from inside the sandbox.

Before each payload sequence is encoded or decoded, the SDK asks the workflow instance for the context the data
converter should see (`WorkflowInstance.get_serialization_context`, `get_external_store_context`): several
times for every activation's and every completion's payloads. The sandboxed runner answers by entering the
sandbox each time, compiling and executing a line of code there: a third of the CPU of replaying a long history
(docs/benchmarks.md, "Reads beyond the worker's cache"), and part of every workflow task.

Our workflows address payloads to themselves only: they start no child workflow, signal no other workflow and
call no Nexus operation (other workflows are started by activities, through the client). What the converter
sees is then the workflow itself, which the worker knows from the instance's details without asking. Our codec
reads one thing of a context, the workflow id (core/payload_codec.py, the case reference it labels payloads
with), and an activity's context carries the same id as its workflow's: so a payload is encoded and decoded
exactly as before. A command addressed elsewhere (a child, another workflow, Nexus, a child's result for its
parent) is still asked of the sandbox, so a workflow that one day sends one gets the SDK's own answer.
"""

from dataclasses import dataclass

from temporalio.api.enums.v1 import CommandType
from temporalio.bridge.proto.workflow_activation import WorkflowActivation
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.converter import (
    SerializationContext,
    StorageDriverStoreContext,
    StorageDriverWorkflowInfo,
    WorkflowSerializationContext,
)
from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails
from temporalio.worker._command_aware_visitor import CommandInfo  # the type the SDK's abstract methods take
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner
from temporalio.workflow import Info

# Commands whose payloads go to another workflow or service: the sandbox knows their target.
ADDRESSED_ELSEWHERE = frozenset(
    {
        CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION,
        CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION,
        CommandType.COMMAND_TYPE_SCHEDULE_NEXUS_OPERATION,
    }
)


@dataclass(frozen=True)
class OwnPayloadContext(SandboxedWorkflowRunner):
    """The SDK's sandboxed runner, whose instances answer their own payloads' context outside the sandbox.

    A subclass, not a wrapper, so that the SDK still knows it for a sandbox (its debug mode widens the
    sandbox's restrictions only for one)."""

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _Instance(super().create_instance(det), det.info)


class _Instance(WorkflowInstance):
    def __init__(self, instance: WorkflowInstance, info: Info) -> None:
        self._instance = instance
        self._context = WorkflowSerializationContext(namespace=info.namespace, workflow_id=info.workflow_id)
        target = StorageDriverWorkflowInfo(
            id=info.workflow_id, run_id=info.run_id, type=info.workflow_type, namespace=info.namespace
        )
        self._store_context = StorageDriverStoreContext(target=target)
        # A child's result is stored for its parent, unless the child continues as new.
        self._a_child = info.parent is not None and info.continued_run_id is None

    def activate(self, act: WorkflowActivation) -> WorkflowActivationCompletion:
        return self._instance.activate(act)

    def get_info(self) -> Info:
        return self._instance.get_info()

    def get_thread_id(self) -> int | None:
        return self._instance.get_thread_id()

    def get_serialization_context(self, command_info: CommandInfo | None) -> SerializationContext | None:
        if self._addressed_elsewhere(command_info):
            return self._instance.get_serialization_context(command_info)
        return self._context

    def get_external_store_context(self, command_info: CommandInfo | None) -> StorageDriverStoreContext:
        if self._addressed_elsewhere(command_info):
            return self._instance.get_external_store_context(command_info)
        return self._store_context

    def _addressed_elsewhere(self, command_info: CommandInfo | None) -> bool:
        if command_info is None:
            return False
        if command_info.command_type == CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION:
            return self._a_child
        return command_info.command_type in ADDRESSED_ELSEWHERE

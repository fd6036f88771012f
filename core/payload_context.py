"""The payload context of a sandboxed workflow, answered by the worker instead of from inside the sandbox.

Before each payload sequence is encoded or decoded, the SDK asks the workflow instance for the context the data
converter should see (`WorkflowInstance.get_serialization_context`, `get_external_store_context`): several
times for every activation's and every completion's payloads. The sandboxed runner answers by entering the
sandbox each time, compiling and executing a line of code there: a third of the CPU of replaying a long history
(docs/benchmarks.md, "Reads beyond the worker's cache"), and part of every workflow task.

Our workflows address payloads to themselves only: they start no child workflow, signal no other workflow and
call no Nexus operation, and their activities run on their own task queue. What the converter sees is then the
workflow itself, which the worker knows from the instance's details without asking the workflow. Our codec
reads one thing of a context, the workflow id (core/payload_codec.py, the case reference it labels payloads
with), and an activity's context carries the same id as its workflow's: so a payload is encoded and decoded
exactly as before. A command addressed elsewhere (a child, another workflow, Nexus, a child's completion) is
still asked of the sandbox, so a workflow that one day sends one gets the SDK's own answer.
"""

from collections.abc import Sequence

from temporalio.api.enums.v1 import CommandType
from temporalio.bridge.proto.workflow_activation import WorkflowActivation
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.converter import (
    SerializationContext,
    StorageDriverStoreContext,
    StorageDriverWorkflowInfo,
    WorkflowSerializationContext,
)
from temporalio.worker import WorkflowInstance, WorkflowInstanceDetails, WorkflowRunner
from temporalio.worker._command_aware_visitor import CommandInfo  # the type the SDK's abstract methods take
from temporalio.workflow import Info, _Definition

# Commands whose payloads go to another workflow or service: the sandbox knows their target.
ADDRESSED_ELSEWHERE = frozenset(
    {
        CommandType.COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION,
        CommandType.COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION,
        CommandType.COMMAND_TYPE_SCHEDULE_NEXUS_OPERATION,
        CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION,  # a child's result is stored for its parent
    }
)


class OwnPayloadContext(WorkflowRunner):
    """A runner (the worker's sandboxed one) whose instances answer their own payloads' context outside it."""

    def __init__(self, runner: WorkflowRunner) -> None:
        self._runner = runner

    def prepare_workflow(self, defn: _Definition) -> None:
        self._runner.prepare_workflow(defn)

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        return _Instance(self._runner.create_instance(det), det.info)

    def set_worker_level_failure_exception_types(self, types: Sequence[type[BaseException]]) -> None:
        self._runner.set_worker_level_failure_exception_types(types)


class _Instance(WorkflowInstance):
    def __init__(self, instance: WorkflowInstance, info: Info) -> None:
        self._instance = instance
        self._info = info
        self._context = WorkflowSerializationContext(namespace=info.namespace, workflow_id=info.workflow_id)
        target = StorageDriverWorkflowInfo(
            id=info.workflow_id, run_id=info.run_id, type=info.workflow_type, namespace=info.namespace
        )
        self._store_context = StorageDriverStoreContext(target=target)

    def activate(self, act: WorkflowActivation) -> WorkflowActivationCompletion:
        return self._instance.activate(act)

    def get_info(self) -> Info:
        return self._instance.get_info()

    def get_thread_id(self) -> int | None:
        return self._instance.get_thread_id()

    def get_serialization_context(self, command_info: CommandInfo | None) -> SerializationContext | None:
        if command_info is not None and command_info.command_type in ADDRESSED_ELSEWHERE:
            return self._instance.get_serialization_context(command_info)
        return self._context

    def get_external_store_context(self, command_info: CommandInfo | None) -> StorageDriverStoreContext:
        if command_info is not None and command_info.command_type in ADDRESSED_ELSEWHERE:
            return self._instance.get_external_store_context(command_info)
        return self._store_context

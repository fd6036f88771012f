"""The worker's own answer to a payload's context, compared with the SDK's answer from inside the sandbox on every
recorded history: the same workflow for every payload, so the codec labels and reads each payload as before."""

import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from temporalio.api.enums.v1 import CommandType
from temporalio.bridge.proto.workflow_activation import WorkflowActivation
from temporalio.bridge.proto.workflow_completion import WorkflowActivationCompletion
from temporalio.client import WorkflowHistory
from temporalio.converter import SerializationContext, StorageDriverStoreContext
from temporalio.worker import Replayer, WorkflowInstance, WorkflowInstanceDetails
from temporalio.worker._command_aware_visitor import CommandInfo
from temporalio.workflow import Info

from core.config import Settings
from core.payload_context import OwnPayloadContext, _Instance
from core.temporal_client import data_converter
from worker import PASSTHROUGH, WORKFLOWS, sandbox_runner
from workflows.one_action_at_a_time import OneActionAtATime

HISTORIES = Path(__file__).resolve().parents[1] / "histories"
Asked = tuple[str, CommandType.ValueType | None, str | None, str | None]


@dataclass(frozen=True)
class AskingBoth(OwnPayloadContext):
    """The worker's runner, whose instances also ask the sandbox each time and note both answers' workflow."""

    answers: list[Asked] = field(default_factory=list)

    def create_instance(self, det: WorkflowInstanceDetails) -> WorkflowInstance:
        sandboxed = super(OwnPayloadContext, self).create_instance(det)
        return _Both(sandboxed, _Instance(sandboxed, det.info), self.answers)


class _Both(WorkflowInstance):
    def __init__(self, sandboxed: WorkflowInstance, own: WorkflowInstance, answers: list[Asked]) -> None:
        self._sandboxed, self._own, self._answers = sandboxed, own, answers

    def activate(self, act: WorkflowActivation) -> WorkflowActivationCompletion:
        return self._sandboxed.activate(act)

    def get_info(self) -> Info:
        return self._sandboxed.get_info()

    def get_serialization_context(self, command_info: CommandInfo | None) -> SerializationContext | None:
        theirs = self._sandboxed.get_serialization_context(command_info)
        ours = self._own.get_serialization_context(command_info)
        self._note("context", command_info, getattr(theirs, "workflow_id", None), getattr(ours, "workflow_id", None))
        return ours

    def get_external_store_context(self, command_info: CommandInfo | None) -> StorageDriverStoreContext:
        theirs = self._sandboxed.get_external_store_context(command_info)
        ours = self._own.get_external_store_context(command_info)
        self._note("store", command_info, getattr(theirs.target, "id", None), getattr(ours.target, "id", None))
        return ours

    def _note(self, kind: str, command: CommandInfo | None, theirs: str | None, ours: str | None) -> None:
        self._answers.append((kind, command.command_type if command else None, theirs, ours))


async def test_on_every_recorded_history_the_worker_names_the_workflow_the_sandbox_names(settings: Settings) -> None:
    runner = AskingBoth(restrictions=sandbox_runner().restrictions)
    replayer = Replayer(
        workflows=WORKFLOWS,
        data_converter=data_converter(settings),
        workflow_runner=runner,
        interceptors=[OneActionAtATime()],
    )
    for path in sorted(HISTORIES.glob("*.json")):
        await replayer.replay_workflow(WorkflowHistory.from_json(path.stem, json.loads(path.read_text())))

    assert [answer for answer in runner.answers if answer[2] != answer[3]] == []
    asked = Counter(command for _, command, _, _ in runner.answers)
    assert asked[None] and asked[CommandType.COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK]
    # Payloads of the workflow itself, of its activities (local ones too) and of its result were asked about.
    assert asked[CommandType.COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION]


def test_the_worker_runs_the_sdks_sandbox_with_our_modules_passed_through() -> None:
    """A subclass of the SDK's runner: its debug mode, which widens a sandbox's restrictions, still knows it."""
    runner = sandbox_runner()
    assert isinstance(runner, OwnPayloadContext)
    assert set(PASSTHROUGH) <= set(runner.restrictions.passthrough_modules)

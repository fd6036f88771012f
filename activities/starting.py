"""Starting a case's workflows from activities: once per workflow id, and findable by case in the Temporal UI.

Workflow ids come from the case (and the decision, appeal or order), so a retried activity starts
nothing twice: a workflow already running under the id is left as it is.
"""

import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDConflictPolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from workflows import search_attributes as sa
from workflows.case_state import CaseInput

# A workflow's run method (`PlanWorkflow.run`): the client takes its type and argument from it.
WorkflowRun = Callable[[Any, Any], Awaitable[Any]]


def case_attributes(case_ref: str, la_code: str, process: str, stage: str) -> TypedSearchAttributes:
    """What the Temporal UI lists a new workflow by: its case, LA, process and first stage."""
    return TypedSearchAttributes(
        [
            SearchAttributePair(sa.CASE_REF, case_ref),
            SearchAttributePair(sa.LOCAL_AUTHORITY, la_code),
            SearchAttributePair(sa.PROCESS, process),
            SearchAttributePair(sa.CASE_STAGE, stage),
        ]
    )


@dataclass(frozen=True)
class WorkflowStarter:
    client: Client
    task_queue: str

    async def start(
        self, workflow: WorkflowRun, arg: CaseInput, workflow_id: str, process: str, stage: str, **options: Any
    ) -> None:
        """Start `workflow` on `arg` under `workflow_id`, listed by its case, LA, `process` and first `stage`."""
        with contextlib.suppress(WorkflowAlreadyStartedError):
            await self.client.start_workflow(
                workflow,
                arg,
                id=workflow_id,
                task_queue=self.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                search_attributes=case_attributes(arg.case_ref, arg.la_code, process, stage),
                **options,
            )

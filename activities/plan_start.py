"""Starts the plan workflow when an assessment issues a final plan.

The plan lives for years after the assessment ends, so it is a workflow of its own rather than a
child: nothing ties its life to the assessment's. Starting it is idempotent: the ID is the case's,
and an existing plan (running or finished) is left as it is.
"""

import contextlib

from temporalio import activity
from temporalio.client import Client
from temporalio.common import SearchAttributePair, TypedSearchAttributes, WorkflowIDConflictPolicy
from temporalio.exceptions import WorkflowAlreadyStartedError

from core.workflow_ids import plan_id
from workflows import search_attributes as sa
from workflows import summaries
from workflows.activity_contracts import START_PLAN
from workflows.plan import PlanWorkflow
from workflows.plan_models import PlanInput


class PlanStarter:
    def __init__(self, client: Client, task_queue: str) -> None:
        self.client = client
        self.task_queue = task_queue

    @activity.defn(name=START_PLAN)
    async def start_plan(self, plan: PlanInput) -> None:
        with contextlib.suppress(WorkflowAlreadyStartedError):
            await self.client.start_workflow(
                PlanWorkflow.run,
                plan,
                id=plan_id(plan.case_ref),
                task_queue=self.task_queue,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                search_attributes=plan_search_attributes(plan.case_ref, plan.la_code),
                **summaries.plan(plan),
            )


def plan_search_attributes(case_ref: str, la_code: str) -> TypedSearchAttributes:
    return TypedSearchAttributes(
        [
            SearchAttributePair(sa.CASE_REF, case_ref),
            SearchAttributePair(sa.LOCAL_AUTHORITY, la_code),
            SearchAttributePair(sa.PROCESS, "plan"),
            SearchAttributePair(sa.CASE_STAGE, "maintained"),
        ]
    )

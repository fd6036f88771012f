"""Starts the plan workflow when an assessment issues a final plan.

The plan lives for years after the assessment ends, so it is a workflow of its own rather than a
child: nothing ties its life to the assessment's. Starting it is idempotent: the ID is the case's,
and an existing plan (running or finished) is left as it is.
"""

from temporalio import activity
from temporalio.common import TypedSearchAttributes

from activities.starting import WorkflowStarter, case_attributes
from core.workflow_ids import plan_id
from workflows import summaries
from workflows.activity_contracts import START_PLAN
from workflows.plan import PlanWorkflow
from workflows.plan_models import PlanInput


class PlanStarter(WorkflowStarter):
    @activity.defn(name=START_PLAN)
    async def start_plan(self, plan: PlanInput) -> None:
        await self.start(PlanWorkflow.run, plan, plan_id(plan.case_ref), "plan", "maintained", **summaries.plan(plan))


def plan_search_attributes(case_ref: str, la_code: str) -> TypedSearchAttributes:
    """An imported plan (intake/plan_import.py) is listed as one the assessment started."""
    return case_attributes(case_ref, la_code, "plan", "maintained")

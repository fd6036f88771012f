"""Starts the plan workflow when an assessment issues a final plan.

The plan lives for years after the assessment ends, so it is a workflow of its own rather than a
child: nothing ties its life to the assessment's. Starting it is idempotent: the ID is the case's,
and an existing plan (running or finished) is left as it is. The final plan's lines of provision (section F) are
read here from the database, where the API wrote them with its text, so that the plan watches them from its start.
"""

from dataclasses import dataclass

from sqlmodel import col, select
from temporalio import activity
from temporalio.common import TypedSearchAttributes

from activities.starting import WorkflowStarter, case_attributes
from core.workflow_ids import plan_id
from store.db import SessionMaker
from store.models import ProvisionLineRow
from workflows import summaries
from workflows.activity_contracts import START_PLAN
from workflows.delivery_periods import DeliveryRhythm
from workflows.plan import PlanWorkflow
from workflows.plan_models import PlanInput
from workflows.provision_models import ProvisionKind, ProvisionLine


@dataclass(frozen=True)
class PlanStarter(WorkflowStarter):
    sessions: SessionMaker | None = None
    rhythm: DeliveryRhythm = DeliveryRhythm.HALF_TERM

    @activity.defn(name=START_PLAN)
    async def start_plan(self, plan: PlanInput) -> None:
        if self.sessions is not None and plan.versions and not plan.provision:
            lines = await self._lines(plan)
            document = plan.versions[0].document_id if lines else None
            plan = plan.model_copy(update={"provision": lines, "provision_document_id": document})
        plan = plan.model_copy(update={"delivery_rhythm": self.rhythm})
        await self.start(PlanWorkflow.run, plan, plan_id(plan.case_ref), "plan", "maintained", **summaries.plan(plan))

    async def _lines(self, plan: PlanInput) -> list[ProvisionLine]:
        assert self.sessions is not None
        async with self.sessions() as session:
            rows = await session.exec(
                select(ProvisionLineRow)
                .where(ProvisionLineRow.document_id == plan.versions[0].document_id)
                .order_by(col(ProvisionLineRow.ref))
            )
            return [
                ProvisionLine(
                    ref=row.ref,
                    kind=ProvisionKind(row.kind),
                    provider=row.provider,
                    from_on=max(plan.issued_on, row.starts_on or plan.issued_on),
                )
                for row in rows.all()
            ]


def plan_search_attributes(case_ref: str, la_code: str) -> TypedSearchAttributes:
    """An imported plan (intake/plan_import.py) is listed as one the assessment started."""
    return case_attributes(case_ref, la_code, "plan", "maintained")

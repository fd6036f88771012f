"""Starting the redress workflows, and carrying Tribunal orders into the cases they change.

Each appealable decision starts its redress route once recorded; an appeal starts its Tribunal
workflow; each order reaches the plan or assessment it changes. All are idempotent: workflow IDs come
from the case reference and the decision or appeal, and an update carries the order's own id.
"""

from typing import Any

from temporalio import activity
from temporalio.client import WorkflowUpdateFailedError
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.workflow import UpdateMethodMultiParam

from activities.starting import WorkflowStarter
from core.workflow_ids import assessment_id, plan_id, redress_id, tribunal_id, update_id
from workflows import summaries
from workflows.actions import Action
from workflows.activity_contracts import (
    CARRY_ORDER,
    REPORT_CEASE_UNAPPEALED,
    REPORT_ORDER_DONE,
    START_REDRESS,
    START_TRIBUNAL,
    CarriedOrder,
    CeaseUnappealed,
    OrderDone,
)
from workflows.assessment import AssessmentWorkflow
from workflows.assessment_models import AssessmentInput
from workflows.plan import PlanWorkflow
from workflows.plan_models import AppealEvent, TribunalOrder
from workflows.redress import RedressWorkflow
from workflows.redress_models import OrderKind, RedressInput
from workflows.rejections import CaseBusy
from workflows.tribunal import TribunalWorkflow
from workflows.tribunal_models import OrderComplied, TribunalInput


class RedressStarter(WorkflowStarter):
    @activity.defn(name=START_REDRESS)
    async def start_redress(self, redress: RedressInput) -> None:
        await self.start(
            RedressWorkflow.run,
            redress,
            redress_id(redress.case_ref, redress.decision_id),
            "redress",
            "information",
            **summaries.redress(redress),
        )

    @activity.defn(name=START_TRIBUNAL)
    async def start_tribunal(self, appeal: TribunalInput) -> None:
        await self.start(
            TribunalWorkflow.run,
            appeal,
            tribunal_id(appeal.case_ref, appeal.appeal_id),
            "tribunal",
            "lodged",
            **summaries.tribunal(appeal),
        )
        if appeal.kind == "cease":
            # The plan stays in force while the appeal is decided (CFA 2014 s.45).
            await self._update(
                plan_id(appeal.case_ref),
                PlanWorkflow.tribunal_cease_appeal,
                AppealEvent(on=appeal.lodged_on, lodged=True),
                f"appeal:{appeal.appeal_id}",
            )

    @activity.defn(name=CARRY_ORDER)
    async def carry_order(self, order: CarriedOrder) -> str | None:
        """The workflow that now owns the order and its reg 44 deadlines, or None if the case refused it
        (the Tribunal workflow then keeps the deadlines itself)."""
        kind = OrderKind(order.kind)
        if kind is OrderKind.ASSESS and order.decision_kind == "refusal_to_reassess":
            # A re-assessment of the existing plan (regs 25-27), which produces its next version.
            reassess = TribunalOrder(
                on=order.made_on,
                actor="tribunal",
                order_id=order.order_id,
                kind="reassess",
                tribunal_workflow_id=order.tribunal_workflow_id,
            )
            carried = await self._update(plan_id(order.case_ref), PlanWorkflow.tribunal_order, reassess, order.order_id)
            return plan_id(order.case_ref) if carried else None
        if kind in (OrderKind.ASSESS, OrderKind.MAKE_PLAN):
            # The assessment opens again, on the order's clock (reg 44(2)(b)-(c)).
            ordered = AssessmentInput(
                case_ref=order.case_ref,
                la_code=order.la_code,
                received_date=order.made_on,
                policy=order.policy,
                opened_by="tribunal",
                ordered=kind.value,
                order_id=order.order_id,
                tribunal_workflow_id=order.tribunal_workflow_id,
            )
            await self.start(
                AssessmentWorkflow.run,
                ordered,
                assessment_id(order.case_ref),
                "assessment",
                "request_received",
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE,
                **summaries.assessment(ordered),
            )
            return assessment_id(order.case_ref)
        if kind in (OrderKind.CONTINUE_TO_MAINTAIN, OrderKind.CEASE):
            event = AppealEvent(on=order.made_on, lodged=False, upheld=kind is OrderKind.CONTINUE_TO_MAINTAIN)
            carried = await self._update(
                plan_id(order.case_ref), PlanWorkflow.tribunal_cease_appeal, event, order.order_id
            )
            return plan_id(order.case_ref) if carried else None
        tribunal_order = TribunalOrder(
            on=order.made_on,
            actor="tribunal",
            order_id=order.order_id,
            kind=kind.value,
            tribunal_workflow_id=order.tribunal_workflow_id,
        )
        carried = await self._update(
            plan_id(order.case_ref), PlanWorkflow.tribunal_order, tribunal_order, order.order_id
        )
        return plan_id(order.case_ref) if carried else None

    @activity.defn(name=REPORT_CEASE_UNAPPEALED)
    async def report_cease_unappealed(self, ended: CeaseUnappealed) -> bool:
        """The plan ceases once the time for appealing against ceasing it has passed (CFA 2014 s.45)."""
        return await self._update(
            plan_id(ended.case_ref),
            PlanWorkflow.cease_unappealed,
            Action(on=ended.appeal_by, actor="redress"),
            ended.decision_id,
        )

    async def _update(
        self, workflow_id: str, update: UpdateMethodMultiParam[[Any, Any], Any], arg: object, key: str
    ) -> bool:
        """An update keyed by the order, so a retried activity is the same update, not a second one.

        False if the case refused it, or has ended: it is no longer where the order applies (already ceased,
        say). Retrying against a closed workflow would never succeed and would hold up whatever waits for it."""
        try:
            await self.client.get_workflow_handle(workflow_id).execute_update(update, arg, id=update_id(update, key))
        except WorkflowUpdateFailedError as error:
            _raise_if_busy(error)
            return False
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:  # closed, or never started
                return False
            raise
        return True

    @activity.defn(name=REPORT_ORDER_DONE)
    async def report_order_done(self, done: OrderDone) -> None:
        complied = OrderComplied(on=done.on, actor="case", order_id=done.order_id)
        if not await self._update(done.tribunal_workflow_id, TribunalWorkflow.order_complied, complied, done.order_id):
            # Refused for good: the appeal has ended, or knows the order done. Said, so ops can look.
            activity.logger.warning(
                "the appeal refused a case's report that an order was carried out",
                extra={"tribunal_workflow_id": done.tribunal_workflow_id, "order_id": done.order_id},
            )


def _raise_if_busy(error: WorkflowUpdateFailedError) -> None:
    """A case busy with another action has refused nothing for good: fail this attempt, and the activity's
    retries send the update again. (System updates are not turned away as busy; this keeps it so.)"""
    cause = error.cause
    if isinstance(cause, ApplicationError) and cause.type == CaseBusy.__name__:
        raise ApplicationError("the case was busy with another action; sending again", type="CaseBusy") from error

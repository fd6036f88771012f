"""Records each appealable decision, so the redress route can pick it up."""

from temporalio import activity

from activities.redress_start import RedressStarter
from store.db import SessionMaker
from store.models import AppealableDecisionRow
from store.upsert import upsert
from workflows.activity_contracts import RECORD_DECISION, DecisionRecord
from workflows.redress_models import RedressInput


class Decisions:
    def __init__(self, sessions: SessionMaker, redress: RedressStarter) -> None:
        self.sessions = sessions
        self.redress = redress

    @activity.defn(name=RECORD_DECISION)
    async def record_decision(self, decision: DecisionRecord) -> None:
        """Insert once: the decision id is deterministic, so a retry finds the row already there."""
        async with self.sessions() as session, session.begin():
            await upsert(
                session,
                AppealableDecisionRow,
                [decision.model_dump(exclude={"reminder_working_days"})],
                keys=["decision_id"],
            )
        # Every appealable decision (CFA 2014 s.51(2)) opens its redress route, which starts from the decision's
        # own fields (docs/architecture.md, The processes and how they start one another).
        await self.redress.start_redress(RedressInput.model_validate(decision, from_attributes=True))
        activity.logger.info(
            "appealable decision recorded",
            extra={"case_ref": decision.case_ref, "kind": decision.kind, "decision_id": decision.decision_id},
        )

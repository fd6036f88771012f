"""Records each appealable decision, so the redress route can pick it up."""

from temporalio import activity

from activities.messages import RECORD_DECISION, DecisionRecord
from store.db import SessionMaker
from store.models import AppealableDecisionRow
from store.upsert import upsert


class Decisions:
    def __init__(self, sessions: SessionMaker) -> None:
        self.sessions = sessions

    @activity.defn(name=RECORD_DECISION)
    async def record_decision(self, decision: DecisionRecord) -> None:
        """Insert once: the decision id is deterministic, so a retry finds the row already there."""
        async with self.sessions() as session, session.begin():
            await upsert(session, AppealableDecisionRow, [decision.model_dump()], keys=["decision_id"])
        activity.logger.info(
            "appealable decision recorded",
            extra={"case_ref": decision.case_ref, "kind": decision.kind, "decision_id": decision.decision_id},
        )

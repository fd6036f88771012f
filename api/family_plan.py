"""What a family sees of its child's plan once it is issued: the changes the council proposes after a review (or the
draft after a re-assessment), to read and comment on, and the annual review's dates with the family's part in it.

Both are read from the plan's workflow state (PlanState), which names the proposed text only by its id
(proposed_document_id); the words are read from the database (plan_documents), compared section by section with the
plan in force where this system holds it, and every read is audited by the route that shows it. The review's dates
are the plan's own: the day the meeting must be held by, the meeting once the council has set it, and the day the
advice gathered goes out, 2 weeks before it (SEND Regs 2014 reg 20(4)).
"""

from datetime import date

from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from api.family_view import SECTIONS, DraftPlan, DraftSection, PlanKind, days_left
from store.models import PlanDocument
from workflows.case_state import Deadline
from workflows.plan import AMENDMENT_COMMENTS, MEETING_NOTICE, REASSESS_DRAFT_COMMENTS
from workflows.plan_models import PlanStage, PlanState
from workflows.review_cycle import REVIEW

# Proposed amendments may name the school or other institution (an amended plan does, CFA 2014 s.40(2)); a
# re-assessment's draft names none, as a first draft names none (s.38(5), applied by reg 27).
SECTION_I = (
    "I",
    "the name and type of the school or other institution",
    "The school, college or other setting your child is to attend, or the type of setting if none is named.",
)
WITH_SECTION_I = (*SECTIONS[:9], SECTION_I, *SECTIONS[9:])
# What the plan's history records when it serves each kind of proposal: its kind, the family's window, and the
# stage at which the plan takes the family's comments on it (PlanWorkflow.record_family_comments).
SERVED = {
    "review_decided_amend": (PlanKind.PROPOSED_AMENDMENTS, AMENDMENT_COMMENTS, PlanStage.AMENDMENT_PROPOSED),
    "reassessment_draft_sent": (PlanKind.REASSESSMENT_DRAFT, REASSESS_DRAFT_COMMENTS, PlanStage.REASSESSMENT_DRAFT),
}
VIEWS = "family_views"


def this_cycles(state: PlanState, key: str) -> Deadline | None:
    """The deadline the plan's current cycle opened under `key` (the book scopes each key by its cycle, `@c3`)."""
    return next((d for d in reversed(state.deadlines) if d.key.split("@")[0] == key), None)


async def proposal_in(session: AsyncSession, state: PlanState, today: date) -> DraftPlan | None:
    """The proposed amendments or the re-assessment's draft this cycle served on the family, or None."""
    served = [entry for entry in state.history if entry.action in SERVED]
    if state.proposed_document_id is None or not served:
        return None
    document = await session.get(PlanDocument, state.proposed_document_id)
    if document is None:
        return None
    kind, window_key, open_at = SERVED[served[-1].action]
    window = this_cycles(state, window_key)
    in_force = await _in_force(session, state)
    headings = SECTIONS if kind is PlanKind.REASSESSMENT_DRAFT else WITH_SECTION_I
    return DraftPlan(
        case_ref=state.case_ref,
        kind=kind,
        served_on=served[-1].on,
        comments_until=window.due if window else None,
        days_left=days_left(window.due, today) if window else None,
        open_for_comments=state.stage is open_at,
        sections=[
            DraftSection(
                section=section,
                heading=f"Section {section}: {heading}",
                meaning=meaning,
                text=(text := str(document.sections.get(section, ""))),
                changed=None if in_force is None else text.strip() != str(in_force.get(section, "")).strip(),
            )
            for section, heading, meaning in headings
        ],
    )


async def _in_force(session: AsyncSession, state: PlanState) -> dict[str, str] | None:
    """The sections of the plan in force, where this system holds its text (a plan imported from the LA's records
    has none here until its first amended version)."""
    if not state.versions or not state.versions[-1].document_id:
        return None
    document = await session.get(PlanDocument, state.versions[-1].document_id)
    return dict(document.sections) if document is not None else None


class AnnualReview(BaseModel):
    """The plan's annual review as the family reads it: when it is due, its meeting, and the family's part in it."""

    cycle: int = Field(description="Which review of the plan this is: the first after the plan was issued is 1")
    due: date | None = Field(description="The review meeting must be held by this day")
    law: str | None = Field(description="Where the law sets that day, e.g. CFA 2014 s.44(1)")
    last_review_on: date | None = Field(description="The last review meeting held (this one's, once held), if any")
    meeting_on: date | None = Field(description="This review's meeting, once the council has set it")
    meeting_held: bool
    advice_by: date | None = Field(
        description="While the meeting is to come: the advice and information gathered goes to everyone invited at "
        "least 2 weeks before it (SEND Regs 2014 reg 20(4)), so by this day"
    )
    advice_circulated_on: date | None
    phase_transfer_by: date | None = Field(
        description="The plan must be reviewed and amended by this day for the child's move to the next phase of "
        "education (SEND Regs 2014 reg 18)"
    )
    views_open: bool = Field(
        description="Whether the family's views for this review are taken now (while the "
        "meeting is scheduled: docs/statutory-choices.md row 66)"
    )
    views_received: list[date] = Field(description="The days the family's views for this review arrived")


def review_in(state: PlanState) -> AnnualReview:
    """This cycle's review, from the plan's state."""
    review = this_cycles(state, REVIEW)
    held = state.meeting_on is not None and state.meeting_on == state.last_review_on
    scheduled = state.stage is PlanStage.REVIEW_SCHEDULED and not state.closed
    return AnnualReview(
        cycle=state.cycle,
        due=state.review_due,
        law=review.reference if review and review.reference else None,
        last_review_on=state.last_review_on,
        meeting_on=state.meeting_on,
        meeting_held=held,
        advice_by=state.meeting_on - MEETING_NOTICE if scheduled and state.meeting_on else None,
        advice_circulated_on=state.advice_circulated_on,
        phase_transfer_by=state.phase_transfer_due,
        views_open=scheduled,
        views_received=[entry.on for entry in state.history if entry.action == VIEWS and entry.on],
    )

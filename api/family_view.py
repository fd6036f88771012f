"""What a family sees of its case beyond where it stands: its own time limits counted down, the advice the council
asked for and whether it is in, the draft plan's sections, each with what it is for, and the letters it was sent.

Time limits and advice come from the read model (case_deadlines), which holds no names: an adviser is named by
their kind, never as a person. The draft's words come from the plan's text in the database (plan_documents), which
the case's workflow names by its id once the draft is served (AssessmentState.draft_document_id); the family reads
its own child's plan, and every read is audited by the route that shows it.
"""

from datetime import date, timedelta
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from core.workflow_ids import assessment_id
from statutory.policies import POLICIES
from store.models import AuditEvent, CaseDeadline, Notification, PlanDocument
from workflows.activity_contracts import Recipient
from workflows.assessment import ADVICE, DRAFT_COMMENTS, AssessmentWorkflow
from workflows.assessment_models import AdviserType, AssessmentState, Stage

# The windows the law gives the family itself, in the words a parent reads them in. Other parties' windows on the
# case (a setting's 15 days to answer, the mediation adviser's certificate, health's answer to the Tribunal) are
# theirs to keep, not the family's to act on, so they are not counted down here.
FAMILY_WINDOWS = {
    DRAFT_COMMENTS: "Your comments on the draft plan",
    "review.amendment_comments": "Your comments on the proposed changes to the plan",
    "mediation.contact_adviser": "Contacting the mediation adviser, before an appeal",
    "appeal.from_decision": "Appealing to the Tribunal",
    "appeal.from_certificate": "Appealing to the Tribunal after mediation",
}
# A window that closed unused stays on the page this long, said to be closed, so that it does not vanish
# unexplained; after that the case has moved on and the page shows what comes next.
CLOSED_SHOWN = timedelta(days=28)
# More than a case can hold (5 family windows, 7 kinds of adviser and 12 others): the reads stay bounded.
MAX_ROWS = 24

ADVISERS = {
    AdviserType.PARENT: "You, the parent or young person",
    AdviserType.EDUCATIONAL: "The school or early years setting",
    AdviserType.HEALTH: "A health care professional",
    AdviserType.EDUCATIONAL_PSYCHOLOGIST: "Educational psychologist",
    AdviserType.SOCIAL_CARE: "Social care",
    AdviserType.PREPARING_FOR_ADULTHOOD: "Preparing for adulthood",
    AdviserType.SENSORY: "A qualified teacher for hearing or vision impairment",
    AdviserType.OTHER: "Another adviser",
}

# Sections A to K of an EHC plan as the SEND Code of Practice 9.62 heads them, with what each is for in a
# sentence a parent can follow. A draft names no school or setting, so it has no section I (CFA 2014 s.38(5)).
SECTIONS = (
    (
        "A",
        "the views, interests and aspirations of the child and their parents",
        "What matters to your child and to you: what they like, what they are good at and what they hope for.",
    ),
    (
        "B",
        "the child's special educational needs",
        "What your child finds harder to learn or do than most children of their age, and why they need help.",
    ),
    (
        "C",
        "the child's health needs related to their special educational needs",
        "Health needs that affect your child's learning.",
    ),
    (
        "D",
        "the child's social care needs",
        "Care and support your child needs at home or in the community because of their needs or disability.",
    ),
    (
        "E",
        "the outcomes sought for the child",
        "What your child should be able to do or achieve, and by when, with the help in this plan.",
    ),
    (
        "F",
        "the special educational provision",
        "The help with learning your child must get: what it is, how much and who gives it. The council must "
        "make sure it is given.",
    ),
    (
        "G",
        "the health provision",
        "The health care your child needs because of their learning difficulties or disability.",
    ),
    (
        "H1",
        "social care provision under section 2 of the Chronically Sick and Disabled Persons Act 1970",
        "Care and support the council must give your child while they are under 18, such as help at home.",
    ),
    (
        "H2",
        "other social care provision",
        "Any other care and support your child needs because of their learning difficulties or disability.",
    ),
    (
        "J",
        "the personal budget",
        "If there is a personal budget, what it pays for and how it is spent, with any direct payments.",
    ),
    (
        "K",
        "the advice and information gathered",
        "The advice and information the council gathered during the assessment.",
    ),
)


class Window(BaseModel):
    """Time the law gives the family to do something, counted down to its last day."""

    step: str = Field(description="The statutory step, e.g. assessment.draft_comments")
    what: str = Field(description="The window in the family's words, e.g. 'Your comments on the draft plan'")
    rule: str | None = Field(description="The step as the law's rule describes it")
    law: str | None = Field(description="Where the law gives this time")
    due: date = Field(description="The last day of the window")
    days_left: int | None = Field(description="Days from today to the last day (0 on the day); none once closed")
    closed: bool


class AdviceAsked(BaseModel):
    """Advice the council asked for (SEND Regs 2014 reg 6), by the adviser's kind: never a person's name."""

    adviser: str = Field(description="Who was asked, by kind, e.g. 'Educational psychologist'")
    asked_on: date
    due: date = Field(description="6 weeks from the request (reg 8(1)), unless an exception applies")
    status: Literal["received", "waiting", "late", "ended"]
    received_on: date | None


class PlanKind(StrEnum):
    """What the family is sent to comment on: the first plan's draft (reg 13(1)), the changes proposed to a plan
    after its review (reg 22(2)), or the draft after a re-assessment (reg 27 applying reg 13(1))."""

    DRAFT_PLAN = "draft_plan"
    PROPOSED_AMENDMENTS = "proposed_amendments"
    REASSESSMENT_DRAFT = "reassessment_draft"


class DraftSection(BaseModel):
    section: str = Field(description="A to K, H1 and H2; I only in proposed amendments (a draft names no setting)")
    heading: str = Field(description="e.g. 'Section B: the child's special educational needs'")
    meaning: str = Field(description="What the section is for, in a sentence")
    text: str = Field(description="What the draft says; empty if the section is left blank")
    changed: bool | None = Field(
        default=None,
        description="Whether the proposal changes the section from the plan in force; null for a first draft, or "
        "where the plan in force is not held here (a plan imported from the LA's records)",
    )


class DraftPlan(BaseModel):
    """The draft plan the council served on the family, to read and comment on (SEND Regs 2014 reg 13(1)); or, on
    a plan, the changes proposed to it (reg 22(2)) or the draft after a re-assessment (reg 27)."""

    case_ref: str
    kind: PlanKind = Field(default=PlanKind.DRAFT_PLAN, description="What the family is asked to comment on")
    served_on: date | None = Field(description="The day the draft was served")
    comments_until: date | None = Field(description="The last day of the family's 15 days to comment")
    days_left: int | None = Field(description="Days from today to that last day; none once it has passed")
    open_for_comments: bool = Field(description="Whether the case takes the family's comments now")
    sections: list[DraftSection]


def days_left(due: date, today: date) -> int | None:
    """Whole days from today to a window's last day: 0 on the day itself, None once it has passed."""
    return (due - today).days if due >= today else None


async def windows_of(session: AsyncSession, case_ref: str, policy: str, today: date) -> list[Window]:
    """The family's windows still open (those done are done), and those closed unused in the last 4 weeks."""
    rows = (
        await session.exec(
            select(CaseDeadline)
            .where(
                CaseDeadline.case_ref == case_ref,
                CaseDeadline.kind == "window",
                col(CaseDeadline.done_on).is_(None),
                col(CaseDeadline.status).in_(("open", "lapsed")),
                col(CaseDeadline.step).in_(FAMILY_WINDOWS),
                col(CaseDeadline.due) >= today - CLOSED_SHOWN,
            )
            .order_by(col(CaseDeadline.due), col(CaseDeadline.key))
            .limit(MAX_ROWS)
        )
    ).all()
    rules = POLICIES.get(policy, {})
    return [
        Window(
            step=row.step,
            what=FAMILY_WINDOWS[row.step],
            rule=(rule := rules.get(row.step)) and rule.description,
            law=rule and rule.reference,
            due=row.due,
            days_left=days_left(row.due, today),
            closed=row.due < today,
        )
        for row in rows
    ]


async def advice_of(session: AsyncSession, case_ref: str, today: date) -> list[AdviceAsked]:
    """Each adviser the council asked, in the order it asked them (keys are "assessment.advice:<advice id>")."""
    rows = (
        await session.exec(
            select(CaseDeadline)
            .where(CaseDeadline.case_ref == case_ref, CaseDeadline.step == ADVICE)
            .order_by(col(CaseDeadline.start), col(CaseDeadline.key))
            .limit(MAX_ROWS)
        )
    ).all()
    return [
        AdviceAsked(
            adviser=_adviser(row.key),
            asked_on=row.start,
            due=row.due,
            status=_advice_status(row, today),
            received_on=row.done_on,
        )
        for row in rows
    ]


def _adviser(key: str) -> str:
    """The kind of adviser from the deadline's key: 'assessment.advice:other-2' is another adviser."""
    kind = key.removeprefix(f"{ADVICE}:").split("@")[0].split("-")[0]
    try:
        return ADVISERS[AdviserType(kind)]
    except ValueError:
        return "An adviser"


def _advice_status(row: CaseDeadline, today: date) -> Literal["received", "waiting", "late", "ended"]:
    if row.done_on is not None:
        return "received"
    if row.status == "ended":
        return "ended"  # the case ended before the advice was due
    if row.status == "breached" or (row.status == "open" and row.due < today):
        return "late"
    return "waiting"  # on time, or excused by an exception the law allows (reg 8(2))


async def draft_of(temporal: Client, session: AsyncSession, case_ref: str, today: date) -> DraftPlan | None:
    """The draft plan served on the case, or None if none has been (or the case had no assessment here)."""
    try:
        state = await temporal.get_workflow_handle(assessment_id(case_ref)).query(AssessmentWorkflow.get_state)
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            return None  # a plan imported without its assessment
        raise
    return await draft_in(session, state, today)


async def draft_in(session: AsyncSession, state: AssessmentState, today: date) -> DraftPlan | None:
    """The draft plan an assessment's state says was served, or None (also read by a consulted setting, which
    the law sends the draft to: CFA 2014 s.39(2)-(3))."""
    case_ref = state.case_ref
    if state.draft_document_id is None:
        return None
    document = await session.get(PlanDocument, state.draft_document_id)
    if document is None:
        return None
    window = next((d for d in state.deadlines if d.key == DRAFT_COMMENTS), None)
    served = [entry.on for entry in state.history if entry.action == "draft_sent"]
    return DraftPlan(
        case_ref=case_ref,
        served_on=served[-1] if served else None,
        comments_until=window.due if window else None,
        days_left=days_left(window.due, today) if window else None,
        open_for_comments=state.stage is Stage.DRAFT_ISSUED,
        sections=[
            DraftSection(
                section=section,
                heading=f"Section {section}: {heading}",
                meaning=meaning,
                text=str(document.sections.get(section, "")),
            )
            for section, heading, meaning in SECTIONS
        ],
    )


class Letter(BaseModel):
    """A letter the council's case sent the family: built from the case's dates and codes, so it names no one."""

    subject: str
    body: str = Field(description="The letter's words; they carry its dates (when the case was written to is not)")
    by_post: bool = Field(description="Recorded as sent on paper at the time (a case entered late)")


# Letters to the family that are not the case's: a sign-in code is the family's own, and is not kept once used.
NOT_CASE_LETTERS = ("portal_sign_in_code",)


async def letters_of(session: AsyncSession, case_ref: str) -> list[Letter]:
    """The case's letters to its parent or young person, newest first."""
    rows = (
        await session.exec(
            select(Notification)
            .where(
                Notification.case_ref == case_ref,
                col(Notification.recipient_role).in_((Recipient.PARENT.value, Recipient.YOUNG_PERSON.value)),
                col(Notification.template).not_in(NOT_CASE_LETTERS),
            )
            .order_by(col(Notification.created_at).desc(), col(Notification.id).desc())
            .limit(MAX_ROWS)
        )
    ).all()
    return [
        Letter(
            subject=row.subject,
            body=row.body,
            by_post=row.status == "on_paper",
        )
        for row in rows
    ]


# The steps of a case in the words a family reads them in, by the action its history records (an action such as
# "advice_received:health" reads as "advice_received"). Anything else in the trail (reads, sign-ins, the system's
# own bookkeeping) is not a step of the case and is left out.
STEPS_DONE = {
    "request_received": "The council received the request for an EHC needs assessment",
    "tribunal_order": "The Tribunal ordered the council to act",
    "decided_to_assess": "The council decided to carry out an EHC needs assessment",
    "refused_to_assess": "The council decided not to carry out an assessment",
    "advice_requested": "The council asked for advice",
    "advice_received": "Advice reached the council",
    "decided_to_issue": "The council decided to write an EHC plan",
    "decided_not_to_issue": "The council decided not to write an EHC plan",
    "draft_sent": "The council sent you the draft plan",
    "parent_comments": "Your comments on the draft plan reached the council",
    "setting_consulted": "The council asked a school or college about naming it",
    "setting_answered": "A school or college answered the council",
    "final_plan_issued": "The council issued the final EHC plan",
    "withdrawn": "The case was closed",
    "review_scheduled": "The council set the date of the annual review meeting",
    "review_advice_circulated": "The council sent out the advice for the annual review",
    "review_held": "The annual review meeting was held",
    "review_report": "The annual review report reached the council",
    "review_decided_maintain": "The council decided to keep the plan as it is",
    "review_decided_amend": "The council proposed changes to the plan",
    "family_views": "Your views for the annual review reached the council",
    "family_comments": "Your comments on the proposed changes reached the council",
    "decided_not_to_amend": "The council decided not to change the plan after all",
    "amended_plan_issued": "The council issued the amended plan",
    "plan_ceased": "The plan came to an end",
    "deadline_breached": "The council missed a date the law sets",
}


# Steps whose history action names what they were about ("advice_received:health", "setting_answered:100001").
SUFFIXED = ("advice_received", "setting_consulted", "setting_answered")


class StepDone(BaseModel):
    what: str = Field(description="The step in plain English")
    on: date = Field(description="Its legal date")
    missed: str | None = Field(default=None, description="For a missed date: which date, and the law that sets it")


async def steps_done(session: AsyncSession, case_ref: str) -> list[StepDone]:
    """What has happened on the case, oldest first: each step its history records, on its legal date."""
    rows = (
        await session.exec(
            select(AuditEvent)
            .where(
                AuditEvent.case_ref == case_ref,
                col(AuditEvent.business_date).is_not(None),
                or_(
                    col(AuditEvent.action).in_(STEPS_DONE),
                    *(col(AuditEvent.action).startswith(f"{action}:") for action in SUFFIXED),
                ),
            )
            .order_by(col(AuditEvent.business_date), col(AuditEvent.id))
        )
    ).all()
    done = []
    for row in rows:
        what = STEPS_DONE.get(row.action.split(":")[0])
        if what is not None and row.business_date is not None:
            missed = row.summary if row.action == "deadline_breached" else None
            done.append(StepDone(what=what, on=row.business_date, missed=missed))
    return done[-MAX_STEPS_DONE:]


MAX_STEPS_DONE = 60  # a case's steps over several years of reviews; the oldest beyond it are left off the page

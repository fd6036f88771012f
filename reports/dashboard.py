"""The inclusion dashboard the SEND Review green paper (2022) asks for: how the statutory processes perform,
per LA and across the LAs a caller may see, computed from the read model.

Five aggregate queries, whatever the number of cases (and the duties at risk, a forecast reports/forecast.py counts
and keeps for a few minutes): open cases by process and stage; every deadline
figure (plans issued within 20 weeks, breaches by step, advice and reviews overdue) in one pass over the
LAs' deadlines; redress routes and appeals open by stage; mediation and appeal outcomes in the period,
from the history lines of the redress workflows; and the provision of section F over the delivery periods
that ended in the period, by provider and kind. Each is grouped by LA in the database; Python only adds
the LAs' groups into the total and labels them. A sixth names the providers counted, from the lines that
name them. The figures are counts, never a case or a person.

Each figure is a condition on the rows of one of the five queries (_Source): the dashboard counts it per group,
and figure_cases lists the rows meeting it, so the cases behind a number are always as many as the number.

An LA's figures are those of the cases it holds now: a plan transferred to another LA (SEND Regs 2014
reg 15) takes its history with it, including whether it was issued within 20 weeks (docs/dashboard.md).
"""

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import cache, cached_property
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Date, DateTime, Integer, String, and_, bindparam, case, func, literal, null, or_, text, true
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.functions import FunctionElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

import statutory
from reports.deadline_labels import deadline_label
from store.models import (
    AuditEvent,
    Case,
    CaseDeadline,
    PlanDocument,
    ProvisionDeliveryRow,
    ProvisionLineRow,
    RedressCase,
    route_history,
)
from workflows.case_state import DeadlineKind, DeadlineStatus
from workflows.provision_models import DeliveryStatus
from workflows.provision_monitoring import CONFIRM, SECURE

# SEND Regs 2014 reg 13(2): the final plan within 20 weeks of the request; reg 13(3) (with reg 10(4)) lists the
# exceptions that disapply the limit. Only a plan issued after a request is measured: a plan the Tribunal
# ordered runs on the reg 44 clock instead (tribunal.comply_*), as in DfE's SEN2 timeliness measure.
FINAL_PLAN = "assessment.final_plan"
# SEND Regs 2014 reg 8(1): advice within 6 weeks of the request; the key names whose advice it is
# ("assessment.advice:<adviser>", workflows/assessment.py), the adviser types of reg 6(1)(a)-(h).
ADVICE = "assessment.advice"
ADVICE_KEY_PREFIX = f"{ADVICE}:"
# The review meeting, whichever rule sets its date: every 12 months (CFA 2014 s.44(1)), every 3-6 months for an
# under-5 (Code of Practice 9.178), 3 months after a transfer (SEND Regs 2014 reg 15(5)(b)).
REVIEW_MEETINGS = ("review.annual", "review.under_five", "transfer.review")
# The rest of a review: report, decision and the amended plan (SEND Regs 2014 regs 20-22), and phase transfers.
REVIEW_STEPS = (
    *REVIEW_MEETINGS,
    "review.report",
    "review.decision",
    "review.final_amended",
    "review.phase_transfer_school",
    "review.phase_transfer_post16",
)
# The history lines (workflows/redress.py, workflows/tribunal.py) the mediation and appeal figures count.
MEDIATION_ACTIONS = ("mediation_requested", "mediation_declined", "mediation_not_arranged", "mediation_held")
APPEAL_ACTIONS = (
    "appeal_lodged",
    "appeal_allowed",
    "conceded",
    "appeal_dismissed",
    "appeal_withdrawn",
    "appeal_struck_out",
)
MEDIATION_HELD_PREFIX = "Mediation held: "  # the summary workflows/redress.py writes, then the outcome
MISSED = (DeadlineStatus.BREACHED.value, DeadlineStatus.EXCEPTED.value)

# What one dashboard asks of the five queries, as bound values: the statements are built once (_sources) and
# compiled once, where building and compiling them per view cost the API more than adding up their rows.
LAS = bindparam("las", expanding=True, type_=String())
PERIOD_START = bindparam("period_start", type_=Date())
PERIOD_END = bindparam("period_end", type_=Date())
TODAY = bindparam("today", type_=Date())
JUDGED_BY = bindparam("judged_by", type_=DateTime(timezone=True))


class Period(BaseModel):
    start: date = Field(description="First day, inclusive")
    end: date = Field(description="Last day, inclusive")


def default_period(today: date) -> Period:
    """The last 12 months, today included."""
    return Period(start=statutory.add_months(today, -12) + timedelta(days=1), end=today)


def period_problem(start: date, end: date) -> str | None:
    if start > end:
        return f"the period starts ({start}) after it ends ({end}): give `from` on or before `to`"
    return None


class StageCount(BaseModel):
    process: str = Field(description="assessment or plan; redress (mediation route) or tribunal (an appeal)")
    stage: str
    count: int


class Timeliness(BaseModel):
    """Final plans issued after a request in the period, against the 20 weeks of SEND Regs 2014 reg 13(2)."""

    issued: int = Field(description="Final plans issued in the period (by issue date)")
    within_20_weeks: int
    late_with_exception: int = Field(description="Later than 20 weeks, under an exception of reg 13(3)")
    late_without_exception: int = Field(description="Later than 20 weeks with no exception: a breach")
    percent_including_exceptions: float | None = Field(
        description="within_20_weeks / issued, as DfE's 'including exceptions'; null when none were issued"
    )
    percent_excluding_exceptions: float | None = Field(
        description="within_20_weeks / (issued - late_with_exception), as DfE's 'excluding exceptions'"
    )
    reference: str = "SEND Regs 2014 reg 13(2); exceptions reg 13(3)"


class StepBreaches(BaseModel):
    step: str
    label: str
    reference: str
    breached: int = Field(description="Due in the period and missed with no exception")
    excepted: int = Field(description="Due in the period and missed under a statutory exception")


class AdviceOverdue(BaseModel):
    adviser: str = Field(description="The adviser type of SEND Regs 2014 reg 6(1)")
    overdue: int = Field(description="Advice past its 6 weeks (reg 8(1)) and not yet received, on open cases")
    owed: int = Field(description="Advice asked for and not yet received, on open cases")


class StepOverdue(BaseModel):
    step: str
    label: str
    reference: str
    overdue: int = Field(description="Past its due date and not done, on open plans")


class Mediation(BaseModel):
    """Mediation in the period (SEND Regs 2014 regs 32-42), by the business date of each step."""

    requested: int
    declined: int = Field(description="The family took a certificate without mediation (reg 34)")
    not_arranged: int = Field(description="The LA could not arrange it within 30 days (SEND Regs 2014 regs 35-41)")
    held: int
    held_by_outcome: dict[str, int] = Field(description="agreement, partial or none")


class Appeals(BaseModel):
    """First-tier Tribunal (SEND) appeals in the period (CFA 2014 s.51), by the business date of each step."""

    lodged: int
    allowed: int
    conceded: int = Field(description="The LA did not oppose the appeal (SEND Regs 2014 reg 45)")
    dismissed: int
    withdrawn: int
    struck_out: int


class ProvisionCounts(BaseModel):
    """Lines of section F over delivery periods (a line over one period is one), by what its provider said."""

    lines: int = Field(description="Lines times the periods they were in force in: every account due")
    delivered: int = Field(description="Delivered in full")
    short: int = Field(description="Short for a reason the LA answers for: a breach of CFA 2014 s.42(2)")
    short_owed: int = Field(description="Of those, not yet made good: still owed today")
    not_taken_up: int = Field(description="Short, but made available: the child absent, or the family declined")
    unconfirmed: int = Field(description="The provider has not said yet")


class ProviderProvision(ProvisionCounts):
    """A provider of one LA: a service's or a therapist's code is the LA's own, so the same code in two LAs may be
    two providers, and each LA's are counted apart (a setting serving both is shown under each)."""

    la_code: str
    provider: str = Field(description="The provider's code: a setting's URN, or the LA's code for a service")
    provider_type: str | None = Field(description="setting, service or therapist, as the plans' lines say")
    name: str | None = Field(
        description="The provider's name as the newest line naming it gives it: case officers and managers only "
        "(a therapist's name is a person's)"
    )


class KindProvision(ProvisionCounts):
    kind: str = Field(description="The kind of provision, e.g. speech_and_language_therapy")


class Provision(ProvisionCounts):
    """Section F's lines over the delivery periods whose last day falls in the period (docs/provision.md)."""

    by_provider: list[ProviderProvision]
    by_kind: list[KindProvision]
    reference: str = "CFA 2014 s.42(2)"


class Figures(BaseModel):
    open_cases: int
    at_risk: int = Field(
        description="Duties still owed that are expected to be met after their due date, overdue ones included: a "
        "forecast from the LA's history (GET /forecast lists them, docs/forecast.md), not a count of breaches; "
        "counted at most every 5 minutes"
    )
    open_by_stage: list[StageCount]
    plan_timeliness: Timeliness
    breaches: int = Field(description="Deadlines due in the period and missed, exceptions included")
    breaches_by_step: list[StepBreaches]
    advice_overdue: int
    advice_by_adviser: list[AdviceOverdue]
    annual_reviews_overdue: int = Field(description="Review meetings overdue (the review_steps_overdue meetings)")
    review_steps_overdue: list[StepOverdue]
    redress_open_by_stage: list[StageCount]
    mediation: Mediation
    appeals: Appeals
    provision: Provision


class LaFigures(BaseModel):
    la_code: str
    figures: Figures


class Dashboard(BaseModel):
    as_of: date = Field(description="The business date the overdue figures are counted on")
    period: Period = Field(description="The period of the plans issued, breaches, mediation and appeals")
    la_codes: list[str]
    total: Figures = Field(description="Across la_codes")
    by_la: list[LaFigures]


# -- the queries ------------------------------------------------------------------------------------------


class Figure(StrEnum):
    """Each number the dashboard shows, by the name GET /dashboard/cases lists its cases under."""

    OPEN_CASES = "open_cases"
    PLANS_ISSUED = "plans_issued"
    PLANS_ISSUED_LESS_EXCEPTIONS = "plans_issued_less_exceptions"
    PLANS_WITHIN_20_WEEKS = "plans_within_20_weeks"
    PLANS_LATE_WITH_EXCEPTION = "plans_late_with_exception"
    PLANS_LATE_WITHOUT_EXCEPTION = "plans_late_without_exception"
    DEADLINES_MISSED = "deadlines_missed"
    DEADLINES_MISSED_NO_EXCEPTION = "deadlines_missed_no_exception"
    DEADLINES_MISSED_UNDER_EXCEPTION = "deadlines_missed_under_exception"
    ADVICE_OVERDUE = "advice_overdue"
    ADVICE_OWED = "advice_owed"
    ANNUAL_REVIEWS_OVERDUE = "annual_reviews_overdue"
    REVIEW_STEPS_OVERDUE = "review_steps_overdue"
    REDRESS_OPEN = "redress_open"
    MEDIATION_REQUESTED = "mediation_requested"
    MEDIATION_DECLINED = "mediation_declined"
    MEDIATION_NOT_ARRANGED = "mediation_not_arranged"
    MEDIATION_HELD = "mediation_held"
    APPEAL_LODGED = "appeal_lodged"
    APPEAL_ALLOWED = "appeal_allowed"
    APPEAL_CONCEDED = "conceded"
    APPEAL_DISMISSED = "appeal_dismissed"
    APPEAL_WITHDRAWN = "appeal_withdrawn"
    APPEAL_STRUCK_OUT = "appeal_struck_out"
    PROVISION_LINES = "provision_lines"
    PROVISION_DELIVERED = "provision_delivered"
    PROVISION_SHORT = "provision_short"
    PROVISION_SHORT_OWED = "provision_short_owed"
    PROVISION_MADE_GOOD = "provision_made_good"
    PROVISION_NOT_TAKEN_UP = "provision_not_taken_up"
    PROVISION_UNCONFIRMED = "provision_unconfirmed"


FIGURE_NAMES = frozenset(figure.value for figure in Figure)
# Each provision figure and the ProvisionCounts field it fills (those made good are the short less the owed).
PROVISION_FIGURES = {
    Figure.PROVISION_LINES: "lines",
    Figure.PROVISION_DELIVERED: "delivered",
    Figure.PROVISION_SHORT: "short",
    Figure.PROVISION_SHORT_OWED: "short_owed",
    Figure.PROVISION_NOT_TAKEN_UP: "not_taken_up",
    Figure.PROVISION_UNCONFIRMED: "unconfirmed",
}


class Narrowing(BaseModel):
    """A part of a figure: the bar or table row it is shown in (one stage, step, adviser or outcome)."""

    process: str | None = None
    stage: str | None = None
    step: str | None = None
    adviser: str | None = None
    outcome: str | None = None
    provider: str | None = None
    kind: str | None = None


class FigureCase(BaseModel):
    """One case a figure counts, with the deadline or step that made it count."""

    case_ref: str
    la_code: str
    process: str = Field(description="assessment or plan; redress (mediation route) or tribunal (an appeal)")
    stage: str = Field(description="Where the case, route or appeal stands now")
    step: str | None = Field(description="The deadline's rule, or the mediation or appeal step recorded")
    label: str | None = Field(description="The deadline in plain words, with its due date")
    due: date | None = Field(description="The deadline's due date")
    status: str | None = Field(description="The deadline's status: open, met, breached or excepted")
    on: date | None = Field(description="The day it was done: the plan issued, the advice received, the step taken")
    child: str | None = Field(
        default=None, description="The child's name: case officers and managers only (personal data, audited)"
    )
    period: str | None = Field(default=None, description="For the provision: the delivery period, e.g. 2026-27.ht2")
    line: str | None = Field(default=None, description="For the provision: the line of section F, e.g. F1")
    provider: str | None = Field(default=None, description="For the provision: the provider's code")


class FigureQuery(BaseModel):
    """A figure's cases as asked for: the figure (or a part of it), on the day, period and LAs of the dashboard."""

    figure: Figure
    narrowing: Narrowing
    as_of: date
    period: Period
    la_codes: list[str]


class FigureCases(FigureQuery):
    count: int = Field(description="How many the figure counts: the number the dashboard shows")
    items: list[FigureCase] = Field(description="The cases counted, earliest date first, a page at a time")
    next_offset: int | None = Field(description="Pass as `offset` for the next page; null on the last page")


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.count().filter(condition)


class _Position(FunctionElement[int]):
    """Where a text first occurs in another (1-based; 0 if not): strpos in PostgreSQL, instr in SQLite."""

    type = Integer()
    inherit_cache = True


@compiles(_Position, "postgresql")
def _strpos(element: _Position, compiler: Any, **kw: Any) -> str:
    return f"strpos({compiler.process(element.clauses, **kw)})"


@compiles(_Position, "sqlite")
def _instr(element: _Position, compiler: Any, **kw: Any) -> str:
    return f"instr({compiler.process(element.clauses, **kw)})"


# A column of a table (sqlmodel's col() types it Mapped) or an expression over columns.
Column = ColumnElement[Any] | Mapped[Any]


@dataclass(frozen=True)
class _Source:
    """One of the four queries: the rows it reads, each figure it counts among them as a condition on a row, and
    the columns it groups them by (a figure's parts). The dashboard counts each condition per group; a figure's
    list is the rows meeting the same condition, so the count and the list cannot disagree."""

    scope: Callable[[Any], Any]  # the joins and the LAs' rows, applied to a select
    groups: dict[str, Column]
    figures: dict[Figure, ColumnElement[bool]]
    listed: dict[str, Column]  # FigureCase's fields
    order: tuple[Column, ...]
    prune: ColumnElement[bool] | None = None  # the rows any figure counts (an index's range), if not all

    @cached_property
    def counts(self) -> Any:
        groups = [expr.label(name) for name, expr in self.groups.items()]
        counts = [_count_if(condition).label(figure.value) for figure, condition in self.figures.items()]
        query = self.scope(select(*groups, *counts))
        if self.prune is not None:
            query = query.where(self.prune)
        return query.group_by(*self.groups.values())

    def cases(self, figure: Figure, narrowing: Narrowing) -> Any:
        query = self.scope(select(*(expr.label(name) for name, expr in self.listed.items()))).where(
            self.figures[figure]
        )
        if self.prune is not None:
            query = query.where(self.prune)
        for name, value in narrowing.model_dump(exclude_none=True).items():
            if name not in self.groups:
                raise ValueError(f"{figure.value} has no part by {name}")
            query = query.where(self.groups[name] == value)
        return query


def _open(table: type[Case] | type[RedressCase], figure: Figure, tiebreak: Column) -> _Source:
    """The open rows of a case table (assessments and plans, or mediation routes and appeals) by process and
    stage, each listed with its next deadline."""
    return _Source(
        scope=lambda q: q.where(col(table.la_code).in_(LAS), col(table.closed).is_(False)),
        groups={"la_code": col(table.la_code), "process": col(table.process), "stage": col(table.stage)},
        figures={figure: true()},
        listed={
            **_case_columns(table),
            "step": col(table.next_deadline_step),
            "due": col(table.next_deadline_due),
            "status": null(),
            "on": null(),
            "key": col(table.next_deadline_step),
        },
        order=(col(table.next_deadline_due), tiebreak),
    )


def _case_columns(table: type[Case] | type[RedressCase]) -> dict[str, Column]:
    return {
        "case_ref": col(table.case_ref),
        "la_code": col(table.la_code),
        "process": col(table.process),
        "stage": col(table.stage),
    }


def _adviser() -> ColumnElement[str]:
    """An advice deadline's adviser (the key "assessment.advice:<adviser>", workflows/assessment.py): a scope
    suffix ("@...") dropped, the numbered others of reg 6(1)(h) ("other-1") counted as one; "" for other steps."""
    d = CaseDeadline
    remainder = func.substr(d.key, len(ADVICE_KEY_PREFIX) + 1)
    at = _Position(remainder, literal("@"))
    kind = case((at > 0, func.substr(remainder, 1, at - 1)), else_=remainder)
    return case(
        (col(d.step) != ADVICE, literal("")),
        (kind.like("other-%"), literal("other")),
        else_=kind,
    )


def _deadlines() -> _Source:
    """Every deadline figure in one pass over the deadlines of the LAs' cases, grouped by LA, step and adviser.

    The deadlines are found by the LA they carry (the case sync writes it with the case's, activities/case_sync.py):
    one range of ix_case_deadlines_la_dashboard, hashed against the LA's cases, rather than a probe per case."""
    d = CaseDeadline
    status = col(d.status)
    in_period = col(d.due).between(PERIOD_START, PERIOD_END)
    # Windows given to the family (to appeal, to contact a mediation adviser) close unused; only duties are missed.
    missed = and_(status.in_(MISSED), in_period, col(d.kind) == DeadlineKind.DUTY.value)
    # A duty still owed on an open case by a process still running: closing a case closes its open deadlines
    # (workflows/deadline_book.py), and a breached duty of an assessment the plan followed is no longer owed.
    owed = and_(
        col(d.done_on).is_(None),
        col(d.kind) == DeadlineKind.DUTY.value,
        col(Case.closed).is_(False),
        col(d.process_open).is_(True),
    )
    # A late-entered date still in its settle period is not judged yet (docs/legal-time.md): not overdue until then.
    judged = or_(
        col(d.held_until).is_(None),
        col(d.held_until) <= JUDGED_BY,
        status != DeadlineStatus.OPEN.value,  # judged early: the officer confirmed the case's past is in
    )
    overdue = and_(owed, col(d.due) < TODAY, judged)
    # The owed duties the figures count, every other one by a narrower condition: the rows are pruned to these, so
    # that the rest of the duties still owed (most of them: each open plan's next review, not yet due) stay unread.
    advice_owed = and_(owed, col(d.step) == ADVICE)
    reviews_overdue = and_(overdue, col(d.step).in_(REVIEW_STEPS))
    final_plan_done = and_(col(d.step) == FINAL_PLAN, col(d.done_on).between(PERIOD_START, PERIOD_END))
    # Issued, not withdrawn: a final-plan deadline is also closed when a request is refused or withdrawn, and
    # only an issued plan makes the case a plan (or leaves the assessment at final_issued).
    issued = and_(final_plan_done, or_(col(Case.process) == "plan", col(Case.stage) == "final_issued"))
    met, breached, excepted = (
        status == s.value for s in (DeadlineStatus.MET, DeadlineStatus.BREACHED, DeadlineStatus.EXCEPTED)
    )
    return _Source(
        scope=lambda q: (
            q.select_from(d)
            .join(Case, and_(col(Case.case_ref) == col(d.case_ref), col(Case.la_code) == col(d.la_code)))
            .where(col(d.la_code).in_(LAS), col(Case.la_code).in_(LAS))
        ),
        groups={"la_code": col(d.la_code), "step": col(d.step), "adviser": _adviser()},
        figures={
            Figure.PLANS_ISSUED: and_(issued, or_(met, excepted, breached)),
            Figure.PLANS_ISSUED_LESS_EXCEPTIONS: and_(issued, or_(met, breached)),
            Figure.PLANS_WITHIN_20_WEEKS: and_(issued, met),
            Figure.PLANS_LATE_WITH_EXCEPTION: and_(issued, excepted),
            Figure.PLANS_LATE_WITHOUT_EXCEPTION: and_(issued, breached),
            Figure.DEADLINES_MISSED: missed,
            Figure.DEADLINES_MISSED_NO_EXCEPTION: and_(missed, breached),
            Figure.DEADLINES_MISSED_UNDER_EXCEPTION: and_(missed, excepted),
            Figure.ADVICE_OVERDUE: and_(overdue, col(d.step) == ADVICE),
            Figure.ADVICE_OWED: advice_owed,
            Figure.ANNUAL_REVIEWS_OVERDUE: and_(overdue, col(d.step).in_(REVIEW_MEETINGS)),
            Figure.REVIEW_STEPS_OVERDUE: reviews_overdue,
        },
        listed={
            **_case_columns(Case),
            "step": col(d.step),
            "due": col(d.due),
            "status": status,
            "on": col(d.done_on),
            "key": col(d.key),
        },
        order=(col(d.due), col(d.case_ref), col(d.key)),
        prune=or_(missed, advice_owed, reviews_overdue, final_plan_done),
    )


def _redress_events() -> _Source:
    """Mediation and appeal steps in the period, under the LA of the route or appeal that recorded them.

    Each route's or appeal's own history lines (store.models.route_history)."""
    action, summary = col(AuditEvent.action), col(AuditEvent.summary)
    held = action == "mediation_held"
    outcome = case(
        (and_(held, summary.startswith(MEDIATION_HELD_PREFIX)), func.substr(summary, len(MEDIATION_HELD_PREFIX) + 1)),
        (held, summary),
        else_=literal(""),
    )
    return _Source(
        scope=lambda q: (
            q.select_from(AuditEvent)
            .join(RedressCase, route_history())
            .where(
                action.in_((*MEDIATION_ACTIONS, *APPEAL_ACTIONS)),
                col(AuditEvent.business_date).between(PERIOD_START, PERIOD_END),
                col(RedressCase.la_code).in_(LAS),
                # The route and the appeal both record the lodging: the appeal's own line counts it.
                or_(action.in_(MEDIATION_ACTIONS), col(RedressCase.process) == "tribunal"),
            )
        ),
        groups={"la_code": col(RedressCase.la_code), "outcome": outcome},
        figures={Figure(a): action == a for a in (*MEDIATION_ACTIONS, *APPEAL_ACTIONS)},
        listed={
            **_case_columns(RedressCase),
            "step": action,
            "due": null(),
            "status": null(),
            "on": col(AuditEvent.business_date),
            "key": action,
        },
        order=(col(AuditEvent.business_date), col(AuditEvent.id)),
    )


def _provision() -> _Source:
    """Every line of section F over every delivery period whose last day falls in the period, grouped by LA, provider
    and kind: one range of ix_provision_deliveries_la (la_code, period_end), joined to the LA's cases as the deadlines
    are, so that a plan counts under the LA holding it now."""
    p = ProvisionDeliveryRow
    status = col(p.status)
    short = status == DeliveryStatus.SHORT.value
    return _Source(
        scope=lambda q: (
            q.select_from(p)
            .join(Case, and_(col(Case.case_ref) == col(p.case_ref), col(Case.la_code) == col(p.la_code)))
            .where(
                col(p.la_code).in_(LAS),
                col(Case.la_code).in_(LAS),
                col(p.period_end).between(PERIOD_START, PERIOD_END),
            )
        ),
        groups={"la_code": col(p.la_code), "provider": col(p.provider), "kind": col(p.kind)},
        figures={
            Figure.PROVISION_LINES: true(),
            Figure.PROVISION_DELIVERED: status == DeliveryStatus.DELIVERED.value,
            Figure.PROVISION_SHORT: short,
            # Owed until the LA records it made good (workflows/provision_monitoring.py, make_good_shortfall).
            # A plan that has ceased owes nothing more: its shortfall stays short, and is no one's work now.
            Figure.PROVISION_SHORT_OWED: and_(short, col(p.made_good_on).is_(None), col(Case.closed).is_(False)),
            Figure.PROVISION_MADE_GOOD: and_(short, col(p.made_good_on).is_not(None)),
            Figure.PROVISION_NOT_TAKEN_UP: status == DeliveryStatus.NOT_TAKEN_UP.value,
            Figure.PROVISION_UNCONFIRMED: status == DeliveryStatus.UNCONFIRMED.value,
        },
        listed={
            **_case_columns(Case),
            # A shortfall is the LA's duty over the line and period; any other account is the provider's to give.
            "step": case((short, literal(SECURE)), else_=literal(CONFIRM)),
            "due": col(p.period_end),
            "status": status,
            "on": case((short, col(p.made_good_on)), else_=col(p.confirmed_on)),
            "key": literal(f"{SECURE}:") + col(p.period) + literal(":") + col(p.ref) + literal(":") + col(p.provider),
            "period": col(p.period),
            "line": col(p.ref),
            "provider": col(p.provider),
        },
        order=(col(p.period_end), col(p.case_ref), col(p.ref)),
    )


# A provider of an LA, (la_code, provider's code): the key of by_provider and of the providers' names.
ProviderKey = tuple[str, str]


async def _provider_names(
    session: AsyncSession, las: list[str], providers: set[ProviderKey]
) -> dict[ProviderKey, tuple[str, str]]:
    """Each provider's type and name, as the newest line of its LA's plans naming it gives them."""
    if not providers:
        return {}
    line = ProvisionLineRow
    la = col(Case.la_code)
    # Five columns: more than sqlmodel's select() is typed for, as the dashboard's other grouped queries.
    query: Any = (
        select(la, col(line.provider), col(line.provider_type), col(line.provider_name))
        .add_columns(func.max(PlanDocument.created_at))
        .select_from(line)
        .join(PlanDocument, col(PlanDocument.id) == col(line.document_id))
        .join(Case, col(Case.case_ref) == col(line.case_ref))
        .where(col(line.provider).in_({code for _, code in providers}), la.in_(las))
        .group_by(la, col(line.provider), col(line.provider_type), col(line.provider_name))
    )
    rows = await session.exec(query)
    newest: dict[ProviderKey, tuple[Any, str, str]] = {}
    for la_code, provider, provider_type, name, created in rows:
        key = (la_code, provider)
        if key not in newest or created > newest[key][0]:
            newest[key] = (created, provider_type, name)
    return {key: (provider_type, name) for key, (_, provider_type, name) in newest.items()}


# -- from grouped rows to figures --------------------------------------------------------------------------


def _rule(step: str) -> tuple[str, str]:
    """The step's plain-English label and legal reference, from the rule set that has it."""
    for policy in (statutory.DEFAULT_POLICY, *sorted(statutory.POLICIES)):
        if step in statutory.POLICIES[policy]:
            rule = statutory.get_rule(step, policy)
            return rule.description, rule.reference
    return step, ""


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


class _Tally:
    """One LA's grouped rows (or every LA's, for the total), added up: each figure's count, and its parts."""

    def __init__(self) -> None:
        self.counts: dict[Figure, int] = defaultdict(int)
        self.open: dict[tuple[str, str], int] = defaultdict(int)
        self.redress_open: dict[tuple[str, str], int] = defaultdict(int)
        self.missed: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        self.advice: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        self.overdue: dict[str, int] = defaultdict(int)
        self.mediation_outcomes: dict[str, int] = defaultdict(int)
        self.by_provider: dict[ProviderKey, dict[Figure, int]] = defaultdict(lambda: defaultdict(int))
        self.by_kind: dict[str, dict[Figure, int]] = defaultdict(lambda: defaultdict(int))

    def add(self, row: Any) -> None:
        # A plain dict: a row's own mapping finds a missing key by raising and catching.
        counts = dict(row._mapping)
        for name, count in counts.items():
            if name in FIGURE_NAMES:  # not a group's column
                self.counts[Figure(name)] += count
        if Figure.OPEN_CASES.value in counts:
            self.open[(row.process, row.stage)] += row.open_cases
        if Figure.REDRESS_OPEN.value in counts:
            self.redress_open[(row.process, row.stage)] += row.redress_open
        if Figure.DEADLINES_MISSED.value in counts:
            self._add_deadlines(row)
        if Figure.MEDIATION_HELD.value in counts and row.mediation_held:
            self.mediation_outcomes[row.outcome] += row.mediation_held
        if Figure.PROVISION_LINES.value in counts:
            for part in (self.by_provider[(row.la_code, row.provider)], self.by_kind[row.kind]):
                for figure in PROVISION_FIGURES:
                    part[figure] += counts[figure.value]

    def _add_deadlines(self, row: Any) -> None:
        if row.deadlines_missed:
            missed = self.missed[row.step]
            missed[0] += row.deadlines_missed_no_exception
            missed[1] += row.deadlines_missed_under_exception
        if row.advice_owed:
            advice = self.advice[row.adviser]
            advice[0] += row.advice_overdue
            advice[1] += row.advice_owed
        self.overdue[row.step] += row.review_steps_overdue

    def provision(self, names: dict[ProviderKey, tuple[str, str]], named: bool) -> Provision:
        """The provision's counts, by provider (named from the lines, for the roles that see names) and kind."""

        def fields(counts: dict[Figure, int]) -> dict[str, int]:
            return {field: counts[figure] for figure, field in PROVISION_FIGURES.items()}

        providers = [
            ProviderProvision(
                la_code=key[0],
                provider=key[1],
                provider_type=names.get(key, (None, None))[0],
                name=names.get(key, (None, None))[1] if named else None,
                **fields(counts),
            )
            for key, counts in self.by_provider.items()
        ]
        kinds = [KindProvision(kind=kind, **fields(counts)) for kind, counts in self.by_kind.items()]
        return Provision(
            **fields(self.counts),
            by_provider=sorted(
                providers, key=lambda p: (-p.short_owed, -p.short, -p.unconfirmed, p.provider, p.la_code)
            ),
            by_kind=sorted(kinds, key=lambda k: (-k.short_owed, -k.short, -k.unconfirmed, k.kind)),
        )

    def figures(self, at_risk: int, names: dict[ProviderKey, tuple[str, str]], named: bool) -> Figures:
        c = self.counts
        breaches = [
            StepBreaches(step=step, label=label, reference=reference, breached=counts[0], excepted=counts[1])
            for step, counts in self.missed.items()
            for label, reference in [_rule(step)]
        ]
        breaches.sort(key=lambda b: (-(b.breached + b.excepted), b.step))
        reviews = [
            StepOverdue(step=step, label=label, reference=reference, overdue=self.overdue[step])
            for step in REVIEW_STEPS
            if self.overdue[step]
            for label, reference in [_rule(step)]
        ]
        advice = sorted(
            (AdviceOverdue(adviser=a, overdue=n[0], owed=n[1]) for a, n in self.advice.items()),
            key=lambda a: (-a.overdue, -a.owed, a.adviser),
        )
        issued, met = c[Figure.PLANS_ISSUED], c[Figure.PLANS_WITHIN_20_WEEKS]
        return Figures(
            open_cases=c[Figure.OPEN_CASES],
            at_risk=at_risk,
            open_by_stage=_stages(self.open),
            plan_timeliness=Timeliness(
                issued=issued,
                within_20_weeks=met,
                late_with_exception=c[Figure.PLANS_LATE_WITH_EXCEPTION],
                late_without_exception=c[Figure.PLANS_LATE_WITHOUT_EXCEPTION],
                percent_including_exceptions=_percent(met, issued),
                percent_excluding_exceptions=_percent(met, c[Figure.PLANS_ISSUED_LESS_EXCEPTIONS]),
            ),
            breaches=c[Figure.DEADLINES_MISSED],
            breaches_by_step=breaches,
            advice_overdue=c[Figure.ADVICE_OVERDUE],
            advice_by_adviser=advice,
            annual_reviews_overdue=c[Figure.ANNUAL_REVIEWS_OVERDUE],
            review_steps_overdue=reviews,
            redress_open_by_stage=_stages(self.redress_open),
            mediation=Mediation(
                requested=c[Figure.MEDIATION_REQUESTED],
                declined=c[Figure.MEDIATION_DECLINED],
                not_arranged=c[Figure.MEDIATION_NOT_ARRANGED],
                held=c[Figure.MEDIATION_HELD],
                held_by_outcome=dict(sorted(self.mediation_outcomes.items())),
            ),
            appeals=Appeals(
                lodged=c[Figure.APPEAL_LODGED],
                allowed=c[Figure.APPEAL_ALLOWED],
                conceded=c[Figure.APPEAL_CONCEDED],
                dismissed=c[Figure.APPEAL_DISMISSED],
                withdrawn=c[Figure.APPEAL_WITHDRAWN],
                struck_out=c[Figure.APPEAL_STRUCK_OUT],
            ),
            provision=self.provision(names, named),
        )


def _stages(counts: dict[tuple[str, str], int]) -> list[StageCount]:
    return [StageCount(process=p, stage=s, count=n) for (p, s), n in sorted(counts.items())]


@cache
def _sources() -> tuple[_Source, ...]:
    return (
        _open(Case, Figure.OPEN_CASES, col(Case.case_ref)),
        _deadlines(),
        _open(RedressCase, Figure.REDRESS_OPEN, col(RedressCase.workflow_id)),
        _redress_events(),
        _provision(),
    )


def _values(las: list[str], period: Period, today: date) -> dict[str, Any]:
    """The bound values of one dashboard. A late-entered date is judged once its hold has run out by the start of
    `today`, the instant the breaches of the day before are recorded (statutory.breach_at)."""
    return {
        "las": las,
        "period_start": period.start,
        "period_end": period.end,
        "today": today,
        "judged_by": statutory.breach_at(today - timedelta(days=1)),
    }


async def _one_snapshot(session: AsyncSession, *, counting: bool = False) -> None:
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        # One snapshot for the queries, so the figures agree with each other. No JIT: compiling these
        # short aggregates costs more than running them (hundreds of ms once a plan's cost passes jit_above_cost).
        # No parallel workers: an LA's figures are index ranges of tens of milliseconds; workers started for them
        # gained nothing with 4 readers on 2 cores (measured) and take cores from the other readers when busy.
        # Counting, no sort: the planner cannot foresee how many deadlines pass the figures' conditions (a
        # tenth, it guesses, where the largest LA has 20,000) and sorts them by step and adviser to group them;
        # hashing the groups instead is 15% of the largest LA's dashboard (measured at 1,000,000 rows).
        connection = await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        await connection.execute(
            text(
                "SELECT set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', '0', true), "
                "set_config('enable_sort', :sort, true)"
            ),
            {"sort": "off" if counting else "on"},
        )


async def dashboard(
    session: AsyncSession,
    las: list[str],
    period: Period,
    today: date,
    at_risk: Mapping[str, int],
    *,
    provider_names: bool = False,
) -> Dashboard:
    """The figures of the LAs `las` (the caller's to see); `at_risk` is each LA's count of duties at risk, a forecast
    (reports/forecast.py); the providers' names only with `provider_names` (the roles that see personal data: a
    therapist's name is a person's)."""
    await _one_snapshot(session, counting=True)
    tallies: dict[str, _Tally] = {la: _Tally() for la in las}
    total = _Tally()
    values = _values(las, period, today)
    for source in _sources():
        for row in await session.exec(source.counts, params=values):
            for tally in (tallies[row.la_code], total):
                tally.add(row)
    names = await _provider_names(session, las, set(total.by_provider))
    return Dashboard(
        as_of=today,
        period=period,
        la_codes=las,
        total=total.figures(sum(at_risk.get(la, 0) for la in las), names, provider_names),
        by_la=[
            LaFigures(la_code=la, figures=tallies[la].figures(at_risk.get(la, 0), names, provider_names)) for la in las
        ],
    )


def _label(row: Any) -> str | None:
    """The deadline in plain words; for the provision, the line and period a provider's account is of, or the
    shortfall the LA must make good (the work queue's words for it)."""
    if not row.step or not row.due:
        return None
    if row.step == CONFIRM:
        return f"Line {row.line} of section F for {row.period}, from provider {row.provider}"
    return deadline_label(row.step, row.key, row.due)


async def figure_cases(session: AsyncSession, asked: FigureQuery, *, limit: int, offset: int) -> FigureCases:
    """The cases a figure counts (or one part of it), from the query that counts them: their number is the
    dashboard's, and a page of them, earliest date first."""
    (source,) = (s for s in _sources() if asked.figure in s.figures)
    query = source.cases(asked.figure, asked.narrowing)
    values = _values(asked.la_codes, asked.period, asked.as_of)
    await _one_snapshot(session)
    count = (await session.exec(select(func.count()).select_from(query.subquery()), params=values)).one()
    page = query.order_by(*source.order).offset(offset).limit(limit + 1)
    rows = (await session.exec(page, params=values)).all()
    # The rows carry FigureCase's fields, by the names _Source.listed gives them, and the deadline's key.
    items = [FigureCase.model_validate({**row._mapping, "label": _label(row)}) for row in rows[:limit]]
    return FigureCases(
        **dict(asked), count=count, items=items, next_offset=offset + limit if len(rows) > limit else None
    )

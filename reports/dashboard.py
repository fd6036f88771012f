"""The inclusion dashboard the SEND Review green paper (2022) asks for: how the statutory processes perform,
per LA and across the LAs a caller may see, computed from the read model.

Four aggregate queries, whatever the number of cases: open cases by process and stage; every deadline
figure (plans issued within 20 weeks, breaches by step, advice and reviews overdue) in one pass over the
LAs' deadlines; redress routes and appeals open by stage; and mediation and appeal outcomes in the period,
from the history lines of the redress workflows. Each is grouped by LA in the database; Python only adds
the LAs' groups into the total and labels them. The figures are counts, never a case or a person.

An LA's figures are those of the cases it holds now: a plan transferred to another LA (SEND Regs 2014
reg 15) takes its history with it, including whether it was issued within 20 weeks (docs/dashboard.md).
"""

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import Integer, and_, case, func, literal, or_, text
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

import statutory
from store.models import AuditEvent, Case, CaseDeadline, RedressCase, route_history
from workflows.case_state import DeadlineKind, DeadlineStatus

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


class Figures(BaseModel):
    open_cases: int
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


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.sum(case((condition, 1), else_=0), type_=Integer)


async def _open_cases(session: AsyncSession, las: list[str]) -> list[Any]:
    query = (
        select(col(Case.la_code), col(Case.process), col(Case.stage), func.count().label("n"))
        .where(col(Case.la_code).in_(las), col(Case.closed).is_(False))
        .group_by(Case.la_code, Case.process, Case.stage)
    )
    return list(await session.exec(query))


async def _deadlines(session: AsyncSession, las: list[str], period: Period, today: date) -> list[Any]:
    """Every deadline figure in one pass over the deadlines of the LAs' cases, grouped by LA, step and adviser.

    The deadlines are found by the LA they carry (the case sync writes it with the case's, activities/case_sync.py):
    one range of ix_case_deadlines_la_dashboard, hashed against the LA's cases, rather than a probe per case."""
    d = CaseDeadline
    in_period = col(d.due).between(period.start, period.end)
    # Windows given to the family (to appeal, to contact a mediation adviser) close unused; only duties are missed.
    missed_in_period = and_(col(d.status).in_(MISSED), in_period, col(d.kind) == DeadlineKind.DUTY.value)
    # A duty still owed on an open case: closing a case closes its open deadlines (workflows/deadline_book.py).
    owed = and_(col(d.done_on).is_(None), col(d.kind) == DeadlineKind.DUTY.value, col(Case.closed).is_(False))
    # Issued, not withdrawn: a final-plan deadline is also closed when a request is refused or withdrawn, and
    # only an issued plan makes the case a plan (or leaves the assessment at final_issued).
    issued = and_(
        col(d.step) == FINAL_PLAN,
        col(d.done_on).between(period.start, period.end),
        or_(col(Case.process) == "plan", col(Case.stage) == "final_issued"),
    )
    adviser = case(
        (col(d.step) == ADVICE, func.substr(d.key, len(ADVICE_KEY_PREFIX) + 1)),
        else_=literal(""),
    ).label("adviser")
    # Ten columns: more than the typed overloads of select() spell out, hence the list.
    columns: list[Any] = [
        col(d.la_code),
        col(d.step),
        adviser,
        _count_if(and_(missed_in_period, col(d.status) == DeadlineStatus.BREACHED.value)).label("breached"),
        _count_if(and_(missed_in_period, col(d.status) == DeadlineStatus.EXCEPTED.value)).label("excepted"),
        _count_if(owed).label("owed"),
        _count_if(and_(owed, col(d.due) < today)).label("overdue"),
        _count_if(and_(issued, col(d.status) == DeadlineStatus.MET.value)).label("issued_met"),
        _count_if(and_(issued, col(d.status) == DeadlineStatus.EXCEPTED.value)).label("issued_excepted"),
        _count_if(and_(issued, col(d.status) == DeadlineStatus.BREACHED.value)).label("issued_breached"),
    ]
    query = (
        select(*columns)
        .join(Case, and_(col(Case.case_ref) == col(d.case_ref), col(Case.la_code) == col(d.la_code)))
        .where(
            col(d.la_code).in_(las),
            col(Case.la_code).in_(las),
            or_(
                missed_in_period,
                owed,
                and_(col(d.step) == FINAL_PLAN, col(d.done_on).between(period.start, period.end)),
            ),
        )
        .group_by(d.la_code, d.step, adviser)
    )
    return list(await session.exec(query))


async def _redress_open(session: AsyncSession, las: list[str]) -> list[Any]:
    r = RedressCase
    query = (
        select(col(r.la_code), col(r.process), col(r.stage), func.count().label("n"))
        .where(col(r.la_code).in_(las), col(r.closed).is_(False))
        .group_by(r.la_code, r.process, r.stage)
    )
    return list(await session.exec(query))


async def _redress_events(session: AsyncSession, las: list[str], period: Period) -> list[Any]:
    """Mediation and appeal steps in the period, under the LA of the route or appeal that recorded them.

    Each route's or appeal's own history lines (store.models.route_history)."""
    outcome = case((col(AuditEvent.action) == "mediation_held", AuditEvent.summary), else_=literal("")).label("outcome")
    query = (
        select(col(RedressCase.la_code), col(AuditEvent.action), outcome, func.count().label("n"))
        .join(RedressCase, route_history())
        .where(
            col(AuditEvent.action).in_((*MEDIATION_ACTIONS, *APPEAL_ACTIONS)),
            col(AuditEvent.business_date).between(period.start, period.end),
            col(RedressCase.la_code).in_(las),
            # The route and the appeal both record the lodging: the appeal's own line counts it.
            or_(col(AuditEvent.action).in_(MEDIATION_ACTIONS), col(RedressCase.process) == "tribunal"),
        )
        .group_by(RedressCase.la_code, AuditEvent.action, outcome)
    )
    return list(await session.exec(query))


# -- from grouped rows to figures --------------------------------------------------------------------------


def _rule(step: str) -> tuple[str, str]:
    """The step's plain-English label and legal reference, from the rule set that has it."""
    for policy in (statutory.DEFAULT_POLICY, *sorted(statutory.POLICIES)):
        if step in statutory.POLICIES[policy]:
            rule = statutory.get_rule(step, policy)
            return rule.description, rule.reference
    return step, ""


def _adviser(remainder: str) -> str:
    """'educational_psychologist', or 'other' for the numbered others (reg 6(1)(h)); a scope suffix dropped."""
    kind = remainder.split("@", 1)[0]
    return "other" if kind.startswith("other-") else kind


def _percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


class _Tally:
    """One LA's grouped rows (or every LA's, for the total), added up."""

    def __init__(self) -> None:
        self.open: dict[tuple[str, str], int] = defaultdict(int)
        self.redress_open: dict[tuple[str, str], int] = defaultdict(int)
        self.breached: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        self.advice: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        self.overdue: dict[str, int] = defaultdict(int)
        self.issued = [0, 0, 0]  # met, excepted, breached
        self.events: dict[str, int] = defaultdict(int)
        self.mediation_outcomes: dict[str, int] = defaultdict(int)

    def add_deadlines(self, row: Any) -> None:
        if row.breached or row.excepted:
            counts = self.breached[row.step]
            counts[0] += row.breached
            counts[1] += row.excepted
        if row.step == ADVICE and row.owed:
            counts = self.advice[_adviser(row.adviser)]
            counts[0] += row.overdue
            counts[1] += row.owed
        if row.step in REVIEW_STEPS and row.overdue:
            self.overdue[row.step] += row.overdue
        self.issued[0] += row.issued_met
        self.issued[1] += row.issued_excepted
        self.issued[2] += row.issued_breached

    def add_event(self, row: Any) -> None:
        self.events[row.action] += row.n
        if row.action == "mediation_held":
            self.mediation_outcomes[row.outcome.removeprefix(MEDIATION_HELD_PREFIX)] += row.n

    def figures(self) -> Figures:
        met, excepted, breached = self.issued
        issued = met + excepted + breached
        breaches = [
            StepBreaches(step=step, label=label, reference=reference, breached=counts[0], excepted=counts[1])
            for step, counts in self.breached.items()
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
            (AdviceOverdue(adviser=a, overdue=c[0], owed=c[1]) for a, c in self.advice.items()),
            key=lambda a: (-a.overdue, -a.owed, a.adviser),
        )
        e = self.events
        return Figures(
            open_cases=sum(self.open.values()),
            open_by_stage=_stages(self.open),
            plan_timeliness=Timeliness(
                issued=issued,
                within_20_weeks=met,
                late_with_exception=excepted,
                late_without_exception=breached,
                percent_including_exceptions=_percent(met, issued),
                percent_excluding_exceptions=_percent(met, issued - excepted),
            ),
            breaches=sum(b.breached + b.excepted for b in breaches),
            breaches_by_step=breaches,
            advice_overdue=sum(a.overdue for a in advice),
            advice_by_adviser=advice,
            annual_reviews_overdue=sum(self.overdue[step] for step in REVIEW_MEETINGS),
            review_steps_overdue=reviews,
            redress_open_by_stage=_stages(self.redress_open),
            mediation=Mediation(
                requested=e["mediation_requested"],
                declined=e["mediation_declined"],
                not_arranged=e["mediation_not_arranged"],
                held=e["mediation_held"],
                held_by_outcome=dict(sorted(self.mediation_outcomes.items())),
            ),
            appeals=Appeals(
                lodged=e["appeal_lodged"],
                allowed=e["appeal_allowed"],
                conceded=e["conceded"],
                dismissed=e["appeal_dismissed"],
                withdrawn=e["appeal_withdrawn"],
                struck_out=e["appeal_struck_out"],
            ),
        )


def _stages(counts: dict[tuple[str, str], int]) -> list[StageCount]:
    return [StageCount(process=p, stage=s, count=n) for (p, s), n in sorted(counts.items())]


async def dashboard(session: AsyncSession, las: list[str], period: Period, today: date) -> Dashboard:
    if session.bind is not None and session.bind.dialect.name == "postgresql":
        # One snapshot for the four queries, so the figures agree with each other. No JIT: compiling these
        # short aggregates costs more than running them (hundreds of ms once a plan's cost passes jit_above_cost).
        # No parallel workers: an LA's figures are index ranges of tens of milliseconds; workers started for them
        # gained nothing with 4 readers on 2 cores (measured) and take cores from the other readers when busy.
        connection = await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
        await connection.execute(
            text("SELECT set_config('jit', 'off', true), set_config('max_parallel_workers_per_gather', '0', true)")
        )
    tallies: dict[str, _Tally] = {la: _Tally() for la in las}
    total = _Tally()
    for row in await _open_cases(session, las):
        for tally in (tallies[row.la_code], total):
            tally.open[(row.process, row.stage)] += row.n
    for row in await _deadlines(session, las, period, today):
        for tally in (tallies[row.la_code], total):
            tally.add_deadlines(row)
    for row in await _redress_open(session, las):
        for tally in (tallies[row.la_code], total):
            tally.redress_open[(row.process, row.stage)] += row.n
    for row in await _redress_events(session, las, period):
        for tally in (tallies[row.la_code], total):
            tally.add_event(row)
    return Dashboard(
        as_of=today,
        period=period,
        la_codes=las,
        total=total.figures(),
        by_la=[LaFigures(la_code=la, figures=tallies[la].figures()) for la in las],
    )

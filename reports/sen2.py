"""The DfE SEN2 return: one LA's person-level statutory return for a collection year, built from the
recorded history (docs/returns.md).

SEN2 counts the caseload as at a census date in January and the activity of the previous calendar
year. Every value here comes from something the workflows recorded: the case row, the audit trail
(business dates of each decision), the deadline rows (the 20-week measure), the plan documents (the
named setting) and the redress routes (mediation and appeals). What the system does not record is
left blank; docs/returns.md says for each column where it comes from, and docs/statutory-choices.md
why a column is blank.

A large LA has tens of thousands of cases, so the return is streamed: five queries, whatever the
number of cases, each ordered by case reference and read in step, one case at a time.
"""

import csv
import io
import re
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from store.models import AuditEvent, Case, CaseDeadline, Child, PlanDocument, RedressCase, route_history
from workflows.assessment_models import RequestSource

# EHC plans exist from 1 September 2014 (CFA 2014 Part 3 in force); the first January census after it.
FIRST_COLLECTION_YEAR = 2015

# The return's columns, module by module, with DfE's SEN2 field names (docs/returns.md, The columns). `LA` and
# `PersonID` identify the record (the header record's LA and our case reference).
PERSON = (
    "Surname",
    "Forename",
    "PersonBirthDate",
    "Sex",
    "Ethnicity",
    "PostCode",
    "UPN",
    "UniqueLearnerNumber",
    "UPNunknown",
)
REQUESTS = (
    "ReceivedDate",
    "RequestSource",
    "RYA",
    "RequestOutcomeDate",
    "RequestOutcome",
    "RequestMediation",
    "RequestTribunal",
)
ASSESSMENT = (
    "AssessmentOutcome",
    "AssessmentOutcomeDate",
    "AssessmentMediation",
    "AssessmentTribunal",
    "OtherMediation",
    "OtherTribunal",
    "Week20",
)
NAMED_PLAN = (
    "StartDate",
    "URN",
    "UKPRN",
    "SENSetting",
    "PlacementRank",
    "SENunitIndicator",
    "ResourcedProvisionIndicator",
    "PlanRes",
    "PlanWPB",
    "PB",
    "OA",
    "DP",
    "CeaseDate",
    "CeaseReason",
)
ACTIVE_PLANS = (
    "TransferLA",
    "RES",
    "WPB",
    "SENtype",
    "SENtypeRank",
    "EntryDate",
    "LeavingDate",
    "ReviewMeeting",
    "ReviewOutcome",
    "LastReview",
)
COLUMNS: tuple[str, ...] = ("LA", "PersonID", *PERSON, *REQUESTS, *ASSESSMENT, *NAMED_PLAN, *ACTIVE_PLANS)

# SEN2 RequestSource codes (DfE's SEN2 guide): 1 parent/YP, 2 school/setting, 3 health, 4 social care, 5 other.
REQUEST_SOURCE_CODES = {
    RequestSource.PARENT.value: "1",
    RequestSource.SCHOOL.value: "2",
    RequestSource.HEALTH.value: "3",
    RequestSource.SOCIAL_CARE.value: "4",
    RequestSource.OTHER.value: "5",
}
# SEN2 CeaseReason codes (docs/statutory-choices.md row 33) the history can tell: 1 maximum age (CFA 2014 s.46), 5
# transferred to another LA (SEND Regs 2014 reg 15). The LA's reasons for any other cease are free text: left blank.
CEASE_MAX_AGE, CEASE_TRANSFERRED = "1", "5"

# The history entries the return reads (workflows/assessment.py, workflows/plan.py).
REQUEST_ACTIONS = ("decided_to_assess", "refused_to_assess")
CASE_ACTIONS = (
    *REQUEST_ACTIONS,
    "withdrawn",
    "decided_not_to_issue",
    "final_plan_issued",
    "plan_started",
    "plan_ceased",
    "transferred_in",
    "review_held",
    "review_decided_maintain",
    "review_decided_amend",
    "cease_decided",
)
REVIEW_OUTCOMES = {"review_decided_maintain": "maintain", "review_decided_amend": "amend", "cease_decided": "cease"}
# The summary the plan workflow writes for a transfer (workflows/plan.py, transfer_in): the only record of the
# LA a plan came from.
TRANSFER_SUMMARY = re.compile(r"^Plan transferred from LA (?P<source>[A-Z0-9]+) to (?P<target>[A-Z0-9]+)$")
# Redress: which decisions each SEN2 mediation and tribunal flag is about (CFA 2014 s.51(2)).
REDRESS_ACTIONS = ("mediation_held", "appeal_lodged")
REQUEST_DECISIONS = frozenset({"refusal_to_assess"})  # s.51(2)(a)
ASSESSMENT_DECISIONS = frozenset({"no_plan", "final_plan"})  # s.51(2)(b), (c)
FINAL_PLAN_STEP = "assessment.final_plan"  # the 20 weeks of SEND Regs 2014 reg 13(2)
# Week20 (docs/statutory-choices.md row 32: within 20 weeks, with and without exceptions; DfE's codes unconfirmed):
# Y within 20 weeks, E later under a statutory exception (reg 13(3)), N later without one.
WEEK20 = {"met": "Y", "excepted": "E", "breached": "N"}
PLAN_TEXTS = ("final", "amended")
# Read as plain columns, not ORM objects: a session keeps every object it loads, and a return has tens of thousands.
CASE_COLUMNS: tuple[Any, ...] = (
    col(Case.case_ref),
    col(Case.la_code),
    col(Case.request_source),
    col(Case.received_date),
    col(Case.outcome),
    col(Child.given_name),
    col(Child.family_name),
    col(Child.date_of_birth),
    col(Child.postcode),
    col(Child.upn),
)


@dataclass(frozen=True)
class Collection:
    """One SEN2 collection: the census date for the caseload, and the calendar year of activity before it."""

    year: int
    census: date
    period_start: date
    period_end: date


def census_date(year: int) -> date:
    """The third Thursday of January (DfE's guidance says only "as at January": DESIGN CHOICE, the day
    DfE's recent SEN2 collections used; docs/statutory-choices.md row 29)."""
    first = date(year, 1, 1)
    first_thursday = first + timedelta(days=(3 - first.weekday()) % 7)
    return first_thursday + timedelta(weeks=2)


def collection(year: int) -> Collection:
    """Reporting year `year`: caseload as at January `year`, activity over calendar year `year - 1`
    (docs/statutory-choices.md row 29: the January 2023 caseload and 2022 activity are reporting year 2023)."""
    return Collection(year, census_date(year), date(year - 1, 1, 1), date(year - 1, 12, 31))


def latest_collection_year(today: date) -> int:
    """The newest reporting year whose census date has passed."""
    return today.year if today > census_date(today.year) else today.year - 1


def collection_year_problem(year: int, today: date) -> str | None:
    """Why a year cannot be returned, or None. The year in progress (activity so far) may be previewed."""
    if year < FIRST_COLLECTION_YEAR:
        return f"SEN2 years start in {FIRST_COLLECTION_YEAR}, the first census after EHC plans began (1 Sep 2014)"
    if year > today.year + 1:
        return f"the latest reporting year there is yet is {today.year + 1}, whose activity is this year's"
    return None


@dataclass
class _Event:
    action: str
    on: date
    summary: str


@dataclass
class _Transfer:
    on: date
    source: str
    target: str


@dataclass
class _CaseFacts:
    """Everything recorded about one case up to the census date, read in step from the five queries."""

    case: Any  # the case row's columns and the child's (CASE_COLUMNS)
    events: list[_Event] = field(default_factory=list)
    final_plan_status: str | None = None
    urn: str | None = None
    redress: list[tuple[str, str, str]] = field(default_factory=list)  # (LA, decision kind, action)


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


def _flag(present: bool) -> str:
    return "1" if present else "0"


def _holder(origin: str, transfers: list[_Transfer], on: date) -> str:
    holder = origin
    for transfer in transfers:
        if transfer.on <= on:
            holder = transfer.target
    return holder


def build_row(facts: _CaseFacts, la_code: str, period: Collection) -> dict[str, str] | None:
    """The case's record in LA `la_code`'s return, or None if it has no place in this collection."""
    case = facts.case
    transfers = [
        _Transfer(e.on, m["source"], m["target"])
        for e in facts.events
        if e.action == "transferred_in" and (m := TRANSFER_SUMMARY.match(e.summary))
    ]
    origin = transfers[0].source if transfers else case.la_code
    # Only what happened while this LA held the case is its to report.
    events = [e for e in facts.events if _holder(origin, transfers, e.on) == la_code]
    first: dict[str, date] = {}
    for event in events:
        first.setdefault(event.action, event.on)

    row = dict.fromkeys(COLUMNS, "")
    row["LA"], row["PersonID"] = la_code, case.case_ref
    row.update(
        Surname=case.family_name or "",
        Forename=case.given_name or "",
        PersonBirthDate=_iso(case.date_of_birth),
        PostCode=case.postcode or "",
        UPN=case.upn or "",
    )
    activity: list[date] = []
    redress = {(kind, action) for la, kind, action in facts.redress if la == la_code}

    def redress_flags(kinds: frozenset[str]) -> tuple[str, str]:
        return (
            _flag(any((k, "mediation_held") in redress for k in kinds)),
            _flag(any((k, "appeal_lodged") in redress for k in kinds)),
        )

    # Module 2, requests: only a request made to this LA (not an imported plan, not a plan transferred in).
    if origin == la_code and case.request_source in REQUEST_SOURCE_CODES:
        row["ReceivedDate"] = _iso(case.received_date)
        row["RequestSource"] = REQUEST_SOURCE_CODES[case.request_source]
        activity.append(case.received_date)
        assessed, refused, withdrawn = (first.get(a) for a in ("decided_to_assess", "refused_to_assess", "withdrawn"))
        if refused:
            row["RequestOutcome"], row["RequestOutcomeDate"] = "refused", _iso(refused)
            row["RequestMediation"], row["RequestTribunal"] = redress_flags(REQUEST_DECISIONS)
            activity.append(refused)
        elif assessed:
            row["RequestOutcome"], row["RequestOutcomeDate"] = "assess", _iso(assessed)
            activity.append(assessed)
        elif withdrawn:
            row["RequestOutcome"], row["RequestOutcomeDate"] = "withdrawn", _iso(withdrawn)
            activity.append(withdrawn)
        # Module 3, the assessment, once the LA decided to assess.
        if assessed:
            outcome = _assessment_outcome(first, withdrawn)
            if outcome is not None:
                row["AssessmentOutcome"], row["AssessmentOutcomeDate"] = outcome[0], _iso(outcome[1])
                activity.append(outcome[1])
                if outcome[0] != "withdrawn":
                    row["AssessmentMediation"], row["AssessmentTribunal"] = redress_flags(ASSESSMENT_DECISIONS)
                if outcome[0] == "plan_issued":
                    row["Week20"] = WEEK20.get(facts.final_plan_status or "", "")
    other = frozenset({kind for kind, _ in redress} - REQUEST_DECISIONS - ASSESSMENT_DECISIONS)
    row["OtherMediation"], row["OtherTribunal"] = redress_flags(other)

    # Module 4, the named plan, and module 5, the caseload: a plan this LA held.
    started = next((e.on for e in facts.events if e.action == "plan_started"), None)
    held_at_census = started is not None and _holder(origin, transfers, period.census) == la_code
    held_ever = origin == la_code or any(t.target == la_code for t in transfers)
    if started is not None and held_ever:
        row["StartDate"] = _iso(started)
        if origin == la_code:
            activity.append(started)
        row["URN"] = facts.urn or ""
        row["PlacementRank"] = "1" if facts.urn else ""
        arrived = [t for t in transfers if t.target == la_code]
        if arrived:
            row["TransferLA"] = arrived[-1].source
            activity.append(arrived[-1].on)
        ceased = first.get("plan_ceased")
        if ceased:
            row["CeaseDate"] = _iso(ceased)
            row["CeaseReason"] = CEASE_MAX_AGE if case.outcome == "max_age" else ""
            activity.append(ceased)
            held_at_census = False
        elif not held_at_census:
            left = [t for t in transfers if t.source == la_code]
            if left:
                row["CeaseDate"], row["CeaseReason"] = _iso(left[-1].on), CEASE_TRANSFERRED
                activity.append(left[-1].on)
        reviews = [e.on for e in events if e.action == "review_held"]
        in_period = [d for d in reviews if period.period_start <= d <= period.period_end]
        if in_period:
            row["ReviewMeeting"] = _iso(in_period[-1])
            decided = [e for e in events if e.action in REVIEW_OUTCOMES and e.on >= in_period[-1]]
            row["ReviewOutcome"] = REVIEW_OUTCOMES[decided[0].action] if decided else ""
        row["LastReview"] = _iso(reviews[-1] if reviews else None)
    if held_at_census or any(period.period_start <= d <= period.period_end for d in activity):
        return row
    return None


def _assessment_outcome(first: dict[str, date], withdrawn: date | None) -> tuple[str, date] | None:
    if "final_plan_issued" in first:
        return "plan_issued", first["final_plan_issued"]
    if "decided_not_to_issue" in first:
        return "no_plan", first["decided_not_to_issue"]
    if withdrawn is not None:
        return "withdrawn", withdrawn
    return None


class _InStep:
    """Reads one query's rows for each case in turn; every query is ordered by case reference alike."""

    def __init__(self, rows: AsyncIterator[Any]) -> None:
        self.rows = rows
        self.ahead: Any = None
        self.done = False

    async def take(self, case_ref: str) -> list[Any]:
        taken: list[Any] = []
        while not self.done:
            if self.ahead is None:
                try:
                    self.ahead = await anext(self.rows)
                except StopAsyncIteration:
                    self.done = True
                    break
            if self.ahead.case_ref > case_ref:
                break
            if self.ahead.case_ref == case_ref:
                taken.append(self.ahead)
            self.ahead = None  # a row of a case the main query no longer has is passed over
        return taken


def _cases_of(la_code: str) -> Select[Any]:
    """The LA's cases, and the plans it held that moved to another LA (their row now says the new LA)."""
    moved_away = select(col(AuditEvent.case_ref)).where(
        AuditEvent.action == "transferred_in",
        col(AuditEvent.summary).like(f"Plan transferred from LA {la_code} to %"),
    )
    return select(col(Case.case_ref)).where(or_(col(Case.la_code) == la_code, col(Case.case_ref).in_(moved_away)))


async def sen2_records(session: AsyncSession, la_code: str, period: Collection) -> AsyncIterator[dict[str, str]]:
    """The return's records, one per case, in case-reference order."""
    postgres = session.bind is not None and session.bind.dialect.name == "postgresql"

    def by_ref(column: Any) -> ColumnElement[Any]:
        # Byte order on both databases, so that the steps compare as Python compares the references.
        return column.collate("C") if postgres else column

    if postgres:
        # One snapshot for the five queries: a case written meanwhile is in all of them or none.
        await session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    cases = _cases_of(la_code)
    main = (
        select(*CASE_COLUMNS)
        .join(Child, col(Child.case_ref) == col(Case.case_ref), isouter=True)
        .where(col(Case.case_ref).in_(cases))
        .order_by(by_ref(Case.case_ref))
    )
    events = (
        select(col(AuditEvent.case_ref), col(AuditEvent.action), col(AuditEvent.business_date), col(AuditEvent.summary))
        .where(
            col(AuditEvent.case_ref).in_(cases),
            col(AuditEvent.action).in_(CASE_ACTIONS),
            col(AuditEvent.business_date) <= period.census,
        )
        .order_by(by_ref(AuditEvent.case_ref), col(AuditEvent.business_date), col(AuditEvent.id))
    )
    deadlines = (
        select(col(CaseDeadline.case_ref), col(CaseDeadline.status))
        .where(col(CaseDeadline.case_ref).in_(cases), CaseDeadline.step == FINAL_PLAN_STEP)
        .order_by(by_ref(CaseDeadline.case_ref))
    )
    documents = (
        select(col(PlanDocument.case_ref), col(PlanDocument.named_setting_urn))
        .where(
            col(PlanDocument.case_ref).in_(cases),
            col(PlanDocument.kind).in_(PLAN_TEXTS),
        )
        .order_by(by_ref(PlanDocument.case_ref), col(PlanDocument.created_at))
    )
    redress = (
        select(col(RedressCase.case_ref), col(RedressCase.la_code), col(RedressCase.kind), col(AuditEvent.action))
        .join(AuditEvent, route_history())
        .where(
            col(RedressCase.case_ref).in_(cases),
            col(AuditEvent.action).in_(REDRESS_ACTIONS),
            col(AuditEvent.business_date) <= period.census,
        )
        .order_by(by_ref(RedressCase.case_ref))
    )
    streams = [_InStep(await _stream(session, q)) for q in (events, deadlines, documents, redress)]
    async for case in await _stream(session, main):
        event_rows, deadline_rows, document_rows, redress_rows = [await s.take(case.case_ref) for s in streams]
        facts = _CaseFacts(
            case=case,
            events=[_Event(r.action, r.business_date, r.summary) for r in event_rows if r.business_date],
            final_plan_status=deadline_rows[-1].status if deadline_rows else None,
            urn=next((r.named_setting_urn for r in reversed(document_rows) if r.named_setting_urn), None),
            redress=[(r.la_code, r.kind, r.action) for r in redress_rows],
        )
        if (record := build_row(facts, la_code, period)) is not None:
            yield record


async def _stream(session: AsyncSession, query: Any) -> AsyncIterator[Any]:
    result = await session.stream(query.execution_options(yield_per=500))
    return result.__aiter__()


def spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, @, a tab or carriage return first, or - before anything
    but a number) is written as text, with a leading apostrophe: the return is opened in Excel by design."""
    if not value:
        return value
    formula = value[0] in "=+@\t\r" or (value[0] == "-" and not value[1:2].isdigit())
    return "'" + value if formula else value


async def csv_chunks(
    records: AsyncIterator[dict[str, str]], counted: Callable[[int], None], rows_per_chunk: int = 200
) -> AsyncIterator[str]:
    """The header, then the records a chunk at a time; `counted` hears the running number of records."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    count = 0
    async for record in records:
        writer.writerow({column: spreadsheet_safe(value) for column, value in record.items()})
        count += 1
        counted(count)
        if count % rows_per_chunk == 0:
            yield _drain(buffer)
    yield _drain(buffer)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text

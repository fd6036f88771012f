"""Bulk import of existing EHC plans: an LA adopting this system brings thousands of live plans.

Each row becomes a case (people in the database) and a plan workflow with its real last review date,
so a review already overdue is breached at once. A row is keyed by the LA's own reference: importing
the same file twice creates nothing new. Bad rows are reported with the reason and the rest go in.

Command line: `python -m cli.plan_import --operator STAFF_ID --la 202 plans.csv` (or .json); the API takes
the same rows at `POST /plans/import`. Either way the rows are checked against the LAs the importer acts for
(the token's, or `--la`), and the importer is recorded as the actor on each plan's first history line.
"""

import asyncio
import csv
import hashlib
import io
import json
from collections.abc import Collection
from datetime import date
from typing import Annotated, Any

import structlog
from pydantic import BaseModel, Field, TypeAdapter, ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, col, select
from temporalio.client import Client
from temporalio.common import WorkflowIDConflictPolicy

import statutory
from activities.plan_start import plan_search_attributes
from core.config import Settings
from core.workflow_ids import plan_id
from intake.fields import EMAIL, LA_CODE, UK_POSTCODE, PersonName, Strict, described_errors
from intake.registration import new_case_ref, register
from statutory import phases
from statutory.phases import SchoolStructure
from store.db import SessionMaker
from store.models import Case, Child, Contact, IdempotencyRecord
from workflows import summaries
from workflows.delivery_periods import DeliveryRhythm
from workflows.plan import PlanWorkflow
from workflows.plan_models import PlanInput

IMPORT_CONCURRENCY = 32
REGISTER_BATCH = 250
# The largest LA maintains about 20,000 plans: one file holds any LA's whole caseload, and no more.
MAX_IMPORT_ROWS = 25_000
# A report lists the first rejections with their reasons and counts the rest: a file of bad rows answers
# with what to fix first, not with a copy of itself.
MAX_LISTED_REJECTIONS = 1_000
# The LA's own reference for a plan: what the import is keyed by, and the one thing a refusal may repeat.
LaReference = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9/_.-]+$")]
_REFERENCE = TypeAdapter(LaReference)

log = structlog.get_logger(__name__)


class ImportRow(Strict):
    la_code: str = Field(pattern=LA_CODE)
    la_reference: LaReference
    # Validated as POST /cases validates them: a name is letters and the marks names use, never a formula.
    given_name: PersonName = Field(min_length=1, max_length=100)
    family_name: PersonName = Field(min_length=1, max_length=100)
    date_of_birth: date
    plan_issued_on: date
    last_review_on: date | None = None
    year_group: int | None = Field(
        default=None, ge=-3, le=14, description="National curriculum year now, if not the cohort of the birth date"
    )
    school_structure: SchoolStructure = Field(
        default=SchoolStructure.PRIMARY,
        description="The phases of the child's schooling: primary, infant_junior or three_tier (reg 2(1), reg 18)",
    )
    postcode: str | None = Field(default=None, pattern=UK_POSTCODE)
    parent_name: PersonName | None = Field(default=None, max_length=200)
    parent_email: str | None = Field(default=None, pattern=EMAIL)


class Rejected(BaseModel):
    row: int = Field(description="1-based, not counting a CSV header")
    la_reference: str | None = None
    reason: str


class Accepted(BaseModel):
    row: int
    la_reference: str
    case_ref: str
    new: bool = Field(description="False when an earlier import already brought this plan in")


class ImportReport(BaseModel):
    imported: int = 0
    already_present: int = 0
    cases: list[Accepted] = Field(default_factory=list, description="The LA's references and our case references")
    rejected_count: int = Field(default=0, description="Every row that was not imported")
    rejected: list[Rejected] = Field(
        default_factory=list, description=f"The first {MAX_LISTED_REJECTIONS:,} of them, each with why"
    )

    def reject(self, row: int, reference: str | None, reason: str) -> None:
        self.rejected_count += 1
        if len(self.rejected) < MAX_LISTED_REJECTIONS:
            self.rejected.append(Rejected(row=row, la_reference=reference, reason=reason))


def parse(content: str, content_type: str) -> list[dict[str, Any]]:
    """CSV with a header row, or a JSON list of objects; empty CSV cells are missing values. Whatever cannot be read
    is a ValueError that names no content: JSON nested past the parser's depth, a CSV field past its limit."""
    if "json" in content_type:
        try:
            rows = json.loads(content)
        except RecursionError:
            raise ValueError("the JSON is nested too deeply for a list of plans") from None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise ValueError("a JSON import must be a list of objects, one per plan")
        if len(rows) > MAX_IMPORT_ROWS:
            raise ValueError(_TOO_MANY)
        return rows
    rows = []
    try:
        for row in csv.DictReader(io.StringIO(content)):
            if len(rows) == MAX_IMPORT_ROWS:
                raise ValueError(_TOO_MANY)
            rows.append({k: v for k, v in row.items() if v not in ("", None)})
    except csv.Error:
        raise ValueError("a CSV field is longer than any column of an import can be") from None
    return rows


_TOO_MANY = f"it holds more than {MAX_IMPORT_ROWS:,} plans; split it into files of at most that many"


def check(row: ImportRow, today: date) -> str | None:
    """Why a row cannot be imported, in words that do not repeat its personal data; None if it can."""
    if row.plan_issued_on > today:
        return "plan_issued_on is in the future"
    if row.date_of_birth >= row.plan_issued_on:
        return "date_of_birth is not before plan_issued_on"
    if row.last_review_on is not None and not row.plan_issued_on <= row.last_review_on <= today:
        return "last_review_on must be between plan_issued_on and today"
    if row.plan_issued_on < date(2014, 9, 1):
        return "plan_issued_on is before EHC plans existed (1 September 2014)"
    end = phases.plan_end(reception_year(row, today))
    if end < today:
        return f"the plan would have ended on {end} (end of the academic year the young person turned 25)"
    return None


def reception_year(row: ImportRow, today: date) -> int:
    """From the year group the LA records (a child taught out of cohort), else from the birth date."""
    if row.year_group is None:
        return phases.reception_year_for(row.date_of_birth)
    return phases.academic_year_start(today) - row.year_group


def _validation_reason(error: ValidationError) -> str:
    return described_errors(error.errors())[1]


async def import_plans(
    rows: list[dict[str, Any]],
    sessions: SessionMaker,
    temporal: Client,
    settings: Settings,
    *,
    actor: str,
    la_codes: Collection[str],
    today: date,
) -> ImportReport:
    """Import for the LAs in `la_codes` only (the caller's, from the token or the command line); `actor` is
    who imported, recorded on each plan's first history line; `today` is the business date the import is judged
    by (a plan issued after it is refused)."""
    report = ImportReport()
    # Checking 25,000 rows takes a second or two of CPU: off the event loop, so other requests go on.
    valid = await asyncio.to_thread(_validated, rows, report, today, la_codes)

    # The database takes the rows a batch per transaction; Temporal takes the starts side by side.
    registered: list[tuple[int, ImportRow, str, bool]] = []
    for first in range(0, len(valid), REGISTER_BATCH):
        batch = valid[first : first + REGISTER_BATCH]
        outcomes = await _register_batch(sessions, [row for _, row in batch])
        registered += [
            (number, row, ref, existed) for (number, row), (ref, existed) in zip(batch, outcomes, strict=True)
        ]
    # A reference imported before for another child, or another plan, is not the same plan: refused, so a reused or
    # mistyped reference never passes as "already present" while the two records disagree.
    differing = await _differences(
        sessions, [(number, row, ref) for number, row, ref, existed in registered if existed]
    )
    for number, row, _, _ in registered:
        if fields := differing.get(number):
            report.reject(
                number,
                row.la_reference,
                f"this LA reference was imported before with another {' and '.join(fields)}: nothing was changed; "
                "check the reference, or correct the plan's record through the LA",
            )
    registered = [entry for entry in registered if entry[0] not in differing]
    limit = asyncio.Semaphore(IMPORT_CONCURRENCY)

    async def start(row: ImportRow, case_ref: str) -> None:
        async with limit:
            await _start(temporal, settings, row, case_ref, reception_year(row, today), actor)

    await asyncio.gather(*(start(row, ref) for _, row, ref, _ in registered))
    for number, row, case_ref, existed in registered:
        report.cases.append(Accepted(row=number, la_reference=row.la_reference, case_ref=case_ref, new=not existed))
    report.already_present = sum(existed for *_, existed in registered)
    report.imported = len(registered) - report.already_present
    return report


def _validated(
    rows: list[dict[str, Any]], report: ImportReport, today: date, la_codes: Collection[str]
) -> list[tuple[int, ImportRow]]:
    """The rows that can be imported, with their numbers; the others go into the report with why."""
    valid: list[tuple[int, ImportRow]] = []
    for number, raw in enumerate(rows, start=1):
        try:
            row = ImportRow.model_validate(raw)
        except ValidationError as error:
            report.reject(number, _reference(raw), _validation_reason(error))
            continue
        if row.la_code not in la_codes:
            report.reject(number, row.la_reference, f"LA {row.la_code} is not one of your local authorities")
            continue
        if reason := check(row, today):
            report.reject(number, row.la_reference, reason)
            continue
        valid.append((number, row))
    return valid


def _reference(raw: dict[str, Any]) -> str | None:
    """A refused row's own reference, to find it by, if it is one: anything else is not repeated back."""
    try:
        return _REFERENCE.validate_python(raw.get("la_reference"), strict=True)
    except ValidationError:
        return None


async def _differences(sessions: SessionMaker, rows: list[tuple[int, ImportRow, str]]) -> dict[int, list[str]]:
    """For each row whose reference was imported before, what of the child and the plan differs from the record
    (the fields' names, never their values): names compared as a person would, ignoring case and spacing."""
    if not rows:
        return {}
    refs = {ref for _, _, ref in rows}
    async with sessions() as session:
        children = {c.case_ref: c for c in (await session.exec(select(Child).where(col(Child.case_ref).in_(refs))))}
        cases = {c.case_ref: c for c in (await session.exec(select(Case).where(col(Case.case_ref).in_(refs))))}

    def same(a: str, b: str) -> bool:
        return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()

    found: dict[int, list[str]] = {}
    for number, row, ref in rows:
        child, case = children.get(ref), cases.get(ref)
        if child is None or case is None:
            continue
        fields = [
            name
            for name, differs in (
                ("given name", not same(child.given_name, row.given_name)),
                ("family name", not same(child.family_name, row.family_name)),
                ("date of birth", child.date_of_birth != row.date_of_birth),
                ("plan issue date", case.received_date != row.plan_issued_on),
            )
            if differs
        ]
        if fields:
            found[number] = fields
    return found


def _digest(row: ImportRow) -> str:
    return hashlib.sha256(f"import:{row.la_code}:{row.la_reference}".encode()).hexdigest()


def _records(row: ImportRow) -> tuple[Case, list[SQLModel]]:
    case_ref = new_case_ref(row.la_code)
    case = Case(
        case_ref=case_ref,
        la_code=row.la_code,
        process="plan",
        stage="maintained",
        policy=statutory.DEFAULT_POLICY,
        workflow_id=plan_id(case_ref),
        received_date=row.plan_issued_on,
        request_source="import",
    )
    people: list[SQLModel] = [
        Child(
            case_ref=case_ref,
            given_name=row.given_name,
            family_name=row.family_name,
            date_of_birth=row.date_of_birth,
            postcode=row.postcode,
        )
    ]
    if row.parent_name:
        people.append(Contact(case_ref=case_ref, role="parent", name=row.parent_name, email=row.parent_email))
    return case, people


async def _register_batch(sessions: SessionMaker, rows: list[ImportRow]) -> list[tuple[str, bool]]:
    """Register a batch in one transaction: the case reference of each row, and whether it existed."""
    digests = [_digest(row) for row in rows]
    async with sessions() as session:
        query = select(IdempotencyRecord).where(col(IdempotencyRecord.key).in_(digests))
        known = {record.key: record.case_ref for record in (await session.exec(query)).all()}
        outcomes: list[tuple[str, bool]] = []
        for row, digest in zip(rows, digests, strict=True):
            if digest in known:  # imported before, or earlier in this same file
                outcomes.append((known[digest], True))
                continue
            case, people = _records(row)
            session.add(case)
            session.add_all(people)
            session.add(IdempotencyRecord(key=digest, case_ref=case.case_ref))
            known[digest] = case.case_ref
            outcomes.append((case.case_ref, False))
        try:
            await session.commit()
        except IntegrityError:
            # Another import registered some of these rows meanwhile: settle them one at a time.
            await session.rollback()
            return [await _register_one(sessions, row) for row in rows]
    return outcomes


async def _register_one(sessions: SessionMaker, row: ImportRow) -> tuple[str, bool]:
    case, people = _records(row)
    async with sessions() as session:
        return await register(session, _digest(row), case, people)


async def _start(
    temporal: Client, settings: Settings, row: ImportRow, case_ref: str, reception: int, actor: str
) -> None:
    plan = PlanInput(
        case_ref=case_ref,
        la_code=row.la_code,
        issued_on=row.plan_issued_on,
        last_review_on=row.last_review_on,
        reception_year=reception,
        reminder_working_days=settings.reminder_working_days,
        imported=True,
        imported_by=actor,
        school_structure=row.school_structure,
        delivery_rhythm=DeliveryRhythm(settings.provision_rhythm),
    )
    await temporal.start_workflow(
        PlanWorkflow.run,
        plan,
        id=plan_id(case_ref),
        task_queue=settings.temporal_task_queue,
        id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
        search_attributes=plan_search_attributes(case_ref, row.la_code),
        **summaries.plan(plan),
    )

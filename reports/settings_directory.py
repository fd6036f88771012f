"""Reading the settings directory (intake/settings_directory.py loads it): staff's search of it, one setting by its
URN, and the list tailored to a child that a family chooses its preference from.

The tailored list is the open settings of the kinds a family may ask for (CFA 2014 s.38(3)) in the case's LA that
take children of the child's age in the school year the plan would start in. Ages are the register's statutory
ages, which count as schools do, by age on 31 August before the school year: a primary school of ages 4 to 11 takes
children who are 4 (Reception) to 10 (Year 6) on that day, so a child fits a setting whose low age is at most theirs
and whose high age is above it. The order puts special schools first, then schools with a resourced provision or an
SEN unit, then the others, each group by name: the directory does not know the child's needs, and these are the
settings most families of a child with a plan look at first. Nothing about the child is returned.
"""

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, Field
from sqlalchemy import Text, cast, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from statutory.phases import academic_year_start
from store.models import CaseDeadline, Child, DirectorySetting

TAILORED_LIMIT = 50
FINAL_PLAN_STEP = "assessment.final_plan"
AUGUST = 8  # a plan starting in the summer holidays starts, in school, with the September after


class Specialism(StrEnum):
    """The register's SEN provision types (its SEN1 to SEN13 columns), by their code."""

    ASD = "ASD"
    HI = "HI"
    MLD = "MLD"
    MSI = "MSI"
    OTH = "OTH"
    PD = "PD"
    PMLD = "PMLD"
    SEMH = "SEMH"
    SLCN = "SLCN"
    SLD = "SLD"
    SPLD = "SPLD"
    VI = "VI"


SPECIALISM_WORDS = {
    "ASD": "autism",
    "HI": "hearing impairment",
    "MLD": "moderate learning difficulty",
    "MSI": "multi-sensory impairment",
    "OTH": "other difficulty or disability",
    "PD": "physical disability",
    "PMLD": "profound and multiple learning difficulty",
    "SEMH": "social, emotional and mental health",
    "SLCN": "speech, language and communication",
    "SLD": "severe learning difficulty",
    "SPLD": "specific learning difficulty",
    "VI": "visual impairment",
}


class SettingSummary(BaseModel):
    """A school or college as a family chooses among them."""

    urn: str
    name: str
    establishment_type: str = Field(description="The register's type, e.g. 'Community special school'")
    phase: str | None = Field(description="The register's phase of education, e.g. 'Primary'")
    low_age: int | None = Field(description="The youngest age it takes (on 31 August before the school year)")
    high_age: int | None = Field(description="The age its pupils leave at")
    specialisms: list[str] = Field(description="SEN provision types, as the register's codes (ASD, SLCN…)")
    special: bool = Field(description="A special school")
    resourced_provision: bool
    sen_unit: bool
    capacity: int | None = Field(description="Places, as the register gives them")
    resourced_provision_capacity: int | None
    sen_unit_capacity: int | None
    town: str | None


class SettingOut(SettingSummary):
    """A setting as staff read it: the summary, with where it is, its status and when it was loaded."""

    la_code: str
    type_group: str | None
    status: str = Field(description="The register's status, e.g. 'Open' or 'Closed'")
    open: bool
    requestable: bool = Field(description="Of a kind a family may ask to have named (CFA 2014 s.38(3))")
    postcode: str | None
    loaded_at: datetime = Field(description="When the directory last loaded it from the register")


def setting_out(row: DirectorySetting) -> SettingOut:
    return SettingOut.model_validate(row.model_dump())


def summary_of(row: DirectorySetting) -> SettingSummary:
    return SettingSummary.model_validate(row.model_dump())


class SettingsPage(BaseModel):
    items: list[SettingOut]
    next_offset: int | None = Field(description="Pass as `offset` for the next page; null on the last page")


class DirectoryFilter(BaseModel):
    la_code: str | None = None
    phase: str | None = None
    establishment_type: str | None = None
    age: int | None = None
    specialism: Specialism | None = None
    name: str | None = None


def _filtered(query: SelectOfScalar[DirectorySetting], where: DirectoryFilter) -> SelectOfScalar[DirectorySetting]:
    if where.la_code is not None:
        query = query.where(col(DirectorySetting.la_code) == where.la_code)
    if where.phase is not None:
        query = query.where(col(DirectorySetting.phase) == where.phase)
    if where.establishment_type is not None:
        query = query.where(col(DirectorySetting.establishment_type) == where.establishment_type)
    if where.age is not None:
        query = query.where(col(DirectorySetting.low_age) <= where.age, col(DirectorySetting.high_age) > where.age)
    if where.specialism is not None:
        # The list is stored as JSON text, ["ASD", "SLD"]: a code in quotes is one of its items, on either database.
        query = query.where(cast(col(DirectorySetting.specialisms), Text).like(f'%"{where.specialism.value}"%'))
    if where.name:
        escaped = where.name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(col(DirectorySetting.name).ilike(f"%{escaped}%", escape="\\"))
    return query


async def search(session: AsyncSession, where: DirectoryFilter, limit: int, offset: int) -> SettingsPage:
    """Staff's search: every setting, open or closed, of any kind, by name."""
    query = _filtered(select(DirectorySetting), where).order_by(col(DirectorySetting.name), col(DirectorySetting.urn))
    rows = (await session.exec(query.offset(offset).limit(limit + 1))).all()
    return SettingsPage(
        items=[setting_out(row) for row in rows[:limit]], next_offset=offset + limit if len(rows) > limit else None
    )


async def setting(session: AsyncSession, urn: str) -> DirectorySetting | None:
    return await session.get(DirectorySetting, urn)


async def school_year_of_plan(session: AsyncSession, case_ref: str, today: date) -> int:
    """The school year (by the calendar year it starts in) the plan would start in: the final plan's due date while
    it is still to come (the 20 weeks, SEND Regs 2014 reg 13(2)), else today; a date in August counts as the
    September after it, when a place would be taken up."""
    final_plan = (
        await session.exec(
            select(CaseDeadline).where(
                CaseDeadline.case_ref == case_ref,
                CaseDeadline.step == FINAL_PLAN_STEP,
                col(CaseDeadline.done_on).is_(None),
            )
        )
    ).first()
    starts = max(final_plan.due, today) if final_plan is not None else today
    return academic_year_start(starts) + (1 if starts.month == AUGUST else 0)


def age_in_school_year(date_of_birth: date, school_year: int) -> int:
    """Age on 31 August before the school year starting in September of `school_year`: how schools count ages."""
    on = date(school_year, 8, 31)
    return on.year - date_of_birth.year - ((on.month, on.day) < (date_of_birth.month, date_of_birth.day))


class Tailored(BaseModel):
    school_year: int = Field(description="The school year the list is for, by the year it starts in: 2026 is 2026/27")
    settings: list[SettingSummary]
    more: bool = Field(description=f"More than {TAILORED_LIMIT} settings fit: narrow the list with a filter")


async def for_child(
    session: AsyncSession, case_ref: str, la_code: str, today: date, where: DirectoryFilter
) -> Tailored:
    """The list tailored to the case's child: their age is read from the database, used, and not returned."""
    school_year = await school_year_of_plan(session, case_ref, today)
    child = (await session.exec(select(Child).where(Child.case_ref == case_ref))).first()
    if child is None:
        return Tailored(school_year=school_year, settings=[], more=False)
    return await tailored(session, la_code, age_in_school_year(child.date_of_birth, school_year), school_year, where)


async def tailored(
    session: AsyncSession,
    la_code: str,
    age: int,
    school_year: int,
    where: DirectoryFilter,
) -> Tailored:
    """The settings a child of `age` (on 31 August before the school year) could be offered in the LA, filtered by
    `where`'s phase, type and name, in the order the module's docstring gives."""
    query = _filtered(
        select(DirectorySetting).where(
            col(DirectorySetting.la_code) == la_code,
            col(DirectorySetting.open).is_(True),
            col(DirectorySetting.requestable).is_(True),
        ),
        where.model_copy(update={"la_code": None, "age": age}),
    ).order_by(
        col(DirectorySetting.special).desc(),
        or_(col(DirectorySetting.resourced_provision), col(DirectorySetting.sen_unit)).desc(),
        col(DirectorySetting.name),
        col(DirectorySetting.urn),
    )
    rows = (await session.exec(query.limit(TAILORED_LIMIT + 1))).all()
    return Tailored(
        school_year=school_year,
        settings=[summary_of(row) for row in rows[:TAILORED_LIMIT]],
        more=len(rows) > TAILORED_LIMIT,
    )

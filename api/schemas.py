"""Request and response bodies of the case API.

Personal data arrives here and goes to the database only; what goes on to the workflow is the case
reference, the LA code and dates.
"""

import re
from datetime import date
from enum import StrEnum
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from intake.fields import (
    EMAIL,
    LA_CODE,
    MAX_STAFF_ID,
    PHONE,
    POLICY,
    STAFF_ID,
    TEAM,
    UK_POSTCODE,
    PersonName,
    PostalAddress,
    Strict,
)
from reports.forecast import Forecast
from reports.settings_directory import SettingOut
from workflows.assessment_models import AssessmentState, ParentComments, RequestSource
from workflows.case_state import Deadline
from workflows.day import Day
from workflows.provision_models import LINE_REF, MAX_LINES, PROVIDER, LineRef, ProvisionKind

URN = re.compile(r"[0-9]{6,8}")


class ProviderType(StrEnum):
    SETTING = "setting"
    SERVICE = "service"
    THERAPIST = "therapist"


class Frequency(StrEnum):
    WEEK = "week"
    HALF_TERM = "half_term"
    TERM = "term"
    YEAR = "year"


class ChildIn(Strict):
    given_name: PersonName = Field(min_length=1, max_length=100)
    family_name: PersonName = Field(min_length=1, max_length=100)
    date_of_birth: Day
    address: PostalAddress | None = Field(default=None, max_length=500)
    postcode: str | None = Field(default=None, max_length=10, pattern=UK_POSTCODE)
    upn: str | None = Field(default=None, pattern=r"^[A-Z][0-9]{11}[0-9A-Z]$", description="Unique pupil number")

    @field_validator("postcode", mode="before")
    @classmethod
    def upper_postcode(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value


class ContactIn(Strict):
    role: str = Field(pattern="^(parent|young_person)$")
    name: PersonName = Field(min_length=1, max_length=200)
    email: str | None = Field(default=None, max_length=254, pattern=EMAIL)
    phone: str | None = Field(default=None, pattern=PHONE)
    address: PostalAddress | None = Field(default=None, max_length=500)


class CaseCreate(Strict):
    """A request for an EHC needs assessment, as the LA received it."""

    la_code: str = Field(pattern=LA_CODE, description="DfE LA number (e.g. 202) or ONS code")
    received_date: Day = Field(
        description="The day the LA received the request (may be in the past); every deadline runs from it"
    )
    request_source: RequestSource = RequestSource.PARENT
    policy: str = Field(default="send-regs-2014", pattern=POLICY, description="The rule set the case runs under")
    officer: str | None = Field(
        default=None,
        max_length=MAX_STAFF_ID,
        pattern=STAFF_ID,
        description="The case officer's staff id (default: the officer opening it)",
    )
    team: str | None = Field(default=None, max_length=64, pattern=TEAM, description="The team whose queue it joins")
    child: ChildIn
    contacts: list[ContactIn] = Field(default_factory=list, max_length=10)


class CaseCreated(BaseModel):
    case_ref: str
    workflow_id: str
    la_code: str
    received_date: date


class ChildOut(BaseModel):
    given_name: str
    family_name: str
    date_of_birth: date
    postcode: str | None = None


class DeadlineView(Deadline):
    """A deadline of the case, with the forecast of when it will be met if it is a duty still owed."""

    forecast: Forecast | None = Field(
        default=None,
        description="When this duty still owed is expected to be met, and whether it is at risk (docs/forecast.md): "
        "a planning estimate, never a finding that the law was broken; null for a window, a target or a date done",
    )


class CaseView(AssessmentState):
    """The case as its workflow sees it, with its officer and the child's details from the database."""

    deadlines: list[DeadlineView] = Field(default_factory=list)  # type: ignore[assignment]
    officer: str | None = None
    child: ChildOut | None = Field(default=None, description="Only for case officers and managers (audited)")
    preferred_setting: SettingOut | None = Field(
        default=None,
        description="The settings directory's entry for preferred_setting_urn, if it is in it: the setting to consult "
        "next (POST /cases/{ref}/setting-consultations); null for a URN the directory does not hold, to check",
    )


class PlanSections(Strict):
    """Sections A to K of an EHC plan (SEND Regs 2014 reg 12; Code 9.62), each separately identified."""

    A: str = Field(min_length=1, max_length=20000, description="Views, interests and aspirations")
    B: str = Field(min_length=1, max_length=20000, description="Special educational needs")
    C: str = Field(default="", max_length=20000, description="Health care needs related to SEN")
    D: str = Field(default="", max_length=20000, description="Social care needs related to SEN or disability")
    E: str = Field(min_length=1, max_length=20000, description="Outcomes sought")
    F: str = Field(min_length=1, max_length=20000, description="Special educational provision")
    G: str = Field(default="", max_length=20000, description="Health care provision (agreed by the RCB)")
    H1: str = Field(default="", max_length=20000, description="Social care provision under CSDPA 1970 s.2")
    H2: str = Field(default="", max_length=20000, description="Other social care provision")
    I: str = Field(default="", max_length=2000, description="Name and type of school or institution")  # noqa: E741
    J: str = Field(default="", max_length=20000, description="Personal budget and direct payments")
    K: str = Field(min_length=1, max_length=50000, description="Advice and information gathered")


class DraftIn(Strict):
    served_on: Day
    sections: PlanSections

    @model_validator(mode="after")
    def _names_no_setting(self) -> Self:
        """A draft plan must not name a school or institution, or a type of one (CFA 2014 s.38(5))."""
        if self.sections.I.strip():
            raise ValueError(
                "the draft plan must not name a school or institution, or a type of one, in section I "
                "(CFA 2014 s.38(5))"
            )
        return self


class ProvisionLineIn(Strict):
    """A line of section F as written: what is provided, by whom, how much and how often, where and from when (Code
    of Practice 9.69: provision "detailed and specific", normally quantified). The words stay in the database; the
    plan's workflow watches the line by its number, kind and provider's code (docs/provision.md)."""

    ref: str = Field(pattern=LINE_REF, description="The line's number in section F: F1, F2, ...")
    kind: ProvisionKind
    description: str = Field(min_length=1, max_length=2000, description="What is provided, as section F says it")
    provider_type: ProviderType
    provider: str = Field(
        pattern=PROVIDER, description="The provider's code: a setting's URN, or the LA's code for a service or person"
    )
    provider_name: str = Field(min_length=1, max_length=200)
    provider_email: str | None = Field(
        default=None, max_length=254, pattern=EMAIL, description="Where the requests to confirm delivery go"
    )
    sessions: int = Field(ge=1, le=100, description="How many sessions (or days) ...")
    minutes: int = Field(ge=1, le=2400, description="... of how many minutes each ...")
    per: Frequency = Field(description="... each week, half term, term or year")
    location: str = Field(default="", max_length=200, description="Where it is delivered")
    starts_on: Day | None = Field(default=None, description="From when, if later than the plan's issue")

    @model_validator(mode="after")
    def _a_setting_by_its_urn(self) -> Self:
        """A setting is known by its URN everywhere (the register, its invitation, section I): its code is that."""
        if self.provider_type is ProviderType.SETTING and not URN.fullmatch(self.provider):
            raise ValueError(f"line {self.ref}: a setting's provider code is its URN (6 to 8 digits)")
        return self

    def watched(self) -> LineRef:
        """What the workflow keeps of the line."""
        return LineRef(ref=self.ref, kind=self.kind, provider=self.provider, starts_on=self.starts_on)


def _one_of_each(lines: list[ProvisionLineIn]) -> list[ProvisionLineIn]:
    refs = [line.ref for line in lines]
    if len(set(refs)) != len(refs):
        raise ValueError("each line of section F has its own number (ref)")
    return lines


ProvisionLines = Annotated[list[ProvisionLineIn], Field(max_length=MAX_LINES), AfterValidator(_one_of_each)]


class IssuedPlanIn(Strict):
    """A plan issued: a case's first (its final plan) or a new version of it (an amended plan)."""

    issued_on: Day
    named_setting_urn: str | None = Field(default=None, pattern=r"^[0-9]{6,8}$")
    sections: PlanSections
    provision: ProvisionLines | None = Field(
        default=None,
        description="Section F as lines to monitor; on an amended plan, omit it to keep the lines as they were",
    )


class ProvisionLinesIn(Strict):
    on: Day
    provision: ProvisionLines


class FinalPlanIn(IssuedPlanIn):
    setting_type: str = Field(default="", max_length=120)


class AmendedPlanIn(IssuedPlanIn):
    pass  # named apart from FinalPlanIn in the API's schema, as each route's body


class ParentCommentsIn(ParentComments):
    """The family's comments as the API takes them: the workflow model's unused `document_id` only as null."""

    document_id: SkipJsonSchema[None] = None

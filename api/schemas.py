"""Request and response bodies of the case API.

Personal data arrives here and goes to the database only; what goes on to the workflow is the case
reference, the LA code and dates.
"""

import unicodedata
from datetime import date
from typing import Annotated, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from workflows.assessment_models import AssessmentState, ParentComments, RequestSource, refuse_control_characters
from workflows.day import Day

LA_CODE = r"^[A-Z0-9]{3,9}$"
UK_POSTCODE = r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$"
EMAIL = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"
PHONE = r"^\+?[0-9 ()-]{6,20}$"
TEAM = r"^[A-Za-z0-9 ._-]{1,64}$"
# The SEND Regulations 2014 came into force on 1 September 2014 (reg 1): no earlier request is ours.
EARLIEST_REQUEST = date(2014, 9, 1)
# A staff id as identity providers issue them (a user name, an email, `idp|id`): no spaces or markup.
STAFF_ID = r"^[A-Za-z0-9._@|:+-]+$"
POLICY = r"^[a-z0-9-]{1,32}$"


def _person_name(value: str) -> str:
    """Letters of any script, spaces, hyphens, apostrophes and full stops, as the DfE's Common Basic Data Set
    allows in a legal forename or surname: what the census will accept, and nothing a letter could misprint."""
    if not all(unicodedata.category(c)[0] in "LM" or c in " -'\u2019." for c in value):
        raise ValueError("may contain only letters, spaces, hyphens, apostrophes and full stops")
    return value


def _postal_address(value: str) -> str:
    """What a postal address is written with (PAF style): no markup, control characters or symbols."""
    if not all(unicodedata.category(c)[0] in "LMN" or c in " \r\n,.-'\u2019/&()#" for c in value):
        raise ValueError("may contain only letters, digits, spaces, line breaks and , . - ' / & ( ) #")
    return value


PersonName = Annotated[str, AfterValidator(_person_name)]
PostalAddress = Annotated[str, AfterValidator(_postal_address)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="after")
    def _printable(self) -> "Strict":
        refuse_control_characters(self)
        return self


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
        max_length=120,
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


class CaseView(AssessmentState):
    """The case as its workflow sees it, with its officer and the child's details from the database."""

    officer: str | None = None
    child: ChildOut | None = Field(default=None, description="Only for case officers and managers (audited)")


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


class FinalPlanIn(Strict):
    issued_on: Day
    named_setting_urn: str | None = Field(default=None, pattern=r"^[0-9]{6,8}$")
    setting_type: str = Field(default="", max_length=120)
    sections: PlanSections


class ParentCommentsIn(ParentComments):
    """The family's comments as the API takes them: the workflow model's unused `document_id` only as null."""

    document_id: SkipJsonSchema[None] = None

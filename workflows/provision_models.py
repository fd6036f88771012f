"""Section F as the plan's workflow watches it: which lines of provision, by whom, and whether each was delivered.

The words of each line (what, how much, how often, where) are plan text and stay in the database
(store/models.py `ProvisionLineRow`); the workflow keeps only a line's reference, its kind and its provider's code,
which is all it needs to ask the provider, chase them, and record the LA's duty to secure the provision
(CFA 2014 s.42(2)) when the answer is a shortfall (docs/provision.md).
"""

from collections.abc import Sequence
from datetime import date
from enum import StrEnum
from typing import Self

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator

from workflows.actions import Action
from workflows.delivery_periods import DeliveryPeriod

LINE_REF = r"^F[0-9]{1,2}$"
# A provider's code: a setting's URN, or the LA's own code for a service or a therapist (never a name).
PROVIDER = r"^[A-Za-z0-9][A-Za-z0-9-]{0,31}$"
PERIOD = r"^[0-9]{4}-[0-9]{2}(\.ht[1-6]|\.t[1-3])?$"
MAX_LINES = 40


def once(lines: Sequence["LineRef | LineConfirmation"], refusal: str) -> None:
    """Refuse a list that names a line twice."""
    refs = [line.ref for line in lines]
    if len(set(refs)) != len(refs):
        raise ValueError(refusal)


class ProvisionKind(StrEnum):
    SPEECH_AND_LANGUAGE_THERAPY = "speech_and_language_therapy"
    OCCUPATIONAL_THERAPY = "occupational_therapy"
    PHYSIOTHERAPY = "physiotherapy"
    TEACHING_ASSISTANT = "teaching_assistant"
    SPECIALIST_TEACHING = "specialist_teaching"
    SMALL_GROUP = "small_group_intervention"
    EDUCATIONAL_PSYCHOLOGY = "educational_psychology"
    SPECIALIST_PLACEMENT = "specialist_placement"
    EQUIPMENT = "equipment"
    OTHER = "other"


class ShortfallReason(StrEnum):
    STAFF_ABSENCE = "staff_absence"
    VACANCY = "vacancy"  # no therapist or assistant in post
    NOT_ARRANGED = "not_arranged"  # never commissioned or funded
    SETTING_CLOSED = "setting_closed"
    OTHER = "other"
    # The provision was there and the child did not take it up: the LA secured it (docs/statutory-choices.md 68).
    CHILD_ABSENT = "child_absent"
    DECLINED = "declined"


# Reasons that mean the provision was made available: a shortfall, shown as such, but not the LA's failure.
MADE_AVAILABLE = frozenset({ShortfallReason.CHILD_ABSENT, ShortfallReason.DECLINED})


class DeliveryStatus(StrEnum):
    UNCONFIRMED = "unconfirmed"
    DELIVERED = "delivered"
    SHORT = "short"  # the LA's duty was not met (CFA 2014 s.42(2)): a breach until made good
    NOT_TAKEN_UP = "not_taken_up"  # short, but made available


class ProvisionLine(BaseModel):
    """A line of section F as the workflow monitors it, in force from `from_on` until `until_on` (if replaced)."""

    ref: str = Field(pattern=LINE_REF, description="The line's number in section F, e.g. F3")
    kind: ProvisionKind
    provider: str = Field(pattern=PROVIDER, description="The provider's code: a URN, or the LA's service code")
    from_on: date
    until_on: date | None = None

    def in_force(self, period: DeliveryPeriod) -> bool:
        return self.from_on <= period.end and (self.until_on is None or self.until_on >= period.start)


class LineRef(BaseModel):
    """A line of an issued plan, as the API passes it to the workflow: no words, only what is monitored."""

    model_config = ConfigDict(extra="forbid")

    ref: str = Field(pattern=LINE_REF)
    kind: ProvisionKind
    provider: str = Field(pattern=PROVIDER)
    starts_on: date | None = Field(default=None, description="If later than the plan's issue")


class LineDelivery(BaseModel):
    """What a provider said of one line over one period; unconfirmed until they say."""

    period: str
    period_start: date
    period_end: date
    ref: str
    kind: ProvisionKind
    provider: str
    status: DeliveryStatus = DeliveryStatus.UNCONFIRMED
    sessions_missed: int = 0
    reason: ShortfallReason | None = None
    confirmed_on: date | None = None
    made_good_on: date | None = None
    # The part of the period the line was in force in, where it began or ended inside it (an amendment mid-period):
    # the duty the LA owed under it ran over that part only.
    line_from: date | None = None
    line_until: date | None = None

    @property
    def key(self) -> str:
        """A line's number may pass to another provider mid-period: each provider accounts for its own part."""
        return f"{self.period}:{self.ref}:{self.provider}"

    @property
    def owed_from(self) -> date:
        return max(self.period_start, self.line_from or self.period_start)

    @property
    def owed_until(self) -> date:
        return min(self.period_end, self.line_until or self.period_end)

    @property
    def resolved(self) -> bool:
        return self.status is not DeliveryStatus.UNCONFIRMED and (
            self.status is not DeliveryStatus.SHORT or self.made_good_on is not None
        )


class LineConfirmation(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ref: str = Field(pattern=LINE_REF)
    delivered_in_full: StrictBool
    sessions_missed: int = Field(default=0, ge=0, le=1000, description="Sessions (or days) not delivered")
    reason: ShortfallReason | None = Field(default=None, description="Why, when not delivered in full")

    @model_validator(mode="after")
    def _shortfall_has_size_and_reason(self) -> Self:
        if self.delivered_in_full and (self.sessions_missed or self.reason is not None):
            raise ValueError(f"line {self.ref}: delivered in full takes no sessions_missed and no reason")
        if not self.delivered_in_full and (self.sessions_missed < 1 or self.reason is None):
            raise ValueError(f"line {self.ref}: a shortfall needs sessions_missed (at least 1) and a reason")
        return self


class ProvisionConfirmed(Action):
    """A provider's account of one period: every line of theirs in force in it, each in full or short.

    `on` is the day the provider gave it; the period is judged as the period it was, whenever it is entered."""

    period: str = Field(pattern=PERIOD, description="The period's key, e.g. 2026-27.ht2 (GET /plans/{ref}/provision)")
    provider: str = Field(pattern=PROVIDER)
    lines: list[LineConfirmation] = Field(min_length=1, max_length=MAX_LINES)

    @model_validator(mode="after")
    def _each_line_once(self) -> Self:
        once(self.lines, "each line is confirmed once")
        return self


class ShortfallMadeGood(Action):
    """The LA secured what was missed (made-up sessions, compensatory provision): the duty it owed is done on `on`,
    and its breach stays on the record."""

    period: str = Field(pattern=PERIOD)
    ref: str = Field(pattern=LINE_REF)
    provider: str | None = Field(
        default=None, pattern=PROVIDER, description="Needed only where the line passed to another provider that period"
    )


class ProvisionLinesSet(Action):
    """Section F of the plan in force, set out as lines to monitor (an imported plan's, or a correction): no new
    version, so nothing to appeal; `on` is the day they were set out, from which the lines are watched."""

    provision: list[LineRef] = Field(max_length=MAX_LINES)
    # The lines' words, stored by the API before it asked (plan text stays in the database); None in the histories
    # recorded before it.
    document_id: str | None = Field(default=None, max_length=64)

    @model_validator(mode="after")
    def _each_line_once(self) -> Self:
        once(self.provision, "each line of section F has its own number")
        return self

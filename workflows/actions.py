"""What every officer action carries, and the actions every case workflow takes alike.

An action is a business fact: who acted and the legal date it took effect. Each workflow's own actions
subclass `Action` in its models module; the ones here (confirming a late-entered backlog, recording a
statutory exception) are taken by the assessment and the plan alike.
"""

from datetime import date, timedelta
from typing import Annotated, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from workflows.day import Day


def _unprintable(text: str) -> bool:
    return any(
        (ord(c) < 0x20 and c not in "\t\n\r") or 0x7F <= ord(c) < 0xA0 or 0xD800 <= ord(c) < 0xE000 for c in text
    )


def refuse_control_characters(model: BaseModel) -> None:
    """A NUL byte or another control character can be neither stored (PostgreSQL text refuses NUL) nor printed
    in a letter: refused with the request, not found later by an activity that then fails on every retry."""
    for name, value in model.__dict__.items():
        texts = value if isinstance(value, list) else [value]
        if any(isinstance(text, str) and _unprintable(text) for text in texts):
            raise ValueError(f"{name} contains a control character (such as a NUL byte); remove it and resend")


# Five years: the longest a planned step lies ahead (a post-16 move, a hearing, an exception's end) is far less.
FARTHEST_AHEAD = timedelta(days=5 * 365 + 1)


class Action(BaseModel):
    """Who acted and the business date the action took effect (which may be earlier than today).

    Strict about what it is sent: a field it does not know is refused, not silently ignored (a typo would
    otherwise record an action without what the officer meant), and a yes/no is a JSON true or false, never
    a string. Workflow histories carry these models as they were written, so nothing unknown ever arrives."""

    model_config = ConfigDict(extra="forbid")

    on: Day
    actor: str = Field(
        default="officer", min_length=1, max_length=120, description="Ignored by the API: the signed-in user acts"
    )

    @model_validator(mode="after")
    def _printable(self) -> Self:
        refuse_control_characters(self)
        return self

    @model_validator(mode="after")
    def _not_far_ahead(self) -> Self:
        """A date an action names ahead of itself (a meeting, a hearing, a move, the end of an exception) is
        within FARTHEST_AHEAD of it: no statutory step is planned further off, and a date in the year 9999
        would reach past every calendar the deadlines are counted on."""
        latest = self.on + FARTHEST_AHEAD
        for name in type(self).model_fields:
            value = getattr(self, name)
            if isinstance(value, date) and value > latest:
                raise ValueError(f"{name} is more than 5 years after the action's date")
        return self


class BacklogConfirmed(Action):
    """The officer says every past fact of a late-entered case is in: its overdue dates are judged now.

    `on` is today: confirming is something the officer does now, not a past fact."""


class ExceptionRecorded(Action):
    code: str = Field(max_length=48, pattern=r"^[a-z0-9_]+$", description="e.g. absence_4_weeks")
    reason: str = Field(min_length=1, max_length=2000)
    start: Day
    end: Day
    # A rule id each (statutory/policies.py); a case has a dozen steps at most, so 16 bounds any honest list.
    steps: list[Annotated[str, StringConstraints(max_length=64, pattern=r"^[a-z0-9_.]+$")]] = Field(
        min_length=1, max_length=16
    )

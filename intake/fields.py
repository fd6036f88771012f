"""What the fields of a request may hold: codes, names, addresses, staff ids, and bodies that take nothing else.

Shared by everything cases come in through (the API's bodies, the bulk import of plans, the command line),
so that a name one refuses, the others refuse too.
"""

import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, model_validator

from workflows.actions import refuse_control_characters

LA_CODE = r"^[A-Z0-9]{3,9}$"
UK_POSTCODE = r"^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$"
EMAIL = r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]+$"
PHONE = r"^\+?[0-9 ()-]{6,20}$"
TEAM = r"^[A-Za-z0-9 ._-]{1,64}$"
# The SEND Regulations 2014 came into force on 1 September 2014 (reg 1): no earlier request is ours.
EARLIEST_REQUEST = date(2014, 9, 1)
# A staff id as identity providers issue them (a user name, an email, `idp|id`): no spaces or markup.
STAFF_ID = r"^[A-Za-z0-9._@|:+-]+$"
MAX_STAFF_ID = 120  # the longest a token's `sub`, an officer or an importer may be
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


# A body of 10,000 wrong fields is told so in a few lines: the answer stays small whatever was sent.
MAX_LISTED_ERRORS = 20


def _field(loc: tuple[Any, ...]) -> str:
    return ".".join(str(part) for part in loc if part not in ("body", "query", "path", "header"))


def described_errors(errors: Sequence[Mapping[str, Any]]) -> tuple[list[dict[str, str]], str]:
    """Where and why, never what: echoing rejected input could repeat personal data into client logs. The
    name of a field an endpoint does not take is the sender's own text too, so those are counted per
    object instead of named. Identical errors are one entry, and at most MAX_LISTED_ERRORS are listed.
    Returns the entries and a one-line summary of them."""
    unknown: Counter[str] = Counter()
    found: dict[tuple[str, str], None] = {}
    for error in errors:
        loc = tuple(error["loc"])
        if error["type"] == "extra_forbidden":
            unknown[_field(loc[:-1])] += 1
            found.setdefault((_field(loc[:-1]), ""), None)
        else:
            found.setdefault((_field(loc), error["msg"]), None)
    described = [
        {"field": field, "message": message or f"{unknown[field]} field(s) this endpoint does not take"}
        for field, message in found
    ]
    summary = "; ".join(f"{e['field'] or 'body'}: {e['message']}" for e in described[:MAX_LISTED_ERRORS])
    if len(described) > MAX_LISTED_ERRORS:
        summary += f"; and {len(described) - MAX_LISTED_ERRORS} more"
    return described[:MAX_LISTED_ERRORS], summary

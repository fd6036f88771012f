"""Loading the settings directory from the DfE's register of schools and colleges: the "establishment fields" CSV
that Get Information about Schools publishes every day (edubasealldataYYYYMMDD.csv, in windows-1252), one row per
establishment in England, open or closed, in some 140 columns.

The directory keeps the score of them a family's choice and a consultation need (docs/settings-directory.md), read
by their names, never by position: the register adds and moves columns now and then. A load upserts by URN, so the
same file loaded twice changes nothing and a newer one updates what changed; a school the register no longer lists
stays as it was last loaded (the register keeps closed schools, with their status, rather than dropping them).

A row that cannot be read (no URN, an age that is not a number, a name too long to be one) is skipped and counted by
why, never quoted: the report says which column and what was wrong, so a file of bad rows answers in a few lines.
The file is bounded in bytes and rows before any of it is loaded, and is loaded in one transaction: all or nothing.

`POST /settings-directory/import` (a manager) and `python -m cli.settings_directory FILE` both load through here.
"""

import csv
import io
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from intake.fields import LA_CODE
from store.models import DirectorySetting
from store.upsert import upsert

# The whole register was 61 MB in 2024, about 51,000 establishments open and closed: room to grow, and no more.
MAX_REGISTER_BYTES = 100 * 1024 * 1024
MAX_REGISTER_ROWS = 100_000
# The register's own character set: what a file downloaded from it is read as unless said otherwise.
REGISTER_ENCODING = "windows-1252"
URN = r"^[0-9]{6,8}$"
BATCH = 1_000

# The register's columns the directory reads; the first five every row must have.
REQUIRED = ("URN", "LA (code)", "EstablishmentName", "TypeOfEstablishment (name)", "EstablishmentStatus (name)")
SEN_COLUMNS = tuple(f"SEN{n} (name)" for n in range(1, 14))

# EstablishmentStatus (name): "Open", "Closed", "Open, but proposed to close", "Proposed to open".
OPEN_STATUSES = frozenset({"Open", "Open, but proposed to close"})
# TypeOfResourcedProvision (name): "Resourced provision", "SEN unit", "Resourced provision and SEN unit".
RESOURCED = frozenset({"Resourced provision", "Resourced provision and SEN unit"})
UNIT = frozenset({"SEN unit", "Resourced provision and SEN unit"})
# CFA 2014 s.38(3): the kinds of school or college a family may ask to have named (docs/statutory-choices.md).
# Maintained schools and nursery schools, non-maintained special schools, Academies (free schools are Academies) and
# the further education sector are, by the register's type group; an independent school or a special post-16
# institution only if approved under s.41; a pupil referral unit is not a maintained school as s.83 defines one.
REQUESTABLE_GROUPS = frozenset(
    {"Local authority maintained schools", "Special schools", "Academies", "Free Schools", "Colleges"}
)
NOT_REQUESTABLE_TYPES = frozenset({"Pupil referral unit"})
SECTION_41_APPROVED = "Approved"
# SEN1 (name) to SEN13 (name) read "ASD - Autistic Spectrum Disorder": the code before the dash is kept.
_SEN_CODE = re.compile(r"^([A-Za-z]{2,5}) - ")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _printable(value: str) -> str:
    if _CONTROL.search(value):
        raise ValueError("contains a control character")
    return value


Text = Annotated[str, AfterValidator(_printable)]
Places = Annotated[int | None, Field(default=None, ge=0, le=100_000)]
Age = Annotated[int | None, Field(default=None, ge=0, le=99)]


class RegisterRow(BaseModel):
    """One row of the register, as the directory takes it: each field by its column's name in the file."""

    model_config = ConfigDict(str_strip_whitespace=True, extra="ignore")

    urn: str = Field(alias="URN", pattern=URN)
    la_code: str = Field(alias="LA (code)", pattern=LA_CODE)
    name: Text = Field(alias="EstablishmentName", min_length=1, max_length=200)
    establishment_type: Text = Field(alias="TypeOfEstablishment (name)", min_length=1, max_length=100)
    type_group: Text | None = Field(default=None, alias="EstablishmentTypeGroup (name)", max_length=60)
    status: Text = Field(alias="EstablishmentStatus (name)", min_length=1, max_length=40)
    phase: Text | None = Field(default=None, alias="PhaseOfEducation (name)", max_length=60)
    low_age: Age = Field(default=None, alias="StatutoryLowAge")
    high_age: Age = Field(default=None, alias="StatutoryHighAge")
    capacity: Places = Field(default=None, alias="SchoolCapacity")
    section41: Text | None = Field(default=None, alias="Section41Approved (name)", max_length=40)
    resourced: Text | None = Field(default=None, alias="TypeOfResourcedProvision (name)", max_length=60)
    resourced_provision_capacity: Places = Field(default=None, alias="ResourcedProvisionCapacity")
    sen_unit_capacity: Places = Field(default=None, alias="SenUnitCapacity")
    town: Text | None = Field(default=None, alias="Town", max_length=100)
    postcode: Text | None = Field(default=None, alias="Postcode", max_length=10)

    def requestable(self) -> bool:
        if "independent" in self.establishment_type.casefold() or self.type_group == "Independent schools":
            return self.section41 == SECTION_41_APPROVED
        if self.establishment_type == "Special post 16 institution":
            return self.section41 == SECTION_41_APPROVED
        return self.type_group in REQUESTABLE_GROUPS and self.establishment_type not in NOT_REQUESTABLE_TYPES


def specialisms(cells: Iterable[str | None]) -> list[str]:
    """The SEN provision types the register lists, as their codes (ASD, SLCN, SPLD…), once each, in its order."""
    codes: list[str] = []
    for cell in cells:
        if cell and (found := _SEN_CODE.match(cell.strip())) and (code := found[1].upper()) not in codes:
            codes.append(code)
    return codes


class LoadReport(BaseModel):
    rows: int = Field(description="The file's rows, its header not counted")
    inserted: int = Field(description="Settings new to the directory")
    updated: int = Field(description="Settings already in it, now as this file has them")
    skipped: int = Field(description="Rows not loaded")
    skipped_by_reason: dict[str, int] = Field(
        description="Why rows were skipped (the column and what was wrong with it, never its value), and how many"
    )
    loaded_at: datetime


@dataclass
class Register:
    """A file read: the settings to load, each URN's last row, and the rows skipped by why."""

    rows: int = 0
    settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    skipped: Counter[str] = field(default_factory=Counter)


def decode(body: bytes, encoding: str) -> str:
    """The file as text: a UTF-8 byte-order mark says UTF-8 whatever else was said. A file that is not in the
    encoding is a ValueError naming the encoding, not the bytes."""
    if body.startswith(b"\xef\xbb\xbf"):
        encoding = "utf-8-sig"
    try:
        return body.decode(encoding)
    except UnicodeDecodeError:
        encoding = encoding.removesuffix("-sig")  # "utf-8-sig" is only how Python reads a UTF-8 file's mark
        raise ValueError(
            f"the file is not in {encoding}; the register's own files are in {REGISTER_ENCODING}"
        ) from None
    except LookupError:  # a codec that is not a text encoding (base64, rot13)
        raise ValueError(
            f"{encoding} is not a character set; the register's files are in {REGISTER_ENCODING}"
        ) from None


def read_register(text: str, loaded_at: datetime) -> Register:
    """The settings a file holds. Whatever makes the whole file unreadable (not the register's CSV, too many rows,
    a field no column could hold) is a ValueError that names no content. CPU-bound: callers run it off the event
    loop."""
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames or []
        if missing := [column for column in REQUIRED if column not in header]:
            raise ValueError(
                "the file is not the register's establishment fields CSV: it has no "
                + ", ".join(f'"{column}"' for column in missing)
                + " column"
            )
        register = Register()
        for cells in reader:
            register.rows += 1
            if register.rows > MAX_REGISTER_ROWS:
                raise ValueError(f"the file holds more than {MAX_REGISTER_ROWS:,} rows, more than the whole register")
            _take(register, cells, loaded_at)
    except csv.Error:
        raise ValueError(
            "the file is not a CSV the register would publish (a field is malformed or too long)"
        ) from None
    return register


def _take(register: Register, cells: dict[str | Any, str | Any], loaded_at: datetime) -> None:
    if None in cells or None in cells.values():
        register.skipped["the row has more or fewer fields than the header"] += 1
        return
    present = {name: value.strip() for name, value in cells.items() if value and value.strip()}
    try:
        row = RegisterRow.model_validate(present)
    except ValidationError as invalid:
        error = invalid.errors()[0]
        column = str(error["loc"][0]) if error["loc"] else "the row"
        register.skipped[f"{column}: {error['msg']}"] += 1
        return
    if row.urn in register.settings:
        register.skipped["URN: repeated later in the file, whose last row for it is loaded"] += 1
    register.settings[row.urn] = {
        **row.model_dump(exclude={"section41", "resourced"}),
        "specialisms": specialisms(present.get(column) for column in SEN_COLUMNS),
        "resourced_provision": row.resourced in RESOURCED,
        "sen_unit": row.resourced in UNIT,
        "open": row.status in OPEN_STATUSES,
        "special": "special" in row.establishment_type.casefold(),
        "requestable": row.requestable(),
        "loaded_at": loaded_at,
    }


UPDATED = tuple(column for column in DirectorySetting.model_fields if column != "urn")


async def load(session: AsyncSession, register: Register, loaded_at: datetime) -> LoadReport:
    """Upsert the register's settings by URN in one transaction, and say what changed."""
    settings = list(register.settings.values())
    known = 0
    for first in range(0, len(settings), BATCH):
        batch = settings[first : first + BATCH]
        urns = [setting["urn"] for setting in batch]
        known += len(
            (await session.exec(select(DirectorySetting.urn).where(col(DirectorySetting.urn).in_(urns)))).all()
        )
        await upsert(session, DirectorySetting, batch, keys=["urn"], update=UPDATED)
    await session.commit()
    return LoadReport(
        rows=register.rows,
        inserted=len(settings) - known,
        updated=known,
        skipped=register.skipped.total(),
        skipped_by_reason=dict(sorted(register.skipped.items())),
        loaded_at=loaded_at,
    )

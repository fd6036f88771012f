"""The settings directory for staff: a manager loads it from the DfE's register (intake/settings_directory.py), and
any member of staff searches it or reads one setting by its URN (reports/settings_directory.py).

The directory is the register's, one for every LA the deployment serves, as the register is one for England: a
school in a neighbouring LA is a setting a family may ask for too (docs/settings-directory.md). So the search is not
scoped to the caller's LAs (`la_code` is a filter, not a permission), and any manager may load the register: it is
public data about public institutions, the same file for everyone, and a load only ever sets a row to what the
register says.
"""

import asyncio
from datetime import UTC, datetime
from typing import Annotated

import structlog
from fastapi import APIRouter, Depends, Path, Query, Request

from api.auth import LA_CODE_PATTERN, STAFF, Manager, allow
from api.deps import SessionDep
from api.problems import Problem
from api.routes.plan_import import charset_of
from intake.settings_directory import (
    MAX_REGISTER_BYTES,
    REGISTER_ENCODING,
    URN,
    LoadReport,
    Register,
    decode,
    load,
    read_register,
)
from reports.settings_directory import (
    DirectoryFilter,
    SettingOut,
    SettingsPage,
    Specialism,
    search,
    setting,
    setting_out,
)

router = APIRouter(prefix="/settings-directory", tags=["settings directory"])
log = structlog.get_logger(__name__)

# The register's phases and types are words, commas, brackets and dashes ("Open, but proposed to close", "16 plus").
REGISTER_WORDS = r"^[A-Za-z0-9 ,'()+/.-]{1,100}$"
NAME_PART = r"^[^\x00-\x1f\x7f]{1,100}$"
Phase = Annotated[str | None, Query(pattern=REGISTER_WORDS, description="The register's phase, e.g. Primary")]
EstablishmentType = Annotated[
    str | None,
    Query(alias="type", pattern=REGISTER_WORDS, description="The register's type, e.g. Community special school"),
]
# Any member of staff reads the directory; a family reads its own tailored list (api/routes/portal_settings.py).
STAFF_ONLY = Depends(allow(*STAFF))
UrnPath = Annotated[str, Path(pattern=URN, description="The setting's unique reference number, e.g. 100000")]


def _read(body: bytes, encoding: str, loaded_at: datetime) -> Register:
    return read_register(decode(body, encoding), loaded_at)


@router.post(
    "/import",
    response_model=LoadReport,
    openapi_extra={
        "requestBody": {"content": {"text/csv": {"schema": {"type": "string"}}}, "required": True},
    },
)
async def import_register(request: Request, session: SessionDep, user: Manager) -> LoadReport:
    """Load the register's establishment fields CSV (edubasealldataYYYYMMDD.csv from Get Information about
    Schools), read in the charset the content type names, else the register's own, windows-1252. Settings are
    upserted by URN: loading a file again changes nothing, a newer one updates what changed. Rows that cannot be
    read are skipped and counted by why."""
    body = await request.body()
    if len(body) > MAX_REGISTER_BYTES:
        raise Problem(
            413, "Register too large", f"At most {MAX_REGISTER_BYTES // 1024 // 1024} MB: the whole register is less."
        )
    encoding = charset_of(request.headers.get("content-type", "text/csv"), REGISTER_ENCODING)
    loaded_at = datetime.now(UTC)
    try:
        # Reading 50,000 rows takes seconds of CPU: off the event loop, so other requests go on.
        register = await asyncio.to_thread(_read, body, encoding, loaded_at)
    except ValueError as error:
        raise Problem(
            422, "Unreadable register", f"The file could not be loaded: {error}.", "/problems/validation"
        ) from None
    del body
    report = await load(session, register, loaded_at)
    log.info(
        "settings directory loaded",
        actor=user.sub,
        inserted=report.inserted,
        updated=report.updated,
        skipped=report.skipped,
    )
    return report


@router.get("", response_model=SettingsPage, dependencies=[STAFF_ONLY])
async def search_directory(
    session: SessionDep,
    la_code: Annotated[str | None, Query(pattern=LA_CODE_PATTERN, description="Settings of this LA")] = None,
    phase: Phase = None,
    establishment_type: EstablishmentType = None,
    age: Annotated[int | None, Query(ge=0, le=99, description="Takes pupils of this age (on 31 August)")] = None,
    specialism: Annotated[Specialism | None, Query(description="Has this SEN provision type")] = None,
    name: Annotated[str | None, Query(pattern=NAME_PART, description="Part of the name, any case")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> SettingsPage:
    """The directory's settings, open or closed and of every kind, by name; `la_code` narrows it to an LA's, and
    is a filter, not a permission: the register is public and shared by every LA."""
    where = DirectoryFilter(
        la_code=la_code,
        phase=phase,
        establishment_type=establishment_type,
        age=age,
        specialism=specialism,
        name=name,
    )
    return await search(session, where, limit, offset)


@router.get(
    "/{urn}",
    response_model=SettingOut,
    dependencies=[STAFF_ONLY],
    responses={404: {"description": "Not in the directory"}},
)
async def read_setting(urn: UrnPath, session: SessionDep) -> SettingOut:
    """One setting by its URN: what an officer checks a family's preference against before consulting it
    (`POST /cases/{ref}/setting-consultations`)."""
    found = await setting(session, urn)
    if found is None:
        raise Problem(
            404,
            "Not in the directory",
            f"No setting with URN {urn} is in the directory: check the URN on Get Information about Schools.",
        )
    return setting_out(found)

"""POST /plans/import: the bulk import of existing plans (api.plan_import), as CSV or JSON."""

import asyncio
import codecs

from fastapi import APIRouter, Request

from api.auth import Manager
from api.deps import SettingsDep, TemporalDep, Today
from api.problems import Problem
from intake.plan_import import ImportReport, import_plans, parse

router = APIRouter(tags=["plans"])
MAX_IMPORT_BYTES = 20 * 1024 * 1024


@router.post(
    "/plans/import",
    response_model=ImportReport,
    openapi_extra={
        "requestBody": {
            "content": {
                "text/csv": {"schema": {"type": "string"}},
                "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
            },
            "required": True,
        }
    },
)
async def import_plan_file(
    request: Request, temporal: TemporalDep, settings: SettingsDep, user: Manager, today: Today
) -> ImportReport:
    """Import existing plans with their real last review dates; running it twice imports nothing twice.
    Rows that cannot be imported are listed with the reason; the rest are imported. A manager imports
    for their own LAs only: a row of another LA is rejected."""
    body = await request.body()
    if len(body) > MAX_IMPORT_BYTES:
        raise Problem(
            413, "Import too large", f"Split the file: at most {MAX_IMPORT_BYTES // 1024 // 1024} MB per import."
        )
    content_type = request.headers.get("content-type", "text/csv")
    encoding = charset_of(content_type)
    try:
        rows = await asyncio.to_thread(parse, body.decode(encoding), content_type)
    except (ValueError, UnicodeDecodeError) as error:
        detail = f"The file could not be read as CSV or JSON: {error}"
        raise Problem(422, "Unreadable import", detail, "/problems/validation") from error
    return await import_plans(
        rows, request.app.state.sessions, temporal, settings, actor=user.sub, la_codes=user.la_codes, today=today
    )


def charset_of(content_type: str, default: str = "utf-8-sig") -> str:
    """How the file's text is encoded: the content type's charset (a CSV saved from Excel is often windows-1252),
    else `default`: UTF-8, with or without the byte-order mark Excel writes, unless the caller knows better."""
    for parameter in content_type.split(";")[1:]:
        name, _, value = parameter.strip().partition("=")
        if name.strip().lower() != "charset":
            continue
        try:
            codec = codecs.lookup(value.strip().strip('"'))
        except LookupError:
            raise Problem(
                415, "Unknown character set", "The content type names a charset this API cannot read: send UTF-8."
            ) from None
        return "utf-8-sig" if codec.name == "utf-8" else codec.name
    return default

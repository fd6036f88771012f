"""The settings directory through the API: a manager loads the DfE's register (the hand-made sample, in
windows-1252), staff search it and read a setting by URN; who may do which; a file that cannot be read, or is too
large, refused with nothing loaded. Against the tests' database; every expected URN written by hand."""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest_asyncio
from sqlmodel import func, select
from temporalio.testing import WorkflowEnvironment

from api.auth import Role
from api.limits import MAX_BODY_BYTES_BY_PATH
from core.config import Settings
from store.db import SessionMaker
from store.models import DirectorySetting
from tests.conftest import api_client
from tests.factories import bearer
from tests.support.gias import CSV_TYPE, ST_THERESE, register_csv, sample, school

IMPORT = "/settings-directory/import"


@pytest_asyncio.fixture
async def api(env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The API as a manager of the test LAs calls it; no worker, as nothing here touches a case."""
    async with api_client(settings, env.client, sessions) as client:
        yield client


async def load_sample(api: httpx.AsyncClient) -> dict[str, Any]:
    answer = await api.post(IMPORT, content=sample(), headers={"content-type": CSV_TYPE})
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def urns(api: httpx.AsyncClient, headers: dict[str, str] | None = None, **params: Any) -> list[str]:
    answer = await api.get("/settings-directory", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return [item["urn"] for item in answer.json()["items"]]


async def settings_count(sessions: SessionMaker) -> int:
    async with sessions() as session:
        return (await session.exec(select(func.count()).select_from(DirectorySetting))).one()


async def test_a_manager_loads_the_register_and_staff_search_it(api: httpx.AsyncClient) -> None:
    report = await load_sample(api)
    assert (report["rows"], report["inserted"] + report["updated"], report["skipped"]) == (15, 13, 2)

    # Open or closed, of every kind, by name: staff see the register as it is.
    assert await urns(api, la_code="342", phase="Primary") == ["990001", "990006", "990011", "990002", "990012"]
    assert await urns(api, la_code="342", specialism="ASD") == ["990007", "990003", "990002"]
    # Taking pupils aged 16 (on 31 August): 2 to 19 and 7 to 18 do, 16 to 99 does; 11 to 16 and 5 to 16 do not.
    assert await urns(api, la_code="342", age=16) == ["990007", "990003", "990013"]
    assert await urns(api, la_code="342", type="Community special school") == ["990003"]
    assert await urns(api, name="thérèse") == ["990002"]
    assert await urns(api, name="100%") == []
    first = (await api.get("/settings-directory", params={"la_code": "342", "limit": 5})).json()
    assert (len(first["items"]), first["next_offset"]) == (5, 5)
    last = (await api.get("/settings-directory", params={"la_code": "342", "limit": 5, "offset": 10})).json()
    assert ([item["urn"] for item in last["items"]], last["next_offset"]) == (["990013", "990012"], None)

    one = await api.get("/settings-directory/990002")
    assert one.status_code == 200, one.text
    setting = one.json()
    del setting["loaded_at"]
    assert setting == {
        **ST_THERESE,
        "la_code": "342",
        "type_group": "Local authority maintained schools",
        "status": "Open",
        "open": True,
        "requestable": True,
        "postcode": "WA10 2BB",
    }
    missing = await api.get("/settings-directory/999999")
    assert (missing.status_code, missing.headers["content-type"]) == (404, "application/problem+json")
    assert missing.json()["detail"].startswith("No setting with URN 999999 is in the directory")


async def test_staff_read_the_directory_and_only_a_manager_loads_it(api: httpx.AsyncClient, settings: Settings) -> None:
    await load_sample(api)
    for role in (Role.CASE_OFFICER, Role.OPS):
        # Of another LA too: the register is England's, and a family may ask for a school across the border.
        headers = bearer(settings, role, ["999"], sub=f"reader.{role.value}")
        assert await urns(api, headers, la_code="342", type="Community special school") == ["990003"]
        assert (await api.get("/settings-directory/990003", headers=headers)).status_code == 200
        refused = await api.post(IMPORT, content=sample(), headers={**headers, "content-type": CSV_TYPE})
        assert (refused.status_code, refused.json()["type"]) == (403, "/problems/forbidden")


async def test_a_register_that_cannot_be_read_is_refused_and_nothing_is_loaded(
    api: httpx.AsyncClient, sessions: SessionMaker
) -> None:
    before = await settings_count(sessions)
    answers = {
        # windows-1252 said to be UTF-8: the accented letters are not UTF-8.
        "utf-8": await api.post(IMPORT, content=sample(), headers={"content-type": "text/csv; charset=utf-8"}),
        "unknown": await api.post(IMPORT, content=sample(), headers={"content-type": "text/csv; charset=klingon"}),
        "plans": await api.post(IMPORT, content=b"la_code,la_reference\r\n342,ABC/1\r\n"),
    }
    statuses = {name: answer.status_code for name, answer in answers.items()}
    assert statuses == {"utf-8": 422, "unknown": 415, "plans": 422}
    assert answers["utf-8"].json()["detail"] == (
        "The file could not be loaded: the file is not in utf-8; the register's own files are in windows-1252."
    )
    assert answers["plans"].json()["detail"] == (
        'The file could not be loaded: the file is not the register\'s establishment fields CSV: it has no "URN", '
        '"LA (code)", "EstablishmentName", "TypeOfEstablishment (name)", "EstablishmentStatus (name)" column.'
    )
    assert "ABC/1" not in answers["plans"].text
    for bad in ("x" * 101, "nul\x00", "<script>"):
        assert (await api.get("/settings-directory", params={"type": bad})).status_code == 422
    assert (await api.get("/settings-directory", params={"name": "x" * 101})).status_code == 422
    assert (await api.get("/settings-directory", params={"specialism": "ADHD"})).status_code == 422
    assert (await api.get("/settings-directory", params={"limit": 501})).status_code == 422
    assert (await api.get("/settings-directory/12AB")).status_code == 422
    # A file the register would never be is refused before it is read; nothing above loaded a row.
    limit = MAX_BODY_BYTES_BY_PATH[IMPORT]
    assert limit == 100 * 1024 * 1024
    huge = await api.post(IMPORT, content=b"x" * (limit + 1), headers={"content-type": CSV_TYPE})
    assert huge.status_code == 413
    assert huge.json()["detail"] == "The request body is larger than this endpoint accepts (100 MB at most)."
    assert await settings_count(sessions) == before


async def test_a_school_file_in_utf8_said_so_is_read_as_utf8(api: httpx.AsyncClient) -> None:
    body = register_csv(school("981301", "883", "Ysgol Pen-y-Bryn Ffôr")).decode("windows-1252").encode()
    answer = await api.post(IMPORT, content=body, headers={"content-type": "text/csv; charset=utf-8"})
    assert answer.status_code == 200, answer.text
    assert (await api.get("/settings-directory/981301")).json()["name"] == "Ysgol Pen-y-Bryn Ffôr"

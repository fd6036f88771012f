"""Bounded input: what an action may carry is limited before the case sees it, and a refusal quotes nothing."""

import asyncio
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from sqlalchemy.exc import OperationalError
from starlette.requests import Request
from temporalio.testing import WorkflowEnvironment

from api.problems import _database_unavailable
from core.config import Settings
from reports.sen2 import spreadsheet_safe
from tests.driver import Officer, PlanOfficer, Redress


@pytest.fixture
async def officer(api: httpx.AsyncClient, env: WorkflowEnvironment) -> Officer:
    """An officer of a case opened today, which every refused action must leave as it was."""
    officer = Officer(api, env)
    await officer.open()
    return officer


async def test_oversized_identifiers_are_refused_before_the_case_sees_them(officer: Officer) -> None:
    """An identifier a rejection would quote, or history would keep, is bounded by the API: a megabyte of one is
    a 422 that quotes nothing, and the case stays readable and unchanged."""
    await officer.act("decide-to-assess", {"assess": True})
    before = await officer.case()
    huge = "x" * 1_000_000
    for path, body in (
        ("advice-received", {"advice_id": huge}),
        ("parent-comments", {"preferred_setting_urn": huge}),
        ("setting-answers", {"setting_urn": huge, "agrees": True}),
        (
            "exceptions",
            {
                "code": "absence_4_weeks",
                "reason": "r",
                "start": "2026-01-01",
                "end": "2026-01-02",
                "steps": ["assessment.final_plan"] * 10_000,
            },
        ),
    ):
        problem = await officer.act(path, body, expect=422)
        assert "xxxxxxxx" not in str(problem) and len(str(problem)) < 2_000, path
    after = await officer.case()
    assert after["history"] == before["history"] and after["deadlines"] == before["deadlines"]


async def test_an_import_refuses_names_a_case_would_refuse_and_quotes_none_of_them(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = PlanOfficer(api, env)
    hostile = ["=HYPERLINK(1)", "+SUM(1)", "@cmd", "Ann\u202eEvil", "Bob\x07"]
    rows = [
        {
            "la_code": "202",
            "la_reference": f"HOSTILE/{n}",
            "given_name": name,
            "family_name": "Import",
            "date_of_birth": "2015-01-01",
            "plan_issued_on": "2024-01-01",
        }
        for n, name in enumerate(hostile)
    ]
    report = await officer.import_plans(rows)
    assert report["imported"] == 0 and len(report["rejected"]) == len(hostile)
    assert not any(name in str(report) for name in hostile)


async def test_an_import_is_bounded_in_rows_and_its_report_in_length(api: httpx.AsyncClient) -> None:
    """Before, a million empty rows (3 MB) held the API's event loop for 18 s and answered with 220 MB."""
    too_many = "[" + ",".join(["{}"] * 25_001) + "]"
    answer = await api.post("/plans/import", content=too_many, headers={"content-type": "application/json"})
    assert answer.status_code == 422 and "25,000" in answer.json()["detail"]
    long_reference = "R" * 100_000
    rows = [{"la_reference": long_reference}] + [{}] * 2_999
    answer = await api.post("/plans/import", json=rows)
    report = answer.json()
    assert answer.status_code == 200 and (report["imported"], report["rejected_count"]) == (0, 3_000)
    assert len(report["rejected"]) == 1_000 and report["rejected"][0]["la_reference"] is None
    assert len(answer.content) < 1_000_000 and long_reference not in answer.text


def test_a_cell_a_spreadsheet_would_run_is_written_as_text() -> None:
    assert [spreadsheet_safe(v) for v in ("=1+1", "+SUM(1)", "@cmd", "-A1", "\tx", "-1", "2026-01-01", "", "Ann")] == [
        "'=1+1",
        "'+SUM(1)",
        "'@cmd",
        "'-A1",
        "'\tx",
        "-1",
        "2026-01-01",
        "",
        "Ann",
    ]


async def test_an_action_with_an_unknown_field_or_a_string_for_yes_is_refused(officer: Officer) -> None:
    """A typo would otherwise record an action without what the officer meant: strict bodies, nothing recorded."""
    before = await officer.case()
    for body in ({"assess": "yes"}, {"assess": True, "asess": False}, {"assess": 1}):
        problem = await officer.act("decide-to-assess", body, expect=422)
        assert problem["status"] == 422
    after = await officer.case()
    assert after["stage"] == "request_received" and after["history"] == before["history"]


async def test_what_the_hostile_write_fuzz_found_is_refused_at_the_door(
    api: httpx.AsyncClient, env: WorkflowEnvironment, officer: Officer
) -> None:
    """Found by tests/api/test_hostile_writes.py: an unbounded `document_id` on the family's comments that went
    to the workflow; a number, or a string of digits, taken as a date (Unix time); "yes" for a tribunal
    recommendation's answer; any number of orders; and the names of unknown fields quoted back."""
    await officer.act("decide-to-assess", {"assess": True})
    before = await officer.case()
    for path, body in (
        ("parent-comments", {"document_id": "x" * 1_000_000}),
        ("parent-comments", {"document_id": "d0c"}),  # not taken at all: the API stores no comments document
        ("parent-comments", {"on": 1735689600}),
        ("parent-comments", {"on": "1735689600"}),
        ("parent-comments", {"on": "2025-01-01T00:00:00Z"}),
        ("withdraw", {"reason": "moved_away", **{f"field{n}": n for n in range(10_000)}}),
    ):
        problem = await officer.act(path, body, expect=422)
        assert "xxxx" not in str(problem) and "field1" not in str(problem) and len(str(problem)) < 2_000, path
    refused = await api.post(f"/cases/{officer.case_ref}/parent-comments", json={"on": 1735689600})
    assert refused.json()["errors"] == [{"field": "on", "message": "Value error, a date is written as YYYY-MM-DD"}]
    unknown = await api.post(
        f"/cases/{officer.case_ref}/withdraw", json={"on": "2026-01-01", "reason": "moved_away", "a": 1, "b": 2}
    )
    assert unknown.json()["detail"] == "body: 2 field(s) this endpoint does not take"
    after = await officer.case()
    assert after["history"] == before["history"] and after["deadlines"] == before["deadlines"]
    appealing = Redress(api, env)
    appeal = await appealing.appeal_registered((await appealing.refused_case(wait=False))[0])
    on = before["received_date"]
    for path, body, field in (
        ("recommendation-response", {"on": on, "to": "health", "follows": "yes"}, "follows"),
        ("decision", {"on": on, "upheld": True, "orders": ["assess"] * 85_000}, "orders"),
        ("concede", {"on": on, "orders": ["assess"] * 7}, "orders"),
        ("registered", {"on": on, "response_due": 1735689600}, "response_due"),
        ("registered", {"on": on, "response_due": "9999-12-31"}, "response_due"),  # was a 500: past the calendar
        ("hearing", {"on": on, "hearing_on": "2099-12-31"}, ""),  # more than 5 years after the action
    ):
        answer = await api.post(f"/tribunal/{appeal}/{path}", json=body)
        assert answer.status_code == 422 and answer.json()["type"] == "/problems/validation", (path, answer.text[:300])
        assert [e["field"] for e in answer.json()["errors"]] == [field], (path, answer.text[:300])
    deep = "[" * 100_000 + "]" * 100_000
    answer = await api.post(
        f"/cases/{officer.case_ref}/withdraw", content=deep, headers={"content-type": "application/json"}
    )
    assert answer.status_code == 400 and answer.json()["title"] == "Unreadable body"
    wrong_method = await api.delete(f"/cases/{officer.case_ref}/withdraw")
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "POST"


@pytest.mark.parametrize(
    ("claims", "status"),
    [
        ({"role": {"manager": True}}, 403),  # an object names no role
        ({"role": 5}, 403),
        ({"sub": ""}, 401),
        ({"sub": "<script>"}, 401),
        ({"la_codes": [f"L{n:04d}" for n in range(1_000)]}, 403),  # far more LAs than England has
        ({"la_codes": ["202", {"code": "330"}]}, 403),
        (lambda now: {"exp": str(int(now.timestamp()) + 3600)}, 401),  # was accepted, and a 500 at sign-in
        ({"exp": 1e15}, 401),  # a cookie for thirty million years
        (lambda now: {"exp": now + timedelta(days=100)}, 401),
    ],
)
async def test_a_token_with_a_malformed_claim_is_refused_with_a_reason_not_a_500(
    api: httpx.AsyncClient,
    settings: Settings,
    claims: dict[str, Any] | Callable[[datetime], dict[str, Any]],
    status: int,
) -> None:
    """A claim relative to now is made when the token is: the API judges a token's times by the wall clock."""
    now = datetime.now(UTC)
    if callable(claims):
        claims = claims(now)
    token = {
        "sub": "officer.one",
        "role": "manager",
        "la_codes": ["202"],
        "iss": settings.auth_issuer,
        "aud": settings.auth_audience,
        "iat": now,
        "exp": now + timedelta(hours=1),
        **claims,
    }
    assert settings.auth_jwt_secret is not None
    signed = jwt.encode(token, settings.auth_jwt_secret.get_secret_value(), algorithm="HS256")
    answer = await api.get("/dashboard", headers={"Authorization": f"Bearer {signed}"})
    assert answer.status_code == status and answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        ("la_code,la_reference\n202," + "x" * 200_000 + "\n", "text/csv"),  # past the csv module's field limit
        ("[" * 100_000 + "]" * 100_000, "application/json"),  # past the JSON parser's depth
    ],
)
async def test_an_unreadable_import_is_a_422_that_quotes_none_of_it(
    api: httpx.AsyncClient, content: str, content_type: str
) -> None:
    answer = await api.post("/plans/import", content=content, headers={"content-type": content_type})
    assert answer.status_code == 422 and answer.headers["content-type"] == "application/problem+json"
    assert "xxxx" not in answer.text and "[[[[" not in answer.text


async def test_oversized_headers_and_addresses_are_refused_before_anything_reads_them(
    api: httpx.AsyncClient, officer: Officer
) -> None:
    before = await officer.case()
    padded = await api.get(f"/cases/{officer.case_ref}", headers={"X-Padding": "p" * 20_000})
    assert padded.status_code == 431 and padded.headers["content-type"] == "application/problem+json"
    assert padded.json()["detail"] == "The request's headers are larger than this API accepts (16 KB at most)."
    bearer_token = await api.get("/cases", headers={"Authorization": "Bearer " + "a" * 20_000})
    assert bearer_token.status_code == 431 and "aaaa" not in bearer_token.text
    long_address = await api.get(f"/cases/{officer.case_ref}", params={"q": "z" * 10_000})
    assert long_address.status_code == 414 and "zzzz" not in long_address.text
    assert await officer.case() == before
    # An ordinary request with a signed-in browser's headers is well inside the limit.
    assert (await api.get(f"/cases/{officer.case_ref}", headers={"Cookie": "c=" + "v" * 4_000})).status_code == 200


def test_the_embedded_databases_lock_is_answered_as_what_it_is() -> None:
    """SQLite's "database is locked" is a busy database, not an unreachable one: say so, and when to retry."""
    locked = OperationalError("INSERT …", {}, sqlite3.OperationalError("database is locked"))
    request = Request({"type": "http", "method": "POST", "path": "/cases/X/draft", "headers": [], "query_string": b""})
    answer = asyncio.run(_database_unavailable(request, locked))
    assert answer.status_code == 503 and answer.headers["retry-after"] == "1"
    assert b'"title":"Database busy"' in answer.body and b"Nothing was changed" in answer.body

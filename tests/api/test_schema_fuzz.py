"""Every endpoint, fed what its OpenAPI schema allows and what it does not: never a 5xx.

schemathesis generates requests for every operation from the API's own `/openapi.json`, both valid
(positive) and invalid (negative) by the schema, with a manager's token for the test LAs, against the real
app, Temporal test server and database. Path parameters are either generated or a real case of each kind,
so the actions reach the workflows too. Every answer must be below 500, and every 4xx a problem+json
saying what was wrong. Generation is derandomized and bounded per operation, so every run sends the
same requests and the suite stays quick.

Then the inputs a hostile or careless client sends on purpose: impossible and malformed dates, codes that
do not exist, a 25 MB body, and injection strings in every field, each refused with a clear message and
nothing written.
"""

import contextlib
import json
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hypothesis_settings
from hypothesis.errors import Unsatisfiable
from schemathesis import Case, GenerationMode
from sqlmodel import func, select
from temporalio.testing import WorkflowEnvironment

from core.config import Settings
from store.db import SessionMaker
from store.models import Case as CaseRow
from store.models import Child, Notification, RedressCase
from tests.conftest import eventually
from tests.factories import bearer, case_request
from tests.support.fuzzing import FUZZ_SEED, row_counts

EXAMPLES_PER_OPERATION = 12


def examples(operation: schemathesis.APIOperation, mode: GenerationMode, **fixed: Any) -> list[Case]:
    """The same requests every run: a fixed seed, no example database, no shrinking (nothing fails here)."""
    found: list[Case] = []

    @seed(FUZZ_SEED)
    @hypothesis_settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy(generation_mode=mode, **fixed))
    def draw(case: Case) -> None:
        found.append(case)

    with contextlib.suppress(Unsatisfiable):  # nothing to get wrong, e.g. no parameters and no body
        draw()
    return found


def request_of(case: Case, authorization: str) -> dict[str, Any] | None:
    """httpx arguments for a generated case, or None if no HTTP client could send it (a header outside
    latin-1): such a request never reaches an API."""
    sent = case.as_transport_kwargs(base_url="http://test")
    headers = {**sent.get("headers", {}), "Authorization": authorization}
    try:
        httpx.Headers(headers)
    except UnicodeEncodeError:
        return None
    request: dict[str, Any] = {
        "method": sent["method"],
        "url": sent["url"],
        "headers": headers,
        "params": sent.get("params"),
        "cookies": sent.get("cookies"),
    }
    if "json" in sent:
        request["json"] = sent["json"]
    elif isinstance(sent.get("data"), bytes | str):
        request["content"] = sent["data"]
    elif sent.get("data") is not None:
        request["data"] = sent["data"]
    return request


def problem_of(answer: httpx.Response) -> str | None:
    """Why an answer breaks the contract, or None if it keeps it."""
    if answer.status_code >= 500:
        return f"{answer.status_code}: {answer.text[:300]}"
    if answer.status_code >= 400:
        if answer.headers.get("content-type") != "application/problem+json":
            return f"{answer.status_code} is not problem+json: {answer.headers.get('content-type')}"
        body = answer.json()
        if not (isinstance(body.get("detail"), str) and body["detail"].strip()):
            return f"{answer.status_code} without a detail: {answer.text[:300]}"
    return None


async def real_ids(api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker) -> dict[str, str]:
    """A case of each kind for the path parameters: an open assessment, a plan, a redress route, an appeal."""
    received = (await env.get_current_time()).date() - timedelta(days=10)
    opened = (await api.post("/cases", json=case_request(received))).json()["case_ref"]
    refused = (await api.post("/cases", json=case_request(received))).json()["case_ref"]
    answer = await api.post(
        f"/cases/{refused}/decide-to-assess",
        json={"on": received.isoformat(), "assess": False, "reasons": "Needs met within the school's own resources"},
    )
    assert answer.status_code == 200, answer.text
    imported = await api.post(
        "/plans/import",
        json=[
            {
                "la_code": "202",
                "la_reference": f"FUZZ/{received}",
                "given_name": "Fuzz",
                "family_name": "Example",
                "date_of_birth": "2015-03-01",
                "plan_issued_on": "2024-01-10",
                "last_review_on": "2025-01-10",
            }
        ],
    )
    assert imported.status_code == 200 and imported.json()["imported"] == 1, imported.text
    plan = imported.json()["cases"][0]["case_ref"]

    async def redress_id() -> str | None:
        async with sessions() as session:
            row = (await session.exec(select(RedressCase).where(RedressCase.case_ref == refused))).first()
        return row.workflow_id if row else None

    return {"case_ref": opened, "plan_ref": plan, "redress_id": await eventually(redress_id)}


def fixed_parameters(operation: schemathesis.APIOperation, ids: dict[str, str]) -> dict[str, Any]:
    path = operation.path
    if "{case_ref}" in path:
        return {"case_ref": ids["plan_ref"] if path.startswith("/plans/") else ids["case_ref"]}
    if path.startswith("/redress/{workflow_id}"):
        return {"workflow_id": ids["redress_id"]}
    return {}


@pytest.mark.slow
async def test_every_operation_answers_generated_requests_without_a_server_error(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> None:
    ids = await real_ids(api, env, sessions)
    schema = schemathesis.openapi.from_dict((await api.get("/openapi.json")).json())
    authorization = bearer(settings)["Authorization"]
    broken: list[str] = []
    sent: Counter[str] = Counter()
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # our own schema: every operation reads
        fixed = fixed_parameters(operation, ids)
        batches = [examples(operation, mode) for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
        if fixed:
            batches.append(examples(operation, GenerationMode.POSITIVE, path_parameters=fixed))
            batches.append(examples(operation, GenerationMode.NEGATIVE, path_parameters=fixed))
        for case in (case for batch in batches for case in batch):
            request = request_of(case, authorization)
            if request is None:
                continue
            answer = await api.request(**request)
            sent[operation.label] += 1
            if reason := problem_of(answer):
                broken.append(f"{operation.label} {reason}\n    {case.as_curl_command()[:600]}")
    assert not broken, f"{len(broken)} answers broke the contract:\n" + "\n".join(broken[:40])
    # Every operation was exercised, not skipped for want of sendable requests.
    assert set(sent) == {r.ok().label for r in schema.get_all_operations()}  # type: ignore[union-attr]


# Explicit hostile input -------------------------------------------------------------------------

PATH = "../../etc/passwd"
INJECTIONS = [
    "' OR 1=1 --",
    "'; DROP TABLE cases; --",
    "<script>alert(1)</script>",
    PATH,
    "nul\x00byte",
    "\u202e\U0001f600" * 5000,  # very long, right-to-left override and astral characters
]


def assert_refused(answer: httpx.Response, *needles: str, status: int = 422) -> dict[str, Any]:
    assert answer.status_code == status, answer.text[:500]
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == status
    for needle in needles:
        assert needle in problem["detail"], problem["detail"]
    # The refusal says where and why without repeating what was sent (it may be personal data).
    assert "Zebedee" not in answer.text and "etc/passwd" not in answer.text and "<script>" not in answer.text
    return problem


def with_field(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of `body` with the field at dotted `path` (list items by index) set to `value`."""
    copy: Any = {**body, "child": {**body["child"]}, "contacts": [{**c} for c in body["contacts"]]}
    target = copy
    *parents, leaf = path.split(".")
    for part in parents:
        target = target[int(part)] if part.isdigit() else target[part]
    target[int(leaf) if leaf.isdigit() else leaf] = value
    return copy


PROSE_FIELDS = {"child.address", "contacts.0.address"}
CASE_STRING_FIELDS = [
    "la_code",
    "received_date",
    "request_source",
    "policy",
    "officer",
    "team",
    "child.given_name",
    "child.family_name",
    "child.date_of_birth",
    "child.address",
    "child.postcode",
    "child.upn",
    "contacts.0.role",
    "contacts.0.name",
    "contacts.0.email",
    "contacts.0.phone",
    "contacts.0.address",
]


@dataclass
class OpenCase:
    """An open case whose read model is written, so that the row counts taken then stay put; and a request for
    another child on the same day, for a test to spoil field by field (never this case's own, which would be a
    duplicate submission rather than a new case)."""

    case_ref: str
    received: date
    another: dict[str, Any]
    rows: dict[str, int]


@pytest.fixture
async def open_case(api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker) -> OpenCase:
    received = (await env.get_current_time()).date()
    created = await api.post("/cases", json=case_request(received))
    assert created.status_code == 201, created.text
    case_ref = created.json()["case_ref"]

    async def synced() -> bool:
        async with sessions() as session:
            case = await session.get(CaseRow, case_ref)
            return case is not None and case.next_deadline_due is not None

    await eventually(synced)
    return OpenCase(case_ref, received, case_request(received), await row_counts(sessions))


async def test_malformed_and_impossible_dates_are_refused(
    api: httpx.AsyncClient, sessions: SessionMaker, open_case: OpenCase
) -> None:
    for bad in ("2025-02-30", "not-a-date", "2025-13-01", "20250101", "", "2025-02-29T00:00:00Z"):
        for field in ("received_date", "child.date_of_birth"):
            assert_refused(await api.post("/cases", json=with_field(open_case.another, field, bad)), field)
        for path, action in (
            ("decide-to-assess", {"on": bad, "assess": True}),
            ("withdraw", {"on": bad, "reason": "moved_away"}),
        ):
            assert_refused(await api.post(f"/cases/{open_case.case_ref}/{path}", json=action), "on")
    assert await row_counts(sessions) == open_case.rows


async def test_unknown_codes_are_refused_with_what_is_allowed(
    api: httpx.AsyncClient, sessions: SessionMaker, open_case: OpenCase
) -> None:
    case_ref, body, before = open_case.case_ref, open_case.another, open_case.rows
    # An LA the caller does not act for (whether or not it exists) is forbidden, not created.
    assert_refused(await api.post("/cases", json=with_field(body, "la_code", "ZZZ")), "ZZZ", status=403)
    assert_refused(await api.post("/cases", json=with_field(body, "la_code", "20")), "la_code")
    assert_refused(await api.post("/cases", json=with_field(body, "policy", "send-regs-1996")), "send-regs-2014")
    assert_refused(await api.post("/cases", json=with_field(body, "request_source", "neighbour")), "request_source")
    assert_refused(await api.post("/cases", json=with_field(body, "contacts.0.role", "uncle")), "role")
    on = open_case.received.isoformat()
    decided = await api.post(f"/cases/{case_ref}/decide-to-assess", json={"on": on, "assess": True})
    assert decided.status_code == 200, decided.text
    assert_refused(
        await api.post(f"/cases/{case_ref}/advice-requests", json={"on": on, "adviser": "astrologer"}),
        "adviser",
        "educational_psychologist",
    )
    assert_refused(
        await api.post(f"/cases/{case_ref}/withdraw", json={"on": on, "reason": "bored"}), "reason", "moved_away"
    )
    unknown = await api.post(
        f"/cases/{case_ref}/exceptions",
        json={"on": on, "code": "alien_abduction", "reason": "x", "start": on, "end": on, "steps": ["x"]},
    )
    assert_refused(unknown, "unknown exception code", "absence_4_weeks")
    assert "alien_abduction" not in unknown.text  # what is allowed, never what was sent
    assert_refused(await api.get("/redress", params={"process": "mediation-ish"}), "process")
    after = await row_counts(sessions)
    # The decision to assess was the one real action (its audit event, deadlines and letter); nothing opened.
    for table in ("cases", "children", "contacts", "idempotency_records", "appealable_decisions", "redress_cases"):
        assert after[table] == before[table], table


async def test_an_oversize_body_is_refused_before_it_is_read(api: httpx.AsyncClient, sessions: SessionMaker) -> None:
    before = await row_counts(sessions)
    huge = b'{"la_code": "202", "child": {"given_name": "' + b"x" * (25 * 1024 * 1024) + b'"}}'
    for path in ("/cases", "/plans/import", "/cases/202-ABCDEFGH/decide-to-assess"):
        answer = await api.post(path, content=huge, headers={"content-type": "application/json"})
        assert_refused(answer, "larger than this endpoint accepts", status=413)

    async def chunks() -> Any:
        for _ in range(25):
            yield b"x" * (1024 * 1024)

    # Sent in chunks with no length announced: counted as it arrives and refused as soon as it is too much.
    streamed = await api.post("/cases", content=chunks(), headers={"content-type": "application/json"})
    assert_refused(streamed, "larger than this endpoint accepts", status=413)
    assert await row_counts(sessions) == before


async def test_injection_strings_in_every_field_are_refused_and_nothing_is_written(
    api: httpx.AsyncClient, sessions: SessionMaker, open_case: OpenCase
) -> None:
    case_ref = open_case.case_ref
    accepted: list[str] = []
    for field in CASE_STRING_FIELDS:
        for value in INJECTIONS:
            if field in PROSE_FIELDS and value == PATH:
                continue  # an address may be written with dots and slashes: see the test below
            answer = await api.post("/cases", json=with_field(open_case.another, field, value))
            try:
                assert_refused(answer, field.split(".")[-1])
            except AssertionError as error:
                accepted.append(f"{field}={value[:30]!r}: {answer.status_code} {str(error)[:200]}")
    assert not accepted, "\n".join(accepted)
    # Officer actions: coded fields refuse all of it; free text (reasons) refuses what no letter can hold.
    on = open_case.received.isoformat()
    for value in INJECTIONS:
        for path, action, field in (
            ("decide-to-assess", {"on": value, "assess": True}, "on"),
            ("decide-to-assess", {"on": on, "assess": value}, "assess"),
            ("withdraw", {"on": on, "reason": value}, "reason"),
            ("exceptions", {"on": on, "code": value, "reason": "r", "start": on, "end": on, "steps": [value]}, ""),
        ):
            assert_refused(await api.post(f"/cases/{case_ref}/{path}", json=action), field)
    for value in ("nul\x00byte", "bell\x07", "lone \ud800 surrogate"):
        # As JSON escapes (\\u0000, \\ud800): what a client's encoder sends for them.
        refusal = json.dumps({"on": on, "assess": False, "reasons": value}, ensure_ascii=True)
        answer = await api.post(
            f"/cases/{case_ref}/decide-to-assess", content=refusal, headers={"content-type": "application/json"}
        )
        assert_refused(answer, "reasons")
    for value in INJECTIONS:
        segment = quote(value[:500], safe="")  # as a client percent-encodes it: a NUL arrives as %00
        for path in (f"/cases/{segment}", f"/plans/{segment}/timeline", f"/redress/{segment}", f"/tribunal/{segment}"):
            answer = await api.get(path)
            assert answer.status_code in (404, 422), (path[:40], answer.text[:300])
            assert answer.headers["content-type"] == "application/problem+json"
        assert_refused(await api.get("/work-queue", params={"officer": value[:500]}), "officer")
        assert_refused(await api.get("/work-queue", params={"team": value[:500]}), "team")
    assert await row_counts(sessions) == open_case.rows
    state = (await api.get(f"/cases/{case_ref}")).json()
    assert state["stage"] == "request_received" and [h["action"] for h in state["history"]] == ["request_received"]


async def test_prose_keeps_what_was_typed_as_data(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    """Where people write prose (an address, the reasons in a letter), quotes, dashes and slashes are words,
    not commands: stored and sent exactly as typed, and nothing else in the database is touched."""
    received = (await env.get_current_time()).date()
    body = with_field(case_request(received), "child.address", PATH)
    created = await api.post("/cases", json=body)
    assert created.status_code == 201, created.text
    case_ref = created.json()["case_ref"]
    reasons = "Parent's view: ' OR 1=1 -- and <b>not</b> ../../etc/passwd; DROP TABLE cases;"
    refused = await api.post(
        f"/cases/{case_ref}/decide-to-assess", json={"on": received.isoformat(), "assess": False, "reasons": reasons}
    )
    assert refused.status_code == 200, refused.text

    async def letter() -> Notification | None:
        async with sessions() as session:
            return (await session.exec(select(Notification).where(Notification.case_ref == case_ref))).first()

    sent = await eventually(letter)
    assert reasons in sent.body
    async with sessions() as session:
        child = (await session.exec(select(Child).where(Child.case_ref == case_ref))).one()
        assert child.address == PATH
        assert (await session.exec(select(func.count()).select_from(CaseRow))).one() > 1

"""The access matrix: every route, for no token, a bad token, each role, and a user of another LA.

The routes are read from the app itself, so a new endpoint is covered the day it is added: it either
declares who may call it (an `api.auth.allow` dependency) or is one of the few public ones below.
"""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from api.auth import INVITED, STAFF, Role, issue_token
from api.main import create_app
from core.config import Settings
from store.db import SessionMaker
from store.models import AuditEvent, RedressCase
from tests.conftest import eventually
from tests.factories import CHILD_GIVEN, bearer, case_request
from tests.support.server_clock import server_today

# Reachable without a token: liveness and readiness probes, the API's own docs, the browser sign-in, and a
# family's sign-in with a one-time code, as JSON and as pages, or through an identity provider.
PUBLIC_PATHS = {
    "/health",
    "/health/live",
    "/health/ready",
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/sign-in",
    "/sign-out",
    "/portal/sign-in/code",
    "/portal/sign-in",
    "/portal",
    "/portal/code",
    "/portal/sign-out",
    # A family's sign-in through an identity provider (GOV.UK One Login): sent there, and back with its answer.
    "/portal/sign-in/oidc",
    "/portal/sign-in/oidc/callback",
    # An invitation's link, the code it sends and the sign-in with it: the link is not a key (docs/portal.md).
    "/portal/requests/{invitation_id}",
    "/portal/requests/{invitation_id}/code",
    "/portal/request/sign-in",
    "/portal/signed-out",
}
# Pages a person opens in a browser: without a valid token they send the browser to a sign-in form, staff's
# or families'.
PAGE_PATHS = {
    "/dashboard/page": "/sign-in",
    "/dashboard/cases/page": "/sign-in",
    "/portal/your-cases": "/portal",
    "/portal/cases/{case_ref}/page": "/portal",
    "/portal/cases/{case_ref}/draft/page": "/portal",
    "/portal/cases/{case_ref}/review-views/page": "/portal",
    "/portal/request": "/portal/request/sign-in",
}
# The DfE's register of schools and colleges, the same for every LA: `la_code` filters it, and is no permission
# (api/routes/settings_directory.py), so another LA's staff may ask for an LA's settings.
SHARED_PATHS = {"/settings-directory", "/settings-directory/{urn}"}
# The query a route cannot answer without: the figure whose cases to list.
QUERIES = {"/dashboard/cases": {"figure": "open_cases"}, "/dashboard/cases/page": {"figure": "open_cases"}}
HOME_LA, OTHER_LA = "202", "999"
GHOST = "202-ZZZZZZZZ"


def roles_of(dependant: Dependant) -> frozenset[Role] | None:
    """The roles the route's `allow(...)` dependencies admit (their intersection), None if it has none."""
    found: list[frozenset[Role]] = []

    def walk(node: Dependant) -> None:
        roles = getattr(node.call, "roles", None)
        if roles is not None:
            found.append(roles)
        for child in node.dependencies:
            walk(child)

    walk(dependant)
    return frozenset.intersection(*found) if found else None


def api_routes(app: FastAPI) -> list[tuple[str, str, frozenset[Role] | None]]:
    """Every (method, path, roles), with the dependencies the including routers add."""
    return [
        (method, context.path, roles_of(context.dependant))
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute) and context.path is not None
        for method in sorted(context.methods or ())
    ]


def token_of(settings: Settings, role: Role, la: str, user: str, case_refs: list[str]) -> dict[str, str]:
    """A staff token for `la`; a family's names no LA but the cases `case_refs` (as the portal's sign-in issues)."""
    if role is Role.FAMILY:
        token = issue_token(settings, f"{user}.family", role, [], lifetime=timedelta(hours=1), case_refs=case_refs)
        return {"Authorization": f"Bearer {token}"}
    if role in INVITED:  # an adviser's or setting's names one case and an invitation (here, none that stands)
        token = issue_token(
            settings, f"{user}.{role.value}", role, [], timedelta(hours=1), case_refs[:1], invitation="x" * 22
        )
        return {"Authorization": f"Bearer {token}"}
    return bearer(settings, role, [la], sub=f"{user}.{role.value}")


def each_role_on_each_guarded_route(
    app: FastAPI, settings: Settings, la: str, user: str, case_refs: list[str]
) -> Iterator[tuple[Role, dict[str, str], str, str, frozenset[Role]]]:
    """For each role, a token of it for `la` (its user named `user.role`; a family's for `case_refs`), with every
    route that asks for a token: (role, headers, method, path, roles the route allows)."""
    for role in Role:
        headers = token_of(settings, role, la, user, case_refs)
        for method, path, roles in api_routes(app):
            if roles is not None:
                yield role, headers, method, path, roles


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings)


@pytest.fixture
async def known(api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker) -> dict[str, str]:
    """A real case in the home LA, and a redress route and an appeal on it in the read model."""
    received = await server_today(env) - timedelta(days=3)
    case_ref = (await api.post("/cases", json=case_request(received))).json()["case_ref"]
    ids = {"case_ref": case_ref, "redress": f"redress-{case_ref}-D1", "tribunal": f"tribunal-{case_ref}-A1"}
    async with sessions() as session:
        for process in ("redress", "tribunal"):
            session.add(
                RedressCase(
                    workflow_id=ids[process],
                    case_ref=case_ref,
                    la_code=HOME_LA,
                    process=process,
                    kind="refusal_to_assess",
                    stage="open",
                    policy="send-regs-2014",
                )
            )
        await session.commit()
    return ids


def url_for(path: str, ids: dict[str, str]) -> str:
    if "{workflow_id}" in path:
        prefix = path.strip("/").split("/")[0]
        path = path.replace("{workflow_id}", ids[prefix])
    path = path.replace("{case_ref}", ids["case_ref"])
    # A submission's and a file's ids: none that exists, as the route's answer to the role is what is tested.
    path = path.replace("{submission_id}", "0" * 32).replace("{file_id}", "0" * 32)
    path = path.replace("{party}", "adviser").replace("{item}", "educational_psychologist")
    # A setting's URN in the directory: one that may or may not be loaded, as the role's answer is what is tested.
    path = path.replace("{urn}", "100000")
    assert "{" not in path, f"tests/api/test_access.py does not know how to fill {path}: teach url_for"
    return path


async def call(
    api: httpx.AsyncClient, method: str, path: str, headers: dict[str, str], **params: Any
) -> httpx.Response:
    body: dict[str, Any] | None = {} if method in ("POST", "PUT", "PATCH") else None
    params = QUERIES.get(path, {}) | params
    return await api.request(method, path, json=body, headers=headers, params=params or None)


def test_every_route_declares_who_may_call_it(app: FastAPI) -> None:
    assert len(api_routes(app)) > 50
    undeclared = {path for _, path, roles in api_routes(app) if roles is None}
    assert undeclared <= PUBLIC_PATHS, f"routes with no role check: {sorted(undeclared - PUBLIC_PATHS)}"
    assert all(roles for _, _, roles in api_routes(app) if roles is not None), "a route nobody may call"


async def test_no_route_but_the_public_ones_answers_without_a_valid_token(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, known: dict[str, str]
) -> None:
    expired = issue_token(settings, "someone", Role.MANAGER, [HOME_LA], lifetime=timedelta(minutes=-5))
    forged = jwt.encode(
        {"sub": "x", "role": "manager", "la_codes": [HOME_LA], "exp": datetime.now(UTC) + timedelta(hours=1)},
        "not-the-secret-not-the-secret-not-the-secret",
        algorithm="HS256",
    )
    other_audience = issue_token(
        settings.model_copy(update={"auth_audience": "another-api"}), "x", Role.MANAGER, [HOME_LA]
    )
    bad_headers: list[dict[str, str]] = [
        {"Authorization": ""},
        {"Authorization": "Basic dXNlcjpwYXNz"},
        {"Authorization": f"Bearer {expired}"},
        {"Authorization": f"Bearer {forged}"},
        {"Authorization": f"Bearer {other_audience}"},
        {"Authorization": "Bearer not.a.jwt"},
    ]
    for method, path, roles in api_routes(app):
        if roles is None:
            continue
        for headers in bad_headers:
            answer = await call(api, method, url_for(path, known), headers)
            if path in PAGE_PATHS:
                assert (answer.status_code, answer.headers["location"]) == (303, PAGE_PATHS[path]), (path, headers)
                continue
            assert answer.status_code == 401, (method, path, headers, answer.text)
            assert answer.headers["www-authenticate"] == "Bearer"
            assert answer.headers["content-type"] == "application/problem+json"
    expired_answer = await api.get("/work-queue", headers={"Authorization": f"Bearer {expired}"})
    assert expired_answer.json()["detail"] == "The token has expired; sign in again."


async def test_each_role_reaches_only_its_routes(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, known: dict[str, str]
) -> None:
    for role, headers, method, path, roles in each_role_on_each_guarded_route(
        app, settings, HOME_LA, "matrix", [known["case_ref"]]
    ):
        answer = await call(api, method, url_for(path, known), headers)
        if role in roles:
            assert answer.status_code not in (401, 403), (role, method, path, answer.text)
        else:
            assert answer.status_code == 403, (role, method, path, answer.text)
            assert answer.json()["type"] == "/problems/forbidden"


async def test_a_user_of_another_la_sees_none_of_its_cases(
    api: httpx.AsyncClient, app: FastAPI, settings: Settings, known: dict[str, str]
) -> None:
    for role, headers, method, path, roles in each_role_on_each_guarded_route(
        app, settings, OTHER_LA, "foreign", [GHOST]
    ):
        if role not in roles:
            continue
        url = url_for(path, known)
        if "{case_ref}" in path or "{workflow_id}" in path:
            answer = await call(api, method, url, headers)
            assert answer.status_code == 404, (role, method, path, answer.text)
            # Indistinguishable from a case that does not exist: the reference cannot be probed.
            ghost = await call(api, method, url.replace(known["case_ref"], GHOST), headers)
            assert answer.text.replace(known["case_ref"], GHOST) == ghost.text, (method, path)
            continue
        if method != "GET":
            continue
        # A portal party's token names no LA to ask for; the directory answers every LA's staff alike.
        if role is not Role.FAMILY and role not in INVITED and path not in SHARED_PATHS:
            asked = await call(api, method, url, headers, la_code=HOME_LA)
            if asked.status_code != 422 or "la_code" not in asked.text:
                assert asked.status_code == 403, (role, method, path, asked.text)
        unfiltered = await call(api, method, url, headers)
        assert known["case_ref"] not in unfiltered.text, (role, method, path)


async def test_held_out_cases_stay_out_of_another_las_queue(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings
) -> None:
    received = await server_today(env) - timedelta(days=2)
    ours = (await api.post("/cases", json=case_request(received, la_code="330", officer=None))).json()["case_ref"]
    theirs = (await api.post("/cases", json=case_request(received, la_code="335", officer=None))).json()["case_ref"]
    for role in sorted(STAFF):
        headers = bearer(settings, role, ["330"], sub=f"held.{role.value}")

        async def queue(headers: dict[str, str] = headers) -> str:
            return (await api.get("/work-queue", params={"unassigned": "true"}, headers=headers)).text

        text = await _eventually_contains(queue, ours)
        assert theirs not in text
        assert (await api.get(f"/cases/{ours}", headers=headers)).status_code == 200
        assert (await api.get(f"/cases/{theirs}", headers=headers)).status_code == 404
        assert (await api.get(f"/plans/{theirs}/timeline", headers=headers)).status_code == 404


async def _eventually_contains(read: Callable[[], Any], needle: str) -> str:
    async def check() -> str | None:
        text = await read()
        return text if needle in text else None

    return await eventually(check)


async def test_ops_see_state_without_personal_data_and_reads_of_it_are_audited(
    api: httpx.AsyncClient, settings: Settings, sessions: SessionMaker, known: dict[str, str]
) -> None:
    case_ref = known["case_ref"]
    ops = bearer(settings, Role.OPS, [HOME_LA], sub="ops.watch")
    seen_by_ops = await api.get(f"/cases/{case_ref}", headers=ops)
    assert seen_by_ops.status_code == 200 and seen_by_ops.json()["child"] is None
    assert CHILD_GIVEN not in seen_by_ops.text
    assert (await api.get(f"/cases/{case_ref}/notifications", headers=ops)).status_code == 403
    assert (await api.get(f"/plans/{case_ref}/versions", headers=ops)).status_code == 403

    officer = bearer(settings, Role.CASE_OFFICER, [HOME_LA], sub="officer.reads")
    seen = await api.get(f"/cases/{case_ref}", headers=officer)
    assert seen.json()["child"]["given_name"] == CHILD_GIVEN
    await api.get(f"/cases/{case_ref}/notifications", headers=officer)

    async with sessions() as session:
        reads = (
            await session.exec(
                select(AuditEvent).where(AuditEvent.case_ref == case_ref, AuditEvent.action == "personal_data_viewed")
            )
        ).all()
    assert sorted((r.actor, r.summary) for r in reads) == [
        ("officer.reads", "case with the child's details"),
        ("officer.reads", "notifications (letters to the family)"),
    ]


async def test_an_officer_cannot_open_a_case_in_another_la(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings
) -> None:
    today = await server_today(env)
    officer = bearer(settings, Role.CASE_OFFICER, [HOME_LA], sub="officer.home")
    refused = await api.post("/cases", json=case_request(today, la_code="330"), headers=officer)
    assert refused.status_code == 403 and "330" in refused.json()["detail"]
    ops = bearer(settings, Role.OPS, [HOME_LA], sub="ops.home")
    assert (await api.post("/cases", json=case_request(today), headers=ops)).status_code == 403


async def test_ops_see_that_an_exception_was_recorded_but_not_why(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings, known: dict[str, str]
) -> None:
    case_ref, today = known["case_ref"], await server_today(env)
    reason = "Child in hospital for five weeks"
    exception = {
        "on": today.isoformat(),
        "code": "absence_4_weeks",
        "reason": reason,
        "start": (today - timedelta(days=2)).isoformat(),
        "end": (today + timedelta(weeks=5)).isoformat(),
        "steps": ["assessment.final_plan"],
    }
    recorded = await api.post(f"/cases/{case_ref}/exceptions", json=exception)
    assert recorded.status_code == 200, recorded.text
    ops = (await api.get(f"/cases/{case_ref}", headers=bearer(settings, Role.OPS, [HOME_LA], sub="ops.x"))).json()
    assert ops["exceptions"][0]["code"] == "absence_4_weeks" and reason not in str(ops)
    officer = bearer(settings, Role.CASE_OFFICER, [HOME_LA], sub="officer.x")
    assert (await api.get(f"/cases/{case_ref}", headers=officer)).json()["exceptions"][0]["reason"] == reason

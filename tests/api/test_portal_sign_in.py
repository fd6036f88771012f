"""A family signs in to the portal with a one-time code from the outbox, and sees its own case and no other.

Each test registers its cases with contact addresses of its own, so that the per-address limits of one test
do not meet another's. Codes are read from the outbox row the notifier wrote, as the mail room would; an
expired code is made by moving its row's expiry into the past, since code expiry runs on the real clock.
"""

import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlmodel import col, select, update
from temporalio.testing import WorkflowEnvironment

from api.auth import SESSION_COOKIE, Role, issue_token
from core.config import Settings
from intake.portal_codes import email_digest
from store.db import SessionMaker
from store.models import AuditEvent, Notification, PortalSignInCode
from tests.conftest import eventually
from tests.factories import CHILD_FAMILY, CHILD_GIVEN, PARENT_NAME, bearer
from tests.support.json_logs import json_logs_at
from tests.support.portal import address, family_case
from tests.support.server_clock import server_today

SENT = "If this address is a contact on a case, a code to sign in is on its way to it. It lasts 10 minutes."
NOT_ACCEPTED = "The code was not accepted: it is wrong, used, expired or replaced by a newer one. Ask for a new code."
GHOST = "202-ZZZZZZZZ"


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """Every log line, down to DEBUG: the code must be in none of them."""
    with json_logs_at("DEBUG") as buffer:
        yield buffer


async def ask(api: httpx.AsyncClient, email: str) -> None:
    answer = await api.post("/portal/sign-in/code", json={"email": email})
    assert (answer.status_code, answer.json()) == (202, {"detail": SENT})


async def codes_sent(sessions: SessionMaker, case_ref: str) -> list[str]:
    """The codes in the case's outbox, oldest first."""
    async with sessions() as session:
        rows = (
            await session.exec(
                select(Notification)
                .where(Notification.case_ref == case_ref, Notification.template == "portal_sign_in_code")
                .order_by(col(Notification.id))
            )
        ).all()
    assert all(r.recipient_role == "parent" and r.status == "queued" for r in rows)
    return [next(iter(re.findall(r"\b\d{6}\b", r.body)), "used") for r in rows]  # a used code's letter has none


def other_than(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def sign_in(api: httpx.AsyncClient, email: str, code: str) -> httpx.Response:
    answer = await api.post("/portal/sign-in", json={"email": email, "code": code})
    api.cookies.clear()  # the test client would keep it: each call below says which token it sends
    return answer


def with_cookie(token: str) -> dict[str, str]:
    """As a browser sends it: no bearer header, the session cookie."""
    return {"Authorization": "", "Cookie": f"{SESSION_COOKIE}={token}"}


async def audit_actions(sessions: SessionMaker, case_ref: str) -> list[tuple[str, str]]:
    async with sessions() as session:
        rows = (
            await session.exec(
                select(AuditEvent)
                .where(AuditEvent.case_ref == case_ref, col(AuditEvent.actor).startswith("family:"))
                .order_by(col(AuditEvent.id))
            )
        ).all()
    return [(r.action, r.summary) for r in rows]


async def test_a_family_signs_in_with_the_code_from_the_outbox_and_reads_only_its_own_case(
    api: httpx.AsyncClient,
    env: WorkflowEnvironment,
    sessions: SessionMaker,
    settings: Settings,
    json_logs: io.StringIO,
) -> None:
    email, neighbour = address(), address()
    ours, theirs = await family_case(api, env, email), await family_case(api, env, neighbour)
    received = await server_today(env) - timedelta(days=3)

    # Capitals in the address, as a phone's keyboard may add them: the same person.
    await ask(api, email.capitalize())
    await ask(api, "nobody.at.all@example.org")  # the same answer for an address on no case
    [code] = await codes_sent(sessions, ours)
    assert await codes_sent(sessions, theirs) == []

    answer = await sign_in(api, email, code)
    assert answer.status_code == 200, answer.text
    assert answer.json()["case_refs"] == [ours]
    cookie = answer.headers["set-cookie"]
    for attribute in ("HttpOnly", "SameSite=strict", "Max-Age=7200", "Path=/"):
        assert attribute in cookie, cookie
    token = answer.cookies[SESSION_COOKIE]
    assert await codes_sent(sessions, ours) == ["used"]  # its letter no longer shows the code to staff

    async def summary() -> dict[str, object] | None:
        seen = await api.get(f"/portal/cases/{ours}", headers=with_cookie(token))
        assert seen.status_code == 200, seen.text
        return seen.json() if seen.json()["next_dates"] else None

    case = await eventually(summary)
    assert (case["case_ref"], case["process"], case["closed"]) == (ours, "assessment", False)
    # Received three days ago: the decision whether to assess is due 6 weeks from receipt (reg 5(1)).
    assert case["waiting_for"] == {
        "step": "assessment.decide_to_assess",
        "what": "Decide whether to assess and notify the parent or young person",
        "law": "SEND Regs 2014 reg 5(1)",
        "due": (received + timedelta(weeks=6)).isoformat(),
    }
    text = str(case)
    for personal in (CHILD_GIVEN, CHILD_FAMILY, PARENT_NAME, email, neighbour):
        assert personal not in text

    # Another family's case, and one that does not exist, answer alike: 404, nothing to probe.
    foreign = await api.get(f"/portal/cases/{theirs}", headers=with_cookie(token))
    ghost = await api.get(f"/portal/cases/{GHOST}", headers=with_cookie(token))
    assert (foreign.status_code, ghost.status_code) == (404, 404)
    assert foreign.text.replace(theirs, GHOST) == ghost.text

    # The family is not staff: the case's own staff routes refuse it, by cookie and by bearer alike.
    family_bearer = {"Authorization": f"Bearer {token}"}
    for headers in (with_cookie(token), family_bearer):
        for path in (f"/cases/{ours}", f"/cases/{ours}/notifications", "/work-queue", "/dashboard"):
            refused = await api.get(path, headers=headers)
            assert refused.status_code == 403, (path, refused.text)
    acting = await api.post(f"/cases/{ours}/decide-to-assess", json={"assess": True}, headers=family_bearer)
    assert acting.status_code == 403, acting.text

    # The sign-in and the view are in the case's audit trail, under the family's pseudonym; the code is not.
    actions = await audit_actions(sessions, ours)
    assert actions[:2] == [
        ("portal_code_issued", "a sign-in code was sent to the family"),
        ("portal_signed_in", "signed in to the portal with a one-time code"),
    ]
    assert set(actions[2:]) == {("personal_data_viewed", "the family's case summary in the portal")}
    assert await audit_actions(sessions, theirs) == []

    # Neither the code nor the address is kept in clear, and neither is in any log line.
    async with sessions() as session:
        rows = (
            await session.exec(
                select(PortalSignInCode).where(
                    PortalSignInCode.email_digest
                    == email_digest(settings.auth_jwt_secret.get_secret_value().encode(), email)  # type: ignore[union-attr]
                )
            )
        ).all()
    assert len(rows) == 1 and rows[0].used_at is not None
    assert code not in rows[0].code_hash + rows[0].salt
    assert email not in str(rows[0].model_dump()).lower()
    logs = json_logs.getvalue()
    assert logs and code not in logs and email not in logs.lower()


async def test_a_code_is_good_once_and_dead_after_five_wrong_guesses(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    email = address()
    case_ref = await family_case(api, env, email)
    await ask(api, email)
    [first] = await codes_sent(sessions, case_ref)
    for _ in range(5):
        wrong = await sign_in(api, email, other_than(first))
        assert (wrong.status_code, wrong.json()["detail"]) == (401, NOT_ACCEPTED)
        assert wrong.headers["content-type"] == "application/problem+json"
    # The sixth try is the right code, too late: the code died with the fifth wrong guess.
    assert (await sign_in(api, email, first)).status_code == 401

    await ask(api, email)
    second = (await codes_sent(sessions, case_ref))[-1]
    assert (await sign_in(api, email, second)).status_code == 200
    # Used once: the same code again signs nobody in.
    reused = await sign_in(api, email, second)
    assert (reused.status_code, reused.json()["detail"]) == (401, NOT_ACCEPTED)

    actions = [action for action, _ in await audit_actions(sessions, case_ref)]
    assert actions == [
        "portal_code_issued",
        *["portal_sign_in_failed"] * 6,
        "portal_code_issued",
        "portal_signed_in",
        "portal_sign_in_failed",
    ]
    assert [s for a, s in await audit_actions(sessions, case_ref) if a == "portal_sign_in_failed"][:2] == [
        "wrong code (attempt 1)",
        "wrong code (attempt 2)",
    ]


async def test_an_expired_code_and_one_replaced_by_a_newer_are_refused(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> None:
    email = address()
    case_ref = await family_case(api, env, email)
    await ask(api, email)
    [code] = await codes_sent(sessions, case_ref)
    key = settings.auth_jwt_secret.get_secret_value().encode()  # type: ignore[union-attr]
    async with sessions() as session:
        # Ten minutes and a second since it was sent: its expiry a second ago.
        await session.exec(
            update(PortalSignInCode)
            .where(col(PortalSignInCode.email_digest) == email_digest(key, email))
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        await session.commit()
    assert (await sign_in(api, email, code)).status_code == 401

    await ask(api, email)
    await ask(api, email)
    older, newer = (await codes_sent(sessions, case_ref))[1:]
    assert (await sign_in(api, email, older)).status_code == 401
    assert (await sign_in(api, email, newer)).status_code == 200


async def test_an_address_may_ask_for_three_codes_in_fifteen_minutes(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    email = address()
    case_ref = await family_case(api, env, email)
    for _ in range(4):
        await ask(api, email)  # the fourth answered as the others, and nothing sent
    assert len(await codes_sent(sessions, case_ref)) == 3
    assert [a for a, _ in await audit_actions(sessions, case_ref)] == ["portal_code_issued"] * 3 + [
        "portal_code_refused"
    ]


async def test_bad_input_is_refused_at_the_door_without_repeating_it(api: httpx.AsyncClient) -> None:
    long_address = "a" * 64 + "@" + "b" * 186 + ".org"  # 255 characters, one past the longest address
    for path, body in (
        ("/portal/sign-in/code", {"email": long_address}),
        ("/portal/sign-in/code", {"email": "not-an-address"}),
        ("/portal/sign-in", {"email": "someone@example.org", "code": "12345"}),
        ("/portal/sign-in", {"email": "someone@example.org", "code": "1234567"}),
        ("/portal/sign-in", {"email": "someone@example.org", "code": "12e456"}),
        ("/portal/sign-in", {"email": "someone@example.org", "code": 123456}),
    ):
        answer = await api.post(path, json=body)
        assert answer.status_code == 422, (path, body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        for value in body.values():
            assert str(value) not in answer.text, (path, body, answer.text)


async def test_a_sign_in_posted_from_another_site_is_refused(api: httpx.AsyncClient) -> None:
    answer = await api.post(
        "/portal/sign-in",
        json={"email": "someone@example.org", "code": "123456"},
        headers={"Origin": "https://elsewhere.example"},
    )
    assert answer.status_code == 403 and answer.json()["type"] == "/problems/forbidden"


async def test_a_family_token_must_be_short_lived_and_name_no_local_authority(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    def family(las: list[str], hours: float) -> dict[str, str]:
        token = issue_token(settings, "family:x", Role.FAMILY, las, timedelta(hours=hours), case_refs=[GHOST])
        return {"Authorization": f"Bearer {token}"}

    assert (await api.get(f"/portal/cases/{GHOST}", headers=family([], 2))).status_code == 404
    assert (await api.get(f"/portal/cases/{GHOST}", headers=family([], 8))).status_code == 401
    assert (await api.get(f"/portal/cases/{GHOST}", headers=family(["202"], 1))).status_code == 403
    # Staff reach no portal page: a manager is not a family.
    assert (await api.get(f"/portal/cases/{GHOST}", headers=bearer(settings))).status_code == 403

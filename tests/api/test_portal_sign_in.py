"""A family signs in to the portal with a one-time code from the outbox, and sees its own case and no other.

Each test registers its cases with contact addresses of its own, so that the per-address limits of one test
do not meet another's. Codes are read from the outbox row the notifier wrote, as the mail room would; an
expired code is made by moving its row's expiry into the past, since code expiry runs on the real clock.
A code works only from the browser (or client) that asked for it: each call below says which browser's pending
cookie it sends, by its nonce, as a browser would send the cookie it was given.
"""

import io
import re
import secrets
from datetime import UTC, datetime, timedelta

import httpx
from sqlmodel import col, select, update
from temporalio.testing import WorkflowEnvironment

from api.auth import SESSION_COOKIE, Role, issue_token
from api.client_limits import ClientLimit
from api.routes.portal import PENDING_COOKIE
from core.config import Settings
from intake.portal_codes import email_digest
from store.db import SessionMaker
from store.models import AuditEvent, Notification, PortalSignInCode
from tests.conftest import eventually
from tests.factories import CHILD_FAMILY, CHILD_GIVEN, PARENT_NAME, bearer
from tests.support.portal import Clock, address, clients_of, codes_in, family_case
from tests.support.server_clock import server_today

SENT = "If this address is a contact on a case, a code to sign in is on its way to it. It lasts 10 minutes."
NOT_ACCEPTED = "The code was not accepted: it is wrong, used, expired or replaced by a newer one. Ask for a new code."
GHOST = "202-ZZZZZZZZ"


def pending(browser: str | None) -> dict[str, str]:
    """The pending cookie of the browser whose nonce is `browser`, as it sends it; none for None."""
    return {"Cookie": f"{PENDING_COOKIE}={browser}"} if browser else {}


async def ask(api: httpx.AsyncClient, email: str, browser: str | None = None) -> str:
    """Ask for a code from `browser` (a new browser if None): the browser's nonce, as its pending cookie holds it."""
    answer = await api.post("/portal/sign-in/code", json={"email": email}, headers=pending(browser))
    api.cookies.clear()  # the test client would keep it: each call below says which browser it is
    assert (answer.status_code, answer.json()) == (202, {"detail": SENT})
    cookie = answer.headers["set-cookie"]
    for attribute in ("HttpOnly", "SameSite=strict", "Max-Age=900", "Path=/portal"):
        assert attribute in cookie, cookie
    assert "Secure" not in cookie  # over plain HTTP; over HTTPS it is Secure, as the session cookie is
    nonce = answer.cookies[PENDING_COOKIE]
    assert re.fullmatch(r"[0-9a-f]{32}", nonce) and (browser is None or nonce == browser)
    return nonce


async def codes_sent(sessions: SessionMaker, case_ref: str) -> list[str]:
    """The codes in the case's outbox, oldest first: each to the parent, queued for the mail room or Notify."""
    async with sessions() as session:
        rows = (await session.exec(select(Notification).where(Notification.template == "portal_sign_in_code"))).all()
    assert all(r.recipient_role == "parent" and r.status == "queued" for r in rows if r.case_ref == case_ref)
    return await codes_in(sessions, case_ref)


def other_than(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


async def sign_in(api: httpx.AsyncClient, email: str, code: str, browser: str | None) -> httpx.Response:
    answer = await api.post("/portal/sign-in", json={"email": email, "code": code}, headers=pending(browser))
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
    browser = await ask(api, email.capitalize())
    await ask(api, "nobody.at.all@example.org")  # the same answer, pending cookie and all, for an address on no case
    [code] = await codes_sent(sessions, ours)
    assert await codes_sent(sessions, theirs) == []

    answer = await sign_in(api, email, code, browser)
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
    assert logs and code not in logs and email not in logs.lower() and browser not in logs


async def test_a_code_is_good_once_and_dead_after_five_wrong_guesses(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    email = address()
    case_ref = await family_case(api, env, email)
    browser = await ask(api, email)
    [first] = await codes_sent(sessions, case_ref)
    for _ in range(5):
        wrong = await sign_in(api, email, other_than(first), browser)
        assert (wrong.status_code, wrong.json()["detail"]) == (401, NOT_ACCEPTED)
        assert wrong.headers["content-type"] == "application/problem+json"
    # The sixth try is the right code, too late: the code died with the fifth wrong guess.
    assert (await sign_in(api, email, first, browser)).status_code == 401

    await ask(api, email, browser)  # the same browser keeps its nonce
    second = (await codes_sent(sessions, case_ref))[-1]
    assert (await sign_in(api, email, second, browser)).status_code == 200
    # Used once: the same code again signs nobody in.
    reused = await sign_in(api, email, second, browser)
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
    browser = await ask(api, email)
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
    assert (await sign_in(api, email, code, browser)).status_code == 401

    await ask(api, email, browser)
    await ask(api, email, browser)
    older, newer = (await codes_sent(sessions, case_ref))[1:]
    assert (await sign_in(api, email, older, browser)).status_code == 401
    assert (await sign_in(api, email, newer, browser)).status_code == 200


async def test_an_address_may_ask_for_three_codes_in_fifteen_minutes(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    email = address()
    case_ref = await family_case(api, env, email)
    for _ in range(4):
        await ask(api, email)  # from four browsers: the fourth answered as the others, and nothing sent
    assert len(await codes_sent(sessions, case_ref)) == 3
    assert [a for a, _ in await audit_actions(sessions, case_ref)] == ["portal_code_issued"] * 3 + [
        "portal_code_refused"
    ]


async def test_a_code_works_only_from_the_browser_that_asked_for_it_and_no_one_else_can_spoil_it(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> None:
    email = address()
    case_ref = await family_case(api, env, email)
    owner = await ask(api, email)
    # Someone else who knows the address asks for a code too, from their own browser: it goes to the owner's
    # address, as every code does, and leaves the owner's code as it was.
    stranger = await ask(api, email)
    assert stranger != owner
    code, theirs = await codes_sent(sessions, case_ref)
    # The owner's code, read over their shoulder, works neither without the owner's browser's cookie, nor with one
    # made up, nor from the stranger's browser: each is refused as any wrong code is.
    for browser in (None, secrets.token_hex(16), stranger):
        refused = await sign_in(api, email, code, browser)
        assert (refused.status_code, refused.json()["detail"]) == (401, NOT_ACCEPTED), browser
    # The stranger's guesses wear out the stranger's own code, never the owner's.
    guess = next(f"{n:06d}" for n in range(3) if f"{n:06d}" not in (code, theirs))
    for _ in range(5):
        assert (await sign_in(api, email, guess, stranger)).status_code == 401
    assert (await sign_in(api, email, theirs, stranger)).status_code == 401  # dead by now
    key = settings.auth_jwt_secret.get_secret_value().encode()  # type: ignore[union-attr]
    async with sessions() as session:
        rows = (
            await session.exec(
                select(PortalSignInCode)
                .where(PortalSignInCode.email_digest == email_digest(key, email))
                .order_by(col(PortalSignInCode.id))
            )
        ).all()
    assert [(r.purpose, r.wrong_attempts, r.used_at) for r in rows] == [("family", 0, None), ("family", 5, None)]
    for row in rows:  # the nonce is not kept in clear
        assert owner not in str(row.model_dump()) and stranger not in str(row.model_dump())

    signed = await sign_in(api, email, code, owner)
    assert signed.status_code == 200, signed.text
    failures = [s for a, s in await audit_actions(sessions, case_ref) if a == "portal_sign_in_failed"]
    assert failures == [
        "no code asked for from this browser",
        "no code asked for from this browser",
        *[f"wrong code (attempt {n})" for n in range(1, 6)],  # the owner's code from the stranger's, then 4 guesses
        *["no live code: expired, used or dead"] * 2,
    ]


async def test_one_client_may_ask_for_codes_and_try_them_only_so_often_and_another_is_not_held_back(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> None:
    email = address()
    case_ref = await family_case(api, env, email)
    clock = Clock()
    async with clients_of(settings, env, sessions, ClientLimit(3, 900, clock=clock)) as clients:
        here, elsewhere = clients["here"], clients["elsewhere"]
        browser = await ask(here, email)
        [code] = await codes_sent(sessions, case_ref)
        for _ in range(2):
            assert (await sign_in(here, email, other_than(code), browser)).status_code == 401

        # A minute on, the fourth from here in its 15 minutes: a code asked for is refused, and nothing sent ...
        clock.now += 60
        refused = await here.post("/portal/sign-in/code", json={"email": email}, headers=pending(browser))
        assert (refused.status_code, refused.headers["retry-after"]) == (429, "840"), refused.text
        assert refused.headers["content-type"] == "application/problem+json"
        assert refused.json()["type"] == "/problems/too-many-attempts"
        assert refused.json()["detail"] == (
            "Too many codes have been asked for or tried from here. Wait 14 minutes, then try again."
        )
        assert "set-cookie" not in refused.headers and email not in refused.text
        assert await codes_sent(sessions, case_ref) == [code]
        # ... and so is the right code, unchecked: it is neither used nor counted as a guess.
        late = await sign_in(here, email, code, browser)
        assert late.status_code == 429 and late.json()["type"] == "/problems/too-many-attempts"
        # The pages say so on their forms.
        site = {"Origin": "http://test", **pending(browser)}
        page = await here.post("/portal", data={"email": email}, headers=site)
        assert page.status_code == 429 and "Wait 14 minutes, then try again" in page.text
        page = await here.post("/portal/code", data={"email": email, "code": code}, headers=site)
        assert page.status_code == 429 and "Wait 14 minutes, then try again" in page.text
        here.cookies.clear()

        # Another client is counted on its own.
        assert (await sign_in(elsewhere, "someone@example.org", "123456", None)).status_code == 401

        # The 15 minutes over, the client may go on, and the code it asked for still works.
        clock.now += 840
        assert (await sign_in(here, email, code, browser)).status_code == 200
    # The first refusal is in the case's audit trail; those after it are the same client at it again.
    assert [a for a, _ in await audit_actions(sessions, case_ref)] == [
        "portal_code_issued",
        "portal_sign_in_failed",
        "portal_sign_in_failed",
        "portal_code_refused",
        "portal_signed_in",
    ]
    assert ("portal_code_refused", "too many requests from one place: none sent") in await audit_actions(
        sessions, case_ref
    )


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

"""What the portal's tests share: addresses of their own, a case with a family contact, the code the outbox holds,
an invitation's link and an invited party signed in through it, a file that is what its name says, and the API
as one client or another sees it, with a count of clients' attempts the test holds the clock of."""

import re
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import httpx
from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

from api.auth import SESSION_COOKIE
from api.client_limits import ClientLimit
from api.main import create_app
from core.config import Settings
from store.db import SessionMaker
from store.models import Notification
from tests.conftest import eventually
from tests.factories import PARENT_NAME, case_request
from tests.support.server_clock import server_today

# A form the portal's pages post: from the server's own origin, with no staff token.
SITE = {"Origin": "http://test", "Authorization": ""}
# The smallest file a PDF reader opens: what an adviser's report is, to the upload's checks (api/uploads.py).
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def address(who: str = "parent") -> str:
    """An address of this test's own, so the per-address limits of one test do not meet another's."""
    return f"{who}.{uuid.uuid4().hex[:10]}@example.org"


async def family_case(api: httpx.AsyncClient, env: WorkflowEnvironment, email: str, **overrides: Any) -> str:
    """A case received three days ago whose parent is a contact at `email`."""
    received = await server_today(env) - timedelta(days=3)
    contact = {"role": "parent", "name": PARENT_NAME, "email": email, "phone": "020 7946 0000"}
    answer = await api.post("/cases", json=case_request(received, contacts=[contact], **overrides))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["case_ref"])


async def newest_code(sessions: SessionMaker, case_ref: str) -> str:
    """The code in the case's newest sign-in letter, once the notifier has written it (a used code's letter no
    longer shows it, so a test waits for the new one)."""

    async def read() -> str | None:
        codes = await codes_in(sessions, case_ref)
        return codes[-1] if codes and codes[-1] != "used" else None

    return str(await eventually(read))


async def invitation(api: httpx.AsyncClient, case_ref: str, party: str, item: str, email: str) -> dict[str, Any]:
    """The officer invites `email` to answer `item` through the portal: the answer (its due date and link)."""
    body = {"party": party, "item": item, "email": email}
    answer = await api.post(f"/cases/{case_ref}/portal-invitations", json=body)
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def codes_in(sessions: SessionMaker, case_ref: str) -> list[str]:
    """The codes in the case's sign-in letters, oldest first, as the notifier wrote them ("used" for a letter whose
    code was used: it no longer shows it)."""
    async with sessions() as session:
        rows = (
            await session.exec(
                select(Notification)
                .where(Notification.case_ref == case_ref, Notification.template == "portal_sign_in_code")
                .order_by(col(Notification.id))
            )
        ).all()
    return [next(iter(re.findall(r"\b\d{6}\b", r.body)), "used") for r in rows]


def on_server(link: str, base: str) -> str:
    """An invitation's link (made with the configured PORTAL_URL) on the server a test serves."""
    return base + "/portal/requests/" + link.rsplit("/", 1)[1]


class Clock:
    """The limit's clock, in seconds, moved by the test: nothing waits on real time."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


@asynccontextmanager
async def clients_of(
    settings: Settings, env: WorkflowEnvironment, sessions: SessionMaker, limit: ClientLimit
) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """The API with `limit` as its count of clients' codes and sign-ins, called from two places: "here" and
    "elsewhere", each a client of its own (its own address, its own cookies), neither a staff user."""
    app = create_app(settings, temporal=env.client, sessions=sessions, clock=env.get_current_time)
    app.state.portal_clients = limit
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("203.0.113.7", 50000)), base_url="http://test"
        ) as here,
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app, client=("198.51.100.9", 50000)), base_url="http://test"
        ) as elsewhere,
    ):
        yield {"here": here, "elsewhere": elsewhere}


async def newest_letter(sessions: SessionMaker, case_ref: str, template: str) -> Notification:
    async def read() -> Notification | None:
        async with sessions() as session:
            return (
                await session.exec(
                    select(Notification)
                    .where(Notification.case_ref == case_ref, Notification.template == template)
                    .order_by(col(Notification.id).desc())
                )
            ).first()

    found: Notification = await eventually(read)
    return found


async def signed_in(api: httpx.AsyncClient, sessions: SessionMaker, case_ref: str, link: str) -> str:
    """The party opens the link, asks for a code, and signs in with it: the session cookie's token."""
    path = link.removeprefix("http://127.0.0.1:8000")
    landing = await api.get(path, headers={"Authorization": ""})
    assert landing.status_code == 200 and "Email me a code" in landing.text
    asked = await api.post(path, headers=SITE)
    assert asked.status_code == 200 and "Check your email" in asked.text

    async def code() -> str | None:
        letter = await newest_letter(sessions, case_ref, "portal_sign_in_code")
        return next(iter(re.findall(r"\b\d{6}\b", letter.body)), None)  # a used code's letter shows none

    answer = await api.post(f"{path}/code", data={"code": await eventually(code)}, headers=SITE)
    api.cookies.clear()
    assert answer.status_code == 303 and answer.headers["location"] == "/portal/request", answer.text
    token = re.search(rf"{SESSION_COOKIE}=([^;]+)", answer.headers["set-cookie"])
    assert token is not None
    return token.group(1)


def as_party(token: str) -> dict[str, str]:
    return {**SITE, "Cookie": f"{SESSION_COOKIE}={token}"}

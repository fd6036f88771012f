"""A family signed in to the portal, as its JSON routes see it: tokens issued as the portal's sign-in issues them
(tests/api/test_portal_sign_in.py signs in with a code): a pseudonym, no LA, the cases the family may see, 2 hours."""

import uuid
from datetime import timedelta
from typing import Any

import httpx

from api.auth import Role, issue_token
from core.config import Settings

COMMENTS = "We agree with section B. Section F should say who gives the speech and language therapy, and how often."
VIEWS = "Happier at school this year. We would like the plan to say more about friendships at lunchtime."


class Family:
    """A family signed in to the portal for `case_refs`, under a pseudonym as the sign-in gives one."""

    def __init__(self, api: httpx.AsyncClient, settings: Settings, *case_refs: str) -> None:
        self.api = api
        self.sub = f"family:{uuid.uuid4().hex}"
        self.token = token = issue_token(
            settings, self.sub, Role.FAMILY, [], lifetime=timedelta(hours=2), case_refs=list(case_refs)
        )
        self.headers = {"Authorization": f"Bearer {token}"}

    async def get(self, path: str) -> httpx.Response:
        return await self.api.get(f"/portal/cases/{path}", headers=self.headers)

    async def comment(self, case_ref: str, **body: Any) -> httpx.Response:
        sent = {"submission_id": uuid.uuid4().hex, "text": COMMENTS, **body}
        return await self.api.post(f"/portal/cases/{case_ref}/comments", json=sent, headers=self.headers)

    async def views(self, case_ref: str, **body: Any) -> httpx.Response:
        sent = {"submission_id": uuid.uuid4().hex, "text": VIEWS, **body}
        return await self.api.post(f"/portal/cases/{case_ref}/review-views", json=sent, headers=self.headers)

    async def summary(self, case_ref: str) -> dict[str, Any]:
        answer = await self.get(case_ref)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

"""Drives a case through the API the way a case officer would, on the time-skipping server's clock."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

import statutory
from tests.factories import case_request

SECTIONS = {
    "A": "Enjoys music and swimming; wants to make friends.",
    "B": "Speech, language and communication needs.",
    "E": "Will speak in short sentences by the end of key stage 2.",
    "F": "Two hours a week of speech and language therapy.",
    "K": "Advice from the educational psychologist and the school.",
}


@dataclass
class Officer:
    api: httpx.AsyncClient
    env: WorkflowEnvironment
    case_ref: str = ""

    async def today(self) -> date:
        return statutory.business_date(await self.env.get_current_time())

    async def wait(self, **delta: float) -> date:
        await self.env.sleep(timedelta(**delta))
        return await self.today()

    async def open(self, received: date | None = None, **overrides: Any) -> str:
        answer = await self.api.post("/cases", json=case_request(received or await self.today(), **overrides))
        assert answer.status_code == 201, answer.text
        self.case_ref = answer.json()["case_ref"]
        return self.case_ref

    async def act(self, path: str, body: dict[str, Any], *, expect: int = 200, **kwargs: Any) -> dict[str, Any]:
        if "on" not in body and path not in ("draft", "final-plan"):
            body = {**body, "on": (await self.today()).isoformat()}
        answer = await self.api.post(f"/cases/{self.case_ref}/{path}", json=body, **kwargs)
        assert answer.status_code == expect, answer.text
        if expect != 200:
            assert answer.headers["content-type"] == "application/problem+json"
        return answer.json()

    async def case(self) -> dict[str, Any]:
        answer = await self.api.get(f"/cases/{self.case_ref}")
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def deadlines(self) -> dict[str, dict[str, Any]]:
        return {d["key"]: d for d in (await self.case())["deadlines"]}

    async def letters(self) -> list[dict[str, Any]]:
        return (await self.api.get(f"/cases/{self.case_ref}/notifications")).json()

    async def draft(self, served: date | None = None, **sections: str) -> dict[str, Any]:
        on = served or await self.today()
        return await self.act("draft", {"served_on": on.isoformat(), "sections": {**SECTIONS, **sections}})

    async def final(self, issued: date | None = None, *, expect: int = 200, **body: Any) -> dict[str, Any]:
        on = issued or await self.today()
        payload = {"issued_on": on.isoformat(), "sections": {**SECTIONS, "I": "Oak Primary School"}, **body}
        return await self.act("final-plan", payload, expect=expect)

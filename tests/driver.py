"""Drives a case through the API the way a case officer would, on the time-skipping server's clock: the
assessment (Officer), the plan (PlanOfficer), and the redress route and appeal after a decision (Redress);
or on past business dates, each step on the day it happened (Driver)."""

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Self

import httpx
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

import statutory
from store.db import SessionMaker
from store.models import CaseDeadline
from tests.conftest import eventually
from tests.factories import CHILD_GIVEN, case_request
from tests.support.notices import notices_sent

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
    # The redress routes and appeals this officer has seen start, whose letters are the case's too.
    routes: set[str] = field(default_factory=set)

    async def today(self) -> date:
        return statutory.business_date(await self.env.get_current_time())

    async def wait(self, **delta: float) -> date:
        await self.env.sleep(timedelta(**delta))
        return await self.today()

    @classmethod
    async def with_request_today(cls, api: httpx.AsyncClient, env: WorkflowEnvironment) -> tuple[Self, date]:
        """An officer whose case was opened from a request received today, and that day."""
        officer = cls(api, env)
        received = await officer.today()
        await officer.open(received)
        return officer, received

    async def assessing(self) -> None:
        """A case opened today and decided, two weeks on, to be assessed: where most assessment tests begin."""
        await self.open()
        await self.wait(weeks=2)
        await self.act("decide-to-assess", {"assess": True})

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
        """The case's letters, once every notice its workflows have scheduled is sent (they go after the answer)."""
        ids = (f"assessment-{self.case_ref}", f"plan-{self.case_ref}", *sorted(self.routes))
        await notices_sent(self.env.client, *ids)
        return (await self.api.get(f"/cases/{self.case_ref}/notifications")).json()

    async def draft(self, served: date | None = None, **sections: str) -> dict[str, Any]:
        on = served or await self.today()
        return await self.act("draft", {"served_on": on.isoformat(), "sections": {**SECTIONS, **sections}})

    async def final(self, issued: date | None = None, *, expect: int = 200, **body: Any) -> dict[str, Any]:
        on = issued or await self.today()
        payload = {"issued_on": on.isoformat(), "sections": {**SECTIONS, "I": "Oak Primary School"}, **body}
        return await self.act("final-plan", payload, expect=expect)


@dataclass
class PlanOfficer(Officer):
    """The same officer, acting on the plan that outlives the assessment."""

    async def plan(self) -> dict[str, Any]:
        answer = await self.api.get(f"/plans/{self.case_ref}")
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def in_cycle(self, cycle: int) -> dict[str, Any]:
        """The plan once its next review cycle has started (continue-as-new follows the update)."""

        async def started() -> dict[str, Any] | None:
            answer = await self.api.get(f"/plans/{self.case_ref}")
            if answer.status_code == 503:  # the assessment starts the plan through an activity: not yet
                return None
            assert answer.status_code == 200, answer.text
            plan = answer.json()
            return plan if plan["cycle"] == cycle and plan["review_due"] else None

        return await eventually(started)

    async def act_on_plan(self, path: str, body: dict[str, Any], *, expect: int = 200) -> dict[str, Any]:
        if "on" not in body and "issued_on" not in body:
            body = {**body, "on": (await self.today()).isoformat()}
        answer = await self.api.post(f"/plans/{self.case_ref}/{path}", json=body)
        assert answer.status_code == expect, answer.text
        return answer.json()

    async def review(self, meeting_in_days: int = 15) -> dict[str, Any]:
        """Notice, meeting, report: the first half of every review."""
        today = await self.today()
        await self.act_on_plan("review-notice", {"meeting_on": (today + timedelta(days=meeting_in_days)).isoformat()})
        await self.act_on_plan("review-advice", {})
        await self.wait(days=meeting_in_days)
        await self.act_on_plan("review-meeting", {})
        await self.wait(days=7)
        return await self.act_on_plan("review-report", {})

    async def import_plans(self, rows: list[dict[str, Any]], *, as_csv: bool = False) -> dict[str, Any]:
        if as_csv:
            columns = sorted({key for row in rows for key in row})
            lines = [",".join(columns)] + [",".join(str(row.get(c, "")) for c in columns) for row in rows]
            answer = await self.api.post(
                "/plans/import", content="\n".join(lines), headers={"content-type": "text/csv"}
            )
        else:
            answer = await self.api.post("/plans/import", json=rows)
        assert answer.status_code == 200, answer.text
        return answer.json()

    async def import_existing(
        self,
        reference: str,
        *,
        issued_days_ago: int,
        year_group: int | None = None,
        la_code: str = "202",
        date_of_birth: str = "2015-05-05",
    ) -> dict[str, Any]:
        """Import one existing plan and wait for its first review cycle: the plan to act on."""
        today = await self.today()
        row = {
            "la_code": la_code,
            "la_reference": reference,
            "given_name": "Test",
            "family_name": "Plan",
            "date_of_birth": date_of_birth,
            "plan_issued_on": (today - timedelta(days=issued_days_ago)).isoformat(),
        }
        if year_group is not None:
            row["year_group"] = str(year_group)
        await self.import_plan(row)
        return await self.in_cycle(1)

    async def import_plan(self, row: dict[str, Any]) -> str:
        """Import one existing plan; it becomes the case this officer acts on. Returns its reference."""
        report = await self.import_plans([row])
        assert report["imported"] == 1, report
        self.case_ref = report["cases"][0]["case_ref"]
        return self.case_ref


@dataclass
class Redress(PlanOfficer):
    """The same officer on the redress route and the Tribunal appeal that follow an appealable decision."""

    async def route(self, kind: str) -> str:
        return await self.started(f"redress-{self.case_ref}-{kind}")

    async def started(self, workflow_id: str) -> str:
        """Wait until the API serves the redress route or appeal `workflow_id` (the case starts it on its own)."""

        async def served() -> dict | None:
            answer = await self.api.get(f"/{workflow_id.split('-')[0]}/{workflow_id}")
            return answer.json() if answer.status_code == 200 else None

        await eventually(served)
        self.routes.add(workflow_id)
        return workflow_id

    async def redress(self, workflow_id: str, path: str, body: dict[str, Any], *, expect: int = 200) -> dict[str, Any]:
        body = {"on": (await self.today()).isoformat(), **body}
        answer = await self.api.post(f"/{workflow_id.split('-')[0]}/{workflow_id}/{path}", json=body)
        assert answer.status_code == expect, answer.text
        return answer.json()

    async def refused_case(self, policy: str = "send-regs-2014", *, wait: bool = True) -> tuple[str, date]:
        """Open a case (unless already opened) and refuse to assess it three weeks later."""
        if not self.case_ref:
            await self.open(policy=policy)
        decided = await self.wait(weeks=3) if wait else await self.today()
        await self.act("decide-to-assess", {"assess": False, "reasons": "Needs met by the school."})
        return await self.route("refusal_to_assess"), decided

    async def tribunal(self, redress: dict[str, Any]) -> str:
        return await self.started(f"tribunal-{self.case_ref}-{redress['appeal_id']}")

    async def appeal_registered(self, route: str) -> str:
        """No mediation wanted, the certificate, the appeal, registered by the Tribunal: the appeal's id."""
        await self.redress(route, "adviser-contact", {"wants_mediation": False})
        await self.redress(route, "certificate", {})
        appeal = await self.tribunal(await self.redress(route, "appeal", {}))
        await self.redress(appeal, "registered", {})
        return appeal

    async def deadline_rows(self, sessions: SessionMaker) -> list[CaseDeadline]:
        async with sessions() as session:
            return list(await session.exec(select(CaseDeadline).where(CaseDeadline.case_ref == self.case_ref)))


@dataclass
class Driver(PlanOfficer):
    """An officer recording each step on the business date it happened, for the LA `la_code`: a case entered
    late holds its past, so a whole year of activity is recorded without waiting for it."""

    la_code: str = "202"

    async def on(self, path: str, day: date, **body: Any) -> dict[str, Any]:
        return await self.act(path, {"on": day.isoformat(), **body})

    async def assessed_and_issued(self, received: date, assess: date, issue: date, served: date, final: date) -> str:
        await self.open(received, la_code=self.la_code)
        await self.on("decide-to-assess", assess, assess=True)
        await self.on("decide-to-issue", issue, issue=True)
        await self.draft(served)
        await self.final(final, setting_type="Mainstream primary school")
        return self.case_ref

    async def imported(self, reference: str, issued: date) -> str:
        row = {
            "la_code": self.la_code,
            "la_reference": reference,
            "given_name": CHILD_GIVEN,
            "family_name": "Imported",
            "date_of_birth": "2016-10-02",
            "plan_issued_on": issued.isoformat(),
        }
        await self.import_plan(row)
        await eventually(self.plan_running)
        return self.case_ref

    async def plan_running(self) -> bool:
        return (await self.api.get(f"/plans/{self.case_ref}")).status_code == 200

    async def plan_on(self, path: str, day: date, **body: Any) -> dict[str, Any]:
        return await self.act_on_plan(path, {"on": day.isoformat(), **body})

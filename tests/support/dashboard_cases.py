"""The cases the dashboard tests drive through the API, and the figures they must give: the JSON test
(test_dashboard.py), the browser's (test_dashboard_browser.py) and the documentation's screenshot share them.

Cases are driven on past business dates relative to the test server's today, so that the plans issued here have
no review due yet, and the one overdue review is an imported plan's.
"""

from datetime import date, timedelta
from typing import Any

import httpx

import statutory
from tests.conftest import eventually
from tests.driver import Driver, Redress
from tests.factories import CHILD_GIVEN, absence, case_request


def born(today: date) -> date:
    """A child of 8 on the test server's today: no phase transfer (SEND Regs 2014 reg 18) brings a review
    forward, whatever the day the test runs."""
    return statutory.add_months(today, -8 * 12)


class Officer(Driver, Redress):
    """An officer of the dashboard's cases: every step on the business date it happened, every child 8."""

    async def open(self, received: date | None = None, **overrides: Any) -> str:
        today = await self.today()
        child = case_request(received or today)["child"] | {"date_of_birth": born(today).isoformat()}
        return await super().open(received, child=child, **overrides)

    async def imported_plan(self, reference: str, issued: date, la: str) -> str:
        row = {
            "la_code": la,
            "la_reference": reference,
            "given_name": CHILD_GIVEN,
            "family_name": "Imported",
            "date_of_birth": born(await self.today()).isoformat(),
            "plan_issued_on": issued.isoformat(),
        }
        return await self.import_plan(row)

    async def issued(self, la: str, received: date, assess: int, issue: int, draft: int, final: int) -> str:
        """A request assessed and a plan issued, each step so many weeks after the request."""
        await self.open(received, la_code=la)
        await self.on("decide-to-assess", received + timedelta(weeks=assess), assess=True)
        await self.on("decide-to-issue", received + timedelta(weeks=issue), issue=True)
        await self.draft(received + timedelta(weeks=draft))
        await self.final(received + timedelta(weeks=final), setting_type="Mainstream primary school")
        await self.past_route_confirmed("final_plan")
        return self.case_ref

    async def issued_late_under_exception(self, la: str, received: date, final: int) -> str:
        """A plan issued `final` weeks after the request, late but under reg 13(3)'s exception: the child away from
        week 4 to week 10 of the assessment."""
        await self.open(received, la_code=la)
        start, end = received + timedelta(weeks=4), received + timedelta(weeks=10)
        await self.on("exceptions", start, **absence("Family abroad", start, end, "assessment.final_plan"))
        await self.on("decide-to-assess", received + timedelta(weeks=5), assess=True)
        await self.on("decide-to-issue", received + timedelta(weeks=15), issue=True)
        await self.draft(received + timedelta(weeks=16))
        await self.final(received + timedelta(weeks=final), setting_type="Special school")
        return self.case_ref

    async def past_route_confirmed(self, kind: str) -> None:
        """A route for a decision months old: its past is in, so it ends if its appeal time is over (a recent
        decision's route has nothing held, and says so with 409)."""
        route = await self.route(kind)
        today = (await self.today()).isoformat()
        answer = await self.api.post(f"/redress/{route}/backlog-confirmed", json={"on": today})
        assert answer.status_code in (200, 409), answer.text


async def board(api: httpx.AsyncClient, headers: dict[str, str], **params: str) -> dict[str, Any]:
    answer = await api.get("/dashboard", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def drive(officer: Officer, today: date, la: str) -> dict[str, str]:
    """An LA's cases (DBA in test_dashboard.py; another LA's in the browser test), with the figures they must
    give in the comments; answers their references, by what each is for."""
    base = today - timedelta(weeks=40)
    # Three plans issued in the period: within 20 weeks, later under an exception (reg 13(3)), later without.
    refs = {"on_time": await officer.issued(la, base, assess=4, issue=12, draft=13, final=18)}
    refs["late_under_exception"] = await officer.issued_late_under_exception(la, base, final=24)
    await officer.past_route_confirmed("final_plan")
    refs["late"] = await officer.issued(la, base, assess=5, issue=14, draft=15, final=22)
    # Refused and withdrawn: their final-plan deadlines close, but no plan was issued.
    received = today - timedelta(weeks=15)
    refs["refused"] = await officer.open(received, la_code=la)
    await officer.on(
        "decide-to-assess", received + timedelta(weeks=3), assess=False, reasons="Needs met by the school."
    )
    await officer.past_route_confirmed("refusal_to_assess")
    received = today - timedelta(weeks=5)
    refs["withdrawn"] = await officer.open(received, la_code=la)
    await officer.on("withdraw", received + timedelta(weeks=2), reason="moved_away")

    # Assessing: the educational psychologist's advice overdue (asked 8 weeks ago), health's in on time,
    # another adviser's asked a week ago and not yet due.
    received = today - timedelta(weeks=10)
    refs["assessing"] = await officer.open(received, la_code=la)
    await officer.on("decide-to-assess", received + timedelta(weeks=1), assess=True)
    for adviser in ("educational_psychologist", "health"):
        await officer.on("advice-requests", received + timedelta(weeks=2), adviser=adviser)
    await officer.on("advice-received", received + timedelta(weeks=5), advice_id="health")
    await officer.on("advice-requests", today - timedelta(weeks=1), adviser="other", description="Speech therapist")
    # Its past is in: the educational psychologist's overdue advice is judged now (docs/legal-time.md).
    await officer.on("backlog-confirmed", today)

    # An imported plan whose annual review (CFA 2014 s.44(1)) fell due two months ago, its backlog confirmed.
    refs["imported"] = await officer.imported_plan("DASH/1", statutory.add_months(today, -14), la)
    await eventually(officer.plan_running)
    await officer.act_on_plan("backlog-confirmed", {"on": today.isoformat()})

    # A refusal taken to mediation (no agreement), then appealed and withdrawn; another refusal's route still open.
    refs["mediated"] = await officer.open(today - timedelta(weeks=4), la_code=la)
    await officer.on("decide-to-assess", today - timedelta(weeks=3), assess=False, reasons="Needs met by the school.")
    route = await officer.route("refusal_to_assess")
    days = [today - timedelta(days=n) for n in (20, 14, 10, 9, 8, 7, 2)]
    await officer.redress(route, "adviser-contact", {"on": days[0].isoformat(), "wants_mediation": True})
    await officer.redress(route, "mediation-arranged", {"on": days[1].isoformat(), "mediation_on": days[2].isoformat()})
    await officer.redress(route, "mediation-held", {"on": days[2].isoformat(), "outcome": "none"})
    await officer.redress(route, "certificate", {"on": days[3].isoformat()})
    appeal = await officer.tribunal(await officer.redress(route, "appeal", {"on": days[4].isoformat()}))
    await officer.redress(appeal, "registered", {"on": days[5].isoformat()})
    await officer.redress(appeal, "withdrawn", {"on": days[6].isoformat()})
    refs["route_open"] = await officer.open(today - timedelta(weeks=2), la_code=la)
    await officer.on("decide-to-assess", today - timedelta(weeks=1), assess=False, reasons="Needs met by the school.")
    await officer.route("refusal_to_assess")
    return refs


EXPECTED = {
    "open_cases": 5,
    "open_by_stage": [
        {"process": "assessment", "stage": "assessing", "count": 1},
        {"process": "plan", "stage": "maintained", "count": 4},
    ],
    "plan_timeliness": {
        "issued": 3,
        "within_20_weeks": 1,
        "late_with_exception": 1,
        "late_without_exception": 1,
        "percent_including_exceptions": 33.3,
        "percent_excluding_exceptions": 50.0,
        "reference": "SEND Regs 2014 reg 13(2); exceptions reg 13(3)",
    },
    "breaches": 4,
    "advice_overdue": 1,
    "advice_by_adviser": [
        {"adviser": "educational_psychologist", "overdue": 1, "owed": 1},
        {"adviser": "other", "overdue": 0, "owed": 1},
    ],
    "annual_reviews_overdue": 1,
    "redress_open_by_stage": [{"process": "redress", "stage": "information", "count": 1}],
    "mediation": {"requested": 1, "declined": 0, "not_arranged": 0, "held": 1, "held_by_outcome": {"none": 1}},
    "appeals": {"lodged": 1, "allowed": 0, "conceded": 0, "dismissed": 0, "withdrawn": 1, "struck_out": 0},
}


def settled(figures: dict[str, Any]) -> bool:
    """Plans start and routes lapse on their own: the read model has caught up when the figures add up."""
    return figures["open_by_stage"] == EXPECTED["open_by_stage"] and (
        figures["redress_open_by_stage"] == EXPECTED["redress_open_by_stage"]
        and figures["annual_reviews_overdue"] == 1
        and figures["advice_overdue"] == 1
    )

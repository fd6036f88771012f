"""The inclusion dashboard from cases driven through Temporal and the API: every figure checked against the
cases that made it, per LA and across LAs, and nothing of another LA's.

Cases are driven on past business dates (the workflows accept any date up to today), relative to today so
that the plans issued here have no review due yet, and the one overdue review is an imported plan's.
"""

from datetime import date, timedelta
from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

import statutory
from api.auth import Role
from core.config import Settings
from tests.conftest import eventually
from tests.driver import Driver, Redress
from tests.factories import CHILD_GIVEN, bearer, case_request

LA, HELD_OUT = "DBA", "DBB"


# Children of 8: no phase transfer (SEND Regs 2014 reg 18) brings a review forward, whatever today's date.
BORN = date.today() - timedelta(days=8 * 365)


class Officer(Driver, Redress):
    async def open(self, received: date | None = None, **overrides: Any) -> str:
        child = case_request(received or await self.today())["child"] | {"date_of_birth": BORN.isoformat()}
        return await super().open(received, child=child, **overrides)

    async def imported_plan(self, reference: str, issued: date, la: str = LA) -> str:
        row = {
            "la_code": la,
            "la_reference": reference,
            "given_name": CHILD_GIVEN,
            "family_name": "Imported",
            "date_of_birth": BORN.isoformat(),
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


async def drive(officer: Officer, today: date, la: str = LA) -> None:
    """An LA's cases (DBA here; another LA's in the browser test), with the figures they must give in the comments."""
    base = today - timedelta(weeks=40)
    # Three plans issued in the period: within 20 weeks, later under an exception (reg 13(3)), later without.
    await officer.issued(la, base, assess=4, issue=12, draft=13, final=18)
    await officer.open(base, la_code=la)
    await officer.on(
        "exceptions",
        base + timedelta(weeks=4),
        code="absence_4_weeks",
        reason="Family abroad",
        start=(base + timedelta(weeks=4)).isoformat(),
        end=(base + timedelta(weeks=10)).isoformat(),
        steps=["assessment.final_plan"],
    )
    await officer.on("decide-to-assess", base + timedelta(weeks=5), assess=True)
    await officer.on("decide-to-issue", base + timedelta(weeks=15), issue=True)
    await officer.draft(base + timedelta(weeks=16))
    await officer.final(base + timedelta(weeks=24), setting_type="Special school")
    await officer.past_route_confirmed("final_plan")
    await officer.issued(la, base, assess=5, issue=14, draft=15, final=22)
    # Refused and withdrawn: their final-plan deadlines close, but no plan was issued.
    received = today - timedelta(weeks=15)
    await officer.open(received, la_code=la)
    await officer.on(
        "decide-to-assess", received + timedelta(weeks=3), assess=False, reasons="Needs met by the school."
    )
    await officer.past_route_confirmed("refusal_to_assess")
    received = today - timedelta(weeks=5)
    await officer.open(received, la_code=la)
    await officer.on("withdraw", received + timedelta(weeks=2), reason="moved_away")

    # Assessing: the educational psychologist's advice overdue (asked 8 weeks ago), health's in on time,
    # another adviser's asked a week ago and not yet due.
    received = today - timedelta(weeks=10)
    await officer.open(received, la_code=la)
    await officer.on("decide-to-assess", received + timedelta(weeks=1), assess=True)
    for adviser in ("educational_psychologist", "health"):
        await officer.on("advice-requests", received + timedelta(weeks=2), adviser=adviser)
    await officer.on("advice-received", received + timedelta(weeks=5), advice_id="health")
    await officer.on("advice-requests", today - timedelta(weeks=1), adviser="other", description="Speech therapist")
    # Its past is in: the educational psychologist's overdue advice is judged now (docs/legal-time.md).
    await officer.on("backlog-confirmed", today)

    # An imported plan whose annual review (CFA 2014 s.44(1)) fell due two months ago, its backlog confirmed.
    await officer.imported_plan("DASH/1", statutory.add_months(today, -14), la)
    await eventually(officer._plan_running)
    await officer.act_on_plan("backlog-confirmed", {"on": today.isoformat()})

    # A refusal taken to mediation (no agreement), then appealed and withdrawn; another refusal's route still open.
    await officer.open(today - timedelta(weeks=4), la_code=la)
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
    await officer.open(today - timedelta(weeks=2), la_code=la)
    await officer.on("decide-to-assess", today - timedelta(weeks=1), assess=False, reasons="Needs met by the school.")
    await officer.route("refusal_to_assess")


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
BREACHES = {"assessment.final_plan": (1, 1), "assessment.advice": (1, 0), "review.annual": (1, 0)}


def settled(figures: dict[str, Any]) -> bool:
    """Plans start and routes lapse on their own: the read model has caught up when the figures add up."""
    return figures["open_by_stage"] == EXPECTED["open_by_stage"] and (
        figures["redress_open_by_stage"] == EXPECTED["redress_open_by_stage"]
        and figures["annual_reviews_overdue"] == 1
        and figures["advice_overdue"] == 1
    )


async def test_dashboard_counts_each_case_of_the_la_and_none_of_another(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings
) -> None:
    api.headers.update(bearer(settings, Role.MANAGER, [LA, HELD_OUT], sub="manager.driver"))
    officer = Officer(api, env)
    today = await officer.today()
    await drive(officer, today)
    # The held-out LA: a plan issued late and an assessment with advice overdue, in the same period.
    held = Officer(api, env)
    await held.issued(HELD_OUT, today - timedelta(weeks=30), assess=5, issue=14, draft=15, final=25)
    received = today - timedelta(weeks=10)
    await held.open(received, la_code=HELD_OUT)
    await held.on("decide-to-assess", received + timedelta(weeks=1), assess=True)
    await held.on("advice-requests", received + timedelta(weeks=2), adviser="educational_psychologist")

    ours = bearer(settings, Role.MANAGER, [LA], sub="manager.dash")

    async def caught_up() -> dict[str, Any] | None:
        answer = await board(api, ours)
        return answer if settled(answer["total"]) else None

    answer = await eventually(caught_up, attempts=400)
    assert answer["la_codes"] == [LA]
    assert answer["as_of"] == today.isoformat()
    assert answer["period"] == {
        "start": (statutory.add_months(today, -12) + timedelta(days=1)).isoformat(),
        "end": today.isoformat(),
    }
    total = answer["total"]
    assert {k: total[k] for k in EXPECTED} == EXPECTED
    assert {b["step"]: (b["breached"], b["excepted"]) for b in total["breaches_by_step"]} == BREACHES
    assert [(r["step"], r["overdue"]) for r in total["review_steps_overdue"]] == [("review.annual", 1)]
    assert [la["la_code"] for la in answer["by_la"]] == [LA] and answer["by_la"][0]["figures"] == total

    # Every role sees the same counts for its LA: they are aggregates with no personal data.
    for role in Role:
        seen = await board(api, bearer(settings, role, [LA], sub=f"dash.{role.value}"))
        assert seen["total"] == total, role

    # Both LAs: the total adds them up, each LA keeps its own, and la_code narrows to one.
    both = bearer(settings, Role.MANAGER, [LA, HELD_OUT], sub="manager.both")

    async def held_out_in() -> dict[str, Any] | None:
        answer = await board(api, both)
        theirs = answer["by_la"][1]["figures"]
        return answer if theirs["plan_timeliness"]["issued"] == 1 and theirs["advice_overdue"] == 1 else None

    together = await eventually(held_out_in, attempts=400)
    assert [la["la_code"] for la in together["by_la"]] == [LA, HELD_OUT]
    mine, theirs = (la["figures"] for la in together["by_la"])
    assert mine == total
    assert theirs["plan_timeliness"] | {"reference": ""} == {
        "issued": 1,
        "within_20_weeks": 0,
        "late_with_exception": 0,
        "late_without_exception": 1,
        "percent_including_exceptions": 0.0,
        "percent_excluding_exceptions": 0.0,
        "reference": "",
    }
    assert theirs["open_cases"] == 2 and theirs["advice_by_adviser"] == [
        {"adviser": "educational_psychologist", "overdue": 1, "owed": 1}
    ]
    assert together["total"]["open_cases"] == 7
    assert together["total"]["plan_timeliness"]["issued"] == 4
    assert together["total"]["plan_timeliness"]["late_without_exception"] == 2
    assert together["total"]["advice_overdue"] == 2
    narrowed = await board(api, both, la_code=LA)
    assert narrowed["la_codes"] == [LA] and narrowed["total"] == total

    # A caller of LA DBA never sees DBB's counts: asking for it is refused as for any LA not theirs.
    refused = await api.get("/dashboard", params={"la_code": HELD_OUT}, headers=ours)
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"

    # A period with no plan issued in it: no percentage rather than a division by zero.
    recent = await board(api, ours, **{"from": (today - timedelta(days=30)).isoformat()})
    assert recent["period"]["end"] == today.isoformat()
    timeliness = recent["total"]["plan_timeliness"]
    assert (timeliness["issued"], timeliness["percent_including_exceptions"]) == (0, None)
    assert timeliness["percent_excluding_exceptions"] is None
    assert recent["total"]["appeals"]["lodged"] == 1 and recent["total"]["breaches"] == 1


async def test_bad_periods_and_las_are_refused_with_a_reason(api: httpx.AsyncClient, settings: Settings) -> None:
    headers = bearer(settings, Role.MANAGER, [LA], sub="manager.bad")
    for params, words in (
        ({"from": "2025-02-30"}, "from"),
        ({"to": "yesterday"}, "to"),
        ({"from": "2025-06-01", "to": "2025-05-31"}, "starts (2025-06-01) after it ends (2025-05-31)"),
        ({"la_code": "dba"}, "la_code"),
    ):
        answer = await api.get("/dashboard", params=params, headers=headers)
        assert answer.status_code == 422, (params, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert words in answer.json()["detail"], (params, answer.text)
    one_day = await board(api, headers, **{"from": "2025-06-01", "to": "2025-06-01"})
    assert one_day["period"] == {"start": "2025-06-01", "end": "2025-06-01"}
    only_end = await board(api, headers, to="2025-06-30")
    assert only_end["period"] == {"start": "2024-07-01", "end": "2025-06-30"}

"""The inclusion dashboard from cases driven through Temporal and the API: every figure checked against the
cases that made it, per LA and across LAs, and nothing of another LA's. The cases and their figures are in
tests/support/dashboard_cases.py.
"""

from datetime import date, timedelta
from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

import statutory
from api.auth import Role
from core.config import Settings
from tests.conftest import eventually
from tests.factories import bearer
from tests.support.dashboard_cases import EXPECTED, Officer, board, drive, settled

LA, HELD_OUT = "DBA", "DBB"
BREACHES = {"assessment.final_plan": (1, 1), "assessment.advice": (1, 0), "review.annual": (1, 0)}


async def test_dashboard_counts_each_case_of_the_la_and_none_of_another(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings
) -> None:
    api.headers.update(bearer(settings, Role.MANAGER, [LA, HELD_OUT], sub="manager.driver"))
    officer = Officer(api, env)
    today = await officer.today()
    await drive(officer, today, LA)
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
    # The dashboard's today is the wall clock's (api/routes/dashboard.py, _today), the cases' the test server's,
    # which started on it: a run across midnight is answered as of the next day.
    as_of = date.fromisoformat(answer["as_of"])
    assert as_of in (today, today + timedelta(days=1))
    assert answer["period"] == {
        "start": (statutory.add_months(as_of, -12) + timedelta(days=1)).isoformat(),
        "end": as_of.isoformat(),
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
    assert date.fromisoformat(recent["period"]["end"]) in (today, today + timedelta(days=1))
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

"""The inclusion dashboard from cases driven through Temporal and the API: every figure checked against the
cases that made it, per LA and across LAs, and nothing of another LA's. The cases and their figures are in
tests/support/dashboard_cases.py.
"""

from datetime import date, timedelta
from typing import Any

import httpx
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

import statutory
from api.auth import STAFF, Role
from core.config import Settings
from store.db import SessionMaker
from store.models import AuditEvent
from tests.conftest import eventually
from tests.factories import CHILD_FAMILY, CHILD_GIVEN, bearer
from tests.support.dashboard_cases import EXPECTED, Officer, board, drive, settled

LA, HELD_OUT = "DBA", "DBB"
BREACHES = {"assessment.final_plan": (1, 1), "assessment.advice": (1, 0), "review.annual": (1, 0)}
ISSUED = {"on_time", "late_under_exception", "late"}
FINAL = "assessment.final_plan"
REVIEW_MEETINGS = ("review.annual", "review.under_five", "transfer.review")


async def figure_cases(api: httpx.AsyncClient, headers: dict[str, str], **params: str) -> dict[str, Any]:
    answer = await api.get("/dashboard/cases", params={"limit": "500", **params}, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_dashboard_counts_each_case_of_the_la_and_none_of_another(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings, sessions: SessionMaker
) -> None:
    api.headers.update(bearer(settings, Role.MANAGER, [LA, HELD_OUT], sub="manager.driver"))
    officer = Officer(api, env)
    today = await officer.today()
    refs = await drive(officer, today, LA)
    # The held-out LA: a plan issued late and an assessment with advice overdue, in the same period.
    held = Officer(api, env)
    await held.issued(HELD_OUT, today - timedelta(weeks=30), assess=5, issue=14, draft=15, final=25)
    received = today - timedelta(weeks=10)
    await held.open(received, la_code=HELD_OUT)
    await held.on("decide-to-assess", received + timedelta(weeks=1), assess=True)
    await held.on("advice-requests", received + timedelta(weeks=2), adviser="educational_psychologist")
    await held.on("backlog-confirmed", today)  # its past is in: the overdue advice is judged now

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

    # Every staff role sees the same counts for its LA: they are aggregates with no personal data.
    for role in sorted(STAFF):
        seen = await board(api, bearer(settings, role, [LA], sub=f"dash.{role.value}"))
        assert seen["total"] == total, role

    # Each headline figure is the sum of the parts its panel shows.
    assert total["open_cases"] == sum(c["count"] for c in total["open_by_stage"])
    assert total["breaches"] == sum(b["breached"] + b["excepted"] for b in total["breaches_by_step"])
    assert total["advice_overdue"] == sum(a["overdue"] for a in total["advice_by_adviser"])
    assert total["annual_reviews_overdue"] == sum(
        r["overdue"] for r in total["review_steps_overdue"] if r["step"] in REVIEW_MEETINGS
    )
    assert total["mediation"]["held"] == sum(total["mediation"]["held_by_outcome"].values())

    # Each figure's cases: as many as it counts, and the ones that made it.
    ops, manager = (bearer(settings, role, [LA], sub=f"list.{role.value}") for role in (Role.OPS, Role.MANAGER))
    t, mediation, appeals = total["plan_timeliness"], total["mediation"], total["appeals"]
    expected: list[tuple[dict[str, str], int, set[str]]] = [
        ({"figure": "open_cases"}, total["open_cases"], {*ISSUED, "assessing", "imported"}),
        ({"figure": "open_cases", "process": "assessment", "stage": "assessing"}, 1, {"assessing"}),
        ({"figure": "open_cases", "process": "plan", "stage": "maintained"}, 4, {*ISSUED, "imported"}),
        ({"figure": "plans_issued"}, t["issued"], ISSUED),
        ({"figure": "plans_issued_less_exceptions"}, 2, {"on_time", "late"}),
        ({"figure": "plans_within_20_weeks"}, t["within_20_weeks"], {"on_time"}),
        ({"figure": "plans_late_with_exception"}, t["late_with_exception"], {"late_under_exception"}),
        ({"figure": "plans_late_without_exception"}, t["late_without_exception"], {"late"}),
        ({"figure": "deadlines_missed"}, total["breaches"], {"late", "late_under_exception", "assessing", "imported"}),
        ({"figure": "deadlines_missed", "step": FINAL}, 2, {"late", "late_under_exception"}),
        ({"figure": "deadlines_missed_no_exception", "step": FINAL}, 1, {"late"}),
        ({"figure": "deadlines_missed_under_exception", "step": FINAL}, 1, {"late_under_exception"}),
        ({"figure": "advice_overdue"}, total["advice_overdue"], {"assessing"}),
        ({"figure": "advice_overdue", "adviser": "educational_psychologist"}, 1, {"assessing"}),
        ({"figure": "advice_overdue", "adviser": "other"}, 0, set()),
        ({"figure": "advice_owed", "adviser": "other"}, 1, {"assessing"}),
        ({"figure": "annual_reviews_overdue"}, total["annual_reviews_overdue"], {"imported"}),
        ({"figure": "review_steps_overdue", "step": "review.annual"}, 1, {"imported"}),
        ({"figure": "redress_open", "process": "redress", "stage": "information"}, 1, {"route_open"}),
        ({"figure": "mediation_requested"}, mediation["requested"], {"mediated"}),
        ({"figure": "mediation_held", "outcome": "none"}, mediation["held_by_outcome"]["none"], {"mediated"}),
        ({"figure": "appeal_lodged"}, appeals["lodged"], {"mediated"}),
        ({"figure": "appeal_withdrawn"}, appeals["withdrawn"], {"mediated"}),
        ({"figure": "appeal_allowed"}, appeals["allowed"], set()),
    ]
    for params, count, names in expected:
        listed = await figure_cases(api, ops, **params)
        assert (listed["count"], len(listed["items"])) == (count, count), params
        assert {item["case_ref"] for item in listed["items"]} == {refs[n] for n in names}, params
        # Ops see references, stages and deadlines, never the child.
        assert all(item["child"] is None for item in listed["items"]) and CHILD_GIVEN not in str(listed), params
    late = (await figure_cases(api, ops, figure="plans_late_without_exception"))["items"]
    assert [(i["step"], i["status"], i["due"]) for i in late] == [
        ("assessment.final_plan", "breached", (today - timedelta(weeks=20)).isoformat())
    ]

    # A manager sees the child's name, and each case so shown is in the audit trail; ops' lists left no line.
    named = await figure_cases(api, manager, figure="plans_issued")
    assert sorted(item["child"] for item in named["items"]) == [f"{CHILD_GIVEN} {CHILD_FAMILY}"] * 3
    async with sessions() as session:
        viewed = (await session.exec(select(AuditEvent).where(AuditEvent.action == "personal_data_viewed"))).all()
    assert sorted(v.case_ref for v in viewed if v.actor == "list.manager") == sorted(refs[n] for n in ISSUED)
    assert not [v for v in viewed if v.actor == "list.ops"]

    # A page at a time, at most 500; a part the figure is not shown in is refused.
    first = await figure_cases(api, ops, figure="open_cases", limit="2")
    assert (len(first["items"]), first["next_offset"]) == (2, 2)
    last = await figure_cases(api, ops, figure="open_cases", limit="2", offset="4")
    assert (len(last["items"]), last["next_offset"], last["count"]) == (1, None, 5)
    for params in ({"figure": "open_cases", "limit": "501"}, {"figure": "open_cases", "adviser": "health"}):
        refused = await api.get("/dashboard/cases", params=params, headers=ops)
        assert refused.status_code == 422, (params, refused.text)

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
    # Both LAs' cases are listed together, and la_code narrows the list as it narrows the figures.
    issued_both = await figure_cases(api, both, figure="plans_issued")
    assert issued_both["count"] == 4 and {i["la_code"] for i in issued_both["items"]} == {LA, HELD_OUT}
    issued_ours = await figure_cases(api, both, figure="plans_issued", la_code=LA)
    assert {i["case_ref"] for i in issued_ours["items"]} == {refs[n] for n in ISSUED}

    # A caller of LA DBA never sees DBB's counts nor its cases: asking for it is refused as for any LA not theirs.
    for path in ("/dashboard", "/dashboard/cases"):
        params = {"la_code": HELD_OUT, "figure": "plans_issued"}
        refused = await api.get(path, params=params, headers=ours)
        assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    assert HELD_OUT not in str(await figure_cases(api, ours, figure="plans_issued"))

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


async def test_a_late_entered_date_is_not_overdue_until_it_is_judged(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings
) -> None:
    """A case typed in late holds its overdue dates for the settle period (docs/legal-time.md): the advice it
    shows past due may have come in time and not been entered yet, so the dashboard does not call it overdue
    until the officer confirms the past is in, or the period ends."""
    la = "HLD"
    manager = bearer(settings, Role.MANAGER, [la], sub="manager.hld")
    officer = Officer(api, env)
    today = await officer.today()
    await officer.open(today - timedelta(days=70), la_code=la)
    await officer.on("decide-to-assess", today - timedelta(days=60), assess=True)
    await officer.on("advice-requests", today - timedelta(days=56), adviser="educational_psychologist")

    async def advice_overdue(expected: int) -> bool:
        return (await board(api, manager, la_code=la))["total"]["advice_overdue"] == expected

    async def advice_owed() -> bool:
        advisers = (await board(api, manager, la_code=la))["total"]["advice_by_adviser"]
        return [(a["adviser"], a["owed"]) for a in advisers] == [("educational_psychologist", 1)]

    await eventually(advice_owed)  # the read model has the request, due 14 days ago (6 weeks, reg 8(1))
    assert await advice_overdue(0)
    await officer.on("backlog-confirmed", today)
    await eventually(lambda: advice_overdue(1))


async def test_a_transferred_plan_is_counted_under_the_la_that_holds_it_now(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings
) -> None:
    """A plan's history goes with it to the LA it moves to (SEND Regs 2014 reg 15; docs/dashboard.md): the new LA's
    figures hold whether it was issued within 20 weeks, and the old LA's no longer do."""
    old, new = "935", "936"  # Suffolk and Surrey: no other test's cases
    api.headers.update(bearer(settings, Role.MANAGER, [old, new], sub="manager.transfer"))
    officer = Officer(api, env)
    today = await officer.today()
    await officer.issued(old, today - timedelta(weeks=30), assess=5, issue=14, draft=15, final=19)
    await eventually(lambda: _plan_started(api, officer.case_ref))
    await officer.act_on_plan("transfer", {"from_la_code": old, "to_la_code": new})
    receiving, sending = (bearer(settings, Role.MANAGER, [la], sub=f"manager.{la}") for la in (new, old))

    async def moved() -> dict[str, Any] | None:
        answer = await board(api, receiving)
        return answer if answer["total"]["open_cases"] == 1 else None

    theirs = (await eventually(moved))["total"]["plan_timeliness"]
    assert (theirs["issued"], theirs["within_20_weeks"], theirs["late_without_exception"]) == (1, 1, 0)
    listed = await figure_cases(api, receiving, figure="plans_issued")
    assert [(i["case_ref"], i["la_code"]) for i in listed["items"]] == [(officer.case_ref, new)]
    ours = (await board(api, sending))["total"]
    assert (ours["open_cases"], ours["plan_timeliness"]["issued"]) == (0, 0)


async def _plan_started(api: httpx.AsyncClient, case_ref: str) -> bool | None:
    return (await api.get(f"/plans/{case_ref}")).status_code == 200 or None

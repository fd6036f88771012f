"""The redress route under time skipping: mediation, certificates, appeals, orders and compliance,
under today's law and the green paper's, with dates checked by hand against the law (docs/law.md)."""

from datetime import date, timedelta

import httpx
from temporalio.testing import WorkflowEnvironment

import statutory
from store.db import SessionMaker
from tests.conftest import eventually
from tests.driver import SECTIONS, Redress
from tests.support.dates import appeal_deadline_fits


async def test_certificate_then_appeal_then_order_to_assess_reopens_the_assessment(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    """Entered late, each step on the day it happened, around Christmas 2023: the appeal deadlines move out of
    25 Dec to 1 Jan (HESC r.12(3)(a)) and the Tribunal's working days skip it (r.12(3)(b)); the family's
    2 months to contact the adviser do not move (reg 33)."""
    officer = Redress(api, env)
    await officer.open(date(2023, 10, 4))
    decided = date(2023, 10, 25)
    await officer.act("decide-to-assess", {"on": decided.isoformat(), "assess": False, "reasons": "Needs met."})
    route = await officer.route("refusal_to_assess")
    state = (await api.get(f"/redress/{route}")).json()
    assert state["stage"] == "information"
    # Wed 25 Oct 2023 + 2 months = Mon 25 Dec 2023, Christmas: r.12(3)(a) moves it to the first working day
    # after 1 Jan, Tue 2 Jan 2024.
    assert state["appeal_by"] == "2024-01-02"
    contact = next(d for d in state["deadlines"] if d["step"] == "mediation.contact_adviser")
    assert contact["due"] == "2023-12-25"  # 25 Oct + 2 months (reg 33): Christmas Day, not moved

    state = await officer.redress(route, "adviser-contact", {"on": "2023-12-01", "wants_mediation": False})
    assert state["stage"] == "certificate_pending"
    problem = await officer.redress(route, "appeal", {"on": "2023-12-01"}, expect=409)
    assert "certificate" in problem["detail"]
    state = await officer.redress(route, "certificate", {"on": "2023-12-05"})
    # The later of 2 Jan 2024 (the decision's) and Tue 5 Dec 2023 + 1 month = Fri 5 Jan 2024 (the certificate's).
    assert state["appeal_by"] == "2024-01-05" and state["stage"] == "appeal_window"
    state = await officer.redress(route, "appeal", {"on": "2023-12-15"})
    assert state["stage"] == "appealed" and state["closed"]

    appeal = await officer.tribunal(state)
    appeal_state = await officer.redress(appeal, "registered", {"on": "2023-12-20"})
    response = next(d for d in appeal_state["deadlines"] if d["step"] == "tribunal.la_response")
    # 30 working days from Wed 20 Dec 2023, 25 Dec to 1 Jan not counted: 21-22 Dec are 2, 2 Jan to 2 Feb
    # are 24 more (26), 5-8 Feb the last 4: Thu 8 Feb 2024.
    assert response["due"] == "2024-02-08"
    await officer.redress(appeal, "response", {"on": "2024-01-10"})
    await officer.redress(appeal, "hearing", {"on": "2024-01-10", "hearing_on": "2024-03-06"})
    ordered_on = date(2024, 3, 13)
    appeal_state = await officer.redress(
        appeal, "decision", {"on": ordered_on.isoformat(), "upheld": True, "orders": ["assess"]}
    )
    assert appeal_state["stage"] == "complying"
    # The reopened assessment owns the order's deadlines; the appeal only says where they went.
    assert appeal_state["orders"][0]["carried_to"] == f"assessment-{officer.case_ref}"
    assert not [d for d in appeal_state["deadlines"] if d["step"].startswith("tribunal.comply")]

    # The order reopens the assessment, on the order's clock (reg 44(2)(b)).
    async def reopened() -> dict | None:
        case = (await api.get(f"/cases/{officer.case_ref}")).json()
        return case if case["stage"] == "request_received" else None

    case = await eventually(reopened)
    assert {d["step"] for d in case["deadlines"]} == {
        "tribunal.comply_assess",
        "tribunal.comply_no_plan",
        "tribunal.comply_final_plan",
    }
    order = next(d for d in case["deadlines"] if d["step"] == "tribunal.comply_assess")
    assert order["due"] == "2024-03-27"  # Wed 13 Mar 2024 + 2 weeks (reg 44(2)(b))
    problem = await officer.act("decide-to-assess", {"on": "2024-03-20", "assess": False, "reasons": "No."}, expect=422)
    assert "Tribunal ordered" in problem["detail"]
    await officer.act("decide-to-assess", {"on": "2024-03-27", "assess": True})  # on the due day: in time

    async def complied() -> dict | None:
        state = (await api.get(f"/tribunal/{appeal}")).json()
        return state if state["closed"] else None

    appeal_state = await eventually(complied)
    assert appeal_state["stage"] == "complied" and appeal_state["orders"][0]["done_on"]
    assert {d.step: d.status for d in await officer.deadline_rows(sessions)}["tribunal.comply_assess"] == "met"
    # One row per duty in the read model, so one work-queue item and one breach count.
    steps = [d.step for d in await officer.deadline_rows(sessions)]
    assert sorted(s for s in steps if s.startswith("tribunal.comply")) == [
        "tribunal.comply_assess",
        "tribunal.comply_final_plan",
        "tribunal.comply_no_plan",
    ]


async def test_mediation_settles_and_the_agreement_is_carried_out_in_time(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    """Entered late, each step on the day it happened, over Christmas 2023."""
    officer = Redress(api, env)
    await officer.open(date(2023, 11, 1))
    await officer.act("decide-to-assess", {"on": "2023-11-22", "assess": False, "reasons": "Needs met."})
    route = await officer.route("refusal_to_assess")
    state = await officer.redress(
        route, "adviser-contact", {"on": "2023-12-21", "wants_mediation": True, "health_included": True}
    )
    arrange = next(d for d in state["deadlines"] if d["step"] == "mediation.arrange")
    assert arrange["due"] == "2024-01-20"  # Thu 21 Dec 2023 + 30 days
    health = next(d for d in state["deadlines"] if d["step"] == "mediation.health_notify")
    # 3 working days from Thu 21 Dec 2023: Fri 22, then Christmas Day and Boxing Day (bank holidays), Wed 27,
    # Thu 28 Dec.
    assert health["due"] == "2023-12-28"
    await officer.redress(route, "mediation-arranged", {"on": "2024-01-02", "mediation_on": "2024-01-15"})
    state = await officer.redress(
        route, "mediation-held", {"on": "2024-01-15", "outcome": "agreement", "agreed": ["assess"]}
    )
    agreed = next(d for d in state["deadlines"] if d["step"] == "tribunal.comply_assess")
    assert agreed["due"] == "2024-01-29"  # Mon 15 Jan 2024 + 2 weeks: reg 42(2) applies reg 44(2)(b)
    state = await officer.redress(route, "certificate", {"on": "2024-01-17"})
    assert state["stage"] == "agreement_compliance"
    # 12 days after the agreement: within its 2 weeks.
    state = await officer.redress(route, "agreement-done", {"on": "2024-01-27", "order_id": "agreement-assess"})
    assert state["stage"] == "settled" and state["closed"]
    assert {d["step"]: d["status"] for d in state["deadlines"]}["tribunal.comply_assess"] == "met"


async def test_settings_only_appeal_needs_no_certificate_today_but_mediation_under_the_green_paper(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    today, green = Redress(api, env), Redress(api, env)
    await today.open()
    await green.open(policy="green-paper-2022")
    route, _ = await today.refused_case()
    await today.wait(days=5)
    state = await today.redress(route, "appeal", {"settings_only": True})
    assert state["stage"] == "appealed"

    route, _ = await green.refused_case(wait=False)
    await green.wait(days=5)
    problem = await green.redress(route, "appeal", {"settings_only": True}, expect=409)
    assert "green-paper-2022" in problem["detail"]
    problem = await green.redress(route, "adviser-contact", {"wants_mediation": False}, expect=422)
    assert "mediation is mandatory" in problem["detail"]
    state = await green.redress(route, "adviser-contact", {"wants_mediation": True})
    assert state["stage"] == "mediation_requested"


async def test_same_facts_two_policies(api: httpx.AsyncClient, env: WorkflowEnvironment) -> None:
    """A family declines mediation: today they get a certificate and may appeal; under the green paper
    they cannot decline, so they mediate first."""
    outcomes = {}
    officers = {policy: Redress(api, env) for policy in ("send-regs-2014", "green-paper-2022")}
    for policy, officer in officers.items():
        await officer.open(policy=policy)
    await env.sleep(timedelta(weeks=3))
    for policy, officer in officers.items():
        route, _ = await officer.refused_case(wait=False)
        answer = await api.post(
            f"/redress/{route}/adviser-contact",
            json={"on": (await officer.today()).isoformat(), "wants_mediation": False},
        )
        outcomes[policy] = (answer.status_code, answer.json().get("stage"))
    assert outcomes == {"send-regs-2014": (200, "certificate_pending"), "green-paper-2022": (422, None)}


async def test_no_appeal_in_time_ends_the_route(api: httpx.AsyncClient, env: WorkflowEnvironment) -> None:
    officer = Redress(api, env)
    route, decided = await officer.refused_case()
    appeal_by = date.fromisoformat((await api.get(f"/redress/{route}")).json()["appeal_by"])
    assert appeal_deadline_fits(decided, appeal_by, months=2), (decided, appeal_by)
    # The appeal window lapses on its date; the route waits five working days more for news of an appeal
    # made in time (the Tribunal tells the LA days after), then ends (docs/legal-time.md).
    ends = statutory.breach_at(statutory.add_working_days(appeal_by, 5))
    await env.sleep(statutory.breach_at(appeal_by) - await env.get_current_time() + timedelta(hours=1))
    state = (await api.get(f"/redress/{route}")).json()
    window = next(d for d in state["deadlines"] if d["step"] == "appeal.from_decision")
    assert state["stage"] == "information" and window["status"] == "lapsed"
    await env.sleep(ends - await env.get_current_time() - timedelta(hours=1))
    assert (await api.get(f"/redress/{route}")).json()["stage"] == "information"
    await officer.wait(hours=2)
    state = (await api.get(f"/redress/{route}")).json()
    assert state["stage"] == "lapsed" and state["closed"]
    assert "breached" not in {d["status"] for d in state["deadlines"]}


async def order_to_amend(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker, *, late: bool
) -> None:
    """An appeal against a plan kept unchanged, conceded with an order to amend (reg 45, reg 44(2)(e))."""
    officer = Redress(api, env)
    today = await officer.today()
    await officer.import_plan(
        {
            "la_code": "360",
            "la_reference": f"ORDER/{late}",
            "given_name": "O",
            "family_name": "R",
            "date_of_birth": "2013-04-04",
            "plan_issued_on": (today - timedelta(days=200)).isoformat(),
        }
    )
    await eventually(officer.plan)
    await officer.review()
    await officer.act_on_plan("review-decision", {"outcome": "maintain"})
    decision = (await api.get(f"/plans/{officer.case_ref}")).json()["decisions"][-1]["decision_id"]
    appeal = await officer.appeal_registered(await officer.route(decision.removeprefix(officer.case_ref + "-")))
    await officer.wait(weeks=2)
    ordered_on = await officer.today()
    await officer.redress(appeal, "concede", {"orders": ["amend"]})

    async def ordered() -> dict | None:
        plan = await officer.plan()
        return plan if plan["stage"] == "ordered_amendment" else None

    plan = await eventually(ordered)
    # An officer cannot mark the carried order done on the appeal: the plan reports it when it is.
    carried = (await api.get(f"/tribunal/{appeal}")).json()["orders"][0]
    refused = await api.post(
        f"/tribunal/{appeal}/order-complied",
        json={"on": (await officer.today()).isoformat(), "order_id": carried["order_id"]},
    )
    assert refused.status_code == 409 and "reports it when done" in refused.json()["detail"], refused.text
    order = next(d for d in plan["deadlines"] if d["step"] == "tribunal.comply_amend")
    assert order["due"] == (ordered_on + timedelta(weeks=5)).isoformat()
    await officer.wait(weeks=6 if late else 3)
    sections = {**SECTIONS, "F": "Provision as the Tribunal ordered", "I": "Type: mainstream"}
    await officer.act_on_plan("amended-plan", {"issued_on": (await officer.today()).isoformat(), "sections": sections})

    async def done() -> dict | None:
        state = (await api.get(f"/tribunal/{appeal}")).json()
        return state if state["closed"] else None

    appeal_state = await eventually(done)
    assert appeal_state["orders"][0]["carried_to"] == f"plan-{officer.case_ref}"
    assert not [d for d in appeal_state["deadlines"] if d["step"] == "tribunal.comply_amend"]
    # The plan owns the order's deadline: one row, one reminder, at most one breach and one escalation.
    rows = [d for d in await officer.deadline_rows(sessions) if d.step == "tribunal.comply_amend"]
    assert [(d.status, d.done_on is not None) for d in rows] == [("breached" if late else "met", True)]
    assert (await officer.plan())["versions"][-1]["reason"] == "Tribunal order"

    async def about_the_order() -> list[str]:
        return [n["template"] for n in await officer.letters() if "Tribunal's order" in n["subject"]]

    if not late:
        assert await about_the_order() == []  # done before the reminder
        return

    async def all_sent() -> list[str] | None:
        # The breach's two notices go in the task the clock woke for, which may still be running as the plan answers.
        sent = await about_the_order()
        return sent if len(sent) >= 3 else None

    assert await eventually(all_sent) == ["deadline_reminder", "deadline_breached", "deadline_escalation"]


async def test_order_to_amend_carried_out_in_time(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    await order_to_amend(api, env, sessions, late=False)


async def test_order_to_amend_breached(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    await order_to_amend(api, env, sessions, late=True)


async def test_appeal_deadlines_in_august_and_at_christmas(api: httpx.AsyncClient, env: WorkflowEnvironment) -> None:
    """Decisions entered after the fact: the appeal deadline moves out of August and Christmas (HESC r.12)."""
    cases = [
        # decided, plain 2 months, appeal by
        (date(2026, 6, 10), date(2026, 8, 10), date(2026, 9, 1)),  # August; Mon 31 Aug 2026 is a bank holiday
        (date(2026, 10, 27), date(2026, 12, 27), date(2027, 1, 4)),  # Christmas; Sat 2 Jan 2027
    ]
    for decided, plain, appeal_by in cases:
        assert decided <= statutory.business_date(await env.get_current_time())
        officer = Redress(api, env)
        await officer.open(decided - timedelta(days=14))
        await officer.act("decide-to-assess", {"assess": False, "reasons": "Needs met.", "on": decided.isoformat()})
        route = await officer.route("refusal_to_assess")
        state = (await api.get(f"/redress/{route}")).json()
        assert state["appeal_by"] == appeal_by.isoformat()
        # The two-month contact with the mediation adviser is a SEND Regs limit: it does not move
        # (docs/statutory-choices.md row 24).
        contact = next(d for d in state["deadlines"] if d["step"] == "mediation.contact_adviser")
        assert contact["due"] == plain.isoformat()


async def test_manager_sees_open_redress_by_stage(api: httpx.AsyncClient, env: WorkflowEnvironment) -> None:
    officer = Redress(api, env)
    route, _ = await officer.refused_case()
    rows = (await api.get("/redress", params={"la_code": "202", "process": "redress"})).json()
    mine = next(r for r in rows if r["workflow_id"] == route)
    assert mine["stage"] == "information" and mine["kind"] == "refusal_to_assess"
    dues = [r["next_deadline_due"] for r in rows if r["next_deadline_due"]]
    assert dues == sorted(dues)
    bad = await api.get("/redress", params={"process": "lottery"})
    assert bad.status_code == 422
    missing = await api.get("/redress/redress-202-ZZZZZZZZ-nothing")
    assert missing.status_code == 404


async def test_refused_redress_and_tribunal_actions(api: httpx.AsyncClient, env: WorkflowEnvironment) -> None:
    officer, second = Redress(api, env), Redress(api, env)
    await officer.open()
    await second.open()  # both opened today: the API refuses a request dated after today
    route, _ = await officer.refused_case()
    problem = await officer.redress(route, "certificate", {}, expect=409)
    assert "stage 'information'" in problem["detail"]
    problem = await officer.redress(route, "adviser-contact", {"wants_mediation": True, "on": "2020-01-01"}, expect=422)
    assert "before" in problem["detail"]
    problem = await officer.redress(route, "agreement-done", {"order_id": "agreement-assess"}, expect=422)
    assert "no agreed matter" in problem["detail"]
    await officer.redress(route, "adviser-contact", {"wants_mediation": False})
    state = await officer.redress(route, "certificate", {})
    appeal_by = date.fromisoformat(state["appeal_by"])
    ends = statutory.breach_at(statutory.add_working_days(appeal_by, 5))  # news of an appeal made in time
    await officer.env.sleep(ends - await env.get_current_time() - timedelta(hours=2))
    state = (await api.get(f"/redress/{route}")).json()
    assert state["stage"] == "appeal_window"
    late = await officer.redress(route, "appeal", {}, expect=422)  # dated today: after the deadline
    assert "out of time" in late["detail"]
    await officer.wait(hours=3)
    state = (await api.get(f"/redress/{route}")).json()
    assert state["stage"] == "lapsed"  # the appeal window closed with no appeal

    route, _ = await second.refused_case(wait=False)
    state = await second.redress(route, "appeal", {"settings_only": True})
    appeal = await second.tribunal(state)
    problem = await second.redress(appeal, "decision", {"upheld": True, "orders": []}, expect=409)
    assert "stage 'lodged'" in problem["detail"]
    await second.redress(appeal, "registered", {})
    problem = await second.redress(appeal, "decision", {"upheld": True, "orders": []}, expect=422)
    assert "what the Tribunal ordered" in problem["detail"]
    problem = await second.redress(appeal, "decision", {"upheld": True, "orders": ["teleport"]}, expect=422)
    assert "orders" in problem["detail"]
    await second.wait(weeks=8)  # past the LA's response deadline: too late to concede (reg 45)
    problem = await second.redress(appeal, "concede", {"orders": ["name_school"]}, expect=409)
    assert "reg 45" in problem["detail"]
    await second.redress(appeal, "withdrawn", {})
    problem = await second.redress(appeal, "struck-out", {}, expect=409)
    assert "closed" in problem["detail"]
    state = (await api.get(f"/tribunal/{appeal}")).json()
    assert state["stage"] == "withdrawn" and state["closed"]
    letters = await second.letters()
    assert any(n["template"] == "deadline_escalation" and "response" in n["subject"] for n in letters)

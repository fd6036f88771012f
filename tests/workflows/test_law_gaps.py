"""Rules the law sets that the flows had missed, each as a whole scenario through the API under time skipping."""

from datetime import date, timedelta

import httpx
from temporalio.testing import WorkflowEnvironment

import statutory
from core.workflow_ids import plan_id
from store.db import SessionMaker
from tests.conftest import eventually
from tests.driver import SECTIONS, Officer, PlanOfficer, Redress
from tests.factories import absence
from workflows.plan_models import TribunalOrder


async def test_mediation_still_running_at_two_months_keeps_the_route_open_until_the_certificate(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    """HESC r.20(1)(c): the appeal is due by the later of 2 months from the decision and 1 month from the
    certificate, so a route waiting for mediation or its certificate does not end at 2 months."""
    officer = Redress(api, env)
    route, decided = await officer.refused_case()
    await officer.wait(days=40)
    await officer.redress(route, "adviser-contact", {"wants_mediation": True})
    await officer.wait(days=10)
    mediation_on = decided + timedelta(days=65)  # within the 30 days (regs 35-41)
    await officer.redress(route, "mediation-arranged", {"mediation_on": mediation_on.isoformat()})
    await officer.wait(days=25)  # day 75: past the 2 months and the five working days after them
    state = (await api.get(f"/redress/{route}")).json()
    assert state["stage"] == "mediation_arranged" and not state["closed"]
    await officer.redress(route, "mediation-held", {"outcome": "none", "on": mediation_on.isoformat()})
    await officer.wait(days=2)
    certified = await officer.today()
    state = await officer.redress(route, "certificate", {})
    assert state["appeal_by"] == statutory.due_date("appeal.from_certificate", certified).isoformat()
    await officer.wait(days=20)
    state = await officer.redress(route, "appeal", {})
    assert state["stage"] == "appealed"
    windows = {d["step"]: d["status"] for d in state["deadlines"]}
    # One appeal deadline, the later of the two (r.20(1)(c)): an appeal by it used the family's time to appeal.
    assert windows["appeal.from_decision"] == windows["appeal.from_certificate"] == "used"
    assert "breached" not in windows.values()


async def test_the_final_plan_goes_to_the_setting_and_the_health_body(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    """SEND Regs 2014 reg 13(2): the final plan is sent to the family, the named setting and the health body."""
    officer = Officer(api, env)
    await officer.open()
    await officer.act("decide-to-assess", {"assess": True})
    await officer.act("decide-to-issue", {"issue": True})
    await officer.draft()
    await officer.wait(days=15)
    await officer.final(setting_type="Mainstream primary school")
    copies = {(n["recipient_role"], n["template"]) for n in await officer.letters()}
    assert {("parent", "final_plan"), ("setting", "final_plan_copy"), ("health_body", "final_plan_copy")} <= copies


async def test_the_amended_plan_is_due_within_twelve_weeks_of_the_meeting_whichever_binds_first(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    """Reg 22(3)'s 8 weeks from the proposals, and 12 weeks from the meeting (R (L, M and P) v Devon CC [2022]
    EWHC 493 (Admin)): a decision made late leaves the 12 weeks as the earlier limit."""
    officer = PlanOfficer(api, env)
    await officer.import_existing("DEVON/1", issued_days_ago=300, year_group=4)
    await officer.review()  # the meeting 15 days on, the report a week after it
    meeting = date.fromisoformat((await officer.plan())["last_review_on"])
    await officer.wait(weeks=5)  # the decision 6 weeks after the meeting: reg 20's 4 weeks missed
    decided = await officer.today()
    proposed = {**SECTIONS, "I": "Mainstream primary school"}
    plan = await officer.act_on_plan("review-decision", {"outcome": "amend", "proposed_sections": proposed})
    due = {d["step"]: d["due"] for d in plan["deadlines"]}
    assert due["review.final_amended"] == (decided + timedelta(weeks=8)).isoformat()
    assert due["review.final_amended_after_meeting"] == (meeting + timedelta(weeks=12)).isoformat()
    assert due["review.final_amended_after_meeting"] < due["review.final_amended"]

    await officer.wait(weeks=7)  # 13 weeks after the meeting, 7 after the proposals
    issued = (await officer.today()).isoformat()
    plan = await officer.act_on_plan("amended-plan", {"issued_on": issued, "sections": proposed})
    letters = {(n["recipient_role"], n["template"]) for n in await officer.letters()}
    assert {("setting", "amended_plan_copy"), ("health_body", "amended_plan_copy")} <= letters
    timeline = (await api.get(f"/plans/{officer.case_ref}/timeline")).json()
    statuses = {d["step"]: d["status"] for d in timeline["deadlines"] if d["key"].endswith("@c1")}
    assert statuses["review.final_amended_after_meeting"] == "breached"
    assert statuses["review.final_amended"] == "met"


async def test_a_plan_to_be_ceased_stays_while_a_certificate_gives_the_family_more_time_to_appeal(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    """CFA 2014 s.45: the plan is maintained until the time for bringing an appeal has passed, and a certificate
    issued late in the 2 months gives a month from its date (HESC r.20(1)(c)). Reg 31(1) comes first."""
    officer = Redress(api, env)
    await officer.import_existing("CEASE/CERT", issued_days_ago=200, year_group=5)
    problem = await officer.act_on_plan("cease", {"reasons": "Needs met without a plan."}, expect=409)
    assert "reg 31(1)" in problem["detail"]
    await officer.act_on_plan("cease-consultation", {})
    await officer.act_on_plan("cease", {"reasons": "Needs met without a plan."})
    route = await officer.route(f"cease-{await officer.today():%Y%m%d}")
    await officer.wait(days=55)
    await officer.redress(route, "adviser-contact", {"wants_mediation": False})
    await officer.wait(days=2)
    certified = await officer.today()
    state = await officer.redress(route, "certificate", {})
    assert state["appeal_by"] == statutory.due_date("appeal.from_certificate", certified).isoformat()
    await officer.wait(days=23)  # 80 days after the decision: past its 2 months, within the certificate's month
    assert (await officer.plan())["stage"] == "cease_pending_appeal"
    state = await officer.redress(route, "appeal", {})
    assert state["stage"] == "appealed"

    async def appeal_registered_on_the_plan() -> dict | None:
        plan = await officer.plan()
        return plan if "Tribunal's decision" in plan["waiting_for"] else None

    plan = await eventually(appeal_registered_on_the_plan)
    assert plan["stage"] == "cease_pending_appeal" and not plan["closed"]


async def test_an_exception_on_the_plans_own_limit_excepts_the_missed_reassessment(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    """Reg 27(3) applies reg 10(4): a re-assessment's 14 weeks can be missed under an exception, recorded on the
    plan as on an assessment; the plan's other steps admit none."""
    officer = PlanOfficer(api, env)
    await officer.import_existing("EXCEPT/1", issued_days_ago=100, year_group=4)
    await officer.act_on_plan("reassessment-request", {})
    await officer.act_on_plan("reassessment-decision", {"reassess": True})
    agreed = await officer.today()
    await officer.wait(weeks=3)
    exception = absence(
        "The family is abroad", agreed + timedelta(weeks=1), agreed + timedelta(weeks=8), "reassessment.final_plan"
    )
    refused = await officer.act_on_plan("exceptions", {**exception, "steps": ["review.annual"]}, expect=422)
    assert "does not apply to review.annual" in refused["detail"]
    too_many = await officer.act_on_plan(
        "exceptions", {**exception, "steps": ["reassessment.final_plan"] * 17}, expect=422
    )
    assert "reassessment.final_plan" not in str(too_many)  # a rejection never echoes what it refused
    await officer.act_on_plan("exceptions", exception)
    await officer.wait(weeks=12)  # past the 14 weeks (reg 27(2)) with no amended plan
    deadline = next(d for d in (await officer.plan())["deadlines"] if d["step"] == "reassessment.final_plan")
    assert (deadline["status"], deadline["exception_code"]) == ("excepted", "absence_4_weeks")
    escalations = [n for n in await officer.letters() if n["template"] == "deadline_escalation"]
    assert escalations == []


async def test_the_thirty_days_are_met_by_the_mediation_taking_place_not_by_its_arrangement(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    """SEND Regs 2014 regs 35-41: the mediation must take place within 30 days of the LA being told it is wanted."""
    officer = Redress(api, env)
    route, _ = await officer.refused_case()
    asked = await officer.today()
    await officer.redress(route, "adviser-contact", {"wants_mediation": True})
    await officer.wait(days=5)
    held_on = asked + timedelta(days=31)
    state = await officer.redress(route, "mediation-arranged", {"mediation_on": held_on.isoformat()})
    arrange = next(d for d in state["deadlines"] if d["step"] == "mediation.arrange")
    assert arrange["status"] == "open" and arrange["due"] == (asked + timedelta(days=30)).isoformat()
    await officer.wait(days=26)  # the mediation day, a day after the 30 days
    state = await officer.redress(route, "mediation-held", {"outcome": "none"})
    arrange = next(d for d in state["deadlines"] if d["step"] == "mediation.arrange")
    assert (arrange["status"], arrange["done_on"]) == ("breached", held_on.isoformat())


async def test_the_las_response_is_due_when_the_directions_say_if_they_fix_a_date(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    """HESC r.12(4): a date the Tribunal's directions fix is the date; otherwise 30 working days (r.21, r.12(3))."""
    officer = Redress(api, env)
    route, _ = await officer.refused_case()
    await officer.redress(route, "adviser-contact", {"wants_mediation": False})
    await officer.redress(route, "certificate", {})
    appeal = await officer.tribunal(await officer.redress(route, "appeal", {}))
    registered = await officer.today()
    fixed = registered + timedelta(days=20)
    too_early = {"response_due": registered.isoformat()}
    assert "after the registration" in (await officer.redress(appeal, "registered", too_early, expect=422))["detail"]
    state = await officer.redress(appeal, "registered", {"response_due": fixed.isoformat()})
    response = next(d for d in state["deadlines"] if d["step"] == "tribunal.la_response")
    assert response["due"] == fixed.isoformat()


async def test_an_order_to_reassess_after_a_refusal_reassesses_the_plan_not_the_first_assessment(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    """Reg 44(2)(b): after an appeal against a refusal to re-assess (s.51(2)(d)) the LA tells the family within
    2 weeks that it will re-assess, and the re-assessed plan (regs 25-27) follows within 14 weeks of the order,
    as the plan's next version."""
    officer = Redress(api, env)
    await officer.import_existing("REASSESS/ORDER", issued_days_ago=150, year_group=5)
    await officer.act_on_plan("reassessment-request", {})
    await officer.act_on_plan("reassessment-decision", {"reassess": False, "reasons": "Assessed last year."})
    route = await officer.route(f"refusal_to_reassess-{await officer.today():%Y%m%d}")
    await officer.redress(route, "adviser-contact", {"wants_mediation": False})
    await officer.redress(route, "certificate", {})
    appeal = await officer.tribunal(await officer.redress(route, "appeal", {}))
    await officer.redress(appeal, "registered", {})
    await officer.wait(days=7)
    ordered_on = await officer.today()
    await officer.redress(appeal, "decision", {"upheld": True, "orders": ["assess"]})

    async def reassessing() -> dict | None:
        plan = await officer.plan()
        return plan if plan["stage"] == "reassessment_requested" else None

    plan = await eventually(reassessing)
    due = {d["step"]: d["due"] for d in plan["deadlines"] if d["step"].startswith("tribunal.")}
    assert due == {
        "tribunal.comply_assess": (ordered_on + timedelta(weeks=2)).isoformat(),
        "tribunal.comply_final_plan": (ordered_on + timedelta(weeks=14)).isoformat(),
    }
    first = await api.get(f"/cases/{officer.case_ref}")  # no first assessment is opened (or reopened)
    assert first.json().get("stage") != "request_received", first.text
    refused = await officer.act_on_plan("reassessment-decision", {"reassess": False, "reasons": "No."}, expect=422)
    assert "Tribunal ordered" in refused["detail"]
    await officer.wait(days=10)
    plan = await officer.act_on_plan("reassessment-decision", {"reassess": True})
    notice = next(d for d in plan["deadlines"] if d["step"] == "tribunal.comply_assess")
    assert notice["status"] == "met"
    served = await officer.today()
    answer = await api.post(
        f"/plans/{officer.case_ref}/reassessment-draft",
        json={"served_on": served.isoformat(), "sections": {**SECTIONS, "I": ""}},
    )
    assert answer.status_code == 200, answer.text
    await officer.wait(days=15)
    issued = {"issued_on": (await officer.today()).isoformat(), "sections": {**SECTIONS, "I": "Special school"}}
    await officer.act_on_plan("amended-plan", issued)

    async def complied() -> dict | None:
        state = (await api.get(f"/tribunal/{appeal}")).json()
        return state if state["closed"] else None

    assert (await eventually(complied))["stage"] == "complied"
    plan = await officer.in_cycle(2)  # the re-assessed plan is the plan's next version, in its next cycle
    assert plan["versions"][-1]["reason"] == "Tribunal order"


async def test_a_tribunal_order_to_amend_during_a_review_can_be_carried_out_at_once(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    """An order to amend (reg 44(2)(e), 5 weeks) may reach a plan whose review meeting is already set. The order is
    the Tribunal's, so the LA amends the plan as ordered without proposals and 15 days of comments first; waiting
    for the review to run its course would make the LA miss the order's time limit through no fault of its own."""
    officer = Redress(api, env)
    await officer.import_existing("ORDERED/1", issued_days_ago=300, year_group=4)
    today = await officer.today()
    await officer.act_on_plan("review-notice", {"meeting_on": (today + timedelta(days=20)).isoformat()})
    order = TribunalOrder(
        on=today, actor="tribunal", order_id="A1-amend", kind="amend", tribunal_workflow_id="tribunal-none-A1"
    )
    handle = env.client.get_workflow_handle(plan_id(officer.case_ref))
    await handle.execute_update("tribunal_order", order, id="tribunal_order:A1-amend")  # as the order's activity
    await officer.wait(days=7)
    issued = (await officer.today()).isoformat()  # a week into the order's 5 weeks
    plan = await officer.act_on_plan("amended-plan", {"issued_on": issued, "sections": {**SECTIONS, "I": "School"}})
    assert plan["versions"][-1]["reason"] == "Tribunal order"
    ordered = [row for row in await officer.deadline_rows(sessions) if row.step == "tribunal.comply_amend"]
    assert [(row.status, row.done_on and row.done_on.isoformat()) for row in ordered] == [("met", issued)]
    review = next(d for d in (await officer.in_cycle(2))["deadlines"] if d["step"] == "review.annual")
    assert review["status"] == "open"  # the annual review is still owed

"""A plan's other events: rights passing to the young person, a move to another LA, re-assessment,
and review steps refused out of order."""

from datetime import date, timedelta

import httpx
from temporalio.testing import WorkflowEnvironment

import statutory
from api.auth import Role
from core.config import Settings
from statutory import phases
from tests.conftest import eventually
from tests.driver import SECTIONS, PlanOfficer
from tests.factories import bearer
from tests.support.dates import months_on


async def imported(
    officer: PlanOfficer, reference: str, *, date_of_birth: str = "2011-01-15", year_group: int | None = None
) -> dict:
    """A plan of LA 340 issued four months ago, in its first review cycle."""
    return await officer.import_existing(
        reference, issued_days_ago=120, la_code="340", date_of_birth=date_of_birth, year_group=year_group
    )


async def test_rights_pass_to_the_young_person_at_the_end_of_compulsory_school_age(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = PlanOfficer(api, env)
    # Born 2011-01-15: Reception from 2015; Year 11 ends on the last Friday of June 2027.
    plan = await imported(officer, "YP/1", date_of_birth="2011-01-15")
    ends = phases.compulsory_school_age_ends(2015)
    assert ends == date(2027, 6, 25) and ends.weekday() == 4
    assert plan["rights_holder"] == "parent" and plan["rights_pass_on"] == "2027-06-26"
    await env.sleep(statutory.breach_at(ends) - await env.get_current_time() - timedelta(hours=1))
    assert (await officer.plan())["rights_holder"] == "parent"
    await officer.wait(hours=2)
    plan = await officer.plan()
    assert plan["rights_holder"] == "young_person"
    assert plan["history"][-1]["action"] == "rights_passed_to_young_person"
    letters = await officer.letters()
    assert [n["recipient_role"] for n in letters if n["template"] == "rights_passed"] == ["young_person"]
    # From now on the family's notices go to the young person.
    await officer.review()
    await officer.act_on_plan("review-decision", {"outcome": "maintain"})
    letters = await officer.letters()
    recipients = {n["template"]: n["recipient_role"] for n in letters}
    assert recipients["review_notice"] == recipients["review_decision"] == "young_person"


async def test_transfer_to_another_la_moves_the_plan_and_its_deadlines(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings
) -> None:
    officer = PlanOfficer(api, env)
    plan = await imported(officer, "MOVE/1", date_of_birth="2016-10-02")  # no phase transfer this year
    issued = date.fromisoformat(plan["issued_on"])
    assert plan["review_due"] == months_on(issued, 12).isoformat()  # 12 months from the plan (s.44(1))
    await officer.wait(weeks=30)
    moved = await officer.today()
    # Only a manager moves a plan, and only to an English LA: a case officer, a made-up code and a former
    # council's number are each refused, and the plan stays where it was.
    as_officer = bearer(settings, Role.CASE_OFFICER, ["340"], sub="officer.one")
    refused = await api.post(
        f"/plans/{officer.case_ref}/transfer", json={"from_la_code": "340", "to_la_code": "341"}, headers=as_officer
    )
    assert refused.status_code == 403, refused.text
    for code, says in (
        ("ZZZ999", "to_la_code: that is not the DfE number of an English local authority."),
        (
            "909",
            "to_la_code: LA 909 no longer exists: its plans are held by 942 (Cumberland) "
            "or 943 (Westmorland and Furness).",
        ),
    ):
        problem = await officer.act_on_plan("transfer", {"from_la_code": "340", "to_la_code": code}, expect=422)
        assert problem["detail"] == says
    assert (await officer.plan())["la_code"] == "340"
    plan = await officer.act_on_plan("transfer", {"from_la_code": "340", "to_la_code": "341"})
    assert plan["la_code"] == "341"
    deadlines = {d["step"]: d for d in plan["deadlines"]}
    assert deadlines["transfer.new_la_notice"]["due"] == (moved + timedelta(weeks=6)).isoformat()
    # Reg 15(5): the later of 12 months from the last review and 3 months from the transfer.
    # Issued 120 days before the start and moved 30 weeks on: 3 months from the move is the later.
    assert months_on(issued, 12) < months_on(moved, 3)
    assert plan["review_due"] == months_on(moved, 3).isoformat()
    # A review ends the cycle before the notice is sent: the new LA still owes it in the next cycle.
    await officer.review()
    await officer.act_on_plan("review-decision", {"outcome": "maintain"})
    plan = await officer.in_cycle(2)
    assert {d["step"]: d["status"] for d in plan["deadlines"]}["transfer.new_la_notice"] == "open"
    # Reg 15(4): the notice says whether the new LA proposes an assessment; one that does not say is refused.
    problem = await officer.act_on_plan("transfer-notice", {}, expect=422)
    assert "proposes_assessment" in problem["detail"]
    plan = await officer.act_on_plan("transfer-notice", {"proposes_assessment": False})
    assert {d["step"]: d["status"] for d in plan["deadlines"]}["transfer.new_la_notice"] == "met"
    assert plan["history"][-1]["summary"] == (
        "New LA's notice sent (reg 15(4)): it does not propose an EHC needs assessment"
    )
    problem = await officer.act_on_plan("transfer", {"from_la_code": "340", "to_la_code": "342"}, expect=422)
    assert "held by LA 341" in problem["detail"]


async def test_reassessment_refused_is_appealable_and_agreed_runs_14_weeks(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = PlanOfficer(api, env)
    await imported(officer, "REASSESS/1", date_of_birth="2013-03-03")
    await officer.act_on_plan("reassessment-request", {})
    plan = await officer.plan()
    decide = next(d for d in plan["deadlines"] if d["step"] == "reassessment.decide")
    assert decide["due"] == (await officer.today() + timedelta(days=15)).isoformat()
    problem = await officer.act_on_plan("reassessment-decision", {"reassess": False}, expect=422)
    assert "reasons" in problem["detail"]
    plan = await officer.act_on_plan("reassessment-decision", {"reassess": False, "reasons": "Assessed 3 months ago."})
    assert plan["stage"] == "maintained"
    assert [(d["kind"], d["limb"]) for d in plan["decisions"]] == [("refusal_to_reassess", "(2)(d)")]

    await officer.wait(days=5)
    await officer.act_on_plan("reassessment-request", {})
    plan = await officer.act_on_plan("reassessment-decision", {"reassess": True})
    assert plan["stage"] == "reassessing"
    final = next(d for d in plan["deadlines"] if d["step"] == "reassessment.final_plan")
    assert final["due"] == (await officer.today() + timedelta(weeks=14)).isoformat()
    await officer.wait(weeks=8)
    sections = {**SECTIONS, "I": "Type: special school"}
    issued = {"issued_on": (await officer.today()).isoformat(), "sections": sections}
    # Reg 27 applies reg 13(1): a draft first, with 15 days to comment; then the plan, naming only a setting
    # consulted (CFA 2014 ss.38-40).
    problem = await officer.act_on_plan("amended-plan", issued, expect=409)
    assert "reg 27" in problem["detail"]
    served = await officer.today()
    answer = await api.post(
        f"/plans/{officer.case_ref}/reassessment-draft",
        json={"served_on": served.isoformat(), "sections": {**SECTIONS, "I": ""}},
    )
    assert answer.status_code == 200, answer.text
    draft = answer.json()
    window = next(d for d in draft["deadlines"] if d["key"].startswith("reassessment.draft_comments"))
    assert (draft["stage"], window["kind"], window["due"]) == (
        "reassessment_draft",
        "window",
        (served + timedelta(days=14)).isoformat(),
    )
    commented = await officer.act_on_plan("family-comments", {"preferred_setting_urn": "100007"})
    assert commented["preferred_setting_urn"] == "100007"
    window = next(d for d in commented["deadlines"] if d["key"].startswith("reassessment.draft_comments"))
    assert window["status"] == "used"
    await officer.wait(days=14)  # the window's last day: still too early
    problem = await officer.act_on_plan(
        "amended-plan", {**issued, "issued_on": (await officer.today()).isoformat()}, expect=422
    )
    assert "15 days" in problem["detail"]
    await officer.wait(days=1)
    named = {"issued_on": (await officer.today()).isoformat(), "sections": sections, "named_setting_urn": "100007"}
    problem = await officer.act_on_plan("amended-plan", named, expect=422)
    assert "not consulted" in problem["detail"]
    await officer.act_on_plan("setting-consultations", {"setting_urn": "100007"})
    await officer.act_on_plan("setting-answers", {"setting_urn": "100007", "agrees": True})
    await officer.act_on_plan("amended-plan", named)
    plan = await officer.in_cycle(2)
    assert plan["versions"][-1]["reason"] == "re-assessment"
    assert plan["named_setting_urn"] == "100007"


async def test_review_steps_out_of_order_are_refused(api: httpx.AsyncClient, env: WorkflowEnvironment) -> None:
    officer = PlanOfficer(api, env)
    await imported(officer, "ORDER/1")
    today = await officer.today()
    problem = await officer.act_on_plan("review-meeting", {}, expect=409)
    assert "stage 'maintained'" in problem["detail"]
    problem = await officer.act_on_plan(
        "review-notice", {"meeting_on": (today + timedelta(days=10)).isoformat()}, expect=422
    )
    assert "at least 2 weeks" in problem["detail"] and "reg 20(3)" in problem["detail"]
    await officer.act_on_plan("review-notice", {"meeting_on": (today + timedelta(days=14)).isoformat()})
    await officer.wait(days=14)
    await officer.act_on_plan("review-meeting", {})
    problem = await officer.act_on_plan("review-decision", {"outcome": "maintain"}, expect=409)
    assert "review report" in problem["detail"]
    await officer.act_on_plan("review-report", {})
    problem = await officer.act_on_plan("review-decision", {"outcome": "amend"}, expect=422)
    assert "proposed_sections" in problem["detail"]
    problem = await officer.act_on_plan("review-decision", {"outcome": "cease"}, expect=422)
    assert "reasons" in problem["detail"]
    problem = await officer.act_on_plan(
        "review-decision", {"outcome": "maintain", "on": (today + timedelta(days=30)).isoformat()}, expect=422
    )
    assert "in the future" in problem["detail"]
    missing = await api.get("/plans/340-ZZZZZZZZ")
    assert missing.status_code == 404


async def test_under_fives_are_reviewed_every_six_months_and_year_group_overrides_cohort(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = PlanOfficer(api, env)
    today = await officer.today()
    born = date(today.year - 3, 1, 1)  # 3 years old: Reception is over a year away
    plan = await imported(officer, "UNDER5/1", date_of_birth=born.isoformat())
    issued = date.fromisoformat(plan["issued_on"])
    # The law's duty stays 12 months (CFA 2014 s.44(1)); Code 9.178's 6 months is a planning target beside it.
    assert plan["review_due"] == months_on(issued, 12).isoformat()
    target = next(d for d in plan["deadlines"] if d["step"] == "review.under_five")
    assert (target["kind"], target["due"]) == ("target", months_on(issued, 6).isoformat())
    assert "under 5" in plan["review_reason"] and plan["year_group"] < 0

    held_back = PlanOfficer(api, env)
    plan = await imported(held_back, "HELDBACK/1", date_of_birth="2014-01-20", year_group=6)
    assert plan["year_group"] == 6
    assert plan["reception_year"] == phases.academic_year_start(today) - 6


async def test_advice_must_be_circulated_two_weeks_before_the_meeting(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = PlanOfficer(api, env)
    await imported(officer, "ADVICE/1")
    today = await officer.today()
    await officer.act_on_plan("review-notice", {"meeting_on": (today + timedelta(days=20)).isoformat()})
    await officer.wait(days=10)
    problem = await officer.act_on_plan("review-advice", {}, expect=422)
    assert "reg 20(4)" in problem["detail"] and str(today + timedelta(days=6)) in problem["detail"]


async def test_timeline_spans_every_review_cycle(api: httpx.AsyncClient, env: WorkflowEnvironment) -> None:
    officer = PlanOfficer(api, env)
    await imported(officer, "TIMELINE/1", date_of_birth="2012-12-12")
    await officer.review()
    await officer.act_on_plan("review-decision", {"outcome": "maintain"})

    async def both_cycles() -> dict | None:
        timeline = (await api.get(f"/plans/{officer.case_ref}/timeline")).json()
        keys = {d["key"] for d in timeline["deadlines"]}
        return timeline if {"review.annual@c1", "review.annual@c2"} <= keys else None

    timeline = await eventually(both_cycles)
    actions = [e["action"] for e in timeline["events"]]
    assert actions[0] == "plan_started"
    assert actions.index("review_scheduled") < actions.index("review_held") < actions.index("review_decided_maintain")


async def test_an_imported_young_person_already_holds_the_rights(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = PlanOfficer(api, env)
    plan = await imported(officer, "ADULT/1", date_of_birth="2006-05-05")
    assert plan["rights_holder"] == "young_person"
    assert "rights_with_young_person" in [h["action"] for h in plan["history"]]
    letters = await officer.letters()
    assert not [n for n in letters if n["template"] == "rights_passed"]

"""An EHC plan's life over years under time skipping: reviews, a phase transfer, an amendment, ceasing."""

from datetime import date, timedelta

import httpx
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

import statutory
from statutory import phases
from store.db import SessionMaker
from store.models import AppealableDecisionRow
from tests.conftest import eventually
from tests.driver import SECTIONS, PlanOfficer
from tests.factories import case_request
from tests.support.dates import appeal_deadline_fits, day_named_in, months_on

URN = "100001"
# Born January 2018: Reception in September 2022, secondary school in September 2029 (deadline
# 15 February 2029, SEND Regs 2014 reg 18(1)(b)).
DATE_OF_BIRTH = date(2018, 1, 10)


async def issue_plan_through_assessment(officer: PlanOfficer) -> date:
    child = {**case_request(await officer.today())["child"], "date_of_birth": DATE_OF_BIRTH.isoformat()}
    await officer.open(child=child)
    await officer.wait(weeks=4)
    await officer.act("decide-to-assess", {"assess": True})
    await officer.wait(weeks=6)
    await officer.act("decide-to-issue", {"issue": True})
    await officer.draft()
    await officer.act("setting-consultations", {"setting_urn": URN})
    await officer.wait(days=15)
    await officer.act("setting-answers", {"setting_urn": URN, "agrees": True})
    await officer.final(named_setting_urn=URN)
    return await officer.today()


async def test_plan_life_over_years(api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker) -> None:
    officer = PlanOfficer(api, env)
    issued = await issue_plan_through_assessment(officer)

    async def plan_started() -> dict | None:
        plan = await officer.plan()
        return plan if plan["review_due"] else None

    plan = await eventually(plan_started)  # the plan loads the child's cohort before it opens its review
    assert plan["stage"] == "maintained" and plan["cycle"] == 1
    assert plan["issued_on"] == issued.isoformat()
    assert plan["review_due"] == months_on(issued, 12).isoformat()  # CFA 2014 s.44(1): 12 months
    assert [v["version"] for v in plan["versions"]] == [1]
    assert plan["reception_year"] == 2022 and plan["rights_holder"] == "parent"

    # Cycle 1: the annual review keeps the plan as it is.
    await officer.wait(weeks=44)
    await officer.review()
    plan = await officer.act_on_plan("review-decision", {"outcome": "maintain"})
    first_meeting = date.fromisoformat(plan["last_review_on"])
    plan = await officer.in_cycle(2)
    assert plan["stage"] == "maintained"
    assert [d["kind"] for d in plan["decisions"]] == ["maintain_unchanged"]

    # Cycle 2 holds the secondary transfer: the review comes forward so the plan is amended by 15 Feb.
    transfer = phases.secondary_transfer_deadline(2022)
    assert first_meeting < transfer and transfer - timedelta(weeks=12) <= months_on(first_meeting, 12)
    assert plan["phase_transfer_due"] == transfer.isoformat()
    # The duty stays 12 months from the last review; the meeting worked back from 15 Feb is a planning target.
    assert plan["review_due"] == months_on(first_meeting, 12).isoformat()
    meeting = next(d for d in plan["deadlines"] if d["step"] == "review.phase_transfer_meeting")
    assert (meeting["kind"], meeting["due"]) == ("target", (transfer - timedelta(weeks=12)).isoformat())
    assert "phase transfer" in plan["review_reason"]
    await officer.env.sleep(
        statutory.breach_at(date.fromisoformat(meeting["due"]) - timedelta(days=30)) - await env.get_current_time()
    )
    await officer.review()
    proposed = {
        **SECTIONS,
        "F": "Two hours of therapy; a transition plan for Year 7.",
        "I": "Type: mainstream secondary",
    }
    plan = await officer.act_on_plan("review-decision", {"outcome": "amend", "proposed_sections": proposed})
    assert plan["stage"] == "amendment_proposed"
    problem = await officer.act_on_plan(
        "amended-plan", {"issued_on": (await officer.today()).isoformat(), "sections": proposed}, expect=422
    )
    assert "15 days" in problem["detail"]
    await officer.wait(days=16)
    amended = {**proposed, "I": "Elm Secondary School (URN 100002)"}
    await officer.act_on_plan("amended-plan", {"issued_on": (await officer.today()).isoformat(), "sections": amended})
    plan = await officer.in_cycle(3)
    assert [v["version"] for v in plan["versions"]] == [1, 2]
    assert (await officer.today()) < transfer

    versions = (await api.get(f"/plans/{officer.case_ref}/versions")).json()
    assert [v["version"] for v in versions] == [1, 2]
    assert {c["section"] for c in versions[1]["changed"]} == {"F", "I"}
    assert "+Elm Secondary School (URN 100002)" in next(
        c["diff"] for c in versions[1]["changed"] if c["section"] == "I"
    )
    assert versions[1]["by"] == "manager.one" and versions[1]["reason"] == "annual review"

    # The phase transfer deadline was met in cycle 2 (its deadlines stay in the read model).
    async with sessions() as session:
        decisions = (
            await session.exec(select(AppealableDecisionRow).where(AppealableDecisionRow.case_ref == officer.case_ref))
        ).all()
    assert sorted(d.kind for d in decisions) == ["amended_plan", "final_plan", "maintain_unchanged"]
    deadlines = (await api.get(f"/cases/{officer.case_ref}")).json()  # the assessment, closed
    assert deadlines["stage"] == "final_issued"

    # Cycle 3: the LA decides to cease; the plan stays in force until the appeal window closes.
    await officer.wait(weeks=20)
    await officer.act_on_plan("cease-consultation", {})  # reg 31(1): the family and the setting first
    plan = await officer.act_on_plan("cease", {"reasons": "Needs now met without a plan."})
    assert plan["stage"] == "cease_pending_appeal"
    decided = await officer.today()
    assert appeal_deadline_fits(decided, day_named_in(plan["waiting_for"]), months=2), plan["waiting_for"]
    await officer.wait(weeks=4)
    await officer.act_on_plan("cease-appeal", {"lodged": True})
    await officer.wait(weeks=10)  # past the appeal window: the appeal is pending, so the plan stays
    assert (await officer.plan())["stage"] == "cease_pending_appeal"
    plan = await officer.act_on_plan("cease-appeal", {"lodged": False, "upheld": False})
    assert plan["stage"] == "ceased" and plan["closed"] and plan["outcome"] == "ceased"

    # Each cycle's history is its own run (continue-as-new): the latest run stays small.
    history = await env.client.get_workflow_handle(f"plan-{officer.case_ref}").fetch_history()
    assert len(history.events) < 150


async def test_appeal_against_ceasing_keeps_the_plan(api: httpx.AsyncClient, env: WorkflowEnvironment) -> None:
    officer = PlanOfficer(api, env)
    report = await officer.import_plans(
        [
            {
                "la_code": "202",
                "la_reference": "EHC/555",
                "given_name": "A",
                "family_name": "B",
                "date_of_birth": "2015-03-01",
                "plan_issued_on": (await officer.today() - timedelta(days=200)).isoformat(),
            }
        ]
    )
    assert report["imported"] == 1
    officer.case_ref = report["cases"][0]["case_ref"]
    await officer.act_on_plan("cease-consultation", {})
    await officer.act_on_plan("cease", {"reasons": "Moved to independent provision."})
    await officer.act_on_plan("cease-appeal", {"lodged": True})
    await officer.wait(weeks=12)  # past the appeal window: an appeal is pending, so the plan stays
    assert (await officer.plan())["stage"] == "cease_pending_appeal"
    plan = await officer.act_on_plan("cease-appeal", {"lodged": False, "upheld": True})
    assert plan["stage"] == "maintained" and not plan["closed"]


async def test_cease_takes_effect_when_the_appeal_window_closes(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = PlanOfficer(api, env)
    await issue_plan_through_assessment(officer)
    await officer.wait(weeks=30)
    problem = await officer.act_on_plan("cease", {"reasons": "Needs now met without a plan."}, expect=409)
    assert "reg 31(1)" in problem["detail"]
    await officer.act_on_plan("cease-consultation", {})
    plan = await officer.act_on_plan("cease", {"reasons": "Needs now met without a plan."})
    assert plan["stage"] == "cease_pending_appeal"
    appeal_by = day_named_in(plan["waiting_for"])
    assert appeal_deadline_fits(await officer.today(), appeal_by, months=2), plan["waiting_for"]
    # The decision's redress route ends five working days after the last day for appealing, once no appeal
    # made in time has been heard of; the plan then ceases as of that last day (CFA 2014 s.45).
    route_ends = statutory.breach_at(statutory.add_working_days(appeal_by, 5))
    await officer.env.sleep(route_ends - await env.get_current_time() - timedelta(hours=1))
    assert (await officer.plan())["stage"] == "cease_pending_appeal"  # in force until the appeal time is over

    async def ceased() -> dict | None:
        plan = await officer.plan()
        return plan if plan["stage"] == "ceased" else None

    await officer.wait(hours=2)
    plan = await eventually(ceased)
    assert plan["outcome"] == "ceased" and plan["history"][-1]["on"] == appeal_by.isoformat()

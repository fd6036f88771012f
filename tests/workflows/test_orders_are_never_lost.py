"""A Tribunal order is either carried out by a case or refused when it is made: never left owed with no way
to meet it. Each test is a sequence a third red-team run found leaving an appeal open for ever, a duty no
action could meet, or a decision contradicting an order; expected dates are counted here by hand."""

from datetime import timedelta
from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

from api.auth import Role
from core.config import Settings
from tests.conftest import eventually
from tests.driver import SECTIONS, Redress
from tests.factories import bearer


async def appeal_against_keeping_the_plan(officer: Redress, reference: str, la: str = "202") -> str:
    """A plan reviewed and kept unchanged; the family appeals (s.51(2)(e)) and the Tribunal registers it."""
    today = await officer.today()
    row: dict[str, Any] = {
        "la_code": la,
        "la_reference": reference,
        "given_name": "O",
        "family_name": "R",
        "date_of_birth": "2013-04-04",
        "plan_issued_on": (today - timedelta(days=200)).isoformat(),
    }
    await officer.import_plan(row)
    await eventually(officer.plan)
    await officer.review()
    await officer.act_on_plan("review-decision", {"outcome": "maintain"})
    decision = (await officer.plan())["decisions"][-1]["decision_id"]
    return await officer.appeal_registered(await officer.route(decision.removeprefix(officer.case_ref + "-")))


async def test_an_order_made_twice_or_one_the_appeal_cannot_end_in_is_refused(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    """["amend", "amend"] gave two orders one id, one of which nothing could ever mark done; an order to assess
    on an appeal about a plan's content opened an assessment beside the plan; assess with make_plan lost the
    second order. Each is refused when made, saying what the appeal can end in."""
    refused = Redress(api, env)  # first: a request is opened on the real calendar's today
    assess_appeal = await refused.appeal_registered((await refused.refused_case(wait=False))[0])
    both = {"upheld": True, "orders": ["assess", "make_plan"]}
    assert "not make_plan" in (await refused.redress(assess_appeal, "decision", both, expect=422))["detail"]
    officer = Redress(api, env)
    appeal = await appeal_against_keeping_the_plan(officer, "ORDERS/1")
    twice = await officer.redress(appeal, "decision", {"upheld": True, "orders": ["amend", "amend"]}, expect=422)
    assert twice["detail"] == "each order can be made once"
    wrong = await officer.redress(appeal, "concede", {"orders": ["assess"]}, expect=422)
    assert "can end in orders to amend, name_school only, not assess" in wrong["detail"]
    state = (await api.get(f"/tribunal/{appeal}")).json()
    assert state["stage"] == "registered" and state["orders"] == []


async def test_an_ordered_amendment_cannot_be_dated_before_the_order_nor_the_order_set_aside(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    """An amended plan dated before the order was taken as carrying it out, and the appeal then refused the
    report: the order was owed by nobody. A review decision to keep the plan as it is, made while an order to
    amend was owed, contradicted it. Both are refused; the amendment the order asks for goes through."""
    officer = Redress(api, env)
    appeal = await appeal_against_keeping_the_plan(officer, "ORDERS/2")
    await officer.wait(days=7)
    ordered_on = await officer.today()
    await officer.redress(appeal, "concede", {"orders": ["amend"]})

    async def ordered() -> dict[str, Any] | None:
        plan = await officer.plan()
        return plan if plan["stage"] == "ordered_amendment" else None

    await eventually(ordered)
    sections = {**SECTIONS, "F": "Provision as the Tribunal ordered", "I": "Type: mainstream"}
    early = (ordered_on - timedelta(days=1)).isoformat()
    before = await officer.act_on_plan("amended-plan", {"issued_on": early, "sections": sections}, expect=422)
    assert before["detail"] == (
        f"the amended plan carries out the Tribunal's order made on {ordered_on}: it cannot be dated before it"
    )
    await officer.wait(days=3)
    await officer.act_on_plan("amended-plan", {"issued_on": (await officer.today()).isoformat(), "sections": sections})

    async def complied() -> dict[str, Any] | None:
        state = (await api.get(f"/tribunal/{appeal}")).json()
        return state if state["closed"] else None

    assert (await eventually(complied))["stage"] == "complied"


async def test_keeping_the_plan_unchanged_is_refused_while_an_order_to_amend_is_owed(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = Redress(api, env)
    appeal = await appeal_against_keeping_the_plan(officer, "ORDERS/3")
    await officer.in_cycle(2)
    await officer.wait(days=200)
    await officer.review()
    await officer.redress(appeal, "decision", {"upheld": True, "orders": ["amend"]})

    async def owed() -> dict[str, Any] | None:
        plan = await officer.plan()
        return plan if any(d["step"] == "tribunal.comply_amend" for d in plan["deadlines"]) else None

    await eventually(owed)
    kept = await officer.act_on_plan("review-decision", {"outcome": "maintain"}, expect=409)
    assert kept["detail"].startswith("the Tribunal ordered the plan amended (amend, on ")


async def test_after_a_transfer_the_new_la_reads_and_lists_the_plans_appeal(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings
) -> None:
    """The LA that now holds the plan carries out what an appeal orders: it sees the appeal, as the LA whose
    decision it is about still does."""
    officer = Redress(api, env)
    appeal = await appeal_against_keeping_the_plan(officer, "ORDERS/4")
    await officer.act_on_plan("transfer", {"from_la_code": "202", "to_la_code": "330"})
    for la in ("330", "202"):
        manager = bearer(settings, Role.MANAGER, [la], sub=f"manager.{la}")
        assert (await api.get(f"/tribunal/{appeal}", headers=manager)).status_code == 200, la
        listed = (await api.get("/redress", params={"la_code": la, "process": "tribunal"}, headers=manager)).json()
        assert appeal in [row["workflow_id"] for row in listed], la
    elsewhere = bearer(settings, Role.MANAGER, ["331"], sub="manager.331")
    assert (await api.get(f"/tribunal/{appeal}", headers=elsewhere)).status_code == 404


async def test_a_new_cycle_takes_nothing_dated_before_the_review_that_began_it(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    """Cycle 2's review notice dated before cycle 1's meeting put two reviews in one year's place."""
    officer = Redress(api, env)
    await officer.import_existing("ORDERS/5", issued_days_ago=300, year_group=4)
    await officer.review()
    met_on = (await officer.plan())["last_review_on"]
    await officer.act_on_plan("review-decision", {"outcome": "maintain"})
    await officer.in_cycle(2)
    before = (await officer.today()) - timedelta(days=30)  # the meeting was 7 days ago
    notice = {"on": before.isoformat(), "meeting_on": (before + timedelta(days=15)).isoformat()}
    refused = await officer.act_on_plan("review-notice", notice, expect=422)
    assert f"is before {met_on}, when the plan reached that step" in refused["detail"]

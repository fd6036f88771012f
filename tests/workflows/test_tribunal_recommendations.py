"""The Tribunal's recommendations on health and social care (SEND (First-tier Tribunal Recommendations Power)
Regulations 2017, SI 2017/1306; docs/statutory-choices.md row 50) under time skipping: each addressee responds in
writing within 5 weeks of the decision. The LA's social care response is its duty; the health body's is a window
the LA chases."""

from datetime import timedelta
from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

import statutory
from tests.driver import Redress

STEP = "tribunal.recommendations_response"
SOCIAL_CARE = "The LA's social care response to the Tribunal's recommendations"
HEALTH = "The health commissioning body's response to the Tribunal's recommendations"


async def appeal_against_no_plan(api: httpx.AsyncClient, env: WorkflowEnvironment) -> tuple[Redress, str]:
    """A decision not to issue a plan after assessment (CFA 2014 s.51(2)(b)), appealed and answered by the LA."""
    officer = Redress(api, env)
    await officer.open()
    await officer.wait(weeks=4)
    await officer.act("decide-to-assess", {"assess": True})
    await officer.wait(weeks=10)
    await officer.act("decide-to-issue", {"issue": False, "reasons": "Provision can be made from SEN support."})
    appeal = await officer.appeal_registered(await officer.route("no_plan"))
    await officer.wait(weeks=2)
    await officer.redress(appeal, "response", {})
    await officer.wait(weeks=1)
    return officer, appeal


def recommendations(state: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The recommendation deadlines by addressee."""
    return {d["key"].removeprefix("recommendation:").split("@")[0]: d for d in state["deadlines"] if d["step"] == STEP}


async def test_recommendations_on_a_dismissed_appeal_social_care_met_health_lapsed(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer, appeal = await appeal_against_no_plan(api, env)
    decided = await officer.today()
    state = await officer.redress(appeal, "decision", {"upheld": False, "recommendations": ["social_care", "health"]})
    # The power exists whether the appeal is allowed or dismissed: the appeal waits for both responses.
    assert state["stage"] == "responding" and not state["closed"] and state["outcome"] is None
    due = decided + timedelta(weeks=5)
    recs = recommendations(state)
    assert recs["social_care"]["key"] == f"recommendation:social_care@{state['appeal_id']}"
    assert {to: (d["kind"], d["due"], d["status"], d["label"]) for to, d in recs.items()} == {
        "social_care": ("duty", due.isoformat(), "open", SOCIAL_CARE),
        "health": ("window", due.isoformat(), "open", HEALTH),
    }
    assert "written responses" in state["waiting_for"]
    letters = await officer.letters()
    told = [(n["recipient_role"], n["template"]) for n in letters if "recommendations" in n["template"]]
    assert sorted(told) == [("health_body", "tribunal_recommendations_health"), ("manager", "tribunal_recommendations")]

    # The social care response, recorded on the due day itself: met.
    await officer.wait(weeks=5)
    assert await officer.today() == due
    state = await officer.redress(appeal, "recommendation-response", {"to": "social_care", "follows": True})
    assert recommendations(state)["social_care"]["status"] == "met"
    assert recommendations(state)["social_care"]["done_on"] == due.isoformat()
    assert "recommendation_response:social_care" in [h["action"] for h in state["history"]]
    assert state["stage"] == "responding" and not state["closed"]  # the health body has not answered
    problem = await officer.redress(appeal, "recommendation-response", {"to": "social_care"}, expect=409)
    assert "already recorded" in problem["detail"]

    # The health body never answers: its window lapses at the end of the due day; nothing is the LA's breach.
    await env.sleep(statutory.breach_at(due) - await env.get_current_time() + timedelta(hours=1))
    assert await officer.today() == due + timedelta(days=1)
    state = (await api.get(f"/tribunal/{appeal}")).json()
    assert recommendations(state)["health"]["status"] == "lapsed"
    assert "breached" not in {d["status"] for d in state["deadlines"]}
    actions = [h["action"] for h in state["history"]]
    assert "window_closed" in actions and "deadline_breached" not in actions
    assert state["stage"] == "responding" and not state["closed"]  # the LA chases it
    letters = await officer.letters()
    about_health = [(n["recipient_role"], n["template"]) for n in letters if HEALTH in n["subject"]]
    assert about_health == [("officer", "deadline_reminder")]  # chased, never escalated as a breach
    assert not [n for n in letters if n["template"] in ("deadline_breached", "deadline_escalation")]

    # The late answer is recorded by its date; the appeal then ends, dismissed.
    state = await officer.redress(appeal, "recommendation-response", {"to": "health", "follows": False})
    assert recommendations(state)["health"]["status"] == "lapsed"
    assert state["stage"] == "dismissed" and state["closed"] and state["outcome"] == "dismissed"
    assert {r["to"]: r["follows"] for r in state["recommendations"]} == {"social_care": True, "health": False}


async def test_a_late_social_care_response_is_breached_and_escalated_once(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer, appeal = await appeal_against_no_plan(api, env)
    decided = await officer.today()
    state = await officer.redress(
        appeal, "decision", {"upheld": True, "orders": ["make_plan"], "recommendations": ["social_care"]}
    )
    assert state["stage"] == "complying"
    due = decided + timedelta(weeks=5)
    assert recommendations(state)["social_care"]["due"] == due.isoformat()
    problem = await officer.redress(appeal, "recommendation-response", {"to": "health"}, expect=422)
    assert "no recommendation" in problem["detail"]
    problem = await officer.redress(
        appeal,
        "recommendation-response",
        {"to": "social_care", "on": (decided - timedelta(days=1)).isoformat()},
        expect=422,
    )
    assert "before" in problem["detail"]

    await env.sleep(statutory.breach_at(due) - await env.get_current_time() + timedelta(hours=1))
    state = (await api.get(f"/tribunal/{appeal}")).json()
    assert recommendations(state)["social_care"]["status"] == "breached"
    await officer.wait(weeks=1)
    state = await officer.redress(appeal, "recommendation-response", {"to": "social_care", "follows": False})
    social_care = recommendations(state)["social_care"]
    assert social_care["status"] == "breached" and social_care["done_on"] == (await officer.today()).isoformat()
    assert not state["closed"]  # the order to make a plan is still owed
    problem = await officer.redress(appeal, "recommendation-response", {"to": "social_care"}, expect=409)
    assert "already recorded" in problem["detail"]
    letters = [n for n in await officer.letters() if SOCIAL_CARE in n["subject"]]
    assert [(n["recipient_role"], n["template"]) for n in letters if n["template"] != "deadline_reminder"] == [
        ("officer", "deadline_breached"),
        ("manager", "deadline_escalation"),
    ]


async def test_no_recommendations_on_a_refusal_to_assess_and_bad_input_refused(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = Redress(api, env)
    route, _ = await officer.refused_case()
    appeal = await officer.tribunal(await officer.redress(route, "appeal", {"settings_only": True}))
    problem = await officer.redress(appeal, "recommendation-response", {"to": "health"}, expect=409)
    assert "stage 'lodged'" in problem["detail"]
    await officer.redress(appeal, "registered", {})
    problem = await officer.redress(appeal, "decision", {"upheld": False, "recommendations": ["health"]}, expect=422)
    assert "s.51(2)(a)" in problem["detail"]
    for bad in (["health", "health"], ["health", "social_care", "health"], ["dentistry-<script>"], "health"):
        problem = await officer.redress(appeal, "decision", {"upheld": False, "recommendations": bad}, expect=422)
        assert "recommendations" in problem["detail"] and "dentistry" not in problem["detail"]
    state = await officer.redress(appeal, "decision", {"upheld": False})
    assert state["stage"] == "dismissed" and state["closed"] and state["recommendations"] == []
    assert not [d for d in state["deadlines"] if d["step"] == STEP]

"""Legal time through the API: a case entered late, with its past typed in afterwards, ends with exactly the
record the law would have, whatever the order of typing (docs/legal-time.md)."""

import asyncio
from datetime import date, timedelta
from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

from core.config import Settings
from store.db import SessionMaker
from tests.conftest import TASK_QUEUE, api_client, eventually
from tests.driver import Officer, PlanOfficer, Redress
from worker import build_worker

URN = "100001"
ESCALATIONS = ("deadline_breached", "deadline_escalation", "deadline_reminder")


async def enter_backlog(officer: Officer, received: date, *, final_after: timedelta) -> dict[str, Any]:
    """The paper history of an assessment, typed in today with the dates it happened on."""

    def on(offset: timedelta) -> str:
        return (received + offset).isoformat()

    await officer.act("decide-to-assess", {"on": on(timedelta(weeks=5)), "assess": True})
    await officer.act("advice-requests", {"on": on(timedelta(weeks=5, days=1)), "adviser": "educational_psychologist"})
    await officer.act("advice-received", {"on": on(timedelta(weeks=10)), "advice_id": "educational_psychologist"})
    await officer.act("decide-to-issue", {"on": on(timedelta(weeks=12)), "issue": True})
    await officer.draft(received + timedelta(weeks=14))
    await officer.act("setting-consultations", {"on": on(timedelta(weeks=14, days=1)), "setting_urn": URN})
    await officer.act("parent-comments", {"on": on(timedelta(weeks=15)), "preferred_setting_urn": URN})
    await officer.act("setting-answers", {"on": on(timedelta(weeks=15, days=2)), "setting_urn": URN, "agrees": True})
    return await officer.final(received + final_after, named_setting_urn=URN)


def breaches(state: dict[str, Any]) -> list[str]:
    return [d["step"] for d in state["deadlines"] if d["status"] == "breached"]


async def test_a_case_entered_five_months_late_with_its_backlog_in_time_has_no_breach(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = Officer(api, env)
    received = await officer.today() - timedelta(days=150)
    await officer.open(received)
    opened = await officer.case()
    # Every date of the timetable is past, but none is judged before the officer can enter what happened.
    assert breaches(opened) == []
    # The duties open, the 16-week target at risk (already past, not yet known to be reached or not).
    assert {(d["kind"], d["status"]) for d in opened["deadlines"]} == {("duty", "open"), ("target", "at_risk")}
    assert all(d["held_until"] for d in opened["deadlines"])

    state = await enter_backlog(officer, received, final_after=timedelta(weeks=19))

    statuses = {d["step"]: (d["kind"], d["status"], d["done_on"]) for d in state["deadlines"]}
    assert statuses == {
        "assessment.decide_to_assess": ("duty", "met", (received + timedelta(weeks=5)).isoformat()),
        "assessment.notify_no_plan": ("target", "met", (received + timedelta(weeks=12)).isoformat()),
        "assessment.final_plan": ("duty", "met", (received + timedelta(weeks=19)).isoformat()),
        "assessment.advice": ("duty", "met", (received + timedelta(weeks=10)).isoformat()),
        "assessment.draft_comments": ("window", "used", (received + timedelta(weeks=15)).isoformat()),
        "assessment.setting_response": ("window", "used", (received + timedelta(weeks=15, days=2)).isoformat()),
    }
    actions = [h["action"] for h in state["history"]]
    assert actions[0] == "request_received" and "deadline_breached" not in actions
    await officer.wait(days=30)  # long past any settle period
    letters = [n["template"] for n in await officer.letters()]
    assert not [t for t in letters if t in ESCALATIONS], letters
    # The letters of those past facts went out on paper at the time: kept, never sent again months later.
    sent = {n["template"]: n["status"] for n in await officer.letters() if n["recipient_role"] != "manager"}
    assert sent["decision_to_assess"] == sent["final_plan"] == sent["advice_request"] == "on_paper", sent


async def test_the_same_backlog_with_the_final_plan_late_records_exactly_that_breach(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = Officer(api, env)
    received = await officer.today() - timedelta(days=150)
    await officer.open(received)
    state = await enter_backlog(officer, received, final_after=timedelta(weeks=21))

    assert breaches(state) == ["assessment.final_plan"]
    breach_lines = [h for h in state["history"] if h["action"] == "deadline_breached"]
    # Recorded under its own legal date (the 20-week due date), once, before the late final plan.
    assert [h["on"] for h in breach_lines] == [(received + timedelta(weeks=20)).isoformat()]
    actions = [h["action"] for h in state["history"]]
    assert actions.index("deadline_breached") == actions.index("final_plan_issued") - 1
    await officer.wait(days=30)
    letters = [n["template"] for n in await officer.letters()]
    assert "deadline_escalation" not in letters  # done, if late: there is nothing left to chase


async def test_an_unfinished_backlog_is_judged_when_the_officer_confirms_it(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = Officer(api, env)
    received = await officer.today() - timedelta(days=150)
    await officer.open(received)
    await officer.act("decide-to-assess", {"on": (received + timedelta(weeks=7)).isoformat(), "assess": True})
    held = await officer.deadlines()
    # Done late, so a breach now; the final plan is overdue but not yet judged: the backlog may hold it.
    assert held["assessment.decide_to_assess"]["status"] == "breached"
    assert held["assessment.final_plan"]["status"] == "open"

    state = await officer.act("backlog-confirmed", {})
    assert sorted(breaches(state)) == ["assessment.decide_to_assess", "assessment.final_plan"]
    # reg 10(1)'s 16 weeks bind only a decision not to issue: undecided, they are a target that has passed.
    target = next(d for d in state["deadlines"] if d["step"] == "assessment.notify_no_plan")
    assert (target["kind"], target["status"]) == ("target", "passed")

    async def escalated() -> list[str] | None:
        found = [n["template"] for n in await officer.letters() if n["template"] == "deadline_escalation"]
        return found or None

    assert await eventually(escalated) == ["deadline_escalation"]
    await officer.act("backlog-confirmed", {}, expect=409)  # nothing is held any more


async def test_a_held_date_is_judged_at_the_end_of_its_settle_period(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = Officer(api, env)
    received = await officer.today() - timedelta(days=150)
    await officer.open(received)
    held_until = (await officer.deadlines())["assessment.final_plan"]["held_until"]
    await officer.wait(days=3)
    assert breaches(await officer.case()) == []
    await officer.wait(days=10)  # five working days are at most eleven calendar days, Christmas aside
    state = await officer.case()
    assert "assessment.final_plan" in breaches(state) and held_until

    async def escalated() -> list[dict[str, Any]] | None:
        found = [n for n in await officer.letters() if n["template"] == "deadline_escalation"]
        return found if len(found) == len(breaches(state)) else None

    await eventually(escalated)


async def test_a_decision_not_to_issue_after_sixteen_weeks_is_the_breach_of_reg_10(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = Officer(api, env)
    received = await officer.today() - timedelta(days=130)
    await officer.open(received)
    await officer.act("decide-to-assess", {"on": (received + timedelta(weeks=4)).isoformat(), "assess": True})
    state = await officer.act(
        "decide-to-issue",
        {"on": (received + timedelta(weeks=17)).isoformat(), "issue": False, "reasons": "Needs met by the school."},
    )
    step = next(d for d in state["deadlines"] if d["step"] == "assessment.notify_no_plan")
    assert (step["kind"], step["status"]) == ("duty", "breached")
    # The final plan was never owed: the case closed before its due date.
    final = next(d for d in state["deadlines"] if d["step"] == "assessment.final_plan")
    assert final["status"] == "ended"


async def test_a_redress_route_for_a_past_decision_takes_its_facts_by_their_dates(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = Redress(api, env)
    today = await officer.today()
    received = today - timedelta(days=150)
    decided = received + timedelta(weeks=5)  # 115 days ago: the 2-month appeal window has passed
    await officer.open(received)
    await officer.act("decide-to-assess", {"on": decided.isoformat(), "assess": False, "reasons": "Needs met."})
    route = await officer.route("refusal_to_assess")
    contacted, certified, appealed = (decided + timedelta(days=n) for n in (20, 22, 40))
    await officer.redress(route, "adviser-contact", {"on": contacted.isoformat(), "wants_mediation": False})
    await officer.redress(route, "certificate", {"on": certified.isoformat()})
    state = await officer.redress(route, "appeal", {"on": appealed.isoformat()})

    assert state["stage"] == "appealed" and state["closed"]
    windows = {d["step"]: (d["kind"], d["status"], d["done_on"]) for d in state["deadlines"]}
    assert windows["mediation.contact_adviser"] == ("window", "used", contacted.isoformat())
    assert windows["mediation.certificate"] == ("window", "used", certified.isoformat())
    assert windows["appeal.from_decision"] == ("window", "used", appealed.isoformat())
    assert windows["appeal.from_certificate"] == ("window", "used", appealed.isoformat())
    assert "breached" not in {d["status"] for d in state["deadlines"]}


async def test_a_family_window_that_runs_out_lapses_and_is_never_a_breach(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = Redress(api, env)
    route, _ = await officer.refused_case()
    await officer.wait(days=100)  # past 2 months (moved by r.12 at most to 1 Sep), and 5 working days
    state = (await api.get(f"/redress/{route}")).json()
    assert state["stage"] == "lapsed" and state["closed"]
    statuses = {d["step"]: (d["kind"], d["status"]) for d in state["deadlines"]}
    assert statuses["mediation.contact_adviser"] == ("window", "lapsed")
    assert statuses["appeal.from_decision"] == ("window", "lapsed")
    assert [h["action"] for h in state["history"]].count("deadline_breached") == 0


async def test_an_action_that_reaches_the_case_before_its_worker_meets_its_deadline(
    env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> None:
    """The case is opened in the workflow's init, so an update delivered in the first workflow task (sent while
    no worker ran) finds the request and its deadlines. The answer does not depend on which arrives first: if
    the worker were quicker than the update, the update would simply run after the start, as usual."""
    async with api_client(settings, env.client, sessions, env.get_current_time) as api:
        officer = Officer(api, env)
        received = await officer.today() - timedelta(weeks=2)
        await officer.open(received)  # no worker yet: the workflow is started, its first task waits
        decided = (received + timedelta(weeks=1)).isoformat()
        action = asyncio.create_task(
            api.post(f"/cases/{officer.case_ref}/decide-to-assess", json={"on": decided, "assess": True})
        )
        for _ in range(50):  # let the update reach the server while no worker runs
            await asyncio.sleep(0)
        async with build_worker(env.client, TASK_QUEUE, sessions, settings):
            answer = await action
            assert answer.status_code == 200, answer.text
            state = await officer.case()
    assert state["history"][0]["action"] == "request_received"
    assert [h["action"] for h in state["history"]] == ["request_received", "decided_to_assess"]
    step = next(d for d in state["deadlines"] if d["step"] == "assessment.decide_to_assess")
    assert (step["status"], step["done_on"]) == ("met", decided)


def imported_row(reference: str, **fields: str) -> dict[str, str]:
    return {
        "la_code": "330",
        "la_reference": reference,
        "given_name": "Imported",
        "family_name": "Legal",
        "date_of_birth": "2015-01-10",
        "plan_issued_on": "2022-03-01",
        "parent_name": "P Legal",
        "parent_email": "p.legal@example.org",
        **fields,
    }


async def test_an_imported_plan_reviews_from_its_last_review_and_a_child_in_year_7_owes_no_transfer(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = PlanOfficer(api, env)
    await officer.import_plan(imported_row("LEGAL/7", last_review_on="2025-11-20", year_group="7"))
    plan = await officer.in_cycle(1)
    assert plan["review_due"] == "2026-11-20"  # 12 months from the last review (CFA 2014 s.44(1))
    steps = {d["step"]: d["kind"] for d in plan["deadlines"]}
    assert steps == {"review.annual": "duty"}  # no move to secondary: the child has made it
    assert plan["phase_transfer_due"] is None


async def test_a_year_6_plan_has_the_transfer_duty_and_a_meeting_target_never_breached(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = PlanOfficer(api, env)
    today = await officer.today()
    september = today.year if today.month >= 9 else today.year - 1  # the academic year now
    # Year 6 in the autumn, else Year 5: the move to Year 7 is always months ahead (reg 18(1)(b)).
    year_group = 6 if today.month >= 9 else 5
    transfer = date(september + 7 - year_group, 2, 15)
    # A year before 1 February of the transfer's year; in January that is still ahead, so today.
    last_review = min(date(transfer.year - 1, 2, 1), today)
    await officer.import_plan(
        imported_row("LEGAL/6", last_review_on=last_review.isoformat(), year_group=str(year_group))
    )
    plan = await officer.in_cycle(1)
    dates = {d["step"]: (d["kind"], d["due"]) for d in plan["deadlines"]}
    assert dates == {
        "review.annual": ("duty", last_review.replace(year=last_review.year + 1).isoformat()),
        "review.phase_transfer_school": ("duty", transfer.isoformat()),
        "review.phase_transfer_meeting": ("target", (transfer - timedelta(weeks=12)).isoformat()),
    }
    meeting = transfer - timedelta(weeks=12)
    # Past the meeting target (and past its settle period, if it was already past at import), long before the
    # review's own 12 months and the transfer date.
    await officer.wait(days=max((meeting - today).days + 1, 14))
    plan = await officer.plan()
    statuses = {d["step"]: d["status"] for d in plan["deadlines"]}
    assert statuses["review.phase_transfer_meeting"] == "passed"
    assert "breached" not in statuses.values()


async def test_a_year_6_plan_imported_with_its_review_overdue_owes_the_transfer_amendment_now(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    """Reg 18(1)(b): a child in Year 6 is still to move to secondary school, so the duty to amend the plan by
    15 February is set at import even though the overdue annual review comes before any planned meeting."""
    officer = PlanOfficer(api, env)
    today = await officer.today()
    september = today.year if today.month >= 9 else today.year - 1
    last_review = date(today.year - 1, today.month, 1)  # 12 months on is the 1st of this month: overdue or due
    await officer.import_plan(imported_row("LEGAL/6B", last_review_on=last_review.isoformat(), year_group="6"))
    plan = await officer.in_cycle(1)
    due = {d["step"]: (d["kind"], d["due"]) for d in plan["deadlines"]}
    assert due["review.annual"] == ("duty", date(today.year, today.month, 1).isoformat())
    assert due["review.phase_transfer_school"] == ("duty", date(september + 1, 2, 15).isoformat())
    assert plan["phase_transfer_due"] == date(september + 1, 2, 15).isoformat()

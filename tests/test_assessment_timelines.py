"""Whole EHC needs assessments driven through the API, with 20 weeks passing under time skipping."""

from datetime import timedelta

import httpx
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

import statutory
from store.db import SessionMaker
from store.models import AppealableDecisionRow, Case, CaseDeadline, PlanDocument
from tests.conftest import eventually
from tests.driver import Officer

URN = "100001"


async def test_on_time_from_request_to_final_plan(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    officer = Officer(api, env)
    received = await officer.today()
    await officer.open(received)

    await officer.wait(weeks=3)
    state = await officer.act("decide-to-assess", {"assess": True})
    assert state["stage"] == "assessing"
    for adviser in ("educational", "educational_psychologist", "health", "social_care"):
        await officer.act("advice-requests", {"adviser": adviser})
    await officer.act("advice-requests", {"adviser": "other", "description": "speech and language therapist"})
    asked_on = await officer.today()
    deadlines = await officer.deadlines()
    assert deadlines["assessment.advice:educational_psychologist"]["due"] == (asked_on + timedelta(weeks=6)).isoformat()
    assert "assessment.advice:other-1" in deadlines

    await officer.wait(weeks=4)
    for advice_id in ("educational", "educational_psychologist", "health", "social_care", "other-1"):
        await officer.act("advice-received", {"advice_id": advice_id})
    await officer.wait(weeks=3)
    state = await officer.act("decide-to-issue", {"issue": True})
    assert state["stage"] == "drafting"
    await officer.wait(weeks=2)
    served = await officer.today()
    state = await officer.draft(served)
    assert state["stage"] == "draft_issued"
    window = next(d for d in state["deadlines"] if d["step"] == "assessment.draft_comments")
    assert window["due"] == (served + timedelta(days=14)).isoformat() and window["kind"] == "window"

    await officer.wait(days=5)
    await officer.act("parent-comments", {"preferred_setting_urn": URN, "meeting_requested": True})
    await officer.act("setting-consultations", {"setting_urn": URN})
    await officer.wait(days=7)
    await officer.act("setting-answers", {"setting_urn": URN, "agrees": True})
    await officer.wait(days=3)  # the comment window (served + 14 days) has closed
    state = await officer.final(named_setting_urn=URN)

    assert state["stage"] == "final_issued" and state["closed"]
    statuses = {d["key"]: d["status"] for d in state["deadlines"]}
    # Every duty met, every window (the family's 15 days, the setting's) used, the 16-week target met.
    kinds = {(d["kind"], d["status"]) for d in state["deadlines"]}
    assert kinds == {("duty", "met"), ("window", "used"), ("target", "met")}, statuses
    assert (await officer.today()) - received < timedelta(weeks=20)
    assert [d["kind"] for d in state["decisions"]] == ["final_plan"]

    letters = await officer.letters()
    family = [n["template"] for n in letters if n["recipient_role"] == "parent"]
    assert family == ["decision_to_assess", "draft_plan", "final_plan"]
    final_letter = next(n for n in letters if n["template"] == "final_plan")["body"]
    appeal_by = statutory.due_date("appeal.from_decision", await officer.today())
    assert f"{appeal_by.day} {appeal_by:%B %Y}" in final_letter and "mediation adviser" in final_letter
    assert not [n for n in letters if n["template"] in ("deadline_breached", "deadline_escalation")]

    handle = env.client.get_workflow_handle(f"assessment-{officer.case_ref}")
    outcome = await handle.result()
    assert outcome["stage"] == "final_issued"

    async def plan_took_over() -> Case | None:
        async with sessions() as session:
            case = await session.get(Case, officer.case_ref)
        return case if case and case.process == "plan" else None

    # The case row follows the case into its plan's life (STATUTORY.md §2.1: final issued -> maintained).
    case = await eventually(plan_took_over)
    assert (case.stage, case.workflow_id, case.breach_count) == ("maintained", f"plan-{officer.case_ref}", 0)
    async with sessions() as session:
        documents = (await session.exec(select(PlanDocument).where(PlanDocument.case_ref == officer.case_ref))).all()
        decision = await session.get(AppealableDecisionRow, f"{officer.case_ref}-final_plan")
        assessment_deadlines = (
            await session.exec(select(CaseDeadline).where(CaseDeadline.case_ref == officer.case_ref))
        ).all()
    assert {d.key: d.status for d in assessment_deadlines if d.key.startswith("assessment.")} == statuses
    assert sorted(d.kind for d in documents) == ["draft", "final"]
    assert decision is not None and decision.limb == "(2)(c)" and decision.appeal_by == appeal_by


async def test_refusal_to_assess_is_appealable_with_reasons(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    officer = Officer(api, env)
    await officer.open()
    decided = await officer.wait(weeks=5)
    problem = await officer.act("decide-to-assess", {"assess": False}, expect=422)
    assert "reasons" in problem["detail"] and "reg 5(3)" in problem["detail"]

    state = await officer.act(
        "decide-to-assess", {"assess": False, "reasons": "Needs are met from the school's resources."}
    )
    assert state["stage"] == "refused_to_assess" and state["closed"]
    assert {d["key"]: d["status"] for d in state["deadlines"]}["assessment.decide_to_assess"] == "met"
    letter = next(n for n in await officer.letters() if n["template"] == "refusal_to_assess")
    contact_by = statutory.due_date("mediation.contact_adviser", decided)
    assert "Needs are met from the school's resources." in letter["body"]
    assert f"{contact_by.day} {contact_by:%B %Y}" in letter["body"]
    async with sessions() as session:
        decision = await session.get(AppealableDecisionRow, f"{officer.case_ref}-refusal_to_assess")
    assert decision is not None
    assert (decision.kind, decision.limb, decision.decided_on) == ("refusal_to_assess", "(2)(a)", decided)
    assert decision.appeal_by == statutory.due_date("appeal.from_decision", decided)

    # The case is closed: every further action is refused, with nothing recorded.
    history = len(state["history"])
    problem = await officer.act("decide-to-assess", {"assess": True}, expect=409)
    assert "closed" in problem["detail"]
    assert len((await officer.case())["history"]) == history


async def test_decision_not_to_issue_a_plan(api: httpx.AsyncClient, env: WorkflowEnvironment) -> None:
    officer = Officer(api, env)
    await officer.open()
    await officer.wait(weeks=4)
    await officer.act("decide-to-assess", {"assess": True})
    await officer.wait(weeks=10)
    state = await officer.act("decide-to-issue", {"issue": False, "reasons": "Provision can be made from SEN support."})
    assert state["stage"] == "no_plan" and state["closed"]
    assert [d["limb"] for d in state["decisions"]] == ["(2)(b)"]
    statuses = {d["key"]: d["status"] for d in state["deadlines"]}
    assert statuses["assessment.notify_no_plan"] == "met"
    letter = next(n for n in await officer.letters() if n["template"] == "no_plan")
    assert "Provision can be made from SEN support." in letter["body"] and "Tribunal" in letter["body"]


async def test_each_deadline_breached_is_recorded_and_the_case_goes_on(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    officer = Officer(api, env)
    received = await officer.today()
    await officer.open(received)
    await officer.wait(weeks=7)  # the 6-week decision is missed
    await officer.act("decide-to-assess", {"assess": True})
    await officer.act("advice-requests", {"adviser": "health"})
    await officer.wait(weeks=7)  # health advice (6 weeks) is missed
    await officer.act("advice-received", {"advice_id": "health"})
    await officer.wait(weeks=3)  # week 17: the 16-week decision whether to issue is missed
    await officer.act("decide-to-issue", {"issue": True})
    await officer.draft()
    await officer.wait(weeks=4)  # week 21: the 20-week final plan is missed
    state = await officer.final(setting_type="Mainstream primary school")

    assert state["stage"] == "final_issued"  # a breach never stops the process
    statuses = {d["key"]: d["status"] for d in state["deadlines"]}
    assert statuses == {
        "assessment.decide_to_assess": "breached",
        "assessment.final_plan": "breached",
        # A decision to issue after 16 weeks breaks no law (reg 10(1) binds a decision not to issue).
        "assessment.notify_no_plan": "passed",
        "assessment.advice:health": "breached",
        "assessment.draft_comments": "lapsed",  # the family did not comment: their window lapsed
    }
    done = {d["key"]: d["done_on"] for d in state["deadlines"]}
    assert done["assessment.final_plan"] > (received + timedelta(weeks=20)).isoformat()
    letters = await officer.letters()
    escalations = sorted(n["subject"] for n in letters if n["template"] == "deadline_escalation")
    assert len(escalations) == 3 and all(n.startswith("Escalation:") for n in escalations)
    reminders = [n for n in letters if n["template"] == "deadline_reminder"]
    assert len(reminders) == len({n["subject"] for n in reminders})  # each reminded once at most

    # The read model keeps every breach (the case row itself moves on to the plan once it starts).
    async with sessions() as session:
        rows = (await session.exec(select(CaseDeadline).where(CaseDeadline.case_ref == officer.case_ref))).all()
    assert sorted(r.key for r in rows if r.status == "breached") == sorted(
        k for k, v in statuses.items() if v == "breached"
    )


async def test_statutory_exception_is_recorded_and_reported_not_breached(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = Officer(api, env)
    received = await officer.today()
    await officer.open(received)
    await officer.wait(weeks=2)
    exception = {
        "code": "absence_4_weeks",
        "reason": "Family abroad for five weeks",
        "start": (received + timedelta(weeks=1)).isoformat(),
        "end": (received + timedelta(weeks=6)).isoformat(),
        "steps": ["assessment.decide_to_assess", "assessment.final_plan"],
    }
    state = await officer.act("exceptions", exception)
    assert state["exceptions"][0]["code"] == "absence_4_weeks"
    await officer.wait(weeks=5)
    deadlines = await officer.deadlines()
    assert deadlines["assessment.decide_to_assess"]["status"] == "excepted"
    assert deadlines["assessment.decide_to_assess"]["exception_code"] == "absence_4_weeks"
    letters = await officer.letters()
    assert not [n for n in letters if n["template"] == "deadline_escalation"]

    refused = [
        ({**exception, "code": "alien_abduction"}, "unknown exception code"),
        ({**exception, "code": "missed_appointment"}, "does not apply to assessment.decide_to_assess"),
        ({**exception, "steps": ["assessment.advice"]}, "has no deadline on this case"),
        ({**exception, "end": (received - timedelta(days=1)).isoformat()}, "before it starts"),
        (
            {
                **exception,
                "start": (received + timedelta(weeks=30)).isoformat(),
                "end": (received + timedelta(weeks=31)).isoformat(),
            },
            "future",
        ),
    ]
    for body, reason in refused:
        problem = await officer.act("exceptions", body, expect=422)
        assert reason in problem["detail"], problem


async def test_withdrawal_at_any_stage_closes_every_open_deadline(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = Officer(api, env)
    await officer.open()
    await officer.wait(weeks=2)
    await officer.act("decide-to-assess", {"assess": True})
    await officer.act("advice-requests", {"adviser": "educational_psychologist"})
    await officer.wait(weeks=1)
    state = await officer.act("withdraw", {"reason": "moved_away"})
    assert state["stage"] == "withdrawn" and state["closed"]
    # The decision to assess was met; the rest were never owed: the case ended before they fell due.
    statuses = {d["key"]: d["status"] for d in state["deadlines"]}
    assert statuses.pop("assessment.decide_to_assess") == "met" and set(statuses.values()) == {"ended"}
    assert "withdrawn" in [n["template"] for n in await officer.letters()][-1] or any(
        n["template"] == "case_withdrawn" for n in await officer.letters()
    )
    await officer.wait(weeks=30)  # no timers left to fire: nothing is breached after the case closed
    assert {d["status"] for d in (await officer.deadlines()).values()} == {"met", "ended"}
    await officer.act("withdraw", {"reason": "moved_away"}, expect=409)


async def test_a_case_entered_late_owes_nothing_after_the_date_it_was_closed_on(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    """A request received 25 weeks ago has its overdue duties held while its past is entered; a refusal dated
    in week 4 means none was ever owed (SEND Regs 2014 reg 5(1), 10(1), 13(2)), and a withdrawal dated in
    week 10 leaves breached only the duty already late then (reg 5(1), decide within 6 weeks)."""
    refused = Officer(api, env)
    received = await refused.today() - timedelta(weeks=25)
    await refused.open(received)
    assert "breached" not in {d["status"] for d in (await refused.deadlines()).values()}
    state = await refused.act(
        "decide-to-assess",
        {"assess": False, "reasons": "Needs met by the school.", "on": (received + timedelta(weeks=4)).isoformat()},
    )
    statuses = {d["step"]: d["status"] for d in state["deadlines"]}
    assert state["closed"] and statuses.pop("assessment.decide_to_assess") == "met"
    assert set(statuses.values()) == {"ended"}  # never owed: refused before they fell due

    # Withdrawn in week 10, and on either side of the 6-week decision's due day: closing on the due day
    # itself is in time.
    decide_by = statutory.due_date("assessment.decide_to_assess", received)
    for on in (received + timedelta(weeks=10), decide_by, decide_by + timedelta(days=1)):
        withdrawn = Officer(api, env)
        await withdrawn.open(received)
        state = await withdrawn.act("withdraw", {"reason": "moved_away", "on": on.isoformat()})
        statuses = {d["step"]: d["status"] for d in state["deadlines"]}
        expected = {step: "breached" if statutory.due_date(step, received) < on else "ended" for step in statuses}
        assert statuses == expected, (on, statuses)
        assert statuses["assessment.decide_to_assess"] == ("ended" if on == decide_by else "breached")

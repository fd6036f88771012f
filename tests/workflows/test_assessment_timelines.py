"""Whole EHC needs assessments driven through the API, with 20 weeks passing under time skipping, or entered
late on fixed past dates where only the dates the case shows are checked."""

from datetime import date, timedelta

import httpx
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from store.db import SessionMaker
from store.models import AppealableDecisionRow, Case, CaseDeadline, PlanDocument
from tests.conftest import eventually
from tests.driver import Driver, Officer
from tests.factories import absence

URN = "100001"


async def test_on_time_from_request_to_final_plan(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    officer, received = await Officer.with_request_today(api, env)

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
    assert "mediation adviser" in final_letter
    assert not [n for n in letters if n["template"] in ("deadline_breached", "deadline_escalation")]

    handle = env.client.get_workflow_handle(f"assessment-{officer.case_ref}")
    outcome = await handle.result()
    assert outcome["stage"] == "final_issued"

    async def plan_took_over() -> Case | None:
        async with sessions() as session:
            case = await session.get(Case, officer.case_ref)
        return case if case and case.process == "plan" else None

    # The case row follows the case into its plan's life (final issued -> maintained: the plan workflow takes it over).
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
    # The appeal date itself is pinned on fixed dates below; here the letter gives the one recorded.
    assert decision is not None and decision.limb == "(2)(c)"
    assert f"{decision.appeal_by.day} {decision.appeal_by:%B %Y}" in final_letter


async def test_the_final_plan_letter_gives_the_appeal_date_moved_out_of_august(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    """A plan issued on Fri 28 Jun 2024, entered late: 2 months on is Wed 28 Aug 2024, in August, so HESC
    r.12(3)(a) moves the appeal deadline to the first working day after 31 Aug: Mon 2 Sep 2024."""
    officer = Driver(api, env)
    # Received Mon 12 Feb 2024: the final plan is due Mon 12 Feb + 20 weeks = Mon 1 Jul 2024 (reg 13(2)).
    await officer.assessed_and_issued(
        date(2024, 2, 12), date(2024, 3, 11), date(2024, 5, 20), date(2024, 6, 3), date(2024, 6, 28)
    )
    final_letter = next(n for n in await officer.letters() if n["template"] == "final_plan")["body"]
    assert "2 September 2024" in final_letter
    async with sessions() as session:
        decision = await session.get(AppealableDecisionRow, f"{officer.case_ref}-final_plan")
    assert decision is not None and decision.appeal_by == date(2024, 9, 2)


async def test_a_green_paper_case_keeps_todays_assessment_time_limits(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    """The green paper's rule set changes who must mediate before an appeal, not the assessment's time limits
    (statutory/policies.py): a request of Thu 29 Feb 2024 has the same dates under either policy."""
    for policy in ("send-regs-2014", "green-paper-2022"):
        officer = Officer(api, env)
        await officer.open(date(2024, 2, 29), policy=policy)
        due = {d["step"]: d["due"] for d in (await officer.case())["deadlines"]}
        assert due["assessment.decide_to_assess"] == "2024-04-11", policy  # 29 Feb + 6 weeks (reg 5(1))
        assert due["assessment.notify_no_plan"] == "2024-06-20", policy  # 29 Feb + 16 weeks (reg 10(1))
        assert due["assessment.final_plan"] == "2024-07-18", policy  # 29 Feb + 20 weeks (reg 13(2))


async def test_refusal_to_assess_is_appealable_with_reasons(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    """Entered late: received Fri 26 May 2023, refused five weeks later, on Fri 30 Jun 2023."""
    officer = Officer(api, env)
    await officer.open(date(2023, 5, 26))
    decided = date(2023, 6, 30)
    problem = await officer.act("decide-to-assess", {"on": decided.isoformat(), "assess": False}, expect=422)
    assert "reasons" in problem["detail"] and "reg 5(3)" in problem["detail"]

    state = await officer.act(
        "decide-to-assess",
        {"on": decided.isoformat(), "assess": False, "reasons": "Needs are met from the school's resources."},
    )
    assert state["stage"] == "refused_to_assess" and state["closed"]
    assert {d["key"]: d["status"] for d in state["deadlines"]}["assessment.decide_to_assess"] == "met"
    letter = next(n for n in await officer.letters() if n["template"] == "refusal_to_assess")
    assert "Needs are met from the school's resources." in letter["body"]
    # 30 Jun + 2 months = Wed 30 Aug 2023 to contact the mediation adviser (reg 33): not moved out of August.
    assert "30 August 2023" in letter["body"]
    async with sessions() as session:
        decision = await session.get(AppealableDecisionRow, f"{officer.case_ref}-refusal_to_assess")
    assert decision is not None
    assert (decision.kind, decision.limb, decision.decided_on) == ("refusal_to_assess", "(2)(a)", decided)
    # 30 Aug 2023 is in August: the appeal deadline moves to the first working day after 31 Aug (HESC r.12(3)(a)).
    assert decision.appeal_by == date(2023, 9, 1)

    # The case is closed: every further action is refused, with nothing recorded.
    history = len(state["history"])
    problem = await officer.act("decide-to-assess", {"on": decided.isoformat(), "assess": True}, expect=409)
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
    officer, received = await Officer.with_request_today(api, env)
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
    officer, received = await Officer.with_request_today(api, env)
    await officer.wait(weeks=2)
    exception = absence(
        "Family abroad for five weeks",
        received + timedelta(weeks=1),
        received + timedelta(weeks=6),
        "assessment.decide_to_assess",
        "assessment.final_plan",
    )
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
    await officer.assessing()
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
    """A request received Mon 2 Sep 2024, entered late, has its overdue duties held while its past is entered; a
    refusal dated in week 4 means none was ever owed (SEND Regs 2014 reg 5(1), 10(1), 13(2)), and a withdrawal
    dated in week 10 leaves breached only the duty already late then (reg 5(1), decide within 6 weeks)."""
    refused = Officer(api, env)
    received = date(2024, 9, 2)
    await refused.open(received)
    assert "breached" not in {d["status"] for d in (await refused.deadlines()).values()}
    state = await refused.act(
        "decide-to-assess", {"assess": False, "reasons": "Needs met by the school.", "on": "2024-09-30"}
    )
    statuses = {d["step"]: d["status"] for d in state["deadlines"]}
    assert state["closed"] and statuses.pop("assessment.decide_to_assess") == "met"
    assert set(statuses.values()) == {"ended"}  # never owed: refused before they fell due

    # Withdrawn in week 10 (Mon 11 Nov), and on either side of the 6-week decision's due day (2 Sep + 6 weeks =
    # Mon 14 Oct 2024): closing on the due day itself is in time. The other duties (16 weeks: Mon 23 Dec 2024;
    # 20 weeks: Mon 20 Jan 2025) were not yet due on any of these days.
    for on, decision in (("2024-11-11", "breached"), ("2024-10-14", "ended"), ("2024-10-15", "breached")):
        withdrawn = Officer(api, env)
        await withdrawn.open(received)
        state = await withdrawn.act("withdraw", {"reason": "moved_away", "on": on})
        statuses = {d["step"]: d["status"] for d in state["deadlines"]}
        assert statuses == {
            "assessment.decide_to_assess": decision,
            "assessment.notify_no_plan": "ended",
            "assessment.final_plan": "ended",
        }, (on, statuses)

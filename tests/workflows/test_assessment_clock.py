"""The assessment's statutory clock under time skipping: reminders, breaches and escalations."""

from datetime import timedelta

import httpx
from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

import statutory
from store.db import SessionMaker
from store.models import AuditEvent, Case, Notification
from tests.conftest import eventually
from tests.factories import case_request


async def notifications(sessions: SessionMaker, case_ref: str) -> list[Notification]:
    async with sessions() as session:
        rows = await session.exec(
            select(Notification).where(Notification.case_ref == case_ref).order_by(col(Notification.id))
        )
        return list(rows.all())


async def deadline(api: httpx.AsyncClient, case_ref: str, step: str) -> dict:
    case = (await api.get(f"/cases/{case_ref}")).json()
    return next(d for d in case["deadlines"] if d["step"] == step)


async def test_missed_decision_is_reminded_once_then_breached_and_escalated(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    received = (await env.get_current_time()).date()
    case_ref = (await api.post("/cases", json=case_request(received))).json()["case_ref"]
    due = received + timedelta(weeks=6)

    await env.sleep(timedelta(weeks=4))
    assert (await deadline(api, case_ref, "assessment.decide_to_assess"))["status"] == "open"
    assert await notifications(sessions, case_ref) == []

    # Past the reminder day (5 working days before the due date), before the breach.
    remind_day = statutory.remind_on(due, 5)
    await env.sleep(statutory.breach_at(remind_day) - await env.get_current_time())
    sent = await eventually(lambda: notifications(sessions, case_ref))
    assert [(n.template, n.recipient_role) for n in sent] == [("deadline_reminder", "officer")]

    await env.sleep(timedelta(weeks=3))
    step = await deadline(api, case_ref, "assessment.decide_to_assess")
    assert step["status"] == "breached"

    async def escalated() -> list[Notification] | None:
        rows = await notifications(sessions, case_ref)
        return rows if any(n.template == "deadline_escalation" for n in rows) else None

    sent = await eventually(escalated)
    templates = [(n.template, n.recipient_role) for n in sent]
    # One reminder only, however often the workflow replayed; one breach notice and one escalation.
    assert templates.count(("deadline_reminder", "officer")) == 1
    assert ("deadline_breached", "officer") in templates
    assert ("deadline_escalation", "manager") in templates
    assert templates.count(("deadline_escalation", "manager")) == 1

    async def breach_in_read_model() -> Case | None:
        async with sessions() as session:
            case = await session.get(Case, case_ref)
            return case if case and case.breach_count == 1 else None

    assert await eventually(breach_in_read_model)


async def test_request_received_weeks_ago_is_held_then_breaches_once_the_backlog_is_confirmed(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    received = (await env.get_current_time()).date() - timedelta(weeks=7)
    case_ref = (await api.post("/cases", json=case_request(received))).json()["case_ref"]
    # Entered late: the officer may still enter a decision made in time, so nothing is judged yet.
    held = await deadline(api, case_ref, "assessment.decide_to_assess")
    assert held["status"] == "open" and held["held_until"]
    today = (await env.get_current_time()).date()
    confirmed = await api.post(f"/cases/{case_ref}/backlog-confirmed", json={"on": today.isoformat()})
    assert confirmed.status_code == 200, confirmed.text

    async def breach_recorded() -> list[AuditEvent] | None:
        async with sessions() as session:
            query = select(AuditEvent).where(AuditEvent.case_ref == case_ref).order_by(col(AuditEvent.id))
            rows = (await session.exec(query)).all()
        return list(rows) if any(e.action == "deadline_breached" for e in rows) else None

    events = await eventually(breach_recorded)
    case_events = [e.action for e in events if e.action != "personal_data_viewed"]  # the reads' audit lines
    assert case_events == ["request_received", "deadline_breached", "backlog_confirmed"]
    step = await deadline(api, case_ref, "assessment.decide_to_assess")
    assert step == {**step, "status": "breached", "due": (received + timedelta(weeks=6)).isoformat()}
    # The reminder day passed long ago: the officer gets the breach, not a stale reminder.
    templates = [n.template for n in await notifications(sessions, case_ref)]
    assert "deadline_reminder" not in templates
    # The final-plan deadline (20 weeks) is still open and keeps its own clock.
    assert (await deadline(api, case_ref, "assessment.final_plan"))["status"] == "open"


async def test_whole_twenty_weeks_pass_with_every_duty_breached(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    received = (await env.get_current_time()).date()
    case_ref = (await api.post("/cases", json=case_request(received))).json()["case_ref"]
    await env.sleep(timedelta(weeks=21))
    case = (await api.get(f"/cases/{case_ref}")).json()
    assert {d["step"]: d["status"] for d in case["deadlines"]} == {
        "assessment.decide_to_assess": "breached",
        # Reg 10(1) binds only a decision not to issue: undecided, its 16 weeks are a target that passed.
        "assessment.notify_no_plan": "passed",
        "assessment.final_plan": "breached",
    }
    # A breach never stops the process: the case is still open, waiting for the decision.
    assert case["stage"] == "request_received" and not case["closed"]

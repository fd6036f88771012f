"""Every refused officer action: a problem+json that says why, and nothing recorded, not even in part."""

from datetime import timedelta
from typing import Any

import httpx
from sqlmodel import func, select
from temporalio.testing import WorkflowEnvironment

from store.db import SessionMaker
from store.models import PlanDocument
from tests.driver import SECTIONS, Officer


async def documents(sessions: SessionMaker, case_ref: str) -> int:
    async with sessions() as session:
        query = select(func.count()).select_from(PlanDocument).where(PlanDocument.case_ref == case_ref)
        return (await session.exec(query)).one()


async def test_out_of_order_and_impossible_actions_are_refused_whole(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    officer = Officer(api, env)
    received = await officer.today() - timedelta(days=10)
    await officer.open(received)
    before = await officer.case()
    today = await officer.today()

    refusals: list[tuple[str, dict[str, Any], int, str]] = [
        # (path, body, status, words in the reason)
        ("decide-to-issue", {"issue": True}, 409, "stage 'request_received'"),
        ("advice-requests", {"adviser": "health"}, 409, "stage 'request_received'"),
        ("setting-consultations", {"setting_urn": "100001"}, 409, "stage 'request_received'"),
        ("decide-to-assess", {"assess": True, "on": (today + timedelta(days=1)).isoformat()}, 422, "in the future"),
        ("decide-to-assess", {"assess": True, "on": (received - timedelta(days=1)).isoformat()}, 422, "before"),
        ("decide-to-assess", {"assess": True, "on": "2026-02-30"}, 422, "on"),
        ("decide-to-assess", {"assess": "perhaps"}, 422, "assess"),
        ("advice-received", {"advice_id": "health"}, 422, "no advice request of that id"),
        ("setting-answers", {"setting_urn": "100001", "agrees": True}, 422, "was not consulted"),
        ("withdraw", {"reason": "bored"}, 422, "reason"),
        (
            "exceptions",
            {"code": "x", "reason": "r", "start": "2026-01-01", "end": "2026-01-02", "steps": []},
            422,
            "steps",
        ),
    ]
    for path, body, status, words in refusals:
        problem = await officer.act(path, body, expect=status)
        assert words in problem["detail"], (path, problem)
        assert problem["status"] == status and problem["title"]

    # Plan documents: the draft may not name a setting, and the final plan needs the draft first.
    problem = await officer.act(
        "draft", {"served_on": today.isoformat(), "sections": {**SECTIONS, "I": "Oak Primary"}}, expect=422
    )
    assert "s.38(5)" in problem["detail"]
    problem = await officer.act("draft", {"served_on": today.isoformat(), "sections": SECTIONS}, expect=409)
    problem = await officer.final(expect=409)
    assert "stage 'request_received'" in problem["detail"]
    problem = await officer.act(
        "final-plan",
        {"issued_on": today.isoformat(), "sections": {k: v for k, v in SECTIONS.items() if k != "F"}},
        expect=422,
    )
    assert "sections.F" in problem["detail"]
    assert await documents(sessions, officer.case_ref) == 0

    after = await officer.case()
    assert after["history"] == before["history"] and after["deadlines"] == before["deadlines"]


async def test_plan_steps_out_of_order(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    officer = Officer(api, env)
    await officer.assessing()
    await officer.act("advice-requests", {"adviser": "health"})
    problem = await officer.act("advice-requests", {"adviser": "health"}, expect=409)
    assert "already requested" in problem["detail"]
    await officer.wait(weeks=1)
    await officer.act("advice-received", {"advice_id": "health"})
    problem = await officer.act("advice-received", {"advice_id": "health"}, expect=409)
    assert "already received" in problem["detail"]
    problem = await officer.act("decide-to-issue", {"issue": False}, expect=422)
    assert "reasons" in problem["detail"]
    await officer.act("decide-to-issue", {"issue": True})
    served = await officer.wait(days=1)
    await officer.draft(served)

    # Inside the parent's 15 days (served + 14 days inclusive) the final plan is refused.
    await officer.wait(days=14)
    problem = await officer.final(expect=422)
    assert "15 days" in problem["detail"] and str(served + timedelta(days=14)) in problem["detail"]
    await officer.wait(days=1)
    problem = await officer.final(named_setting_urn="100002", expect=422)
    assert "was not consulted" in problem["detail"]
    assert await documents(sessions, officer.case_ref) == 1  # the draft only: refused finals left nothing
    problem = await officer.act("setting-consultations", {"setting_urn": "12"}, expect=422)
    state = await officer.final(setting_type="Special school for communication and interaction needs")
    assert state["stage"] == "final_issued"
    problem = await officer.final(expect=409)
    assert "closed" in problem["detail"]


async def test_unknown_case_and_idempotent_retry(api: httpx.AsyncClient, env: WorkflowEnvironment) -> None:
    missing = await api.post("/cases/202-ZZZZZZZZ/withdraw", json={"on": "2026-01-01", "reason": "moved_away"})
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"

    officer = Officer(api, env)
    await officer.open()
    await officer.wait(days=3)
    headers = {"Idempotency-Key": "decision-1"}
    first = await officer.act("decide-to-assess", {"assess": True}, headers=headers)
    again = await officer.act("decide-to-assess", {"assess": True}, headers=headers)
    assert again == first  # the same update: the first answer, not a 409
    assert [h["action"] for h in again["history"]].count("decided_to_assess") == 1

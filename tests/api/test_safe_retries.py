"""A retry never undoes what the first request did."""

import asyncio
import uuid
from datetime import timedelta

import httpx
import pytest
from sqlmodel import func, select
from temporalio.testing import WorkflowEnvironment

import statutory
from api.auth import Role
from core.config import Settings
from store.db import SessionMaker
from store.models import Case, Child
from tests.driver import SECTIONS, Officer, PlanOfficer
from tests.factories import bearer, case_request


@pytest.fixture
async def officer(api: httpx.AsyncClient, env: WorkflowEnvironment) -> Officer:
    """An officer of a case opened and decided to assess today: the actions a client retries come next."""
    officer = Officer(api, env)
    await officer.open()
    await officer.act("decide-to-assess", {"assess": True})
    return officer


@pytest.fixture
async def plan_officer(api: httpx.AsyncClient, env: WorkflowEnvironment) -> PlanOfficer:
    """An officer of an existing plan of a Year 4 child, issued 300 days ago: its first annual review is near."""
    officer = PlanOfficer(api, env)
    await officer.import_existing(f"RETRY/{uuid.uuid4().hex[:8]}", issued_days_ago=300, year_group=4)
    return officer


async def test_a_refused_retry_of_an_issued_amended_plan_keeps_its_text(
    api: httpx.AsyncClient, plan_officer: PlanOfficer
) -> None:
    await plan_officer.review()
    sections = {**SECTIONS, "I": "Mainstream primary school"}
    await plan_officer.act_on_plan("review-decision", {"outcome": "amend", "proposed_sections": sections})
    await plan_officer.wait(days=16)
    body = {"issued_on": (await plan_officer.today()).isoformat(), "sections": sections}
    key = {"Idempotency-Key": "amended-plan-retry-1"}
    first = await api.post(f"/plans/{plan_officer.case_ref}/amended-plan", json=body, headers=key)
    assert first.status_code == 200, first.text
    await plan_officer.in_cycle(2)  # the cycle has continued as new: the retry meets a new run
    retry = await api.post(f"/plans/{plan_officer.case_ref}/amended-plan", json=body, headers=key)
    assert retry.status_code in (200, 409), retry.text
    versions = (await api.get(f"/plans/{plan_officer.case_ref}/versions")).json()
    assert versions[-1]["sections"]["F"] == SECTIONS["F"]  # the issued plan's text is still there


async def test_a_key_used_again_in_a_later_cycle_for_new_text_issues_the_new_text(
    api: httpx.AsyncClient, plan_officer: PlanOfficer
) -> None:
    """Before, the plan's document was named by the key alone and a new cycle is a new workflow run: the
    second amended plan, sent with the first one's key, was issued pointing at the first one's text."""
    key = {"Idempotency-Key": "amend-K"}
    for cycle, text in ((1, "Version two: three hours of therapy."), (2, "Version three: four hours of therapy.")):
        await plan_officer.in_cycle(cycle)
        await plan_officer.review()
        sections = {**SECTIONS, "F": text, "I": "Mainstream primary school"}
        await plan_officer.act_on_plan("review-decision", {"outcome": "amend", "proposed_sections": sections})
        await plan_officer.wait(days=16)
        body = {"issued_on": (await plan_officer.today()).isoformat(), "sections": sections}
        issued = await api.post(f"/plans/{plan_officer.case_ref}/amended-plan", json=body, headers=key)
        assert issued.status_code == 200, issued.text
        await plan_officer.wait(days=200)
    versions = (await api.get(f"/plans/{plan_officer.case_ref}/versions")).json()
    assert [v["sections"]["F"] for v in versions[-2:]] == [
        "Version two: three hours of therapy.",
        "Version three: four hours of therapy.",
    ]
    assert versions[-1]["changed"], "the new version differs from the one before"


async def test_an_idempotency_key_is_the_callers_own_and_never_answers_another_request(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings, sessions: SessionMaker
) -> None:
    """Two officers may happen on the same key: each gets their own case. The same officer reusing a key for a
    different child is refused (422), as the IETF Idempotency-Key draft does; nothing is lost or mixed up, and
    nothing of the refused request is kept."""
    today = statutory.business_date(await env.get_current_time())
    ada = bearer(settings, Role.CASE_OFFICER, ["202"], sub="ada.keys")
    ben = bearer(settings, Role.CASE_OFFICER, ["202"], sub="ben.keys")
    key = {"Idempotency-Key": "shared-key-1"}
    first = await api.post("/cases", json=case_request(today), headers={**ada, **key})
    bens_body = case_request(today)
    again = await api.post("/cases", json=bens_body, headers={**ben, **key})
    assert first.status_code == again.status_code == 201
    assert first.json()["case_ref"] != again.json()["case_ref"] and "idempotent-replayed" not in again.headers
    kept = await registered(sessions)
    reused = await api.post("/cases", json=case_request(today), headers={**ada, **key})
    assert reused.status_code == 422 and "different request" in reused.json()["detail"]
    assert await registered(sessions) == kept
    repeat = await api.post("/cases", json=bens_body, headers={**ben, **key})
    assert repeat.json()["case_ref"] == again.json()["case_ref"] and repeat.headers["idempotent-replayed"] == "true"


async def registered(sessions: SessionMaker) -> tuple[int, int]:
    """How many cases and children the database holds."""
    async with sessions() as session:
        cases = (await session.exec(select(func.count()).select_from(Case))).one()
        return cases, (await session.exec(select(func.count()).select_from(Child))).one()


async def test_an_actions_key_replays_only_the_same_callers_same_request(
    api: httpx.AsyncClient, officer: Officer, settings: Settings
) -> None:
    """Before, a key reused for another adviser (or by another officer) was answered as a replay of the first
    request, and the second request was lost. Now a retry is one action; anything else is its own."""
    on = (await officer.today()).isoformat()
    key = {"Idempotency-Key": "advice-key-1"}
    ada = bearer(settings, Role.CASE_OFFICER, ["202"], sub="ada.keys")
    ben = bearer(settings, Role.CASE_OFFICER, ["202"], sub="ben.keys")
    url = f"/cases/{officer.case_ref}/advice-requests"
    psychologist = {"on": on, "adviser": "educational_psychologist"}
    for _ in range(3):  # a retry, twice: one adviser asked
        assert (await api.post(url, json=psychologist, headers={**ada, **key})).status_code == 200
    # The same key for another adviser: carried out, not answered with the psychologist's outcome.
    health = await api.post(url, json={"on": on, "adviser": "health"}, headers={**ada, **key})
    assert health.status_code == 200, health.text
    # The same key and body from another officer is their own request: the adviser is already asked.
    bens = await api.post(url, json=psychologist, headers={**ben, **key})
    assert bens.status_code in (409, 422) and "educational" in bens.json()["detail"], bens.text
    advisers = [a["adviser"] for a in (await officer.case())["advice"]]
    assert sorted(advisers) == ["educational_psychologist", "health"]


async def test_review_decisions_sent_together_record_exactly_one(
    api: httpx.AsyncClient, plan_officer: PlanOfficer
) -> None:
    """Before, the decision's handler waited before it changed the stage, so decisions sent together all
    passed the validator: maintain and amend were both recorded, both letters went, and the plan was left
    with an amendment duty nothing could meet. Now one is recorded; each other is refused, and says why."""
    await plan_officer.review()
    on = (await plan_officer.today()).isoformat()
    sections = {**SECTIONS, "I": "Mainstream primary school"}
    bodies = [{"on": on, "outcome": "maintain"}, {"on": on, "outcome": "amend", "proposed_sections": sections}] * 3
    url = f"/plans/{plan_officer.case_ref}/review-decision"
    answers = await asyncio.gather(*(api.post(url, json=body) for body in bodies))
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409, 409, 409], [a.text[:200] for a in answers]
    refusals = {a.json()["type"] for a in answers if a.status_code == 409}
    assert refusals <= {"/problems/case-busy", "/problems/out-of-order"}
    timeline = (await api.get(f"/plans/{plan_officer.case_ref}/timeline")).json()["events"]
    assert len([e for e in timeline if e["action"].startswith("review_decided")]) == 1
    letters = [n["template"] for n in await plan_officer.letters()]
    assert len([t for t in letters if t in ("review_maintained", "amendment_proposed")]) <= 1, letters


async def test_a_one_off_step_sent_again_is_refused_not_recorded_until_the_case_is_full(
    api: httpx.AsyncClient, plan_officer: PlanOfficer
) -> None:
    """Before, circulating the advice, receiving the report or consulting on ceasing could be recorded without
    end, until the run's step limit refused every action on the plan, its annual review included."""
    for _ in range(6):
        await plan_officer.act_on_plan("cease-consultation", {})
    capped = await plan_officer.act_on_plan("cease-consultation", {}, expect=422)
    assert "6 consultations on ceasing" in capped["detail"]
    today = await plan_officer.today()
    await plan_officer.act_on_plan("review-notice", {"meeting_on": (today + timedelta(days=15)).isoformat()})
    await plan_officer.act_on_plan("review-advice", {})
    again = await plan_officer.act_on_plan("review-advice", {}, expect=409)
    assert "already" in again["detail"] or "circulated on" in again["detail"]
    await plan_officer.wait(days=15)
    await plan_officer.act_on_plan("review-meeting", {})
    await plan_officer.act_on_plan("review-report", {})
    again = await plan_officer.act_on_plan("review-report", {}, expect=409)
    assert "already received" in again["detail"]
    timeline = (await api.get(f"/plans/{plan_officer.case_ref}/timeline")).json()["events"]
    assert [e["action"] for e in timeline].count("review_report") == 1


async def test_an_imported_plan_read_as_a_case_points_to_the_plan(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    """It has no assessment here: a 404 that says where the plan is, never a 503 to retry for ever."""
    officer = PlanOfficer(api, env)
    await officer.import_existing("READ/AS/CASE", issued_days_ago=100)
    answer = await api.get(f"/cases/{officer.case_ref}")
    assert answer.status_code == 404 and f"/plans/{officer.case_ref}" in answer.json()["detail"]


async def test_the_same_other_adviser_asked_twenty_times_is_asked_once(
    api: httpx.AsyncClient, officer: Officer
) -> None:
    """A client retrying without a key: one adviser is asked, and each repeat says it was (409)."""
    body = {"adviser": "other", "description": "Speech and language therapist"}
    answers = [await officer.act("advice-requests", body, expect=200 if n == 0 else 409) for n in range(20)]
    assert all(a["detail"].startswith("that adviser was already asked, as other-1 on ") for a in answers[1:])
    # The same role in other words' case and spacing is the same adviser; one not described is no adviser.
    await officer.act("advice-requests", {**body, "description": "  speech AND language therapist "}, expect=409)
    missing = await officer.act("advice-requests", {"adviser": "other"}, expect=422)
    assert "description" in missing["detail"]
    # Sent together: each validator sees the requests before it, so one adviser is asked.
    await officer.act("advice-requests", {"adviser": "health"})
    together = {"adviser": "other", "description": "Occupational therapist", "on": (await officer.today()).isoformat()}
    sent = await asyncio.gather(
        *(api.post(f"/cases/{officer.case_ref}/advice-requests", json=together) for _ in range(20))
    )
    assert sorted(a.status_code for a in sent) == [200] + [409] * 19, [a.text for a in sent]
    case = await officer.case()
    assert [a["advice_id"] for a in case["advice"]] == ["other-1", "health", "other-2"]


async def test_the_same_setting_consulted_by_requests_sent_together_is_consulted_once(
    api: httpx.AsyncClient, officer: Officer
) -> None:
    """The consultation is kept before its letter goes: a duplicate arriving while the letter is sent is refused."""
    await officer.act("decide-to-issue", {"issue": True})
    await officer.draft()
    body = {"setting_urn": "100001", "on": (await officer.today()).isoformat()}
    sent = await asyncio.gather(
        *(api.post(f"/cases/{officer.case_ref}/setting-consultations", json=body) for _ in range(10))
    )
    assert sorted(a.status_code for a in sent) == [200] + [409] * 9, [a.text for a in sent]
    case = await officer.case()
    assert [h["action"] for h in case["history"]].count("setting_consulted:100001") == 1
    letters = [n for n in await officer.letters() if n["template"] == "setting_consultation"]
    assert len(letters) == 1

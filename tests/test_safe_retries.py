"""A retry never undoes what the first request did."""

import httpx
from temporalio.testing import WorkflowEnvironment

import statutory
from api.auth import Role
from settings import Settings
from tests.driver import SECTIONS, PlanOfficer
from tests.factories import bearer, case_request


async def test_a_refused_retry_of_an_issued_amended_plan_keeps_its_text(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = PlanOfficer(api, env)
    await officer.import_existing("RETRY/1", issued_days_ago=300, year_group=4)
    await officer.review()
    sections = {**SECTIONS, "I": "Mainstream primary school"}
    await officer.act_on_plan("review-decision", {"outcome": "amend", "proposed_sections": sections})
    await officer.wait(days=16)
    body = {"issued_on": (await officer.today()).isoformat(), "sections": sections}
    key = {"Idempotency-Key": "amended-plan-retry-1"}
    first = await api.post(f"/plans/{officer.case_ref}/amended-plan", json=body, headers=key)
    assert first.status_code == 200, first.text
    await officer.in_cycle(2)  # the cycle has continued as new: the retry meets a new run
    retry = await api.post(f"/plans/{officer.case_ref}/amended-plan", json=body, headers=key)
    assert retry.status_code in (200, 409), retry.text
    versions = (await api.get(f"/plans/{officer.case_ref}/versions")).json()
    assert versions[-1]["sections"]["F"] == SECTIONS["F"]  # the issued plan's text is still there


async def test_an_idempotency_key_is_the_callers_own_and_never_answers_another_request(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings
) -> None:
    """Two officers may happen on the same key: each gets their own case. The same officer reusing a key for a
    different child is refused (422), as the IETF Idempotency-Key draft does; nothing is lost or mixed up."""
    today = statutory.business_date(await env.get_current_time())
    ada = bearer(settings, Role.CASE_OFFICER, ["202"], sub="ada.keys")
    ben = bearer(settings, Role.CASE_OFFICER, ["202"], sub="ben.keys")
    key = {"Idempotency-Key": "shared-key-1"}
    first = await api.post("/cases", json=case_request(today), headers={**ada, **key})
    bens_body = case_request(today)
    again = await api.post("/cases", json=bens_body, headers={**ben, **key})
    assert first.status_code == again.status_code == 201
    assert first.json()["case_ref"] != again.json()["case_ref"] and "idempotent-replayed" not in again.headers
    reused = await api.post("/cases", json=case_request(today), headers={**ada, **key})
    assert reused.status_code == 422 and "different request" in reused.json()["detail"]
    repeat = await api.post("/cases", json=bens_body, headers={**ben, **key})
    assert repeat.json()["case_ref"] == again.json()["case_ref"] and repeat.headers["idempotent-replayed"] == "true"


async def test_an_imported_plan_read_as_a_case_points_to_the_plan(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    """It has no assessment here: a 404 that says where the plan is, never a 503 to retry for ever."""
    officer = PlanOfficer(api, env)
    await officer.import_existing("READ/AS/CASE", issued_days_ago=100)
    answer = await api.get(f"/cases/{officer.case_ref}")
    assert answer.status_code == 404 and f"/plans/{officer.case_ref}" in answer.json()["detail"]

"""Work queues for an officer and a team (overdue first), and managers moving cases between officers."""

import uuid
from datetime import date, timedelta

import httpx
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from api.auth import Role
from core.config import Settings
from store.db import SessionMaker
from store.models import AuditEvent, CaseDeadline
from tests.conftest import eventually
from tests.driver import Driver as Officer
from tests.factories import bearer, case_request
from tests.support.server_clock import server_today


def officer(settings: Settings, sub: str, las: list[str] | None = None) -> dict[str, str]:
    return bearer(settings, Role.CASE_OFFICER, las or ["202"], sub=sub)


async def open_case(
    api: httpx.AsyncClient, headers: dict[str, str], received: date, la_code: str = "202", **extra: object
) -> str:
    body = case_request(received, la_code=la_code, officer=None, **extra)
    created = await api.post("/cases", json=body, headers=headers)
    assert created.status_code == 201, created.text
    return created.json()["case_ref"]


async def synced(sessions: SessionMaker, *case_refs: str) -> None:
    """The three opening duties (decide to assess, notice if no plan, final plan) are in the read model."""

    async def check() -> bool:
        async with sessions() as session:
            rows = (await session.exec(select(CaseDeadline).where(CaseDeadline.case_ref.in_(case_refs)))).all()  # type: ignore[attr-defined]
            return len(rows) >= 3 * len(case_refs)

    await eventually(check)


async def test_an_officers_queue_is_theirs_with_overdue_duties_first(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings, sessions: SessionMaker
) -> None:
    ada, ben = officer(settings, "ada.queue"), officer(settings, "ben.queue")
    today = await server_today(env)
    received = today - timedelta(weeks=10)
    late = await open_case(api, ada, received, team="north")
    fresh = await open_case(api, ada, today - timedelta(days=3), team="north")
    bens = await open_case(api, ben, today - timedelta(days=20), team="south")
    await synced(sessions, late, fresh, bens)

    page = (await api.get("/work-queue", headers=ada)).json()
    items = page["items"]
    assert {i["case_ref"] for i in items} == {late, fresh}
    assert [i["due"] for i in items] == sorted(i["due"] for i in items)
    first = items[0]
    assert (first["case_ref"], first["step"], first["overdue"]) == (late, "assessment.decide_to_assess", True)
    assert first["due"] == (received + timedelta(weeks=6)).isoformat()  # reg 5(1): 6 weeks
    # Four weeks overdue; the queue's today is the wall clock's (api/routes/work.py), a day on across midnight.
    assert first["days_overdue"] in (28, 29)
    assert [i["overdue"] for i in items] == [True, False, False, False]
    assert all(i["officer"] == "ada.queue" for i in items)

    team = (await api.get("/work-queue", params={"team": "north", "la_code": "202"})).json()["items"]
    assert {i["case_ref"] for i in team} == {late, fresh}
    bens_queue = (await api.get("/work-queue", params={"officer": "ben.queue"}, headers=ada)).json()["items"]
    assert {i["case_ref"] for i in bens_queue} == {bens}


async def test_pages_follow_on_and_filters_are_checked(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings, sessions: SessionMaker
) -> None:
    cy = officer(settings, "cy.pages")
    today = await server_today(env)
    refs = [await open_case(api, cy, today - timedelta(days=n)) for n in (1, 2, 3)]
    await synced(sessions, *refs)
    # Two duties each (reg 5(1), reg 13(2)); reg 10(1)'s 16 weeks are a target until a decision not to issue.
    first = (await api.get("/work-queue", params={"limit": 4}, headers=cy)).json()
    assert len(first["items"]) == 4 and first["next_offset"] == 4
    last = (await api.get("/work-queue", params={"limit": 4, "offset": 4}, headers=cy)).json()
    assert len(last["items"]) == 2 and last["next_offset"] is None
    seen = [(i["case_ref"], i["deadline_key"]) for i in first["items"] + last["items"]]
    assert len(set(seen)) == 6
    for item in first["items"]:  # one step id, and what must be done by when in words
        due = date.fromisoformat(item["due"])
        assert item["label"].endswith(f"by {due.day} {due:%B %Y}") and item["step"].startswith("assessment.")

    both = await api.get("/work-queue", params={"officer": "cy.pages", "unassigned": "true"})
    assert both.status_code == 422 and "not both" in both.json()["detail"]
    bad = await api.get("/work-queue", params={"limit": 0})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "limit"
    foreign = await api.get("/work-queue", params={"la_code": "330"}, headers=cy)
    assert foreign.status_code == 403 and "330" in foreign.json()["detail"]


async def test_a_manager_reassigns_and_it_is_audited(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings, sessions: SessionMaker
) -> None:
    dee = officer(settings, "dee.leaver")
    today = await server_today(env)
    refs = [await open_case(api, dee, today - timedelta(days=n)) for n in (5, 6)]
    await synced(sessions, *refs)

    refused = await api.put(f"/cases/{refs[0]}/assignment", json={"officer": "eve.new"}, headers=dee)
    assert refused.status_code == 403
    given = await api.put(f"/cases/{refs[0]}/assignment", json={"officer": "eve.new", "team": "east"})
    assert given.status_code == 200, given.text
    assert given.json() == {"case_ref": refs[0], "officer": "eve.new", "team": "east"}
    again = await api.put(f"/cases/{refs[0]}/assignment", json={"officer": "eve.new"})
    assert again.json()["team"] == "east"

    eves = (await api.get("/work-queue", params={"officer": "eve.new"})).json()["items"]
    assert {i["case_ref"] for i in eves} == {refs[0]} and eves[0]["team"] == "east"
    moved = await api.post(
        "/assignments/move", json={"la_code": "202", "from_officer": "dee.leaver", "to_officer": "eve.new"}
    )
    assert moved.json() == {"moved": 1, "case_refs": [refs[1]]}
    assert (await api.get("/work-queue", headers=dee)).json()["items"] == []
    assert {
        i["case_ref"] for i in (await api.get("/work-queue", params={"officer": "eve.new"})).json()["items"]
    } == set(refs)
    view = (await api.get(f"/cases/{refs[1]}")).json()
    assert view["officer"] == "eve.new"

    async with sessions() as session:
        audit = (
            await session.exec(
                select(AuditEvent).where(AuditEvent.action == "reassigned", AuditEvent.case_ref.in_(refs))  # type: ignore[attr-defined]
            )
        ).all()
    assert sorted((a.case_ref, a.actor) for a in audit) == sorted([(refs[0], "manager.one"), (refs[1], "manager.one")])
    assert "dee.leaver -> eve.new" in audit[0].summary

    unknown = await api.put("/cases/202-ZZZZZZZZ/assignment", json={"officer": "eve.new"})
    assert unknown.status_code == 404
    foreign = await api.post(
        "/assignments/move",
        json={"la_code": "330", "from_officer": "dee.leaver", "to_officer": "eve.new"},
        headers=bearer(settings, Role.MANAGER, ["202"]),
    )
    assert foreign.status_code == 403


async def test_a_duty_breached_by_an_assessment_that_then_ended_stays_breached_but_leaves_the_queue(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    """The health advice never came (breached 6 weeks after it was asked for, reg 8(1)); the final plan was issued
    without it and the plan took over. The breach is still the case's; the advice is no one's work any more."""
    officer, team = Officer(api, env), f"ended-{uuid.uuid4().hex[:8]}"
    await officer.open(await officer.today(), team=team)
    await officer.wait(weeks=2)
    await officer.act("decide-to-assess", {"assess": True})
    await officer.act("advice-requests", {"adviser": "health"})
    await officer.wait(weeks=6, days=1)
    await officer.act("decide-to-issue", {"issue": True})
    await officer.draft()
    await officer.wait(days=15)
    await officer.final(setting_type="Mainstream primary school")

    async def advice_closed() -> CaseDeadline | None:
        async with sessions() as session:
            row = await session.get(CaseDeadline, (officer.case_ref, "assessment.advice:health"))
        return row if row is not None and not row.process_open else None

    advice = await eventually(advice_closed)
    assert (advice.status, advice.done_on) == ("breached", None)  # the law was broken, and it stays said

    async def plans_queue() -> list[dict[str, str]] | None:
        """The team's queue once the plan has written its own duties (its first annual review)."""
        items: list[dict[str, str]] = (await api.get("/work-queue", params={"team": team})).json()["items"]
        return items if any(i["step"] == "review.annual" for i in items) else None

    queue = await eventually(plans_queue)
    assert all(i["case_ref"] == officer.case_ref for i in queue)
    assert [i["step"] for i in queue if i["step"].startswith("assessment.")] == []

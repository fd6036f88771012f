"""The forecast through the API on a fixed history written to the read model: the work queue by risk with its
figures checked by hand, who may see it, the dashboard's count, the forecast on a case driven through Temporal, and
the history's one query held to the model's own count."""

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

import statutory
from api.auth import Role
from core.config import Settings
from reports.forecast import StatisticsCache, fact_of, read_history
from reports.forecast_model import CaseFacts, History, samples
from store.db import SessionMaker
from store.models import Case, CaseDeadline
from tests.conftest import eventually
from tests.driver import Officer
from tests.factories import bearer, read_model_case, read_model_date
from tests.support.server_clock import server_today

FINAL, DECIDE = "assessment.final_plan", "assessment.decide_to_assess"
# Request to final plan in the LA: median (rank 5 of 10) 130 days, quartiles (ranks 3 and 8) 120 and 150.
FINALS = [100, 110, 120, 125, 130, 135, 140, 150, 160, 180]
# Request to the decision whether to assess: median 28, quartiles 24 and 34.
DECISIONS = [20, 22, 24, 26, 28, 30, 32, 34, 36, 38]


async def write_history(sessions: SessionMaker, la: str, today: date) -> None:
    """Ten assessments of the LA that ended in a plan, in the last year, each step taking the days above."""
    async with sessions() as session:
        for n, (final, decide) in enumerate(zip(FINALS, DECISIONS, strict=True)):
            received = today - timedelta(days=300 + n)
            case = read_model_case(f"{la}-HIST{n:04d}", la, received, stage="final_issued", closed=True)
            session.add(case)
            session.add(read_model_date(case, FINAL, received, 20, done_on=received + timedelta(days=final)))
            session.add(read_model_date(case, DECIDE, received, 6, done_on=received + timedelta(days=decide)))
        await session.commit()


async def write_open_cases(sessions: SessionMaker, la: str, today: date, now: datetime) -> dict[str, Case]:
    async with sessions() as session:
        cases = {
            # 133 days in: of the ten, 135..180 took as long; median (rank 3 of 5) 150: 10 days after the 140 days.
            "late": read_model_case(f"{la}-LATE0001", la, today - timedelta(days=133), officer="ada.fc"),
            # 31 days in: all ten final plans took longer: 130 days, 10 to spare. Its decision: of the 32..38 that
            # took 31 days or more, the median (rank 2 of 4) 34 days: 8 days before its 42.
            "young": read_model_case(f"{la}-YOUNG001", la, today - timedelta(days=31), officer="ben.fc"),
            # The decision 50 days in, longer than any (38): expected today, 8 days after its 6 weeks.
            "undecided": read_model_case(f"{la}-UNDEC001", la, today - timedelta(days=50), officer="ada.fc"),
            # Entered late, held for 3 more days: 181 days in, expected today, 41 days late, but not yet judged.
            "held": read_model_case(f"{la}-HELD0001", la, today - timedelta(days=181), officer="ada.fc"),
        }
        session.add_all(cases.values())
        late, young, undecided, held = cases.values()
        session.add(read_model_date(late, FINAL, late.received_date, 20))
        session.add(read_model_date(young, FINAL, young.received_date, 20))
        session.add(read_model_date(young, DECIDE, young.received_date, 6))
        session.add(read_model_date(undecided, DECIDE, undecided.received_date, 6))
        session.add(read_model_date(held, FINAL, held.received_date, 20, held_until=now + timedelta(days=3)))
        await session.commit()
    return cases


def officer_of(settings: Settings, sub: str, la: str) -> dict[str, str]:
    return bearer(settings, Role.CASE_OFFICER, [la], sub=sub)


async def forecast(api: httpx.AsyncClient, headers: dict[str, str], **params: str) -> dict[str, Any]:
    answer = await api.get("/forecast", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def test_the_queue_by_risk_on_a_fixed_history(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings, sessions: SessionMaker
) -> None:
    la, other = "FCA", "FCB"
    today = await server_today(env)
    await write_history(sessions, la, today)
    cases = await write_open_cases(sessions, la, today, await env.get_current_time())
    async with sessions() as session:
        theirs = read_model_case(f"{other}-LATE0001", other, today - timedelta(days=200), officer="cy.fb")
        session.add(theirs)
        session.add(read_model_date(theirs, FINAL, theirs.received_date, 20))
        await session.commit()

    manager = bearer(settings, Role.MANAGER, [la], sub="manager.fc")
    page = await forecast(api, manager)
    assert page["as_of"] == today.isoformat() and page["at_risk"] == 2
    items = page["items"]
    got = [(i["case_ref"], i["step"], i["days_late"], i["at_risk"]) for i in items]
    assert got == [
        (cases["late"].case_ref, FINAL, 10, True),
        (cases["undecided"].case_ref, DECIDE, 8, True),
        (cases["young"].case_ref, DECIDE, -8, False),
        (cases["young"].case_ref, FINAL, -10, False),
        (cases["held"].case_ref, FINAL, 41, False),  # not judged yet: last, and not at risk
    ]
    late = items[0]
    received = cases["late"].received_date
    assert (late["expected_on"], late["likely_from"], late["likely_to"], late["due"]) == (
        (received + timedelta(days=150)).isoformat(),
        (received + timedelta(days=140)).isoformat(),
        (received + timedelta(days=160)).isoformat(),
        (received + timedelta(weeks=20)).isoformat(),
    )
    assert (late["basis"], late["samples"], late["officer"], late["overdue"]) == ("la_history", 10, "ada.fc", False)
    assert "5 of 10 past cases in LA FCA that took at least 133 days" in late["explanation"]
    young = cases["young"].received_date
    assert items[2]["expected_on"] == (young + timedelta(days=34)).isoformat()
    assert items[3]["expected_on"] == (young + timedelta(days=130)).isoformat()
    assert (items[1]["expected_on"], items[1]["overdue"]) == (today.isoformat(), True)
    assert items[4]["held_until"] is not None and items[4]["expected_on"] == today.isoformat()
    assert "breach" not in str(page)  # a forecast is an estimate, never a finding that the law was broken

    only = await forecast(api, manager, at_risk="true", limit="1")
    assert [i["case_ref"] for i in only["items"]] == [cases["late"].case_ref] and only["next_offset"] == 1
    rest = await forecast(api, manager, at_risk="true", limit="1", offset="1")
    assert [i["case_ref"] for i in rest["items"]] == [cases["undecided"].case_ref] and rest["next_offset"] is None

    # A case officer's own queue by default; another's by name; ops see the LA's, as for the work queue.
    ada = await forecast(api, officer_of(settings, "ada.fc", la))
    assert {i["case_ref"] for i in ada["items"]} == {cases[n].case_ref for n in ("late", "undecided", "held")}
    bens = await forecast(api, officer_of(settings, "ada.fc", la), officer="ben.fc")
    assert {i["case_ref"] for i in bens["items"]} == {cases["young"].case_ref} and bens["at_risk"] == 0
    ops = await forecast(api, bearer(settings, Role.OPS, [la], sub="ops.fc"))
    assert ops["items"] == items

    # Another LA's officer sees nothing of this LA's: refused when asked for it, and none of it in their own.
    cy = officer_of(settings, "cy.fb", other)
    refused = await api.get("/forecast", params={"la_code": la}, headers=cy)
    assert refused.status_code == 403 and refused.headers["content-type"] == "application/problem+json"
    own = await forecast(api, cy)
    assert [i["case_ref"] for i in own["items"]] == [theirs.case_ref] and la not in str(own)

    # The dashboard counts the LA's duties at risk, per LA and in total.
    board = (await api.get("/dashboard", params={"la_code": la}, headers=manager)).json()
    assert board["total"]["at_risk"] == 2 and board["by_la"][0]["figures"]["at_risk"] == 2
    both = (await api.get("/dashboard", headers=bearer(settings, Role.MANAGER, [la, other], sub="m.both"))).json()
    assert both["total"]["at_risk"] == 3 and [b["figures"]["at_risk"] for b in both["by_la"]] == [2, 1]


async def test_bad_queries_are_refused_with_a_reason(api: httpx.AsyncClient, settings: Settings) -> None:
    headers = bearer(settings, Role.MANAGER, ["FCA"], sub="manager.bad")
    for params, field in (
        ({"limit": "0"}, "limit"),
        ({"limit": "501"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"at_risk": "perhaps"}, "at_risk"),
        ({"la_code": "fca"}, "la_code"),
        ({"officer": "x" * 500}, "officer"),
    ):
        answer = await api.get("/forecast", params=params, headers=headers)
        assert answer.status_code == 422, (params, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert answer.json()["errors"][0]["field"] == field, params
        assert "x" * 50 not in answer.text  # the input is not echoed
    both = await api.get("/forecast", params={"officer": "ada.fc", "unassigned": "true"}, headers=headers)
    assert both.status_code == 422 and "not both" in both.json()["detail"]


async def test_a_case_shows_when_each_duty_it_owes_is_expected(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings, sessions: SessionMaker
) -> None:
    la = "FCV"
    api.headers.update(bearer(settings, Role.MANAGER, [la], sub="manager.fcv"))
    officer = Officer(api, env)
    received = await officer.today()
    await write_history(sessions, la, received)
    await officer.open(received, la_code=la)

    async def owed() -> dict[str, dict[str, Any]] | None:
        deadlines = {d["key"]: d for d in (await officer.case())["deadlines"]}
        return deadlines if deadlines.get(FINAL, {}).get("forecast") else None

    deadlines = await eventually(owed)
    final, decide = deadlines[FINAL]["forecast"], deadlines[DECIDE]["forecast"]
    # Opened today: the median of the ten from the request, 130 days for the plan (120..150), 28 for the decision.
    assert (final["expected_on"], final["likely_from"], final["likely_to"]) == (
        (received + timedelta(days=130)).isoformat(),
        (received + timedelta(days=120)).isoformat(),
        (received + timedelta(days=150)).isoformat(),
    )
    assert (final["days_late"], final["at_risk"], final["basis"]) == (-10, False, "la_history")
    assert (decide["expected_on"], decide["days_late"]) == ((received + timedelta(days=28)).isoformat(), -14)
    # The 16 weeks to decide whether to issue are a planning target until a decision not to: no forecast.
    assert deadlines["assessment.notify_no_plan"]["forecast"] is None

    await officer.wait(days=3)
    await officer.act("decide-to-assess", {"assess": True})

    async def decided() -> dict[str, dict[str, Any]] | None:
        deadlines = {d["key"]: d for d in (await officer.case())["deadlines"]}
        return deadlines if deadlines[DECIDE]["done_on"] and deadlines[DECIDE]["forecast"] is None else None

    assert (await eventually(decided))[FINAL]["forecast"]["expected_on"] == (received + timedelta(days=130)).isoformat()

    # Another LA's officer finds no such case.
    foreign = await api.get(f"/cases/{officer.case_ref}", headers=officer_of(settings, "cy.fb", "FCB"))
    assert foreign.status_code == 404


async def test_the_one_query_counts_what_the_model_counts(sessions: SessionMaker) -> None:
    """statistics_query, in the database, and forecast_model.samples, in memory (the back-test's way), give the same
    history from every row the database holds (other tests' cases too)."""
    as_of = statutory.business_date(datetime.now(UTC))
    await write_history(sessions, "FCQ", as_of)
    async with sessions() as session:
        cases = {c.case_ref: c for c in (await session.exec(select(Case))).all()}
        rows = (await session.exec(select(CaseDeadline))).all()
        from_database = await read_history(session, as_of)
    facts = defaultdict(list)
    for row in rows:
        facts[row.case_ref].append(fact_of(row))
    every_case = [
        CaseFacts(
            ref, cases[ref].la_code, tuple(f), issued=cases[ref].stage == "final_issued" or cases[ref].process == "plan"
        )
        for ref, f in facts.items()
    ]
    in_memory = History.from_counts(samples(every_case, as_of))
    assert from_database.by_la == in_memory.by_la and from_database.national == in_memory.national
    assert from_database.by_la[("FCQ", FINAL)].days == tuple(FINALS)
    assert from_database.by_la[("FCQ", DECIDE)].days == tuple(DECISIONS)


async def test_an_old_count_is_answered_while_it_is_counted_again(sessions: SessionMaker) -> None:
    """The dashboard's count of duties at risk: an LA's first view of the day waits for it; after CACHE_SECONDS (here
    none) a view is answered with the count it has, and the count is made again in the background for the next."""
    today = statutory.business_date(datetime.now(UTC))
    await write_history(sessions, "FCR", today)
    await write_open_cases(sessions, "FCR", today, datetime.now(UTC))
    cache = StatisticsCache(seconds=0)
    cache.sessions = sessions
    async with sessions() as session:
        assert await cache.at_risk(session, ["FCR"], today) == {"FCR": 2}  # the late and the undecided case
    async with sessions() as session:  # a third at risk, 133 days in as the late one
        third = read_model_case("FCR-LATE0002", "FCR", today - timedelta(days=133), officer="ada.fc")
        session.add(third)
        session.add(read_model_date(third, FINAL, third.received_date, 20))
        await session.commit()

    async def counted_again() -> bool:
        async with sessions() as session:
            return await cache.at_risk(session, ["FCR"], today) == {"FCR": 3}

    async with sessions() as session:
        assert await cache.at_risk(session, ["FCR"], today) == {"FCR": 2}  # answered at once with the count it had
    assert await eventually(counted_again)
    await cache.close()


async def test_an_old_history_is_answered_while_it_is_read_again(sessions: SessionMaker) -> None:
    """Every case read forecasts from the history: once it is old, reads are answered from it while one read of it
    is made in the background, never one per request."""
    today = statutory.business_date(datetime.now(UTC))
    cache = StatisticsCache(seconds=0)
    cache.sessions = sessions
    async with sessions() as session:
        first = await cache.history(session, today)
    assert ("FCS", FINAL) not in first.by_la
    await write_history(sessions, "FCS", today)

    async def read_again() -> bool:
        async with sessions() as session:
            return ("FCS", FINAL) in (await cache.history(session, today)).by_la

    async with sessions() as session:
        assert await cache.history(session, today) is first  # answered at once with the history it had
    assert await eventually(read_again)
    await cache.close()

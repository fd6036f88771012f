"""The family's informed preference: the schools and colleges its child could be offered, from the settings directory
loaded from the hand-made sample of the DfE's register. Children whose ages put some settings in and others out,
each with a date of birth and the expected URNs written by hand, on a fixed day (Monday 11 January 2027); the
cases are written to the database as the API registers them, since the list needs no workflow.
"""

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest_asyncio
from temporalio.testing import WorkflowEnvironment

from api.auth import Role, issue_token
from core.config import Settings
from store.db import SessionMaker
from store.models import Case, CaseDeadline, Child
from tests.conftest import api_client
from tests.factories import CHILD_FAMILY, CHILD_GIVEN, bearer
from tests.support.gias import CSV_TYPE, ST_THERESE, register_csv, sample, school

TODAY = datetime(2027, 1, 11, 12, 0, tzinfo=UTC)
RECEIVED = date(2026, 9, 14)


async def monday_11_january_2027() -> datetime:
    return TODAY


@pytest_asyncio.fixture
async def api(env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The API on a fixed day, the sample register loaded by a manager."""
    async with api_client(settings, env.client, sessions, clock=monday_11_january_2027) as client:
        loaded = await client.post("/settings-directory/import", content=sample(), headers={"content-type": CSV_TYPE})
        assert loaded.status_code == 200, loaded.text
        yield client


async def case_of(sessions: SessionMaker, born: date, final_plan_due: date | None = None, la_code: str = "342") -> str:
    """A case of the LA for a child born on `born`, with its final plan due then if the date is given."""
    case_ref = f"{la_code}-{uuid.uuid4().hex[:8].upper()}"
    async with sessions() as session:
        session.add(
            Case(
                case_ref=case_ref,
                la_code=la_code,
                process="assessment",
                stage="draft_issued",
                policy="send-regs-2014",
                workflow_id=f"assessment-{case_ref}",
                received_date=RECEIVED,
                request_source="parent",
            )
        )
        await session.flush()
        session.add(Child(case_ref=case_ref, given_name=CHILD_GIVEN, family_name=CHILD_FAMILY, date_of_birth=born))
        if final_plan_due is not None:
            session.add(
                CaseDeadline(
                    case_ref=case_ref,
                    key="assessment.final_plan",
                    la_code=la_code,
                    step="assessment.final_plan",
                    kind="duty",
                    start=RECEIVED,
                    due=final_plan_due,
                    status="open",
                )
            )
        await session.commit()
    return case_ref


def family(settings: Settings, *case_refs: str) -> dict[str, str]:
    sub = f"family:{uuid.uuid4().hex}"
    token = issue_token(settings, sub, Role.FAMILY, [], lifetime=timedelta(hours=2), case_refs=list(case_refs))
    return {"Authorization": f"Bearer {token}"}


async def listed(api: httpx.AsyncClient, headers: dict[str, str], case_ref: str, **params: str) -> dict[str, Any]:
    answer = await api.get(f"/portal/cases/{case_ref}/settings", headers=headers, params=params)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def urns(answer: dict[str, Any]) -> list[str]:
    return [setting["urn"] for setting in answer["settings"]]


async def test_the_list_holds_the_settings_that_take_a_child_of_that_age_and_no_others(
    api: httpx.AsyncClient, sessions: SessionMaker, settings: Settings
) -> None:
    # Born 20 October 2015; the final plan due 1 February 2027 (20 weeks from 14 September 2026), in the school year
    # 2026 to 2027; 10 on 31 August 2026, so Year 6. In: the primary schools of ages 4 to 11, 3 to 11 and 7 to 11, the
    # special schools of 2 to 19 and (independent, approved under s.41) 7 to 18. Out: the academy of 11 to 16, the
    # nursery school of 2 to 5 and the college of 16 on, for age; the closed school, the one not open yet, the
    # independent school not approved, the pupil referral unit; and the primary school of another LA.
    year_six = await case_of(sessions, date(2015, 10, 20), final_plan_due=date(2027, 2, 1))
    headers = family(settings, year_six)
    answer = await listed(api, headers, year_six)
    # Special schools, then the one with a resourced provision, then the others, each by name.
    assert (answer["school_year"], urns(answer), answer["more"]) == (
        2026,
        ["990007", "990003", "990002", "990001", "990011"],
        False,
    )
    assert answer["settings"][2] == ST_THERESE
    text = str(answer)
    for personal in (CHILD_GIVEN, CHILD_FAMILY, "2015-10-20", "2015", "'age'"):
        assert personal not in text

    # The family narrows it by phase, type or name.
    assert urns(await listed(api, headers, year_six, phase="Primary")) == ["990002", "990001", "990011"]
    assert urns(await listed(api, headers, year_six, type="Community special school")) == ["990003"]
    assert urns(await listed(api, headers, year_six, name="OAK")) == ["990001"]
    assert urns(await listed(api, headers, year_six, name="Riverside")) == []

    # Born 15 March 2010, no final plan due (today, then): 16 on 31 August 2026. The school of 11 to 16 and the
    # independent school of 5 to 16 take pupils up to 15 on that day; the college of 16 on takes them.
    sixteen = await case_of(sessions, date(2010, 3, 15))
    assert urns(await listed(api, family(settings, sixteen), sixteen)) == ["990007", "990003", "990013"]

    # Born 1 June 2016, the final plan due on 16 August 2027: in the summer holidays, so the place is taken up in
    # September 2027, at 11 on 31 August 2027: Year 7. The secondary academy now, and none of the primary schools.
    year_seven = await case_of(sessions, date(2016, 6, 1), final_plan_due=date(2027, 8, 16))
    answer = await listed(api, family(settings, year_seven), year_seven)
    assert (answer["school_year"], urns(answer)) == (2027, ["990007", "990003", "990004"])


async def test_a_long_list_stops_at_fifty_and_says_there_are_more(
    api: httpx.AsyncClient, sessions: SessionMaker, settings: Settings
) -> None:
    schools = [school(f"98140{n:02d}", "885", f"Primary School {n:02d}") for n in range(51)]
    loaded = await api.post(
        "/settings-directory/import", content=register_csv(*schools), headers={"content-type": CSV_TYPE}
    )
    assert loaded.status_code == 200, loaded.text
    case_ref = await case_of(sessions, date(2019, 2, 2), la_code="885")  # 7 on 31 August 2026
    answer = await listed(api, family(settings, case_ref), case_ref)
    assert (len(answer["settings"]), answer["more"]) == (50, True)
    assert urns(answer)[:2] == ["9814000", "9814001"] and urns(answer)[-1] == "9814049"
    assert urns(await listed(api, family(settings, case_ref), case_ref, name="School 50")) == ["9814050"]


async def test_only_the_family_of_the_case_sees_its_list(
    api: httpx.AsyncClient, sessions: SessionMaker, settings: Settings
) -> None:
    ours = await case_of(sessions, date(2015, 10, 20))
    theirs = await case_of(sessions, date(2015, 10, 20))
    headers = family(settings, ours)
    foreign = await api.get(f"/portal/cases/{theirs}/settings", headers=headers)
    ghost = await api.get("/portal/cases/342-ZZZZZZZZ/settings", headers=headers)
    assert (foreign.status_code, ghost.status_code) == (404, 404)
    assert foreign.text.replace(theirs, "342-ZZZZZZZZ") == ghost.text
    # Staff read the directory through their own routes, not the family's.
    officer = bearer(settings, Role.CASE_OFFICER, ["342"], sub="officer.settings")
    assert (await api.get(f"/portal/cases/{ours}/settings", headers=officer)).status_code == 403
    assert (
        await api.get(f"/portal/cases/{ours}/settings", headers=headers, params={"name": "x" * 101})
    ).status_code == 422

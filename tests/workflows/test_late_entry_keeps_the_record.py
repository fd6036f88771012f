"""Facts entered late keep the record true: found by a fourth red-team run, each refused or taken as the law
reads. Dates are counted here by hand from the time-skipping server's today."""

from datetime import date, timedelta
from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

from tests.conftest import eventually
from tests.driver import Redress


async def assessing(officer: Redress, *, received_days_ago: int, decided_days_ago: int) -> date:
    """A request received and a decision to assess, both entered late; today's date on the server."""
    today = await officer.today()
    await officer.open(received=today - timedelta(days=received_days_ago))
    decided = {"on": (today - timedelta(days=decided_days_ago)).isoformat(), "assess": True}
    await officer.act("decide-to-assess", decided)
    return today


async def test_a_withdrawal_dated_before_recorded_steps_is_refused(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    """It was taken, and it turned breaches already escalated into 'ended' as of a day before them."""
    officer = Redress(api, env)
    today = await assessing(officer, received_days_ago=100, decided_days_ago=80)
    asked = today - timedelta(days=79)
    await officer.act("advice-requests", {"on": asked.isoformat(), "adviser": "health"})
    early = {"on": (today - timedelta(days=90)).isoformat(), "reason": "request_withdrawn"}
    refused = await officer.act("withdraw", early, expect=422)
    assert refused["detail"] == (
        f"the date of the withdrawal, {today - timedelta(days=90)}, is before {asked}, when the case reached that step"
    )
    assert (await officer.case())["stage"] == "assessing"


async def test_an_exception_entered_today_does_not_hold_back_the_facts_entered_after_it(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    """An exception is recorded on the day it is entered, about other dates: the true date of the decision to
    issue, months earlier, was refused as 'before' it, and only a false later date could be entered."""
    officer = Redress(api, env)
    today = await assessing(officer, received_days_ago=200, decided_days_ago=170)
    away = {"start": (today - timedelta(days=150)).isoformat(), "end": (today - timedelta(days=100)).isoformat()}
    exception = {"code": "absence_4_weeks", "reason": "Family abroad.", "steps": ["assessment.final_plan"], **away}
    await officer.act("exceptions", exception)
    decided = await officer.act("decide-to-issue", {"on": (today - timedelta(days=90)).isoformat(), "issue": True})
    assert decided["stage"] == "drafting"


async def test_an_exception_must_have_begun_and_lasted_as_long_as_its_regulation_says(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = Redress(api, env)
    today = await assessing(officer, received_days_ago=60, decided_days_ago=50)
    base: dict[str, Any] = {"code": "absence_4_weeks", "reason": "Away.", "steps": ["assessment.final_plan"]}
    one_day = {
        **base,
        "start": (today - timedelta(days=20)).isoformat(),
        "end": (today - timedelta(days=20)).isoformat(),
    }
    short = await officer.act("exceptions", one_day, expect=422)
    assert "at least 4 weeks" in short["detail"] and "is 1 days" in short["detail"]
    a_day_short = {
        **base,
        "start": (today - timedelta(days=27)).isoformat(),
        "end": (today - timedelta(days=1)).isoformat(),
    }
    assert "is 27 days" in (await officer.act("exceptions", a_day_short, expect=422))["detail"]
    ahead = {
        **base,
        "on": (today - timedelta(days=40)).isoformat(),
        "start": (today - timedelta(days=35)).isoformat(),
        "end": (today - timedelta(days=1)).isoformat(),
    }
    early = await officer.act("exceptions", ahead, expect=422)
    assert early["detail"].startswith("an exception is recorded once it has begun")
    four_weeks = {
        **base,
        "start": (today - timedelta(days=28)).isoformat(),
        "end": (today - timedelta(days=1)).isoformat(),
    }
    await officer.act("exceptions", four_weeks)  # 28 days, both ends counted: exactly 4 weeks


async def test_an_assessment_the_tribunal_ordered_cannot_be_withdrawn(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    """Withdrawing it ended the order's reg 44 duties and left the appeal 'complying' for ever."""
    officer = Redress(api, env)
    route, _ = await officer.refused_case(wait=False)
    appeal = await officer.appeal_registered(route)
    await officer.redress(appeal, "decision", {"upheld": True, "orders": ["assess"]})

    async def reopened() -> dict[str, Any] | None:
        case = (await api.get(f"/cases/{officer.case_ref}")).json()
        return case if case["stage"] == "request_received" else None

    await eventually(reopened)
    refused = await officer.act("withdraw", {"reason": "request_withdrawn"}, expect=422)
    assert refused["detail"].startswith("the Tribunal ordered this case (assess")
    assert (await api.get(f"/tribunal/{appeal}")).json()["stage"] == "complying"

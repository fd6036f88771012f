"""Every transfer between phases (SEND Regs 2014 reg 2(1), reg 18): early years to school, infant to junior, first
to middle, middle to upper, secondary to post-16, and a move between post-16 institutions at any other time.

Children are imported in the year group whose move comes next September, so the duty is owed at import whatever
the day the test runs; the expected dates are 15 February (31 March for post-16) of the calendar year of the move.
"""

from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from tests.driver import PlanOfficer


def row(reference: str, year_group: int, structure: str) -> dict[str, Any]:
    return {
        "la_code": "202",
        "la_reference": reference,
        "given_name": "P",
        "family_name": "Phase",
        "date_of_birth": "2016-02-02",
        "plan_issued_on": "2025-06-02",
        "year_group": str(year_group),
        "school_structure": structure,
    }


@pytest.mark.parametrize(
    ("structure", "year_group", "into", "month", "day"),
    [
        ("primary", -1, "Reception", 2, 15),  # early years to school
        ("infant_junior", 2, "Year 3", 2, 15),  # infant to junior
        ("three_tier", 4, "Year 5", 2, 15),  # first to middle
        ("three_tier", 8, "Year 9", 2, 15),  # middle to upper
        ("infant_junior", 6, "Year 7", 2, 15),  # junior to secondary
        ("primary", 11, "post-16", 3, 31),  # secondary to post-16 (reg 18(1)(a))
    ],
)
async def test_each_move_between_phases_owes_its_amendment_by_the_reg_18_date(
    api: httpx.AsyncClient, env: WorkflowEnvironment, structure: str, year_group: int, into: str, month: int, day: int
) -> None:
    officer = PlanOfficer(api, env)
    today = await officer.today()
    september = today.year if today.month >= 9 else today.year - 1  # this academic year began then
    await officer.import_plan(row(f"PHASE/{structure}/{year_group}", year_group, structure))
    plan = await officer.in_cycle(1)
    transfer = next(
        d for d in plan["deadlines"] if d["step"].startswith("review.phase_transfer_") and "meeting" not in d["step"]
    )
    assert (transfer["kind"], transfer["due"]) == ("duty", date(september + 1, month, day).isoformat())
    assert transfer["label"].endswith(f"move into {into}")


async def test_a_move_between_post16_institutions_is_prepared_five_months_before(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    """Reg 18(2): moving between post-16 institutions at any other time, the plan is reviewed and amended at least
    5 months before the move."""
    officer = PlanOfficer(api, env)
    today = await officer.today()
    await officer.import_plan(row("PHASE/POST16MOVE", 12, "primary"))
    await officer.in_cycle(1)
    refused = await officer.act_on_plan("post16-move", {"moves_on": today.isoformat()}, expect=422)
    assert "after the day" in refused["detail"]
    moves_on = date(today.year + 1, 7, 31)  # 5 months before 31 July is the last day of February
    plan = await officer.act_on_plan("post16-move", {"moves_on": moves_on.isoformat()})
    move = next(d for d in plan["deadlines"] if d["step"] == "review.post16_move")
    feb_end = date(today.year + 1, 3, 1) - timedelta(days=1)
    assert (move["kind"], move["due"]) == ("duty", feb_end.isoformat())
    await officer.act_on_plan("post16-move", {"moves_on": moves_on.isoformat()}, expect=409)

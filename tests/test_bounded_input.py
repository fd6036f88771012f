"""Bounded input: what an action may carry is limited before the case sees it, and a refusal quotes nothing."""

import httpx
from temporalio.testing import WorkflowEnvironment

from tests.driver import Officer


async def test_oversized_identifiers_are_refused_before_the_case_sees_them(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    """An identifier a rejection would quote, or history would keep, is bounded by the API: a megabyte of one is
    a 422 that quotes nothing, and the case stays readable and unchanged."""
    officer = Officer(api, env)
    await officer.open()
    await officer.act("decide-to-assess", {"assess": True})
    before = await officer.case()
    huge = "x" * 1_000_000
    for path, body in (
        ("advice-received", {"advice_id": huge}),
        ("parent-comments", {"preferred_setting_urn": huge}),
        ("setting-answers", {"setting_urn": huge, "agrees": True}),
        (
            "exceptions",
            {
                "code": "absence_4_weeks",
                "reason": "r",
                "start": "2026-01-01",
                "end": "2026-01-02",
                "steps": ["assessment.final_plan"] * 10_000,
            },
        ),
    ):
        problem = await officer.act(path, body, expect=422)
        assert "xxxxxxxx" not in str(problem) and len(str(problem)) < 2_000, path
    after = await officer.case()
    assert after["history"] == before["history"] and after["deadlines"] == before["deadlines"]

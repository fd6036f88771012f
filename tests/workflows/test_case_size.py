"""How large a case can grow: the largest assessment the caps allow stays far from Temporal's limits.

Every repeatable action is taken as often as a case may take it (workflows/case_base.py, MAX_REPEATS), with
every free-text field at its longest, and then the next one of each is refused with nothing recorded. The
history, the case as the API answers it and the read model's query are measured against Temporal's limits:
50 MB and 51,200 events of history, 2 MB for one payload (a query's result is one). The figures are printed
(`pytest -s`) and written up in docs/operations.md.
"""

from datetime import timedelta
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from core.workflow_ids import plan_id
from tests.driver import Officer, PlanOfficer
from workflows import case_base
from workflows.actions import Action
from workflows.activity_contracts import CaseSnapshot
from workflows.case_base import MAX_REPEATS

STATUTORY_ADVISERS = ("educational", "educational_psychologist", "health", "social_care", "sensory")
HISTORY_LIMIT_BYTES = 50 * 1024 * 1024
HISTORY_LIMIT_EVENTS = 51_200
PAYLOAD_LIMIT_BYTES = 2 * 1024 * 1024


def longest(text: str, length: int) -> str:
    return (text * (length // len(text) + 1))[:length]


async def test_the_largest_assessment_the_caps_allow_stays_a_tenth_of_temporals_limits(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = Officer(api, env)
    received = await officer.today()
    case_ref = await officer.open(received)
    await officer.act("decide-to-assess", {"assess": True})
    for adviser in STATUTORY_ADVISERS:
        await officer.act("advice-requests", {"adviser": adviser})
    for n in range(MAX_REPEATS["other advisers"]):
        who = longest(f"therapist {n} ", 200)
        await officer.act("advice-requests", {"adviser": "other", "description": who})
    refused = await officer.act("advice-requests", {"adviser": "other", "description": "one more"}, expect=422)
    assert refused["detail"] == "this case already records 12 other advisers, the most one case may hold"
    for advice_id in (*STATUTORY_ADVISERS, *(f"other-{n + 1}" for n in range(MAX_REPEATS["other advisers"]))):
        await officer.act("advice-received", {"advice_id": advice_id})
    exception = {
        "code": "absence_4_weeks",
        "reason": longest("In hospital; ", 2000),
        "start": received.isoformat(),
        "end": (received + timedelta(weeks=5)).isoformat(),
        "steps": ["assessment.final_plan"] * 16,
    }
    for _ in range(MAX_REPEATS["exceptions"]):
        await officer.act("exceptions", exception)
    await officer.act("exceptions", exception, expect=422)
    await officer.act("decide-to-issue", {"issue": True})
    await officer.draft()
    urns = [f"{100000 + n}" for n in range(MAX_REPEATS["consultations"] + 1)]
    for _ in range(MAX_REPEATS["comments"]):
        await officer.act("parent-comments", {"preferred_setting_urn": urns[0], "meeting_requested": True})
    await officer.act("parent-comments", {}, expect=422)
    for urn in urns[:-1]:
        await officer.act("setting-consultations", {"setting_urn": urn})
    await officer.act("setting-consultations", {"setting_urn": urns[-1]}, expect=422)
    for urn in urns[:-1]:
        await officer.act("setting-answers", {"setting_urn": urn, "agrees": True})
    before = await officer.case()
    await officer.wait(weeks=3)
    await officer.final(named_setting_urn=urns[0])

    handle = env.client.get_workflow_handle(f"assessment-{case_ref}")
    history = await handle.fetch_history()
    size = sum(event.ByteSize() for event in history.events)
    answer = await api.get(f"/cases/{case_ref}")
    read_model = await handle.query("read_model", result_type=CaseSnapshot)
    query_bytes = len(read_model.model_dump_json())
    print(  # noqa: T201 - the figures docs/operations.md quotes, with `pytest -s`
        f"\nlargest assessment: {len(before['history'])} history lines, {len(history.events)} events, "
        f"{size / 1024 / 1024:.2f} MB of history, GET {len(answer.content) / 1024:.0f} KB, "
        f"read model query {query_bytes / 1024:.0f} KB"
    )
    assert size < HISTORY_LIMIT_BYTES / 10 and len(history.events) < HISTORY_LIMIT_EVENTS / 10
    assert len(answer.content) < PAYLOAD_LIMIT_BYTES / 10 and query_bytes < PAYLOAD_LIMIT_BYTES / 10
    # Each refusal above recorded nothing: the history holds exactly what was accepted.
    actions = [h["action"] for h in before["history"]]
    assert actions.count("parent_comments") == MAX_REPEATS["comments"]
    assert sum(a.startswith("exception:") for a in actions) == MAX_REPEATS["exceptions"]
    assert sum(a.startswith("setting_consulted:") for a in actions) == MAX_REPEATS["consultations"]


async def test_the_step_limit_is_a_backstop_that_never_turns_the_system_away(
    api: httpx.AsyncClient, env: WorkflowEnvironment, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every action a client can repeat is capped below the step limit (moving a plan between LAs was the
    last one that was not: 299 moves locked a plan, and a Tribunal order to it was then dropped). So the
    limit is lowered here to reach it: officers are refused, saying why, and the system's updates still go in."""
    monkeypatch.setattr(case_base, "MAX_STEPS_PER_RUN", 8)
    officer = PlanOfficer(api, env)
    await officer.import_existing("SIZE/1", issued_days_ago=100)
    las = ("202", "330")
    for move in range(MAX_REPEATS["transfers"]):
        body = {"from_la_code": las[move % 2], "to_la_code": las[(move + 1) % 2]}
        await officer.act_on_plan("transfer", body)
    capped = await officer.act_on_plan("transfer", {"from_la_code": "202", "to_la_code": "330"}, expect=422)
    assert (
        capped["detail"]
        == f"this case already records {MAX_REPEATS['transfers']} transfers, the most one case may hold"
    )
    answer: dict[str, Any] = {"status": 200}
    while answer["status"] == 200:
        response = await api.post(
            f"/plans/{officer.case_ref}/cease-consultation", json={"on": (await officer.today()).isoformat()}
        )
        answer = {"status": response.status_code, **response.json()}
    assert answer["status"] == 422 and answer["detail"].startswith("this plan has recorded 8 steps"), answer
    restated = await env.client.get_workflow_handle(plan_id(officer.case_ref)).execute_update(
        "restate_record", Action(on=await officer.today(), actor="restatement"), result_type=list[str]
    )
    assert isinstance(restated, list)  # taken: the system's own updates are never refused for room

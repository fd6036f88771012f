"""Record a workflow history per workflow type into tests/histories/ for the replay tests.

Run when a workflow changes on purpose (with patching) and the new shape should be kept:
`.venv/bin/python -m tests.tools.record_histories`, or `... plan_provision_monitored` for that history alone.
First keep the histories of the shape running cases may still have under a suffix of their own
(`*.before_legal_time.json`, `*.activity_sync.json`): they must go on replaying. It drives real cases through
the API on the time-skipping server, with a throwaway SQLite database.
"""

import asyncio
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import httpx
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from bench.case_costs import stack
from store.migrate import upgrade_async
from tests.driver import SECTIONS, Officer, PlanOfficer

HISTORIES = Path(__file__).resolve().parents[1] / "histories"


async def assessment_to_final_plan(officer: Officer) -> str:
    await officer.open()
    await officer.wait(weeks=3)
    await officer.act("decide-to-assess", {"assess": True})
    await officer.act("advice-requests", {"adviser": "educational_psychologist"})
    await officer.wait(weeks=7)  # the advice is late: a breach and an escalation are in the history
    await officer.act("advice-received", {"advice_id": "educational_psychologist"})
    await officer.act("decide-to-issue", {"issue": True})
    await officer.draft()
    await officer.act("setting-consultations", {"setting_urn": "100001"})
    await officer.wait(days=15)
    await officer.act("setting-answers", {"setting_urn": "100001", "agrees": True})
    await officer.final(named_setting_urn="100001")
    return f"assessment-{officer.case_ref}"


async def assessment_entered_late(officer: Officer) -> str:
    """A request received 150 days ago, entered today: its dates held, one step entered late, the backlog
    confirmed, the overdue duties judged (docs/legal-time.md)."""
    received = await officer.today() - timedelta(days=150)
    await officer.open(received)
    await officer.act("decide-to-assess", {"assess": True, "on": (received + timedelta(weeks=7)).isoformat()})
    await officer.act("backlog-confirmed", {})
    await officer.wait(days=2)
    await officer.act("decide-to-issue", {"issue": True})
    await officer.draft()
    await officer.act("parent-comments", {})
    await officer.wait(days=15)
    await officer.final(setting_type="Mainstream primary school")
    return f"assessment-{officer.case_ref}"


async def plan_cycle_with_amendment(officer: PlanOfficer, env: WorkflowEnvironment) -> WorkflowHistory:
    """One whole review cycle of an imported plan that ends in continue-as-new, as a replayable history."""
    today = await officer.today()
    await officer.import_plan(
        {
            "la_code": "202",
            "la_reference": "HISTORY/1",
            "given_name": "H",
            "family_name": "H",
            "date_of_birth": "2013-10-01",
            "plan_issued_on": (today - timedelta(days=330)).isoformat(),
        }
    )
    await officer.wait(days=1)
    await officer.review()
    await officer.act_on_plan("review-decision", {"outcome": "amend", "proposed_sections": {**SECTIONS, "I": "Type"}})
    await officer.wait(weeks=9)  # the amended plan is late: a breach and an escalation are recorded
    await officer.act_on_plan(
        "amended-plan", {"issued_on": (await officer.today()).isoformat(), "sections": {**SECTIONS, "I": "Type"}}
    )
    await officer.wait(days=1)
    handle = env.client.get_workflow_handle(f"plan-{officer.case_ref}")
    latest = await handle.fetch_history()
    first_run = latest.events[0].workflow_execution_started_event_attributes.continued_execution_run_id
    return await env.client.get_workflow_handle(handle.id, run_id=first_run).fetch_history()


async def plan_provision_monitored(officer: PlanOfficer, env: WorkflowEnvironment) -> WorkflowHistory:
    """An imported plan's section F set out as lines, a half term ended: one provider short (the LA's breach, made
    good), the other silent (chased, escalated), then its late account (workflows/provision_monitoring.py)."""
    today = await officer.today()
    await officer.import_plan(
        {
            "la_code": "202",
            "la_reference": "HISTORY/2",
            "given_name": "H",
            "family_name": "H",
            "date_of_birth": "2016-10-01",
            "plan_issued_on": (today - timedelta(days=60)).isoformat(),
        }
    )
    await officer.wait(days=1)
    lines = [
        {"ref": "F1", "kind": "speech_and_language_therapy", "provider": "SALT-1", "provider_type": "service"},
        {"ref": "F2", "kind": "teaching_assistant", "provider": "100001", "provider_type": "setting"},
    ]
    words = {"description": "Support", "provider_name": "Provider", "sessions": 1, "minutes": 60, "per": "week"}
    await officer.act_on_plan("provision-lines", {"provision": [{**line, **words} for line in lines]})
    period = (await officer.api.get(f"/plans/{officer.case_ref}/provision")).json()
    await officer.wait(days=(date.fromisoformat(period["period_end"]) - await officer.today()).days + 2)
    awaited = (await officer.api.get(f"/plans/{officer.case_ref}/provision")).json()["awaited"]
    key = awaited[0]["period"]
    short = {"ref": "F1", "delivered_in_full": False, "sessions_missed": 2, "reason": "vacancy"}
    await officer.act_on_plan("provision-confirmations", {"period": key, "provider": "SALT-1", "lines": [short]})
    await officer.wait(weeks=3)  # the school's date passes: chased, then escalated
    in_full = {"ref": "F2", "delivered_in_full": True}
    await officer.act_on_plan("provision-confirmations", {"period": key, "provider": "100001", "lines": [in_full]})
    await officer.act_on_plan("provision-made-good", {"period": key, "ref": "F1"})
    await officer.wait(days=1)
    return await env.client.get_workflow_handle(f"plan-{officer.case_ref}").fetch_history()


async def redress_to_tribunal_order(
    officer: PlanOfficer, env: WorkflowEnvironment
) -> tuple[WorkflowHistory, WorkflowHistory]:
    """A refusal to assess, a certificate, an appeal and an order to assess: both redress histories."""
    await officer.open()
    await officer.wait(weeks=3)
    await officer.act("decide-to-assess", {"assess": False, "reasons": "Needs met by the school."})
    route = f"redress-{officer.case_ref}-refusal_to_assess"
    await officer.wait(days=1)

    async def post(path: str, body: dict) -> dict:
        answer = await officer.api.post(path, json={"on": (await officer.today()).isoformat(), **body})
        assert answer.status_code == 200, answer.text
        return answer.json()

    await post(f"/redress/{route}/adviser-contact", {"wants_mediation": False})
    await post(f"/redress/{route}/certificate", {})
    state = await post(f"/redress/{route}/appeal", {})
    appeal = f"tribunal-{officer.case_ref}-{state['appeal_id']}"
    await officer.wait(days=1)
    await post(f"/tribunal/{appeal}/registered", {})
    await officer.wait(weeks=8)  # the LA's response is late: breached and escalated
    await post(f"/tribunal/{appeal}/response", {})
    await post(f"/tribunal/{appeal}/decision", {"upheld": True, "orders": ["assess"]})
    await officer.wait(days=3)
    await officer.act("decide-to-assess", {"assess": True})
    await officer.wait(days=1)
    return (
        await env.client.get_workflow_handle(route).fetch_history(),
        await env.client.get_workflow_handle(appeal).fetch_history(),
    )


async def in_fresh_environment(scenario):
    """Run a scenario on its own time-skipping server and throwaway database (each starts at today), with the
    in-process API and worker bench/case_costs.py measures on. Recorded encrypted, as a deployment's histories
    are: the replay test decrypts with the same test key."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/record.db"
        await upgrade_async(url)
        async with stack(url, "on") as (api, env, _):
            return await scenario(api, env)


async def main(only: list[str]) -> None:
    async def assessment(api: httpx.AsyncClient, env: WorkflowEnvironment) -> WorkflowHistory:
        workflow_id = await assessment_to_final_plan(Officer(api, env))
        return await env.client.get_workflow_handle(workflow_id).fetch_history()

    async def late(api: httpx.AsyncClient, env: WorkflowEnvironment) -> WorkflowHistory:
        workflow_id = await assessment_entered_late(Officer(api, env))
        return await env.client.get_workflow_handle(workflow_id).fetch_history()

    if only == ["plan_provision_monitored"]:
        history = await in_fresh_environment(lambda api, env: plan_provision_monitored(PlanOfficer(api, env), env))
        (HISTORIES / "plan_provision_monitored.json").write_text(history.to_json())
        return
    histories = {
        "plan_provision_monitored": await in_fresh_environment(
            lambda api, env: plan_provision_monitored(PlanOfficer(api, env), env)
        ),
        "assessment_final_plan": await in_fresh_environment(assessment),
        "assessment_entered_late": await in_fresh_environment(late),
        "plan_cycle_amended": await in_fresh_environment(
            lambda api, env: plan_cycle_with_amendment(PlanOfficer(api, env), env)
        ),
    }
    redress, tribunal = await in_fresh_environment(
        lambda api, env: redress_to_tribunal_order(PlanOfficer(api, env), env)
    )
    histories |= {"redress_certificate_appeal": redress, "tribunal_order_to_assess": tribunal}
    HISTORIES.mkdir(exist_ok=True)
    for name, history in histories.items():
        (HISTORIES / f"{name}.json").write_text(history.to_json())


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))

"""What ops staff see in the Temporal UI: cases findable by reference, LA, stage and next deadline,
each saying in plain words what it waits for. Run on the real dev server, whose visibility store
answers the same list filters the UI sends."""

import asyncio
import re
import shlex
import uuid
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import httpx
from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.client import WorkflowExecution, WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment

import statutory
from cli import search_attributes as search_attributes_cli
from tests.conftest import BIN, eventually
from tests.driver import SECTIONS
from tests.factories import CHILD_FAMILY, CHILD_GIVEN, PARENT_EMAIL, PARENT_NAME, STREET, case_request
from workflows import search_attributes as sa


async def test_cases_are_findable_by_reference_and_stage(
    dev_api: httpx.AsyncClient, dev_env: WorkflowEnvironment
) -> None:
    received = (await dev_env.get_current_time()).date() - timedelta(days=3)
    case_ref = (await dev_api.post("/cases", json=case_request(received, la_code="330"))).json()["case_ref"]
    answer = await dev_api.post(
        f"/cases/{case_ref}/decide-to-assess", json={"on": received.isoformat(), "assess": True}
    )
    assert answer.status_code == 200, answer.text
    client = dev_env.client

    async def listed(query: str) -> list:
        return [w async for w in client.list_workflows(query)]

    by_ref = await eventually(lambda: listed(f'CaseRef = "{case_ref}" AND CaseStage = "assessing"'))
    assert [w.id for w in by_ref] == [f"assessment-{case_ref}"]
    by_la = await listed('LocalAuthority = "330" AND Process = "assessment" AND ExecutionStatus = "Running"')
    assert f"assessment-{case_ref}" in [w.id for w in by_la]

    description = await client.get_workflow_handle(f"assessment-{case_ref}").describe()
    attributes = description.typed_search_attributes
    assert attributes.get(sa.CASE_STAGE) == "assessing"
    assert attributes.get(sa.LOCAL_AUTHORITY) == "330"
    assert attributes.get(sa.DEADLINE_BREACHED) is False
    # Next deadline: the decision whether to issue, 16 weeks from the request (reg 10(1)).
    # The next duty is the final plan's 20 weeks: reg 10(1)'s 16 weeks are a target until a decision not to issue.
    assert attributes.get(sa.NEXT_DEADLINE) == datetime.combine(received + timedelta(weeks=20), time(), UTC)
    summary = await description.static_summary()
    assert summary == f"EHC needs assessment · case {case_ref} · LA 330"
    # The UI's "current details" come from this built-in query.
    metadata = await client.get_workflow_handle(f"assessment-{case_ref}").query(
        "__temporal_workflow_metadata", result_type=WorkflowMetadata
    )
    assert "**Stage:** assessing" in metadata.current_details
    assert "the LA's decision whether to issue a plan" in metadata.current_details
    for text in (summary, str(attributes), description.id):
        assert CHILD_GIVEN not in text and CHILD_FAMILY not in text


# The saved queries of docs/temporal-ui.md, run as documented and on real cases.
DOC = Path(__file__).resolve().parents[1] / "docs" / "temporal-ui.md"
EXAMPLE_REF = "202-7K3M9QXT"
TIMESTAMP = re.compile(r'"\d{4}-\d\d-\d\dT00:00:00Z"')
PERSONAL = (CHILD_GIVEN, CHILD_FAMILY, PARENT_NAME, PARENT_EMAIL, STREET, "2016-05-04")


def documented_views() -> dict[str, str]:
    section = DOC.read_text().split("\n## Saved queries\n", 1)[1].split("\n## ", 1)[0]
    views = dict(re.findall(r"^\| ([^|`]+?) \| `([^`]+)` \|$", section, re.MULTILINE))
    assert len(views) >= 8, "the saved-query table of docs/temporal-ui.md was not found"
    return views


def in_week(query: str, week: list[str]) -> str:
    """The example week's two timestamps become the given ones, in order."""
    dates = iter(week)
    return TIMESTAMP.sub(lambda _: next(dates), query)


async def post(api: httpx.AsyncClient, path: str, on: date, **body: Any) -> dict[str, Any]:
    answer = await api.post(path, json={"on": on.isoformat(), **body})
    assert answer.status_code == 200, (path, answer.text)
    return answer.json()


async def found(api: httpx.AsyncClient, path: str) -> dict[str, Any]:
    """What the API says of a workflow once it has started (activities start some of them)."""

    async def started() -> dict[str, Any] | None:
        answer = await api.get(path)
        return answer.json() if answer.status_code == 200 else None

    return await eventually(started)


async def open_case(api: httpx.AsyncClient, received: date, born: date | None = None) -> str:
    body = case_request(received)
    if born is not None:
        body["child"]["date_of_birth"] = born.isoformat()
    answer = await api.post("/cases", json=body)
    assert answer.status_code == 201, answer.text
    return answer.json()["case_ref"]


async def test_every_workflow_says_what_it_is_and_the_documented_views_find_them(
    dev_api: httpx.AsyncClient, dev_env: WorkflowEnvironment
) -> None:
    """Every workflow type, from every start site, on the real dev server; dates in the past stand in
    for weeks gone by (the dev server's clock is the real one)."""
    client = dev_env.client
    today = statutory.business_date(await dev_env.get_current_time())
    # Children of 7 or so have no phase transfer within a review cycle, whatever day the test runs.
    born = date(today.year - 7, 1, 15)

    # A: refused, then mediation advice, an appeal and the Tribunal's order to assess.
    a_ref = await open_case(dev_api, today - timedelta(days=30))
    await post(dev_api, f"/cases/{a_ref}/decide-to-assess", today - timedelta(days=10), assess=False, reasons="No.")
    route = f"redress-{a_ref}-refusal_to_assess"
    await found(dev_api, f"/redress/{route}")
    await post(dev_api, f"/redress/{route}/adviser-contact", today - timedelta(days=9), wants_mediation=False)
    await post(dev_api, f"/redress/{route}/certificate", today - timedelta(days=8))
    appeal_id = (await post(dev_api, f"/redress/{route}/appeal", today - timedelta(days=7)))["appeal_id"]
    appeal = f"tribunal-{a_ref}-{appeal_id}"
    await found(dev_api, f"/tribunal/{appeal}")
    await post(dev_api, f"/tribunal/{appeal}/registered", today - timedelta(days=6))
    await post(dev_api, f"/tribunal/{appeal}/response", today - timedelta(days=5))
    await post(dev_api, f"/tribunal/{appeal}/decision", today - timedelta(days=4), upheld=True, orders=["assess"])
    # B: the decision whether to assess falls due within the week (reg 5(1)).
    b_ref = await open_case(dev_api, today - timedelta(days=40))
    b_due = today + timedelta(days=2)  # received 40 days ago + 6 weeks (reg 5(1)) = 42 days
    # E: received 60 days ago and still undecided, its past confirmed in: the 6 weeks are breached.
    e_ref = await open_case(dev_api, today - timedelta(days=60))
    await post(dev_api, f"/cases/{e_ref}/backlog-confirmed", today)
    # F: as E, but its past not yet confirmed: the overdue decision is held for its settle period, not judged.
    f_ref = await open_case(dev_api, today - timedelta(days=60))
    # D: assessed and issued a final plan, which starts the plan.
    d_ref = await open_case(dev_api, today - timedelta(days=60), born)
    await post(dev_api, f"/cases/{d_ref}/decide-to-assess", today - timedelta(days=50), assess=True)
    await post(dev_api, f"/cases/{d_ref}/decide-to-issue", today - timedelta(days=45), issue=True)
    draft = {"served_on": (today - timedelta(days=40)).isoformat(), "sections": SECTIONS}
    assert (await dev_api.post(f"/cases/{d_ref}/draft", json=draft)).status_code == 200
    final = {
        "issued_on": (today - timedelta(days=20)).isoformat(),
        "sections": {**SECTIONS, "I": "Mainstream primary school"},
        "setting_type": "Mainstream primary school",
    }
    answer = await dev_api.post(f"/cases/{d_ref}/final-plan", json=final)
    assert answer.status_code == 200, answer.text
    await found(dev_api, f"/plans/{d_ref}")
    # C: an imported plan, reviewed and maintained: its next cycle is a new run (continue-as-new).
    row = {
        "la_code": "202",
        "la_reference": f"UI/{uuid.uuid4().hex[:8]}",
        "given_name": CHILD_GIVEN,
        "family_name": CHILD_FAMILY,
        "date_of_birth": born.isoformat(),
        "plan_issued_on": (today - timedelta(days=330)).isoformat(),
    }
    imported = await dev_api.post("/plans/import", json=[row])
    assert imported.status_code == 200, imported.text
    c_ref = imported.json()["cases"][0]["case_ref"]
    await found(dev_api, f"/plans/{c_ref}")
    meeting = today - timedelta(days=15)
    await post(dev_api, f"/plans/{c_ref}/review-notice", today - timedelta(days=30), meeting_on=meeting.isoformat())
    await post(dev_api, f"/plans/{c_ref}/review-advice", today - timedelta(days=29))
    await post(dev_api, f"/plans/{c_ref}/review-meeting", meeting)
    await post(dev_api, f"/plans/{c_ref}/review-report", today - timedelta(days=10))
    await post(dev_api, f"/plans/{c_ref}/review-decision", today - timedelta(days=5), outcome="maintain")

    async def listed(query: str) -> list[WorkflowExecution]:
        return [w async for w in client.list_workflows(query)]

    async def settled() -> bool:
        plan = (await dev_api.get(f"/plans/{c_ref}")).json()
        return (
            plan["cycle"] == 2
            and bool(await listed(f'WorkflowId = "assessment-{a_ref}" AND ExecutionStatus = "Running"'))
            and bool(await listed(f'WorkflowId = "assessment-{e_ref}" AND DeadlineBreached = true'))
            and bool(await listed(f'WorkflowId = "{appeal}" AND CaseStage = "complying"'))
            and bool(await listed(f'WorkflowId = "assessment-{b_ref}" AND NextDeadline IS NOT NULL'))
        )

    await eventually(settled, attempts=200)

    # What each workflow says of itself: summary and details from its start, current details now.
    where = "· LA 202"
    expected = {
        (f"assessment-{b_ref}", f"EHC needs assessment · case {b_ref} {where}"): (
            "Decide whether to assess and notify the parent or young person: "
            f"by {b_due:%d %b %Y} (SEND Regs 2014 reg 5(1))"
        ),
        (f"assessment-{a_ref}", f"EHC needs assessment ordered by the Tribunal · case {a_ref} {where}"): (
            "(SEND Regs 2014 reg 44(2)(b))"
        ),
        (route, f"Redress · case {a_ref} · refusal to assess {where}"): "(HESC Rules 2008 r.20(1)(c); r.12(2), (3)(a))",
        (appeal, f"Tribunal appeal {appeal_id} · case {a_ref} {where}"): "HESC Rules 2008 r.21",
        (f"plan-{d_ref}", f"EHC plan · case {d_ref} {where}"): "issued at the end of its assessment",
    }
    titles = {
        "assessment": "EHC needs assessment",
        "redress": "Redress",
        "tribunal": "Tribunal appeal",
        "plan": "EHC plan",
    }
    for (workflow_id, summary), in_details in expected.items():
        handle = client.get_workflow_handle(workflow_id)
        description = await handle.describe()
        details = await description.static_details()
        assert await description.static_summary() == summary
        assert details is not None and in_details in details, details
        metadata = await handle.query("__temporal_workflow_metadata", result_type=WorkflowMetadata)
        case_ref = description.typed_search_attributes.get(sa.CASE_REF)
        title = titles[description.typed_search_attributes.get(sa.PROCESS) or ""]
        assert metadata.current_details.startswith(f"**{title}** · case {case_ref} · LA 202\n\n**Stage:**")
        assert "**Waiting for:** " in metadata.current_details
        for text in (summary, details, metadata.current_details, str(description.typed_search_attributes)):
            assert not any(leak in text for leak in (*PERSONAL, born.isoformat(), f"{born:%d %b %Y}")), text

    # The timeline labels the clock's timer with what it waits for (docs/temporal-ui.md): B's decision is due
    # in 2 days, its reminder long past, so the timer is for the breach, the day after the due day.
    history = await client.get_workflow_handle(f"assessment-{b_ref}").fetch_history()
    timers = [e for e in history.events if e.HasField("timer_started_event_attributes")]
    summaries = await client.data_converter.decode([e.user_metadata.summary for e in timers])
    assert summaries[-1] == (
        f"breach: Decide whether to assess and notify the parent or young person due {b_due.day} {b_due:%b %Y}"
    ), summaries

    # The plan's first cycle keeps its summary; the next cycle's run has none (the SDK cannot give a
    # continued run one) but keeps its search attributes and opens its current details with the case.
    runs = await listed(f'WorkflowId = "plan-{c_ref}"')
    first = next(r for r in runs if r.status is WorkflowExecutionStatus.CONTINUED_AS_NEW)
    first_description = await client.get_workflow_handle(f"plan-{c_ref}", run_id=first.run_id).describe()
    assert await first_description.static_summary() == f"EHC plan · case {c_ref} · LA 202 (imported)"
    assert "imported from the LA's records" in (await first_description.static_details() or "")
    latest = await client.get_workflow_handle(f"plan-{c_ref}").describe()
    assert latest.run_id != first.run_id and await latest.static_summary() is None
    assert latest.typed_search_attributes.get(sa.CASE_REF) == c_ref
    assert latest.typed_search_attributes.get(sa.LOCAL_AUTHORITY) == "202"
    metadata = await client.get_workflow_handle(f"plan-{c_ref}").query(
        "__temporal_workflow_metadata", result_type=WorkflowMetadata
    )
    assert metadata.current_details.startswith(f"**EHC plan** · case {c_ref} · LA 202")

    # Every documented view runs as written, and finds exactly what it says on these cases.
    week = [f'"{datetime.combine(day, time(), UTC):%Y-%m-%dT%H:%M:%SZ}"' for day in (today, today + timedelta(days=7))]
    expected_ids: dict[str, set[str] | None] = {
        "every workflow of one case": {f"assessment-{a_ref}", route, appeal},
        "an LA's open assessments": {f"assessment-{ref}" for ref in (a_ref, b_ref, e_ref, f_ref)},
        "breached assessments in an LA": {f"assessment-{e_ref}"},
        "waiting for a decision to assess, a deadline missed": {f"assessment-{e_ref}"},
        "next statutory deadline within 7 days": None,  # checked below: B, and nothing due outside the week
        "breached and still open": {f"assessment-{e_ref}"},
        "an LA's open plans": {f"plan-{c_ref}", f"plan-{d_ref}"},
        "appeals with orders outstanding": {appeal},
        "stuck: failing workflow tasks": set(),
        "an LA's plans with a duty overdue": set(),
        "entered late, its overdue dates not yet judged": {f"assessment-{f_ref}"},
    }
    views = documented_views()
    assert set(views) == set(expected_ids), "teach this test what each view of docs/temporal-ui.md finds"
    results: dict[str, list[WorkflowExecution]] = {}
    for view, query in views.items():
        await listed(query)  # as documented, with its example values: it must parse and run
        ours = in_week(query.replace(EXAMPLE_REF, a_ref), week)
        results[view] = await listed(ours)
        if expected_ids[view] is not None:
            assert {w.id for w in results[view]} == expected_ids[view], (view, ours)
    within = results["next statutory deadline within 7 days"]
    assert f"assessment-{b_ref}" in {w.id for w in within}
    for execution in within:
        due = execution.typed_search_attributes.get(sa.NEXT_DEADLINE)
        assert due is not None and today <= due.date() < today + timedelta(days=7)
    # All the runs of case A: the refused assessment, the ordered one, its redress route and appeal.
    assert len(await listed(f'CaseRef = "{a_ref}"')) == 4


async def test_the_printed_command_registers_the_search_attributes_on_a_new_namespace(
    dev_env: WorkflowEnvironment,
) -> None:
    address = ["--address", dev_env.client.service_client.config.target_host]
    namespace = "ehcp-registration-check"

    async def temporal(*args: str) -> tuple[int, str]:
        process = await asyncio.create_subprocess_exec(
            str(BIN / "temporal"), *args, *address, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        output, _ = await process.communicate()
        return await process.wait(), output.decode()

    assert (await temporal("operator", "namespace", "create", "--namespace", namespace))[0] == 0
    command = shlex.split(search_attributes_cli.main(["--cluster", namespace]))
    assert command[0] == "temporal"
    for _ in range(2):  # a second run changes nothing and does not fail
        code, output = await temporal(*command[1:])
        assert code == 0, output
    listed = await dev_env.client.operator_service.list_search_attributes(
        ListSearchAttributesRequest(namespace=namespace)
    )
    registered = {name: IndexedValueType.Name(kind) for name, kind in listed.custom_attributes.items()}
    assert {key.name: registered.get(key.name) for key in sa.ALL} == {
        key.name: IndexedValueType.Name(IndexedValueType.ValueType(key.indexed_value_type)) for key in sa.ALL
    }
    cloud = search_attributes_cli.main(["--cloud", "ehcp-prod.a1b2c"])
    assert cloud.startswith("tcld namespace search-attributes add --namespace ehcp-prod.a1b2c ")
    assert "--search-attribute NextDeadline=Datetime" in cloud and "--search-attribute DeadlineBreached=Bool" in cloud

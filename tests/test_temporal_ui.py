"""What ops staff see in the Temporal UI: cases findable by reference, LA, stage and next deadline,
each saying in plain words what it waits for. Run on the real dev server, whose visibility store
answers the same list filters the UI sends."""

from datetime import UTC, datetime, time, timedelta

import httpx
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.testing import WorkflowEnvironment

from tests.conftest import eventually
from tests.factories import CHILD_FAMILY, CHILD_GIVEN, case_request
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
    assert attributes.get(sa.NEXT_DEADLINE) == datetime.combine(received + timedelta(weeks=16), time(), UTC)
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

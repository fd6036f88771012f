"""A whole case with recognisable personal data, then a search for it everywhere but the database.

Names, addresses, dates of birth and contact details may live only in the database. An officer may
still type a child's name into a reason; that text travels in workflow payloads, so the raw bytes the
Temporal server stores (read here over gRPC, past any codec) must not show it either.
"""

import io
import json
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlmodel import select
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import (
    DescribeWorkflowExecutionRequest,
    GetWorkflowExecutionHistoryRequest,
)
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from store.db import SessionMaker
from store.models import RedressCase
from tests.driver import PlanOfficer
from tests.factories import CHILD_FAMILY, CHILD_GIVEN, PARENT_EMAIL, PARENT_NAME, STREET
from tests.support.json_logs import json_logs_at

DATE_OF_BIRTH = "2016-05-04"
POSTCODE = "NW1 8AB"
PHONE = "020 7946 0000"
TYPED = f"{CHILD_GIVEN} {CHILD_FAMILY} was in hospital"
PERSONAL = (CHILD_GIVEN, CHILD_FAMILY, PARENT_NAME, PARENT_EMAIL, DATE_OF_BIRTH, POSTCODE, STREET, PHONE)


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    """Every log line, down to DEBUG: personal data must be in none of them."""
    with json_logs_at("DEBUG") as buffer:
        yield buffer


async def raw_history(client: Client, workflow_id: str) -> bytes:
    """Every event of the workflow's current run as the server stores it: no data converter, no codec."""
    chunks, token = [], b""
    while True:
        page = await client.workflow_service.get_workflow_execution_history(
            GetWorkflowExecutionHistoryRequest(
                namespace=client.namespace,
                execution=WorkflowExecution(workflow_id=workflow_id),
                next_page_token=token,
            )
        )
        chunks.append(page.history.SerializeToString())
        token = page.next_page_token
        if not token:
            return b"".join(chunks)


async def describe(client: Client, workflow_id: str) -> bytes:
    """Search attributes, memo and summaries, as the server holds them."""
    answer = await client.workflow_service.describe_workflow_execution(
        DescribeWorkflowExecutionRequest(
            namespace=client.namespace, execution=WorkflowExecution(workflow_id=workflow_id)
        )
    )
    return answer.SerializeToString()


async def test_personal_data_stays_in_the_database(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker, json_logs: io.StringIO
) -> None:
    officer = PlanOfficer(api, env)
    received = await officer.today()
    case_ref = await officer.open(received)
    await officer.act("decide-to-assess", {"assess": True, "reasons": f"{TYPED}; assessment agreed"})
    await officer.act("advice-requests", {"adviser": "educational_psychologist"})
    await officer.act(
        "exceptions",
        {
            "code": "absence_4_weeks",
            "reason": TYPED,
            "start": received.isoformat(),
            "end": (received + timedelta(weeks=5)).isoformat(),
            "steps": ["assessment.final_plan"],
        },
    )
    await officer.wait(weeks=5)
    await officer.act("advice-received", {"advice_id": "educational_psychologist"})
    await officer.act("decide-to-issue", {"issue": True})
    await officer.draft(A=f"{CHILD_GIVEN} enjoys music")
    await officer.act("parent-comments", {"meeting_requested": False})
    await officer.wait(days=16)
    await officer.final(setting_type="Mainstream primary school")
    await officer.in_cycle(1)

    async with sessions() as session:
        redress = (await session.exec(select(RedressCase.workflow_id).where(RedressCase.case_ref == case_ref))).all()
    workflow_ids = [f"assessment-{case_ref}", f"plan-{case_ref}", *redress]
    assert len(workflow_ids) >= 3, "the final plan opens a redress route"

    for workflow_id in workflow_ids:
        stored = await raw_history(env.client, workflow_id) + await describe(env.client, workflow_id)
        for personal in (*PERSONAL, TYPED):
            assert personal.encode() not in stored, (workflow_id, personal)
            assert personal not in workflow_id
    log_text = json_logs.getvalue()
    assert "case synced" in log_text
    for line in log_text.splitlines():
        for personal in (*PERSONAL, TYPED):
            assert personal not in line, line
    # What the officer typed is still there for those allowed to read it.
    case = await officer.case()
    assert case["exceptions"][0]["reason"] == TYPED and case["child"]["given_name"] == CHILD_GIVEN
    assert json.dumps(case).count(CHILD_GIVEN) >= 2

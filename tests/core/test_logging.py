"""Logs are JSON lines with the workflow's context, and never carry personal data."""

import io
import json
import logging
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
import structlog
from temporalio.testing import WorkflowEnvironment

from tests.conftest import eventually
from tests.factories import CHILD_FAMILY, CHILD_GIVEN, PARENT_EMAIL, PARENT_NAME, STREET, case_request
from tests.support.json_logs import json_logs_at


@pytest.fixture
def json_logs() -> Iterator[io.StringIO]:
    with json_logs_at("INFO") as buffer:
        yield buffer


async def test_workflow_logs_are_json_with_context_and_no_personal_data(
    api: httpx.AsyncClient, env: WorkflowEnvironment, json_logs: io.StringIO
) -> None:
    received = (await env.get_current_time()).date() - timedelta(weeks=7)
    case_ref = (await api.post("/cases", json=case_request(received))).json()["case_ref"]
    today = (await env.get_current_time()).date().isoformat()
    # Entered late: its past is confirmed in, so the overdue decision is judged now (docs/legal-time.md).
    assert (await api.post(f"/cases/{case_ref}/backlog-confirmed", json={"on": today})).status_code == 200

    async def breach_logged() -> list[dict] | None:
        lines = json_logs.getvalue().splitlines()
        records = [json.loads(line) for line in lines if line.startswith("{")]
        return records if any(r["event"] == "statutory deadline breached" for r in records) else None

    records = await eventually(breach_logged)
    breach = next(r for r in records if r["event"] == "statutory deadline breached")
    assert breach["workflow_id"] == f"assessment-{case_ref}"
    assert breach["workflow_type"] == "EhcAssessment"
    assert breach["case_ref"] == case_ref
    assert breach["level"] == "warning"
    assert {"timestamp", "logger"} <= breach.keys()
    synced = [r for r in records if r["event"] == "case synced"]
    assert synced and synced[0]["activity_type"] == "sync_case"
    text = json_logs.getvalue()
    for personal in (CHILD_GIVEN, CHILD_FAMILY, PARENT_NAME, PARENT_EMAIL, "2016-05-04", "NW1 8AB", STREET):
        assert personal not in text


def test_personal_fields_are_redacted_if_ever_logged(json_logs: io.StringIO) -> None:
    structlog.get_logger("t").info("oops", given_name=CHILD_GIVEN, case_ref="202-ABCD2345")
    record = json.loads(json_logs.getvalue().splitlines()[-1])
    assert record["given_name"] == "[redacted]" and record["case_ref"] == "202-ABCD2345"


def test_a_logged_exception_keeps_where_it_happened_but_not_what_it_said(json_logs: io.StringIO) -> None:
    """The server logs every unhandled error with its traceback; the messages may quote a request."""

    def fails() -> None:
        try:
            raise KeyError(CHILD_GIVEN)
        except KeyError as error:
            raise ValueError(f"no such child: {CHILD_FAMILY}") from error

    try:
        fails()
    except ValueError:
        logging.getLogger("uvicorn.error").exception("Exception in ASGI application")
        structlog.get_logger("t").exception("failed", case_ref="202-ABCD2345")
    for line in json_logs.getvalue().splitlines()[-2:]:
        record = json.loads(line)
        assert CHILD_GIVEN not in line and CHILD_FAMILY not in line
        assert record["error_type"] == "ValueError"
        trace = record["exception"]
        assert "builtins.KeyError\n" in trace and "builtins.ValueError\n" in trace and "in fails" in trace

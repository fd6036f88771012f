"""Metrics for Prometheus: the API's requests under route templates, the read model's open cases and
breaches, who may scrape them, and the worker's SDK exporter as `python worker.py` serves it."""

import asyncio
import os
import signal
import sys
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import ValidationError
from sqlalchemy import func
from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

from api.auth import Role
from bench.stack import free_port
from core.config import Settings
from store.db import SessionMaker
from store.models import Case, CaseDeadline, RedressCase
from tests.conftest import eventually
from tests.factories import TEST_LAS, TEST_PAYLOAD_KEYS, bearer, case_request
from tests.support.server_clock import server_today

ROOT = Path(__file__).resolve().parents[2]
# An LA of this file's own: the test database is shared, and the gauges must count only these cases.
LA = "MTRC1"


def samples(text: str) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of a scrape, keyed by name and labels."""
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(scrape: dict, name: str, **labels: str) -> float | None:
    return scrape.get((name, frozenset(labels.items())))


async def scrape(api: httpx.AsyncClient, settings: Settings, las: list[str] = TEST_LAS) -> dict:
    answer = await api.get("/metrics", headers=bearer(settings, Role.OPS, las, sub="prometheus"))
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain; version=0.0.4")
    return samples(answer.text)


async def test_requests_are_counted_under_route_templates_never_paths(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings
) -> None:
    received = await server_today(env) - timedelta(days=2)
    case_ref = (await api.post("/cases", json=case_request(received))).json()["case_ref"]
    for _ in range(2):
        assert (await api.get(f"/cases/{case_ref}")).status_code == 200
    assert (await api.get("/cases/202-ZZZZZZZZ")).status_code == 404
    assert (await api.get(f"/made-up/{case_ref}")).status_code == 404
    assert (await api.request("BREW", "/cases")).status_code == 405

    answer = await api.get("/metrics", headers=bearer(settings, Role.OPS, TEST_LAS, sub="prometheus"))
    text = answer.text
    scraped = samples(text)
    requests = "ehcp_http_requests_total"
    assert value(scraped, requests, method="POST", route="/cases", status="201") == 1
    assert value(scraped, requests, method="GET", route="/cases/{case_ref}", status="200") == 2
    assert value(scraped, requests, method="GET", route="/cases/{case_ref}", status="404") == 1
    assert value(scraped, requests, method="GET", route="unmatched", status="404") == 1
    # A method of the client's own invention is not a label value of its choosing either.
    assert value(scraped, requests, method="other", route="/cases", status="405") == 1
    latency = "ehcp_http_request_duration_seconds_count"
    assert value(scraped, latency, method="GET", route="/cases/{case_ref}", status="200") == 2
    assert (
        value(
            scraped, "ehcp_http_request_duration_seconds_bucket", method="POST", route="/cases", status="201", le="+Inf"
        )
        == 1
    )
    # No case reference, made-up path or personal data becomes a label value.
    for leak in (case_ref, "ZZZZZZZZ", "made-up", "BREW", "Zebedee"):
        assert leak not in text
    assert value(scraped, "process_resident_memory_bytes") is not None


async def test_gauges_count_open_cases_and_owed_breaches_as_the_read_model_holds_them(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings, sessions: SessionMaker
) -> None:
    manager = bearer(settings, Role.MANAGER, [LA], sub="manager.metrics")
    today = await server_today(env)
    # Received ten weeks ago, its past confirmed in: the 6-week decision whether to assess (reg 5(1)) is breached.
    late = await api.post("/cases", json=case_request(today - timedelta(weeks=10), la_code=LA), headers=manager)
    confirmed = await api.post(
        f"/cases/{late.json()['case_ref']}/backlog-confirmed", json={"on": today.isoformat()}, headers=manager
    )
    assert confirmed.status_code == 200, confirmed.text
    on_time = await api.post("/cases", json=case_request(today, la_code=LA), headers=manager)
    refused = await api.post("/cases", json=case_request(today - timedelta(days=2), la_code=LA), headers=manager)
    assert {late.status_code, on_time.status_code, refused.status_code} == {201}
    # A refusal closes the assessment and opens the family's redress route (CFA 2014 s.51(2)(a)).
    answer = await api.post(
        f"/cases/{refused.json()['case_ref']}/decide-to-assess",
        json={"on": today.isoformat(), "assess": False, "reasons": "Needs met from the school's resources."},
        headers=manager,
    )
    assert answer.status_code == 200, answer.text

    async def settled() -> dict | None:
        scraped = await scrape(api, settings, [LA])
        breached = value(scraped, "ehcp_open_deadlines_breached", la_code=LA, process="assessment")
        redress = value(scraped, "ehcp_open_cases", la_code=LA, process="redress")
        return scraped if breached == 1 and redress == 1 else None

    scraped = await eventually(settled)
    assert value(scraped, "ehcp_open_cases", la_code=LA, process="assessment") == 2
    for process in ("plan", "tribunal"):
        assert value(scraped, "ehcp_open_cases", la_code=LA, process=process) == 0
    assert value(scraped, "ehcp_open_deadlines_breached", la_code=LA, process="plan") == 0
    # Only the LAs asked for: no series of another LA.
    assert {dict(labels).get("la_code") for _, labels in scraped} <= {LA, None}

    # The same figures straight from the read model...
    async with sessions() as session:
        open_cases = (
            await session.exec(select(func.count()).where(col(Case.la_code) == LA, col(Case.closed).is_(False)))
        ).one()
        open_routes = (
            await session.exec(
                select(func.count()).where(col(RedressCase.la_code) == LA, col(RedressCase.closed).is_(False))
            )
        ).one()
        steps = (
            await session.exec(
                select(CaseDeadline.step)
                .join(Case, col(Case.case_ref) == col(CaseDeadline.case_ref))
                .where(col(Case.la_code) == LA, col(CaseDeadline.status) == "breached")
            )
        ).all()
    assert (open_cases, open_routes) == (2, 1)
    assert steps == ["assessment.decide_to_assess"]
    # ...and as the managers' work queue lists them.
    queue = (await api.get("/work-queue", params={"la_code": LA}, headers=manager)).json()["items"]
    assert [item["case_ref"] for item in queue if item["status"] == "breached"] == [late.json()["case_ref"]]


async def test_only_ops_and_managers_may_scrape_and_only_their_las(api: httpx.AsyncClient, settings: Settings) -> None:
    anonymous = await api.get("/metrics", headers={"Authorization": ""})
    assert anonymous.status_code == 401 and anonymous.headers["content-type"] == "application/problem+json"
    forged = await api.get("/metrics", headers={"Authorization": "Bearer not.a.jwt"})
    assert forged.status_code == 401
    officer = await api.get("/metrics", headers=bearer(settings, Role.CASE_OFFICER, ["202"], sub="officer.one"))
    assert officer.status_code == 403 and officer.json()["type"] == "/problems/forbidden"
    for role in (Role.OPS, Role.MANAGER):
        assert (await api.get("/metrics", headers=bearer(settings, role, ["202"]))).status_code == 200
    foreign = await api.get("/metrics", params={"la_code": "999"}, headers=bearer(settings, Role.OPS, ["202"]))
    assert foreign.status_code == 403
    malformed = await api.get("/metrics", params={"la_code": "2; drop"}, headers=bearer(settings, Role.OPS, ["202"]))
    assert malformed.status_code == 422


def test_a_malformed_worker_metrics_address_is_refused_at_start() -> None:
    with pytest.raises(ValidationError, match="worker_metrics_address"):
        Settings(worker_metrics_address="everywhere")
    assert Settings(worker_metrics_address="0.0.0.0:9464").worker_metrics_address == "0.0.0.0:9464"
    assert Settings(worker_metrics_address="[::1]:9464").worker_metrics_address == "[::1]:9464"


async def test_the_worker_serves_the_sdk_metrics_at_the_configured_address(
    env: WorkflowEnvironment, database_url: str, sessions: SessionMaker
) -> None:
    del sessions  # requested so that the database exists and is migrated
    address = f"127.0.0.1:{free_port()}"
    environment = {
        **os.environ,
        "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
        "TEMPORAL_TASK_QUEUE": "metrics-worker",
        "DATABASE_URL": database_url,
        "WORKER_METRICS_ADDRESS": address,
        "PAYLOAD_KEYS": TEST_PAYLOAD_KEYS,
    }
    worker = await asyncio.create_subprocess_exec(
        sys.executable, "worker.py", cwd=ROOT, env=environment, stdout=asyncio.subprocess.DEVNULL
    )
    try:

        async def polling() -> dict[tuple[str, frozenset[tuple[str, str]]], float] | None:
            """The scrape once both pollers have reported; the exporter fills in as the worker starts."""
            try:
                async with httpx.AsyncClient() as client:
                    text = (await client.get(f"http://{address}/metrics")).text
            except httpx.TransportError:
                return None  # still starting
            scraped = samples(text)
            pollers = {
                dict(labels)["poller_type"]
                for (name, labels) in scraped
                if name == "temporal_num_pollers" and ("task_queue", "metrics-worker") in labels
            }
            return scraped if pollers >= {"workflow_task", "activity_task"} else None

        scraped = await eventually(polling, attempts=400)
        assert any(name.startswith("temporal_worker_start") for name, _ in scraped)
    finally:
        worker.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(worker.wait(), timeout=60) == 0

"""The database goes away under a running API and worker, then comes back: nothing is lost, nothing 500s.

PostgreSQL is reached only through TCP proxies this test can cut (open connections reset, new ones
refused, as when the server restarts or dies), one for the API and one for the worker. While it is cut,
every read that needs the database answers 503 problem+json at once, writes are refused the same way with
nothing half-done, and the workflows' activities fail and are retried by Temporal. An action caught in the
middle is answered once the database is back (or, if the outage outlasts the API's wait, its repeat with the same
Idempotency-Key is). Once it is back, every action the workflows accepted during
the outage is in the read model, and every audit event and notice is there exactly once.

The embedded SQLite file cannot be cut off from the process that has it open, so this runs against
PostgreSQL: the CI database, or a database of its own on a local server if one is running.
`python -m bench.db_outage` does the same for a full 30 seconds under load (docs/reliability.md).
"""

import asyncio
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import httpx
import pytest
import pytest_asyncio
from sqlalchemy.engine import make_url
from sqlmodel import col, select
from temporalio.client import WorkflowUpdateFailedError, WorkflowUpdateHandle, WorkflowUpdateStage
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from api import updates
from api.main import create_app
from core.config import Settings
from core.workflow_ids import assessment_id
from store.db import SessionMaker, create_engine, create_sessionmaker, is_sqlite
from store.migrate import upgrade_async
from store.models import AuditEvent, Case, Notification
from tests.conftest import PG_ADMIN_URL, TASK_QUEUE, eventually
from tests.factories import bearer, case_request
from tests.support.tcp_proxy import TcpProxy
from worker import build_worker
from workflows.assessment_models import AdviceRequest, AdviserType, AssessDecision, AssessmentState

LA = "OUTAGE"
CASES = 3
# Activity retries back off 1 s, 2 s, 4 s... in real time: a few seconds of outage show several attempts.
RECOVERY_POLLS = 600


@pytest_asyncio.fixture
async def postgres(database_url: str, sessions: SessionMaker) -> AsyncIterator[tuple[str, SessionMaker]]:
    """A migrated PostgreSQL database and a direct (unproxied) session factory on it, for the test's own reads."""
    if not is_sqlite(database_url):
        yield database_url, sessions
        return
    try:
        admin = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    except (OSError, asyncpg.PostgresError) as error:
        pytest.skip(f"a database outage needs a networked database; no PostgreSQL at {PG_ADMIN_URL}: {error}")
    name = f"ehcp_outage_{uuid.uuid4().hex[:12]}"
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = make_url(PG_ADMIN_URL).set(drivername="postgresql+asyncpg", database=name).render_as_string(False)
    await upgrade_async(url)
    engine = create_engine(url)
    yield url, create_sessionmaker(engine)
    await engine.dispose()
    await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    await admin.close()


@dataclass
class Lines:
    """The API's line to the database and the worker's: the database going away cuts both."""

    api: TcpProxy
    worker: TcpProxy

    async def cut(self) -> None:
        await self.api.cut()
        await self.worker.cut()

    async def restore(self) -> None:
        await self.api.restore()
        await self.worker.restore()


@pytest_asyncio.fixture
async def lines(postgres: tuple[str, SessionMaker]) -> AsyncIterator[Lines]:
    upstream = make_url(postgres[0])
    host, port = upstream.host or "127.0.0.1", upstream.port or 5432
    both = Lines(await TcpProxy(host, port).start(), await TcpProxy(host, port).start())
    yield both
    await both.api.close()
    await both.worker.close()


@pytest_asyncio.fixture
async def through_proxy(
    env: WorkflowEnvironment, postgres: tuple[str, SessionMaker], lines: Lines, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    """The API and a worker whose every database connection goes through a proxy."""
    url = make_url(postgres[0]).set(host="127.0.0.1")
    api_url, worker_url = (url.set(port=line.port).render_as_string(False) for line in (lines.api, lines.worker))
    api_engine, worker_engine = create_engine(api_url), create_engine(worker_url)
    app = create_app(
        settings.model_copy(update={"database_url": api_url}),
        temporal=env.client,
        sessions=create_sessionmaker(api_engine),
    )
    worker_settings = settings.model_copy(update={"database_url": worker_url})
    async with (
        build_worker(env.client, TASK_QUEUE, create_sessionmaker(worker_engine), worker_settings),
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://test", headers=bearer(settings, las=[LA])
        ) as client,
    ):
        yield client
    await api_engine.dispose()
    await worker_engine.dispose()


def assert_database_unavailable(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["status"] == 503 and problem["detail"], problem


async def opened_in_read_model(direct: SessionMaker, refs: list[str]) -> bool:
    async with direct() as session:
        rows = (await session.exec(select(Case).where(col(Case.case_ref).in_(refs)))).all()
    return len(rows) == len(refs) and all(r.next_deadline_due for r in rows)


async def retried_at_least(env: WorkflowEnvironment, case_ref: str, attempts: int) -> bool:
    """Whether one of the case's pending activities has been tried `attempts` times already."""
    described = await env.client.get_workflow_handle(assessment_id(case_ref)).describe()
    return any(a.attempt >= attempts for a in described.raw_description.pending_activities)


async def test_nothing_is_lost_while_the_database_is_cut_off(
    through_proxy: httpx.AsyncClient,
    env: WorkflowEnvironment,
    lines: Lines,
    postgres: tuple[str, SessionMaker],
) -> None:
    api, direct = through_proxy, postgres[1]
    received = (await env.get_current_time()).date()
    refs = []
    for _ in range(CASES):
        created = await api.post("/cases", json=case_request(received, la_code=LA))
        assert created.status_code == 201, created.text
        refs.append(created.json()["case_ref"])

    await eventually(lambda: opened_in_read_model(direct, refs))
    assert (await api.get(f"/cases/{refs[0]}")).status_code == 200

    # An officer's action goes in just as the database goes: the worker's line first, so the API has
    # checked the case and the workflow has accepted the action, which then waits for the read model...
    await lines.worker.cut()
    on = received.isoformat()
    in_flight = asyncio.create_task(
        api.post(
            f"/cases/{refs[0]}/decide-to-assess",
            json={"on": on, "assess": True},
            headers={"Idempotency-Key": "decided-as-the-line-went"},
        )
    )
    await eventually(lambda: retried_at_least(env, refs[0], 2), attempts=RECOVERY_POLLS)
    assert not in_flight.done()
    # ...and then the API's line, under the request still waiting for its answer.
    await lines.api.cut()

    # Reads that need the database: 503 problem+json, promptly (the pool does not wait on a dead server).
    for path in (
        f"/cases/{refs[0]}",
        f"/cases/{refs[0]}/notifications",
        f"/plans/{refs[0]}/timeline",
        "/work-queue",
        "/redress",
    ):
        assert_database_unavailable(await api.get(path))
    ready = await api.get("/health/ready")
    assert ready.status_code == 503 and ready.json()["checks"]["database"] != "ok", ready.text
    # Writes through the API are refused whole: the client is told to retry, and nothing is half-made.
    late_request = case_request(received, la_code=LA)
    key = {"Idempotency-Key": "opened-during-the-outage"}
    assert_database_unavailable(await api.post("/cases", json=late_request, headers=key))
    assert_database_unavailable(
        await api.post(f"/cases/{refs[0]}/decide-to-assess", json={"on": received.isoformat(), "assess": True})
    )

    # What the workflows accept meanwhile (actions already past the API when the line went down) is
    # recorded in their histories; writing it to the read model waits for the database. A case records one
    # action at a time: a second one sent while the first still waits is refused as busy, nothing recorded,
    # and sent again once the database is back.
    updates: list[WorkflowUpdateHandle[object]] = []
    advice: dict[str, WorkflowUpdateHandle[object]] = {}
    decided = AssessDecision(on=received, assess=True, actor="officer.outage")
    asked = AdviceRequest(on=received, adviser=AdviserType.EDUCATIONAL_PSYCHOLOGIST, actor="officer.outage")
    for case_ref in refs:
        handle = env.client.get_workflow_handle(assessment_id(case_ref))
        if case_ref != refs[0]:  # the first case's decision is the API's, in flight
            updates.append(
                await handle.start_update(
                    "decide_to_assess", decided, id=f"decide-{case_ref}", wait_for_stage=WorkflowUpdateStage.ACCEPTED
                )
            )
        advice[case_ref] = await handle.start_update(
            "request_advice", asked, id=f"advice-{case_ref}", wait_for_stage=WorkflowUpdateStage.ACCEPTED
        )

    # Temporal retries the failing activities (ACTIVITY_RETRY in workflows/case_base.py).
    async def retried() -> bool:
        return all([await retried_at_least(env, case_ref, 3) for case_ref in refs])

    await eventually(retried, attempts=RECOVERY_POLLS)
    for case_ref in refs:
        described = await env.client.get_workflow_handle(assessment_id(case_ref)).describe()
        failures = [a.last_failure.message for a in described.raw_description.pending_activities]
        assert any("database unreachable" in message for message in failures), failures

    await lines.restore()
    # The action held across the outage is answered once the database is back, not broken by the
    # connection its request lost meanwhile.
    answered = await in_flight
    if answered.status_code == 503:
        # The outage outlasted the API's wait for an answer (api/updates.py, UPDATE_TIMEOUT_SECONDS): the officer
        # was told it may still be recorded, and the same request with its key now gets the outcome.
        assert answered.json()["type"] == "/problems/action-not-confirmed", answered.text
        answered = await api.post(
            f"/cases/{refs[0]}/decide-to-assess",
            json={"on": on, "assess": True},
            headers={"Idempotency-Key": "decided-as-the-line-went"},
        )
    assert answered.status_code == 200 and answered.json()["stage"] == "assessing", answered.text

    for update in updates:
        await update.result()
    # A request refused as busy is sent again now that nothing else is being recorded, and taken.
    for case_ref, update in advice.items():
        try:
            await update.result()
        except WorkflowUpdateFailedError as busy:
            assert isinstance(busy.cause, ApplicationError) and busy.cause.type == "CaseBusy", busy.cause
            handle = env.client.get_workflow_handle(assessment_id(case_ref))
            await handle.execute_update("request_advice", asked, id=f"advice-again-{case_ref}")

    async def caught_up() -> bool:
        async with direct() as session:
            rows = (await session.exec(select(Case).where(Case.case_ref.in_(refs)))).all()  # type: ignore[attr-defined]
        return len(rows) == CASES and all(r.stage == "assessing" for r in rows)

    await eventually(caught_up, attempts=RECOVERY_POLLS)

    async def sent_out() -> list[Notification] | None:
        # The letters go after the answers, retried as the database was not there: up to a minute apart by then.
        async with direct() as session:
            notices = (await session.exec(select(Notification).where(Notification.case_ref.in_(refs)))).all()  # type: ignore[attr-defined]
        return list(notices) if len(notices) >= 2 * CASES else None

    notices = await eventually(sent_out, attempts=3 * RECOVERY_POLLS)
    async with direct() as session:
        events = (await session.exec(select(AuditEvent).where(AuditEvent.case_ref.in_(refs)))).all()  # type: ignore[attr-defined]
    for case_ref in refs:
        # The workflow's own trail (personal-data reads through the API are audited alongside it).
        prefix = f"{assessment_id(case_ref)}:"
        trail = sorted(
            (e for e in events if e.event_key.startswith(prefix)), key=lambda e: int(e.event_key.removeprefix(prefix))
        )
        # The two actions, each recorded once, and each one's letter sent once.
        assert trail[0].action == "request_received"
        decided_by = "manager.one" if case_ref == refs[0] else "officer.outage"
        assert sorted((e.action, e.actor) for e in trail[1:]) == [
            ("advice_requested", "officer.outage"),
            ("decided_to_assess", decided_by),
        ]
        sent = sorted((n.template, n.recipient_role) for n in notices if n.case_ref == case_ref)
        assert sent == [("advice_request", "adviser"), ("decision_to_assess", "parent")]
    assert max(Counter(e.event_key for e in events).values()) == 1
    assert max(Counter(n.idempotency_key for n in notices).values()) == 1

    # The API answers again without a restart, and the request refused during the outage now opens its case once.
    view = await api.get(f"/cases/{refs[0]}")
    assert view.status_code == 200 and view.json()["stage"] == "assessing", view.text
    retried_open = await api.post("/cases", json=late_request, headers=key)
    assert retried_open.status_code == 201 and "idempotent-replayed" not in retried_open.headers
    again = await api.post("/cases", json=late_request, headers=key)
    assert again.json()["case_ref"] == retried_open.json()["case_ref"]
    assert again.headers["idempotent-replayed"] == "true"
    async with direct() as session:
        rows = (await session.exec(select(Case).where(Case.la_code == LA))).all()
    assert len(rows) == CASES + 1


async def test_an_action_not_confirmed_in_time_is_said_to_be_pending_and_a_retry_gets_its_outcome(
    through_proxy: httpx.AsyncClient,
    env: WorkflowEnvironment,
    lines: Lines,
    postgres: tuple[str, SessionMaker],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    api, direct = through_proxy, postgres[1]
    received = (await env.get_current_time()).date()
    created = await api.post("/cases", json=case_request(received, la_code=LA))
    case_ref = created.json()["case_ref"]
    await eventually(lambda: opened_in_read_model(direct, [case_ref]))
    monkeypatch.setattr(updates, "UPDATE_TIMEOUT_SECONDS", 1)

    await lines.worker.cut()
    action = {"on": received.isoformat(), "assess": True}
    key = {"Idempotency-Key": "decided-while-the-worker-was-cut-off"}
    pending = await api.post(f"/cases/{case_ref}/decide-to-assess", json=action, headers=key)
    assert pending.status_code == 503, pending.text
    problem = pending.json()
    assert problem["type"] == "/problems/action-not-confirmed"
    assert "may still be recorded" in problem["detail"] and "same Idempotency-Key" in problem["detail"]
    assert pending.headers["retry-after"] == "5"
    # The workflow has the action; only its record waits for the database.
    state = await env.client.get_workflow_handle(assessment_id(case_ref)).query("state", result_type=AssessmentState)
    assert state.stage.value == "assessing"

    await lines.worker.restore()
    monkeypatch.setattr(updates, "UPDATE_TIMEOUT_SECONDS", 30)
    again = await api.post(f"/cases/{case_ref}/decide-to-assess", json=action, headers=key)
    assert again.status_code == 200 and again.json()["stage"] == "assessing", again.text
    async with direct() as session:
        trail = (await session.exec(select(AuditEvent).where(AuditEvent.case_ref == case_ref))).all()
    assert sorted(e.action for e in trail if e.event_key.startswith("assessment-")) == [
        "decided_to_assess",
        "request_received",
    ]

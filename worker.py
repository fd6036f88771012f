"""The worker: runs every case workflow and its activities on one task queue.

`python worker.py` connects with the settings from the environment and stops cleanly on SIGINT or
SIGTERM: in-flight activities get a grace period to finish, and anything left is retried by Temporal.
"""

import asyncio
import signal
from datetime import timedelta
from typing import Any

import structlog
from temporalio.client import Client
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxRestrictions

from activities.case_sync import CaseSync
from activities.cohort import Cohorts
from activities.decisions import Decisions
from activities.notifications import Notifier, NotifyGateway
from activities.plan_start import PlanStarter
from activities.redress_start import RedressStarter
from core.config import Settings, get_settings
from core.heap import freeze_startup_objects
from core.logs import configure_logging
from core.payload_context import OwnPayloadContext
from core.temporal_client import connect, run_to_exit
from store.db import SessionMaker, create_engine, create_sessionmaker
from workflows.assessment import AssessmentWorkflow
from workflows.delivery_periods import DeliveryRhythm
from workflows.one_action_at_a_time import OneActionAtATime
from workflows.plan import PlanWorkflow
from workflows.redress import RedressWorkflow
from workflows.tribunal import TribunalWorkflow

WORKFLOWS = [AssessmentWorkflow, PlanWorkflow, RedressWorkflow, TribunalWorkflow]

# Our own pure modules and pydantic are deterministic; passing them through keeps each workflow run
# from re-importing them (SDK README, "Workflow Sandbox").
PASSTHROUGH = (
    "pydantic",
    "pydantic_core",
    "annotated_types",
    "holidays",
    "dateutil",
    "statutory",
    "workflows",
    "core.workflow_ids",
    "core.ops_text",
)

log = structlog.get_logger(__name__)


def sandbox_runner() -> OwnPayloadContext:
    """The SDK's sandbox with our pure modules passed through, each payload's context answered outside it."""
    return OwnPayloadContext(restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH))


def build_worker(client: Client, task_queue: str, sessions: SessionMaker, settings: Settings, **options: Any) -> Worker:
    """The worker with every workflow and activity; `options` go to `Worker` (tests tune the cache)."""
    gateway = (
        NotifyGateway(settings.notify_api_key, settings.notify_email_template_id) if settings.notify_api_key else None
    )
    case_sync = CaseSync(sessions)
    redress = RedressStarter(client, task_queue)
    notifier = Notifier(sessions, gateway, settings.portal_url)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=[
            case_sync.sync_case,
            notifier.send_notification,
            notifier.send_notifications,
            Decisions(sessions, redress).record_decision,
            redress.start_tribunal,
            redress.carry_order,
            redress.report_order_done,
            redress.report_cease_unappealed,
            Cohorts(sessions).load_cohort,
            PlanStarter(client, task_queue, sessions, DeliveryRhythm(settings.provision_rhythm)).start_plan,
        ],
        workflow_runner=sandbox_runner(),
        interceptors=[OneActionAtATime()],
        graceful_shutdown_timeout=timedelta(seconds=20),
        **{
            "max_cached_workflows": settings.worker_max_cached_workflows,
            "max_concurrent_workflow_task_polls": settings.worker_workflow_task_pollers,
            "sticky_queue_schedule_to_start_timeout": timedelta(seconds=settings.worker_sticky_queue_timeout_seconds),
            **options,
        },
    )


def metrics_runtime(settings: Settings) -> Runtime | None:
    """The SDK runtime serving Prometheus metrics on `worker_metrics_address`, if one is set.

    The exporter lives in the SDK's core, so workflow and activity task latencies, slots, polls and
    sticky-cache figures come from where they are measured; Prometheus scrapes `/metrics` there.
    Names and units are the SDK's own (`temporal_` prefix, durations in milliseconds), which Temporal's
    published Grafana dashboard for core-based SDKs reads as they are."""
    if not settings.worker_metrics_address:
        return None
    exporter = PrometheusConfig(bind_address=settings.worker_metrics_address)
    return Runtime(telemetry=TelemetryConfig(metrics=exporter))


async def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    engine = create_engine(settings.database_url, settings.database_pool_size)
    runtime = metrics_runtime(settings)
    client = await connect(settings, runtime=runtime)
    worker = build_worker(client, settings.temporal_task_queue, create_sessionmaker(engine), settings)
    freeze_startup_objects()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    log.info(
        "worker started",
        task_queue=settings.temporal_task_queue,
        namespace=settings.temporal_namespace,
        metrics=settings.worker_metrics_address or None,
    )
    async with worker:
        await stop.wait()
        log.info("worker stopping")
    await engine.dispose()
    log.info("worker stopped")


if __name__ == "__main__":
    run_to_exit(main())

"""Prometheus metrics of the API: its requests, and the statutory picture read from the read model.

Two kinds, both served by `GET /metrics` (api/routes/metrics.py):
- requests counted and timed by method, route template and status. The label is the template
  (`/cases/{case_ref}`), never the path: a case reference must not become a label value, and a
  client probing made-up paths must not grow the series without bound (they all count as `unmatched`);
- gauges computed at scrape time from the read model: open cases and breached duties still owed,
  by LA and process. Labels are codes only (LA, process), never personal data.

Request counters live in this process's memory. The API runs as one uvicorn process per pod (no
`--workers`): Prometheus discovers and scrapes every pod itself and sums across them, so no process
ever reports another's requests and nothing is shared through files (docs/temporal-ui.md).
"""

import time
from collections.abc import Iterable

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from prometheus_client import (
    CONTENT_TYPE_PLAIN_0_0_4,
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from store.models import Case, CaseDeadline, RedressCase
from workflows.case_state import DeadlineKind, DeadlineStatus

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
UNMATCHED = "unmatched"
# Any other method (a client may send any token) would be a label value of the client's choosing.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Requests range from a health probe (ms) to an update that waits for a workflow and the read model (s).
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Case rows hold assessments and plans; redress routes and Tribunal appeals have rows of their own.
CASE_PROCESSES = ("assessment", "plan")
REDRESS_PROCESSES = ("redress", "tribunal")


class HttpMetrics:
    """This app's own registry (not the library's global one), so each app made in a process counts
    only its own requests; the process collectors add CPU, memory, open files and garbage collection."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)
        GCCollector(registry=self.registry)
        labels = ("method", "route", "status")
        self.requests = Counter(
            "ehcp_http_requests", "HTTP requests answered, by route template", labels, registry=self.registry
        )
        self.latency = Histogram(
            "ehcp_http_request_duration_seconds",
            "Time to answer an HTTP request, by route template",
            labels,
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else "other"
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route, str(status)).observe(seconds)

    def render(self, read_model: Iterable[Metric]) -> bytes:
        """The text exposition of the request metrics and the scrape's read-model gauges."""
        return generate_latest(self.registry) + generate_latest(_Snapshot(list(read_model)))


class _Snapshot:
    """Gauges computed once for one scrape, in the shape `generate_latest` collects from."""

    def __init__(self, families: list[Metric]) -> None:
        self.families = families

    def collect(self) -> Iterable[Metric]:
        return self.families


class MetricsMiddleware:
    """Times every HTTP request and counts it under the route template that answered it."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics, api: FastAPI) -> None:
        self.app = app
        self.metrics = metrics
        self.api = api
        self._templates: dict[int, str] | None = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # what the client gets if the app raises before it answers

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.metrics.observe(scope["method"], self.template(scope), status, time.perf_counter() - started)

    def template(self, scope: Scope) -> str:
        """The full path template of the route the router chose (prefixes of included routers too)."""
        route = scope.get("route")
        if route is None:
            return UNMATCHED
        if self._templates is None:
            # Built once, on the first request, when every router has been included.
            paths: dict[int, set[str]] = {}
            for context in iter_route_contexts(self.api.routes):
                if context.path is not None:
                    paths.setdefault(id(context.original_route), set()).add(context.path)
            self._templates = {key: found.pop() for key, found in paths.items() if len(found) == 1}
        return self._templates.get(id(route)) or getattr(route, "path", None) or UNMATCHED


def instrument(app: FastAPI) -> HttpMetrics:
    """Count and time the app's requests; `GET /metrics` reads the result from `app.state.http_metrics`."""
    metrics = HttpMetrics()
    app.state.http_metrics = metrics
    app.add_middleware(MetricsMiddleware, metrics=metrics, api=app)
    return metrics


async def read_model_gauges(session: AsyncSession, la_codes: list[str]) -> list[Metric]:
    """Open cases and breached duties still owed, for these LAs: two grouped counts on indexed columns.

    Every LA and process is reported, with 0 where there is nothing, so an alert on a rise sees the
    series from the start. A breached duty counts under the process of the case it is owed on (as the
    managers' work queue lists it): a duty of a redress route or appeal counts under the case's
    assessment or plan."""
    open_cases = GaugeMetricFamily(
        "ehcp_open_cases",
        "Cases open in the read model: assessments and plans by case, redress routes and appeals by route",
        labels=("la_code", "process"),
    )
    breached = GaugeMetricFamily(
        "ehcp_open_deadlines_breached",
        "Statutory duties past their due date and still owed, without a recorded exception",
        labels=("la_code", "process"),
    )
    counts = dict.fromkeys(((la, p) for la in la_codes for p in CASE_PROCESSES + REDRESS_PROCESSES), 0)
    for table in (Case, RedressCase):
        query = (
            select(table.la_code, table.process, func.count())
            .where(col(table.la_code).in_(la_codes), col(table.closed).is_(False))
            .group_by(table.la_code, table.process)
        )
        for la_code, process, count in (await session.exec(query)).all():
            counts[la_code, process] = count
    for (la_code, process), count in sorted(counts.items()):
        open_cases.add_metric([la_code, process], count)

    owed = dict.fromkeys(((la, p) for la in la_codes for p in CASE_PROCESSES), 0)
    query = (
        select(Case.la_code, Case.process, func.count())
        .join(CaseDeadline, col(CaseDeadline.case_ref) == col(Case.case_ref))
        .where(
            col(Case.la_code).in_(la_codes),
            col(Case.closed).is_(False),
            col(CaseDeadline.status) == DeadlineStatus.BREACHED.value,
            col(CaseDeadline.kind) == DeadlineKind.DUTY.value,
            col(CaseDeadline.done_on).is_(None),
            col(CaseDeadline.process_open).is_(True),
        )
        .group_by(Case.la_code, Case.process)
    )
    for la_code, process, count in (await session.exec(query)).all():
        owed[la_code, process] = count
    for (la_code, process), count in sorted(owed.items()):
        breached.add_metric([la_code, process], count)
    return [open_cases, breached]

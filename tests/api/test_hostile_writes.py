"""Hostile values in every write route, in any order: each refused with a 4xx, and every case as it was.

A red-team run once destroyed a case with one valid-looking request (a 1.9 MB field, an 85,000-item list,
a rejection that echoed its input). This test looks for the rest of that class. For every write route it
takes a request its OpenAPI schema allows, drawn by schemathesis against real cases of each kind (an
assessment being assessed, a plan, a redress route, a Tribunal appeal), and spoils it in one place: a
string of nearly 2 MB, a list of 85,000 items, a map of 10,000 keys, nesting 10,000 deep, control
characters, an impossible date, a value of the wrong JSON type, a field the route does not take. Every
answer must be a 4xx problem+json that says why without repeating what was sent.

Then hypothesis's stateful testing sends such requests in sequences, mixed with a retry of the same spoiled
request under the same Idempotency-Key, and checks after every step that the case it aimed at still reads,
is exactly what it was, and has not one more event in its history: every refusal happens before anything
is recorded. Generation is derandomized, so every run sends the same requests.
"""

import asyncio
import json
import uuid
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from schemathesis import GenerationMode
from sqlmodel import func, select
from temporalio.testing import WorkflowEnvironment

from api.auth import Role, issue_token
from core.config import Settings
from store.db import SessionMaker
from store.models import AuditEvent
from tests.conftest import eventually
from tests.driver import Redress
from tests.support.fuzzing import FUZZ_SEED, row_counts

pytestmark = pytest.mark.slow

Field = tuple[tuple[Any, ...], dict[str, Any]]
# The routes that write nothing to a case: the codec transforms the payloads it is given (test_payload_codec.py).
NOT_CASE_WRITES = {"/codec/decode", "/codec/encode"}
MARK = "HOSTILE"
# Refusals made before a workflow is asked: the body's validation, and its size.
AT_THE_DOOR = {"/problems/validation", "/problems/too-large"}
# Under the 2 MiB body limit (api/limits.py), so it reaches validation; over every field's own limit.
NEARLY_2_MB = MARK + "A" * 1_900_000


# Nesting 10,000 deep: more than Python's JSON encoder will write, so it is spliced in as text.
DEEP = f"{MARK}-deep"
DEEP_JSON = "[" * 10_000 + json.dumps(MARK) + "]" * 10_000
MANY_ITEMS = [MARK] * 85_000
MANY_KEYS = {f"{MARK}{i}": MARK for i in range(10_000)}


def spoilers(schema: dict[str, Any]) -> list[tuple[str, Any]]:
    """Values that a field of this schema may never take (named, for the failure message)."""
    always: list[tuple[str, Any]] = [
        ("an object", {f"${MARK}": None}),
        ("a number", 1e308),
        ("nesting 10,000 deep", DEEP),
    ]
    kind = schema.get("type")
    if kind == "boolean":
        return [*always, ("'yes'", "yes"), ("1", 1), ("'true'", "true")]
    if kind == "string":
        found: list[tuple[str, Any]] = [
            ("nearly 2 MB", NEARLY_2_MB),
            ("a NUL", f"{MARK}\x00"),
            ("a bell", f"{MARK}\x07"),
            ("a lone surrogate", f"{MARK}\ud800"),
            ("a list", [MARK]),
        ]
        if "maxLength" in schema:
            found.append(("one character too long", "a" * (schema["maxLength"] + 1)))
        if schema.get("format") == "date":
            found += [
                ("an impossible date", "2025-02-30"),
                ("a Unix time", 1735689600),
                ("a Unix time in a string", "1735689600"),
                ("a timestamp", "2025-01-01T00:00:00Z"),
            ]
        return [*always, *found]
    if kind == "integer":
        return [*always, ("a string", "12"), ("a fraction", 1.5), ("true", True), ("2 to the 70th", 2**70)]
    if kind == "array":
        # A valid item where the items are a closed list: the list's own length must be bounded too.
        item = schema["items"].get("enum", [MARK])[0]
        many = MANY_ITEMS if item == MARK else [item] * 85_000
        return [*always, ("85,000 items", many), ("a string", MARK)]
    if kind == "object":
        return [
            ("a 10,000-key map", MANY_KEYS),
            ("a list", [MARK]),
            ("a string", MARK),
            ("nesting 10,000 deep", DEEP),
        ]
    return always


def resolved(schema: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """The schema itself: references followed, and of `X | None` the X (null is a value a field may take)."""
    while True:
        if "$ref" in schema:
            schema = components[schema["$ref"].rsplit("/", 1)[-1]]
        elif "anyOf" in schema or "allOf" in schema:
            options = [s for s in schema.get("anyOf") or schema.get("allOf") or [] if s.get("type") != "null"]
            schema = options[0]
        else:
            return schema


def fields(schema: dict[str, Any], components: dict[str, Any], path: tuple[Any, ...] = ()) -> Iterator[Field]:
    """Every place in a body of this schema, containers included, with the schema of what goes there."""
    schema = resolved(schema, components)
    if schema.get("type") == "array" and "items" in schema:
        schema = {**schema, "items": resolved(schema["items"], components)}
    yield path, schema
    if schema.get("type") == "object":
        for name, inner in schema.get("properties", {}).items():
            yield from fields(inner, components, (*path, name))
    elif schema.get("type") == "array" and "items" in schema:
        yield from fields(schema["items"], components, (*path, 0))


def placed(body: Any, path: tuple[Any, ...], value: Any) -> Any:
    """A copy of `body` with `value` at `path`, making the containers on the way if the body has none."""
    if not path:
        return value
    key, rest = path[0], path[1:]
    if isinstance(key, int):
        items: list[Any] = list(body) if isinstance(body, list) and body else [{}]
        items[0] = placed(items[0], rest, value)
        return items
    copy: dict[str, Any] = dict(body) if isinstance(body, dict) else {}
    copy[key] = placed(copy.get(key), rest, value)
    return copy


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    url: str  # with a real case of the right kind in it
    target: str | None  # that case's page (its GET), or None for a route that opens or moves cases
    workflow_id: str | None
    valid: Any  # a body the schema allows
    fields: tuple[Field, ...]
    caller: tuple[tuple[str, str], ...] = ()  # who sends it, where it is not the staff caller: the case's family


@dataclass(frozen=True)
class Spoilt:
    """A route's valid body with one place spoilt; its bytes are made when it is sent (some are 2 MB)."""

    route: Route
    path: tuple[Any, ...]
    name: str
    value: Any

    @property
    def what(self) -> str:
        return f"{self.route.method} {self.route.path}: {'.'.join(map(str, self.path)) or 'the body'} as {self.name}"

    def content(self) -> bytes:
        if self.name == "an unknown field":
            body = placed(self.route.valid, self.path, {**(at(self.route.valid, self.path) or {}), f"{MARK}_extra": 1})
        else:
            body = placed(self.route.valid, self.path, self.value)
        # ensure_ascii (the default): a lone surrogate goes as the escape a client's JSON encoder writes.
        text = json.dumps(body)
        return text.replace(json.dumps(DEEP), DEEP_JSON).encode()

    async def send(self, api: httpx.AsyncClient, **headers: str) -> httpx.Response:
        return await api.request(
            self.route.method,
            self.route.url,
            content=self.content(),
            headers={"content-type": "application/json", **dict(self.route.caller), **headers},
        )


def at(body: Any, path: tuple[Any, ...]) -> Any:
    for key in path:
        if isinstance(key, int):
            body = body[0] if isinstance(body, list) and body else None
        else:
            body = body.get(key) if isinstance(body, dict) else None
    return body


def spoilings(route: Route) -> list[Spoilt]:
    """The route's valid body spoilt in one place, each way that place can be spoilt."""
    found = []
    for path, schema in route.fields:
        found += [Spoilt(route, path, name, value) for name, value in spoilers(schema)]
        if schema.get("type") == "object":
            found.append(Spoilt(route, path, "an unknown field", None))
    return found


def refusal_problem(spoilt: Spoilt, answer: httpx.Response) -> str | None:
    """Why an answer to a spoilt request is wrong, or None if it is a proper refusal."""
    if spoilt.route.path == "/plans/import" and answer.status_code == 200:
        # An import reports the rows it cannot take, and takes the rest: here there is no rest.
        report = answer.json()
        if report["imported"] or report["already_present"]:
            return f"imported a spoilt row: {answer.text[:300]}"
    elif not 400 <= answer.status_code < 500:
        return f"answered {answer.status_code}: {answer.text[:300]}"
    elif answer.headers.get("content-type") != "application/problem+json":
        return f"{answer.status_code} is not problem+json"
    elif not str(answer.json().get("detail", "")).strip():
        return f"{answer.status_code} says nothing: {answer.text[:300]}"
    elif answer.json()["type"] not in AT_THE_DOOR:
        # Refused, but only once it reached the case's workflow: the value itself was not bounded.
        return f"refused by the case, not at the door: {answer.text[:300]}"
    if MARK in answer.text or len(answer.content) > 8192:
        return f"the answer repeats what was sent: {answer.text[:300]}"
    return None


# The cases the routes act on ------------------------------------------------------------------------


async def cases_of_each_kind(api: httpx.AsyncClient, env: WorkflowEnvironment) -> dict[str, tuple[str, str, str]]:
    """For each kind of path parameter: (id, its page, its workflow's id)."""
    assessment = Redress(api, env)
    await assessment.open()
    await assessment.act("decide-to-assess", {"assess": True})
    plan = Redress(api, env)
    await plan.import_existing(f"HOSTILE/{uuid.uuid4().hex[:8]}", issued_days_ago=200)
    route = await Redress(api, env).refused_case(wait=False)
    appealing = Redress(api, env)
    tribunal = await appealing.appeal_registered((await appealing.refused_case(wait=False))[0])
    return {
        "/cases/{case_ref}": (
            assessment.case_ref,
            f"/cases/{assessment.case_ref}",
            f"assessment-{assessment.case_ref}",
        ),
        # The family's own writes, as the family (Route.caller): its views for the plan's review on the plan, the
        # rest (its comments on the draft) on the assessment.
        PORTAL_PLAN: (plan.case_ref, f"/plans/{plan.case_ref}", f"plan-{plan.case_ref}"),
        PORTAL: (assessment.case_ref, f"/cases/{assessment.case_ref}", f"assessment-{assessment.case_ref}"),
        "/plans/{case_ref}": (plan.case_ref, f"/plans/{plan.case_ref}", f"plan-{plan.case_ref}"),
        "/redress/{workflow_id}": (route[0], f"/redress/{route[0]}", route[0]),
        "/tribunal/{workflow_id}": (tribunal, f"/tribunal/{tribunal}", tribunal),
    }


def write_routes(
    schema: schemathesis.BaseSchema, spec: dict[str, Any], cases: dict[str, tuple[str, str, str]], settings: Settings
) -> list[Route]:
    routes = []
    components = spec["components"]["schemas"]
    for result in schema.get_all_operations():
        operation = result.ok()  # type: ignore[union-attr]  # our own schema: every operation reads
        if operation.method.upper() not in ("POST", "PUT", "PATCH", "DELETE") or operation.path in NOT_CASE_WRITES:
            continue
        if "requestBody" not in spec["paths"][operation.path][operation.method.lower()]:
            continue  # no body to spoil (withdrawing an invitation): its path parameters are bounded by pattern
        prefix = next((p for p in cases if operation.path.startswith(p)), None)
        target, page, workflow_id = cases[prefix] if prefix else (None, None, None)
        parameter = prefix.split("{", 1)[1].split("}", 1)[0] if prefix else None
        fixed = {parameter: target} if parameter and target else {}
        body_schema = spec["paths"][operation.path][operation.method.lower()]["requestBody"]["content"]
        declared = body_schema.get("application/json", next(iter(body_schema.values())))["schema"]
        url = operation.path.replace(f"{{{parameter}}}", target) if parameter and target else operation.path
        routes.append(
            Route(
                operation.method.upper(),
                operation.path,
                url,
                page,
                workflow_id,
                draw_valid(operation, fixed),
                tuple(fields(declared, components)),
                family_of(settings, target) if prefix in (PORTAL, PORTAL_PLAN) and target else (),
            )
        )
    return routes


PORTAL = "/portal/cases/{case_ref}"
PORTAL_PLAN = f"{PORTAL}/review-views"  # before PORTAL: the first prefix a path starts with is its case's kind


def family_of(settings: Settings, case_ref: str) -> tuple[tuple[str, str], ...]:
    """The family of the case: the portal's writes are theirs, and refuse staff before reading a body."""
    token = issue_token(settings, "family:hostile", Role.FAMILY, [], timedelta(hours=1), case_refs=[case_ref])
    return (("Authorization", f"Bearer {token}"),)


def draw_valid(operation: schemathesis.APIOperation, fixed: dict[str, str]) -> Any:
    """One JSON body the route's schema allows, the same every run."""
    drawn: list[Any] = []

    @seed(FUZZ_SEED)
    @hypothesis_settings(
        max_examples=1,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(
        operation.as_strategy(
            generation_mode=GenerationMode.POSITIVE, path_parameters=fixed, media_type="application/json"
        )
    )
    def draw(case: schemathesis.Case) -> None:
        drawn.append(case.body)

    draw()
    return drawn[0]


@dataclass
class Snapshot:
    pages: dict[str, Any]
    events: dict[str, int]
    rows: dict[str, int]


async def snapshot(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker, routes: list[Route]
) -> Snapshot:
    targets = {(r.target, r.workflow_id) for r in routes if r.target and r.workflow_id}
    pages, events = {}, {}
    for page, workflow_id in targets:
        answer = await api.get(page)
        assert answer.status_code == 200, (page, answer.text[:300])
        pages[page] = answer.json()
        events[workflow_id] = await history_length(env, workflow_id)
    return Snapshot(pages, events, await written(sessions))


async def history_length(env: WorkflowEnvironment, workflow_id: str) -> int:
    described = await env.client.get_workflow_handle(workflow_id).describe()
    return described.raw_description.workflow_execution_info.history_length


async def written(sessions: SessionMaker) -> dict[str, int]:
    """Rows of every table a write could touch (reads of personal data leave audit lines: those aside)."""
    counts = await row_counts(sessions)
    async with sessions() as session:
        counts["audit_events"] = (
            await session.exec(
                select(func.count()).select_from(AuditEvent).where(AuditEvent.action != "personal_data_viewed")
            )
        ).one()
    return counts


async def prepared(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> tuple[list[Route], Snapshot]:
    spec = (await api.get("/openapi.json")).json()
    routes = write_routes(schemathesis.openapi.from_dict(spec), spec, await cases_of_each_kind(api, env), settings)

    async def settled() -> Snapshot | None:
        """Once the set-up's read models are written: two snapshots alike."""
        first = await snapshot(api, env, sessions, routes)
        await asyncio.sleep(0.5)
        return first if first == await snapshot(api, env, sessions, routes) else None

    return routes, await eventually(settled, attempts=60)


def differences(before: Snapshot, after: Snapshot) -> list[str]:
    found = [f"{page} changed" for page in before.pages if before.pages[page] != after.pages[page]]
    found += [
        f"{w} has {after.events[w] - before.events[w]} more events"
        for w in before.events
        if before.events[w] != after.events[w]
    ]
    found += [f"{t}: {before.rows[t]} -> {after.rows[t]} rows" for t in before.rows if before.rows[t] != after.rows[t]]
    return found


async def test_every_write_route_refuses_every_spoilt_field_and_no_case_changes(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> None:
    routes, before = await prepared(api, env, sessions, settings)
    wrong: list[str] = []
    sent = 0
    for route in routes:
        for spoilt in spoilings(route):
            sent += 1
            if problem := refusal_problem(spoilt, await spoilt.send(api)):
                wrong.append(f"{spoilt.what}: {problem}")
    assert not wrong, f"{len(wrong)} of {sent} spoilt requests were not refused properly:\n" + "\n".join(wrong[:60])
    assert not differences(before, await snapshot(api, env, sessions, routes))
    # Every write route was tried, on a real case of its kind where it has one.
    assert len(routes) >= 55 and all(r.target for r in routes if "{" in r.path)


# Sequences --------------------------------------------------------------------------------------------

# A few keys shared by the whole sequence, so a refused request's key comes round again on another.
KEYS = ("hostile-key-1", "hostile-key-2")


class HostileSequences(RuleBasedStateMachine):
    """Spoilt requests in any order, some under an Idempotency-Key already used, some sent twice.

    Hypothesis runs this synchronously in a thread of its own; each request runs on the test's event loop
    (`run`), where the API client and the Temporal client live."""

    routes: list[Route]
    sent: list[str]
    before: Snapshot
    run: Callable[[Coroutine[Any, Any, Any]], Any]
    api: httpx.AsyncClient
    env: WorkflowEnvironment

    def __init__(self) -> None:
        super().__init__()
        self.last: tuple[Spoilt, dict[str, str], int] | None = None

    @rule(data=st.data())
    def send_spoilt(self, data: st.DataObject) -> None:
        route = data.draw(st.sampled_from(self.routes), label="route")
        spoilt = data.draw(st.sampled_from(spoilings(route)), label="spoilt")
        key = data.draw(st.sampled_from((None, *KEYS)), label="idempotency key")
        headers = {"Idempotency-Key": key} if key else {}
        answer = self.run(spoilt.send(self.api, **headers))
        problem = refusal_problem(spoilt, answer)
        assert problem is None, f"{spoilt.what}: {problem}"
        self.last = (spoilt, headers, answer.status_code)
        self.sent.append(spoilt.what)

    @rule()
    def send_the_last_again(self) -> None:
        """A client's retry: refused again, the same way (a refusal is not kept as if it were an answer)."""
        if self.last is None:
            return
        spoilt, headers, status = self.last
        answer = self.run(spoilt.send(self.api, **headers))
        assert answer.status_code == status, f"{spoilt.what}: {status} then {answer.status_code}"

    @invariant()
    def the_case_aimed_at_is_as_it_was(self) -> None:
        if self.last is None or self.last[0].route.target is None:
            return
        route = self.last[0].route
        assert route.target and route.workflow_id
        answer = self.run(self.api.get(route.target))
        assert answer.status_code == 200, f"{route.target} no longer reads: {answer.status_code}"
        assert answer.json() == self.before.pages[route.target], f"{route.target} changed"
        assert self.run(history_length(self.env, route.workflow_id)) == self.before.events[route.workflow_id]


async def test_sequences_of_spoilt_requests_leave_every_case_as_it_was(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> None:
    routes, before = await prepared(api, env, sessions, settings)
    loop = asyncio.get_running_loop()

    def run(coroutine: Coroutine[Any, Any, Any]) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=120)

    sent: list[str] = []
    here = {"routes": routes, "sent": sent, "before": before, "run": staticmethod(run), "api": api, "env": env}
    machine = type("HostileSequencesHere", (HostileSequences,), here)
    await asyncio.to_thread(
        run_state_machine_as_test,
        machine,
        settings=hypothesis_settings(
            max_examples=30,
            stateful_step_count=20,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        ),
    )
    assert len(sent) >= 100 and len({what.split(":")[0] for what in sent}) >= 30, len(sent)
    assert not differences(before, await snapshot(api, env, sessions, routes))

"""Reads at scale: the work queues and the dashboard over a national read model of generated rows."""

import random
from typing import Any

from api.auth import Role
from bench import generate
from bench.databases import bench_database
from bench.load import Api, headers, sample, service_env
from bench.stack import Stack

CASE_QUEUE = "bench-cases"


async def openapi_paths(api: Api) -> dict[str, Any]:
    return dict((await api.get("/openapi.json"))["paths"])


def dashboard_params(paths: dict[str, Any], la_code: str) -> dict[str, str] | None:
    """How to ask for one LA's dashboard, if the API has one (None if it has not)."""
    operation = paths.get("/dashboard", {}).get("get")
    if operation is None:
        return None
    names = {p["name"] for p in operation.get("parameters", [])}
    return {"la_code": la_code} if "la_code" in names else {}


async def queues_and_dashboard(
    api: Api, samples: int, readers: int, officers: dict[str, list[str]], rng: random.Random
) -> dict[str, Any]:
    """An officer's own queue, an LA's whole queue (a manager's view) and the dashboard, for random LAs."""
    las = list(officers)
    mine = []
    for _ in range(samples):
        la = rng.choice(las)
        mine.append(("/work-queue", {"headers": headers(Role.CASE_OFFICER, [la], rng.choice(officers[la]))}))
    whole = []
    for _ in range(samples):
        la = rng.choice(las)
        whole.append(("/work-queue", {"headers": headers(Role.MANAGER, [la]), "params": {"la_code": la}}))
    result: dict[str, Any] = {
        "work_queue_officer": await sample(api, readers, mine),
        "work_queue_la": await sample(api, readers, whole),
    }
    params = dashboard_params(await openapi_paths(api), las[0])
    if params is None:
        result["dashboard"] = "not measured: the API has no GET /dashboard"
    else:
        boards = []
        for _ in range(samples):
            la = rng.choice(las)
            query = dict.fromkeys(params, la)
            boards.append(("/dashboard", {"headers": headers(Role.MANAGER, [la]), "params": query}))
        result["dashboard"] = await sample(api, readers, boards)
    return result


async def at_scale(stack: Stack, address: str, rows: int, samples: int, readers: int) -> dict[str, Any]:
    """The work queues and the dashboard through an API process on a database of `rows` generated case rows."""
    async with bench_database("rows") as database_url:
        filled = await generate.fill(database_url, rows)
        # Live, not ready: this API reads the database alone, and the case worker readiness asks for may have
        # stopped minutes ago (filling 1,000,000 rows takes three; readiness wants a poll within 90 s).
        part, base = await stack.api("api-rows", service_env(address, database_url, CASE_QUEUE), "/health/live")
        try:
            authorities = generate.sample_queues(rows)
            officers = {la.code: list(la.officers) for la in authorities}
            async with Api(base, readers) as api:
                for la in list(officers)[:5]:  # warm the connection pool and the plan cache
                    await api.get("/work-queue", params={"la_code": la}, headers=headers(Role.MANAGER, [la]))
                measured = await queues_and_dashboard(api, samples, readers, officers, random.Random(13))
        finally:
            await stack.stop(part)
    return {"generated": filled, "readers": readers, **measured}

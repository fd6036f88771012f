"""What every benchmark phase shares: callers with real tokens, bounded concurrency, percentiles and the CPU each
process spent on them."""

import asyncio
import math
import statistics
import time
from collections.abc import Awaitable, Callable, Iterable
from datetime import date
from typing import Any, TypeVar

import aiohttp

from api.auth import Role, issue_token
from bench.stack import CpuMeter
from core.config import Settings
from core.payload_codec import new_key_entry

T = TypeVar("T")
R = TypeVar("R")

# Signs the tokens of the benchmark's own API processes; nothing outside the run accepts it.
SECRET = "bench-only-secret-0123456789abcdef0123456789abcdef"
_TOKEN_SETTINGS = Settings(auth_jwt_secret=SECRET)
# Payloads are encrypted as deployed (core/payload_codec.py), with a key made for this run and thrown away after.
PAYLOAD_KEYS = new_key_entry("bench")
# Seconds a connection may idle before the generator closes it: under uvicorn's own 5 s (its default, as the API
# runs here), so the server never closes a connection just as the generator sends a request on it, which aiohttp
# reports as "Server disconnected" and which stopped a run after a pause between rounds.
KEEPALIVE_SECONDS = 3.0
_ALPHABET = "abcdefghijklmnopqrstuvwxyz"


def service_env(address: str, database_url: str, task_queue: str) -> dict[str, str]:
    """The environment of the run's workers and API processes: everything explicit, so that a developer's
    .env or data/local.env (read by Settings) cannot change what is measured."""
    return {
        "DATABASE_URL": database_url,
        "TEMPORAL_ADDRESS": address,
        "TEMPORAL_TASK_QUEUE": task_queue,
        "AUTH_JWT_SECRET": SECRET,
        "PAYLOAD_KEYS": PAYLOAD_KEYS,
        "LOG_LEVEL": "WARNING",
    }


def client_settings(address: str) -> Settings:
    """What the run's own Temporal clients connect with: the same data converter as the worker."""
    return Settings(temporal_address=address, payload_keys=PAYLOAD_KEYS, auth_jwt_secret=SECRET)


def headers(role: Role, las: list[str], sub: str = "manager.bench") -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_token(_TOKEN_SETTINGS, sub, role, las)}"}


def letters(n: int) -> str:
    """A number as letters ("b", "ba"...): names accept no digits, and invented ones must differ."""
    word = ""
    while True:
        n, digit = divmod(n, 26)
        word = _ALPHABET[digit] + word
        if n == 0:
            return word


def case_body(n: int, la_code: str, officer: str, team: str, received: date) -> dict[str, Any]:
    """A request for assessment with invented people (the read model and logs must never show them)."""
    family = "Bench" + letters(n)
    return {
        "la_code": la_code,
        "received_date": received.isoformat(),
        "request_source": "parent",
        "officer": officer,
        "team": team,
        "child": {"given_name": "Robin", "family_name": family, "date_of_birth": "2016-05-04"},
        "contacts": [{"role": "parent", "name": f"Sam {family}", "email": f"sam.{letters(n)}@example.org"}],
    }


async def bounded(concurrency: int, items: Iterable[T], work: Callable[[T], Awaitable[R]]) -> list[R]:
    """Run `work` over `items` with at most `concurrency` in flight; results in the order of the items."""
    pending = list(enumerate(items))
    pending.reverse()
    results: dict[int, R] = {}

    async def lane() -> None:
        while pending:
            index, item = pending.pop()
            results[index] = await work(item)

    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return [results[i] for i in range(len(results))]


class Api:
    """The load generator's HTTP client, on aiohttp: a request costs it about a sixth of httpx's CPU
    (0.16 ms against 1.0 ms, measured on the machine of docs/benchmarks.md), and the generator shares the
    cores with the processes it measures. `headers` go with every request."""

    def __init__(self, base_url: str, connections: int, headers: dict[str, str] | None = None) -> None:
        self.base_url, self.connections, self.headers = base_url, connections, dict(headers or {})
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> "Api":
        self._session = aiohttp.ClientSession(
            self.base_url,
            connector=aiohttp.TCPConnector(limit=self.connections, keepalive_timeout=KEEPALIVE_SECONDS),
            timeout=aiohttp.ClientTimeout(total=120),
        )
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def request(
        self, method: str, url: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> tuple[int, Any]:
        """The status and the body: parsed if JSON, else text."""
        assert self._session is not None, "use Api in `async with`"
        async with self._session.request(method, url, headers={**self.headers, **(headers or {})}, **kwargs) as answer:
            if answer.content_type == "application/json":
                return answer.status, await answer.json()
            return answer.status, await answer.text()

    async def get(self, url: str, **kwargs: Any) -> Any:
        """A GET that must answer 200; its body."""
        _, body = await timed_request(self, "GET", url, **kwargs)
        return body


async def timed_request(api: Api, method: str, url: str, *, expect: int = 200, **kwargs: Any) -> tuple[float, Any]:
    """One request's wall time in seconds and its body; any other status than `expect` stops the run with its
    answer."""
    started = time.perf_counter()
    status, body = await api.request(method, url, **kwargs)
    took = time.perf_counter() - started
    if status != expect:
        raise RuntimeError(f"{method} {url} answered {status}: {str(body)[:500]}")
    return took, body


def percentiles(seconds: list[float]) -> dict[str, float | int]:
    """Median, p95, p99 and max in milliseconds (nearest rank: p99 of 1,000 samples is the 990th)."""
    if not seconds:
        return {"count": 0}
    ordered = sorted(seconds)

    def rank(p: float) -> float:
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    return {
        "count": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(rank(95) * 1000, 2),
        "p99_ms": round(rank(99) * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


async def metered(meter: CpuMeter, into: dict[str, float], work: Awaitable[T]) -> T:
    """Runs `work`, adding the CPU seconds each part spent meanwhile to `into`."""
    before = meter.read()
    result = await work
    for name, seconds in meter.spent(before, meter.read()).items():
        into[name] = into.get(name, 0.0) + seconds
    return result


async def sample(
    api: Api,
    readers: int,
    requests: list[tuple[str, dict[str, Any]]],
    method: str = "GET",
    meter: CpuMeter | None = None,
) -> dict[str, Any]:
    """Percentiles of `requests` made `readers` at a time; with a meter, the CPU each process spent per request."""

    async def one(request: tuple[str, dict[str, Any]]) -> float:
        url, options = request
        took, _ = await timed_request(api, method, url, **options)
        return took

    if meter is None or not requests:
        return percentiles(await bounded(readers, requests, one))
    used: dict[str, float] = {}
    figures: dict[str, Any] = percentiles(await metered(meter, used, bounded(readers, requests, one)))
    figures["cpu_ms_per_request"] = {name: round(s * 1000 / len(requests), 2) for name, s in used.items()}
    return figures

"""The benchmarks' own PostgreSQL databases: made, migrated and dropped by the run, and read for its progress.

Needs PostgreSQL at TEST_PG_ADMIN_URL (default postgresql://postgres@127.0.0.1:5432/test): a run makes its
databases (`ehcp_bench_<purpose>_<random>`) there and drops them afterwards, however it ends.
"""

import asyncio
import contextlib
import os
import time
import uuid
from collections.abc import AsyncIterator

import asyncpg
from sqlalchemy.engine import make_url

from store.migrate import upgrade_async

PG_ADMIN_URL = os.environ.get("TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/test")
SETTLE_SECONDS = 600


@contextlib.asynccontextmanager
async def bench_database(purpose: str) -> AsyncIterator[str]:
    """A migrated database of the run's own, dropped afterwards; yields its URL."""
    name = f"ehcp_bench_{purpose}_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(PG_ADMIN_URL, timeout=10)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        url = make_url(PG_ADMIN_URL).set(drivername="postgresql+asyncpg", database=name).render_as_string(False)
        await upgrade_async(url)
        yield url
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def postgres_version() -> str:
    admin = await asyncpg.connect(PG_ADMIN_URL, timeout=10)
    try:
        return str(await admin.fetchval("SHOW server_version"))
    finally:
        await admin.close()


async def count(database_url: str, sql: str) -> int:
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    try:
        return int(await connection.fetchval(sql))
    finally:
        await connection.close()


async def settle(database_url: str, expected: int, action: str = "request_received") -> float:
    """Seconds until `expected` cases have the opening audit event `action` (written in the workflow's first task,
    with the read model, after the API has answered)."""
    sql = f"SELECT count(*) FROM audit_events WHERE action = '{action}'"
    return await until_counted(database_url, sql, expected, SETTLE_SECONDS, f"the read model's {expected} cases")


async def until_counted(database_url: str, sql: str, expected: int, seconds: float, what: str) -> float:
    """Seconds until the count `sql` reaches `expected`: work the workflows do after the API has answered."""
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        if await count(database_url, sql) >= expected:
            return time.perf_counter() - started
        await asyncio.sleep(0.2)
    raise RuntimeError(f"{what} not all written in {seconds} s")

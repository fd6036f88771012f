"""The async engine and session factory, for SQLite (embedded default) and PostgreSQL alike."""

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import DisconnectionError, OperationalError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

SessionMaker = async_sessionmaker[AsyncSession]

# While PostgreSQL is down or cut off, a request or activity must fail fast (the API answers 503, Temporal
# retries the activity) rather than wait on a socket that will never answer.
CONNECT_TIMEOUT_SECONDS = 5  # to open a connection
STATEMENT_TIMEOUT_SECONDS = 15  # for one statement's answer, the pre-checkout ping included
POOL_TIMEOUT_SECONDS = 10  # for a free connection when every pooled one is busy
# A connection handed back to the pool less than this long ago is used without a ping: under load every connection
# comes back within milliseconds, and a ping per checkout cost a round trip and ~7% of the API's CPU on a case start
# (docs/benchmarks.md). One that died in that moment fails its first statement instead, which is handled as a lost
# connection (_statement_failed): the caller sees the same OperationalError, and the pool replaces it.
PING_AFTER_IDLE_SECONDS = 1.0


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            # WAL lets the API read while the worker writes; foreign keys are off by default in SQLite.
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_timeout=POOL_TIMEOUT_SECONDS,
        # The connection handed back last is taken first: under light load one stays hot and skips its ping.
        pool_use_lifo=True,
        connect_args={"timeout": CONNECT_TIMEOUT_SECONDS, "command_timeout": STATEMENT_TIMEOUT_SECONDS},
    )
    _treat_unreachable_as_disconnect(engine)
    return engine


def _treat_unreachable_as_disconnect(engine: AsyncEngine) -> None:
    """asyncpg reports a refused or reset socket and a timeout as bare OSError/TimeoutError, which SQLAlchemy
    passes through unwrapped and does not count as a lost connection. Here they become the driver's
    OperationalError (PEP 249: "the database is unreachable"), the pool drops the connection, and callers see
    one error type for an unreachable database whether it failed on connect, on checkout or mid-statement."""
    dbapi = engine.dialect.loaded_dbapi

    def unreachable(error: BaseException) -> Exception:
        return dbapi.OperationalError(f"database unreachable ({type(error).__name__})", error)

    @event.listens_for(engine.sync_engine, "do_connect")
    def _connect(dialect: Any, _record: Any, cargs: tuple[Any, ...], cparams: dict[str, Any]) -> Any:
        try:
            return dialect.loaded_dbapi.connect(*cargs, **cparams)
        except (OSError, TimeoutError) as error:
            raise unreachable(error) from error

    @event.listens_for(engine.sync_engine, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _ping(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # pool_pre_ping lets a ping that times out escape as a bare TimeoutError; a DisconnectionError
        # makes the pool replace the connection instead (and fail with OperationalError if it cannot).
        returned = record.info.get("returned_at")
        if returned is not None and time.monotonic() - returned < PING_AFTER_IDLE_SECONDS:
            # A socket the server or the network closed is known closed without a round trip.
            raw = getattr(dbapi_connection, "_connection", None)  # asyncpg's own, under SQLAlchemy's adapter
            if raw is not None and not raw.is_closed():
                return
        try:
            dbapi_connection.ping()
        except Exception as error:
            raise DisconnectionError(f"pooled connection failed its ping ({type(error).__name__})") from error

    @event.listens_for(engine.sync_engine, "handle_error")
    def _statement_failed(context: ExceptionContext) -> Exception | None:
        error = context.original_exception
        if not isinstance(error, (OSError, TimeoutError)):
            return None
        context.is_disconnect = True
        return OperationalError(
            context.statement, context.parameters, unreachable(error), hide_parameters=True, connection_invalidated=True
        )


def create_sessionmaker(engine: AsyncEngine) -> SessionMaker:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


@asynccontextmanager
async def sessions_for(url: str, pool_size: int = 10) -> AsyncIterator[SessionMaker]:
    """Sessions on an engine of their own, closed on the way out however the block ends: for a command's one run."""
    engine = create_engine(url, pool_size)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()

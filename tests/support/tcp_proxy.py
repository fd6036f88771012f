"""A TCP proxy that can cut the line: the database going away, for real, under a running app and worker.

Everything between the app (or worker) and PostgreSQL goes through it. `cut()` is a server that has gone
down: open connections are reset and new ones refused. `partition()` is a network that drops packets:
nothing is refused or reset, nothing answers either. `restore()` lets traffic through again on the same
port, as a restarted server or a healed network would.
"""

import asyncio
import contextlib
from collections.abc import Coroutine
from enum import StrEnum
from typing import Any


class Line(StrEnum):
    OPEN = "open"
    CUT = "cut"
    PARTITIONED = "partitioned"


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = 0
        self.line = Line.OPEN
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> "TcpProxy":
        await self._listen()
        return self

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port, reuse_address=True)
        self.port = self._server.sockets[0].getsockname()[1]

    async def cut(self) -> None:
        """The server is gone: every open connection is reset, every new one refused."""
        self.line = Line.CUT
        if self._server is not None:
            self._server.close()
            self._server = None
        self._reset_all()

    def partition(self) -> None:
        """Packets are dropped: connections stay open and new ones are accepted, but nothing gets through."""
        self.line = Line.PARTITIONED

    async def restore(self) -> None:
        if self.line is Line.PARTITIONED:
            # Whatever was stuck in the partition would resume mid-conversation; a healed network
            # leaves such connections dead (their peers gave up long ago), so reset them.
            self._reset_all()
        self.line = Line.OPEN
        if self._server is None:
            await self._listen()

    async def close(self) -> None:
        await self.cut()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def _reset_all(self) -> None:
        for writer in list(self._writers):
            writer.transport.abort()
        self._writers.clear()

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self._writers.add(client_writer)
        if self.line is not Line.OPEN:
            return  # partitioned: accepted, and never answered
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.transport.abort()
            return
        self._writers.add(upstream_writer)
        self._spawn(self._pipe(client_reader, upstream_writer))
        self._spawn(self._pipe(upstream_reader, client_writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.CancelledError):
            while data := await reader.read(65536):
                while self.line is Line.PARTITIONED:
                    await asyncio.sleep(0.05)  # held, as a dropped packet would be, until the line heals
                if writer.transport.is_closing():
                    return
                writer.write(data)
                await writer.drain()
        self._writers.discard(writer)
        if not writer.transport.is_closing():
            writer.close()

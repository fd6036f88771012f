"""The API served over real HTTP on a free loopback port, for a browser: uvicorn in this process's event loop.

A browser cannot use httpx's in-process transport, and a separate uvicorn process would need its own Temporal
client and settings; this runs the very app a test builds (same settings, Temporal client and database) as a
task beside the test, on a socket bound before uvicorn starts so that no other process can take the port.
"""

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import uvicorn
from starlette.types import ASGIApp


def bound() -> socket.socket:
    """A socket on a free loopback port, held so that no other process takes the port."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


@asynccontextmanager
async def serve(app: ASGIApp, sock: socket.socket | None = None) -> AsyncIterator[str]:
    """Serve `app` (its lifespan included) until the block ends; yields the base URL. `sock` is a socket bound
    by the caller (see bound()), for an app that must know its own address before it is served."""
    sock = sock or bound()
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, lifespan="on", log_level="warning", access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()  # raises whatever stopped it
                raise RuntimeError("uvicorn stopped before it started serving")
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()

"""The processes a benchmark runs against, started as they are deployed and stopped afterwards.

Each part is its own operating-system process (the Temporal dev server, `worker.py`, the API under
uvicorn) on free loopback ports, so the figures include the real network hops and a worker's memory
can be read from outside. Output goes to log files in the run's temporary directory, shown if a part
fails to come up.
"""

import asyncio
import contextlib
import os
import random
import signal
import socket
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from cli import search_attributes as search_attributes_cli

ROOT = Path(__file__).resolve().parents[1]
BIN = ROOT / ".venv" / "bin"
STARTUP_SECONDS = 60
# Above the ports of the services this machine runs (PostgreSQL, Redis, RabbitMQ, Temporal's defaults).
PRIVATE_PORTS_FROM = 20_000
EPHEMERAL_RANGE = Path("/proc/sys/net/ipv4/ip_local_port_range")  # Linux's; elsewhere the kernel chooses
_chosen: set[int] = set()  # ports this process has handed out


def free_port() -> int:
    """A loopback port free now, for a child process to listen on, chosen outside the kernel's ephemeral range.

    The child binds it a moment later. A port from the ephemeral range could be handed meanwhile to any socket
    bound to port 0 or connecting out (a Temporal dev server opens several while it starts), and the child
    would find it taken; outside that range only another explicit choice can take it, and this process never
    hands out the same port twice. Where that range is unknown or leaves no room, the kernel chooses."""
    if (span := _private_ports(EPHEMERAL_RANGE)) is not None:
        chooser = random.Random()
        for _ in range(100):
            port = chooser.randrange(*span)
            if port not in _chosen and _bindable(port):
                _chosen.add(port)
                return port
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _private_ports(ephemeral_range: Path) -> tuple[int, int] | None:
    """[start, stop) of the ports above the machine's services and below the ephemeral range, if it holds 1,000."""
    try:
        lowest_ephemeral = int(ephemeral_range.read_text().split()[0])
    except (OSError, ValueError, IndexError):  # not Linux
        return None
    return (PRIVATE_PORTS_FROM, lowest_ephemeral) if lowest_ephemeral - PRIVATE_PORTS_FROM >= 1000 else None


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def dev_server_command(db_file: Path, port: int) -> list[str]:
    """`temporal server start-dev` as `make run` starts it (SQLite file in WAL mode, our search attributes),
    without its UI, on loopback. The same file and port restart it with every workflow and timer."""
    return [
        str(BIN / "temporal"),
        "server",
        "start-dev",
        "--headless",
        "--ip",
        "127.0.0.1",
        "--port",
        str(port),
        "--db-filename",
        str(db_file),
        "--sqlite-pragma",
        "journal_mode=wal",
        "--sqlite-pragma",
        "synchronous=normal",
        "--log-level",
        "error",
        *search_attributes_cli.cli_flags(),
    ]


def rss_bytes(pid: int) -> int:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def cpu_seconds(pid: int) -> float:
    """User and system CPU time a process has used, all its threads together, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def postgres_pids() -> list[int]:
    """The PostgreSQL server's processes on this machine (postmaster and backends), by their command name."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError):
                if (entry / "comm").read_text().strip() == "postgres":
                    pids.append(int(entry.name))
    return pids


class CpuMeter:
    """CPU seconds each part of the stack spends over a stretch of the run, PostgreSQL and this process
    included: where the work of a start goes when everything shares the machine's cores."""

    def __init__(self, parts: dict[str, int]) -> None:
        self.parts = {**parts, "bench_client": os.getpid()}
        # Each PostgreSQL process's CPU when last read: a backend that exits (its connection closed) keeps what it
        # had used, rather than taking it out of the total and making a stretch's PostgreSQL CPU negative.
        self.postgres: dict[int, float] = {}

    def read(self) -> dict[str, float]:
        used = {name: cpu_seconds(pid) for name, pid in self.parts.items()}
        for pid in postgres_pids():
            with contextlib.suppress(OSError):
                self.postgres[pid] = cpu_seconds(pid)
        used["postgresql"] = sum(self.postgres.values())
        return used

    @staticmethod
    def spent(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
        return {name: after[name] - before[name] for name in before}


@dataclass
class Part:
    name: str
    process: asyncio.subprocess.Process
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def check_running(self) -> None:
        if self.process.returncode is not None:
            raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.tail()}")

    async def stop(self, grace: float = 25) -> None:
        if self.process.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), grace)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                self.process.kill()
            await self.process.wait()


class Stack:
    """Starts parts into one directory and stops them in reverse order (clients before the server)."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.parts: list[Part] = []

    def part(self, name: str) -> Part:
        return next(part for part in self.parts if part.name == name)

    async def spawn(self, name: str, *command: str, env: dict[str, str] | None = None) -> Part:
        log = self.workdir / f"{name}.log"
        with log.open("wb") as out:
            process = await asyncio.create_subprocess_exec(
                *command,
                cwd=ROOT,
                stdin=asyncio.subprocess.DEVNULL,
                stdout=out,
                stderr=asyncio.subprocess.STDOUT,
                env={**os.environ, **(env or {})},
            )
        part = Part(name, process, log)
        self.parts.append(part)
        return part

    async def stop(self, part: Part) -> None:
        await part.stop()
        self.parts.remove(part)

    async def close(self) -> None:
        for part in reversed(list(self.parts)):
            await self.stop(part)

    async def temporal_dev_server(self) -> str:
        """The dev server on free ports (`dev_server_command`). Returns the gRPC address."""
        port = free_port()
        command = dev_server_command(self.workdir / "temporal.db", port)
        part = await self.spawn(
            "temporal", *command, "--http-port", str(free_port()), "--metrics-port", str(free_port())
        )
        await wait_for_port(part, port)
        return f"127.0.0.1:{port}"

    async def worker(self, name: str, env: dict[str, str]) -> Part:
        """`python worker.py`: every case workflow and activity."""
        return await self.spawn(name, sys.executable, "worker.py", env=env)

    async def api(self, name: str, env: dict[str, str], probe: str = "/health/ready") -> tuple[Part, str]:
        """The API as deployed (`uvicorn --factory api.main:production_app`); returns its base URL once `probe`
        answers 200: ready (Temporal, the database and a polling worker) unless told otherwise."""
        port = free_port()
        part = await self.spawn(
            name,
            str(BIN / "uvicorn"),
            "--factory",
            "api.main:production_app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + STARTUP_SECONDS
        async with httpx.AsyncClient(base_url=base) as client:
            while True:
                part.check_running()
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(probe)).status_code == 200:
                        return part, base
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} not ready after {STARTUP_SECONDS} s:\n{part.tail()}")
                await asyncio.sleep(0.2)


async def wait_for_port(part: Part, port: int) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        part.check_running()
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{part.name} not listening on {port} after {STARTUP_SECONDS} s") from None
            await asyncio.sleep(0.1)
        else:
            writer.close()
            return

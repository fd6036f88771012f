"""The project's commands run as ops run them: `python -m MODULE` in a process of its own, from the repository's
root, configured by its environment."""

import asyncio
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from core.config import Settings
from tests.factories import TEST_PAYLOAD_KEYS, TEST_SECRET

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


def command_environment(settings: Settings, temporal_address: str, **more: str) -> dict[str, str]:
    """What a command reads its settings from: this test's database and keys, the Temporal server at
    `temporal_address`, and warnings only in its log (what it prints is what the test reads)."""
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "TEMPORAL_ADDRESS": temporal_address,
        "AUTH_JWT_SECRET": TEST_SECRET,
        "PAYLOAD_KEYS": TEST_PAYLOAD_KEYS,
        "LOG_LEVEL": "WARNING",
        **more,
    }


async def run_command(module: str, *args: str, environment: dict[str, str]) -> Ran:
    """Run a command without blocking the event loop, so that this test's own worker goes on answering it; two
    minutes at most."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        *args,
        cwd=ROOT,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    return Ran(process.returncode or 0, stdout.decode(), stderr.decode())


def run_benchmark(module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """A benchmark, which starts its own servers and makes its own databases: five minutes at most, and it must
    succeed (the end of its log says why not)."""
    run = subprocess.run(
        [sys.executable, "-m", module, *args], cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert run.returncode == 0, run.stderr[-3000:]
    return run

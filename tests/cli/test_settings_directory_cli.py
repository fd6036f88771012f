"""`python -m cli.settings_directory FILE`: the register loaded from the command line, as a manager loads it through
the API, into the same database; a file that is not the register leaves it as it was."""

import asyncio
import json
import os
import sys
from pathlib import Path

from core.config import Settings
from store.db import SessionMaker
from store.models import DirectorySetting
from tests.support.gias import SAMPLE, register_csv, school

ROOT = Path(__file__).resolve().parents[2]


async def run(settings: Settings, *arguments: str) -> tuple[int, str, str]:
    environment = {**os.environ, "DATABASE_URL": settings.database_url}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "cli.settings_directory",
        *arguments,
        cwd=ROOT,
        env=environment,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await process.communicate()
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_the_cli_loads_the_register_and_reports_as_json(
    settings: Settings, sessions: SessionMaker, tmp_path: Path
) -> None:
    status, out, err = await run(settings, str(SAMPLE))
    assert status == 0, err
    report = json.loads(out)
    assert (report["rows"], report["inserted"] + report["updated"], report["skipped"]) == (15, 13, 2)
    async with sessions() as session:
        loaded = await session.get(DirectorySetting, "990002")
    assert loaded is not None and loaded.name == "St Thérèse of Lisieux Catholic Primary School"

    # The same school in UTF-8, said to be so: read as the file says.
    utf8 = tmp_path / "utf8.csv"
    utf8.write_bytes(register_csv(school("981201", "884", "Ysgol Gymraeg")).decode("windows-1252").encode())
    status, out, err = await run(settings, "--encoding", "utf-8", str(utf8))
    assert (status, json.loads(out)["rows"]) == (0, 1), err

    not_register = tmp_path / "plans.csv"
    not_register.write_text("la_code,la_reference\n342,ABC/1\n")
    status, out, err = await run(settings, str(not_register))
    assert (status, out) == (2, "")
    assert err.startswith("plans.csv could not be loaded: the file is not the register's establishment fields CSV")
    assert "ABC/1" not in err
    status, out, err = await run(settings, str(tmp_path / "missing.csv"))
    assert (status, err) == (2, "missing.csv cannot be read: No such file or directory\n")

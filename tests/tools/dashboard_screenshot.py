"""docs/img/dashboard.png: the dashboard page with realistic figures, for docs/dashboard.md.

    .venv/bin/python -m tests.tools.dashboard_screenshot [--out docs/img/dashboard.png]

Everything is real and local: a time-skipping Temporal server and a worker, a SQLite database in a temporary
directory, the API under uvicorn, and Debian's /usr/bin/chromium driven by Playwright, which signs in through
the form as a manager. Three made-up LAs (DEMO1-3) get a year of cases each, driven through the API on past
business dates: plans issued on time and late (some under a reg 13(3) exception), refusals, some taken to
mediation and the Tribunal, assessments waiting for advice, and plans imported with their last review
(some overdue). The same seed gives the same cases; the figures move a little with the day it is run.
"""

import argparse
import asyncio
import random
import tempfile
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import async_playwright
from temporalio.testing import WorkflowEnvironment

import statutory
from api.auth import Role, issue_token
from api.main import create_app
from core.config import Settings
from core.temporal_client import data_converter, run_to_exit
from store.db import create_engine, create_sessionmaker
from store.migrate import upgrade_async
from tests.conftest import BIN, TASK_QUEUE, register_search_attributes
from tests.factories import CHILD_GIVEN, TEST_PAYLOAD_KEYS, TEST_SECRET
from tests.support.dashboard_cases import Officer, born
from tests.support.live_server import serve
from worker import build_worker

CHROMIUM = "/usr/bin/chromium"
OUT = Path(__file__).resolve().parents[2] / "docs" / "img" / "dashboard.png"
# LA code -> share of plans issued within 20 weeks: one doing well, one struggling, one in between.
LAS = {"DEMO1": 0.8, "DEMO2": 0.45, "DEMO3": 0.65}
ADVISERS = ["educational_psychologist", "health", "social_care", "educational"]


async def demo_la(officer: Officer, la: str, on_time: float, today: date, rng: random.Random) -> None:
    """A year of one LA's cases; `on_time` is the share of its plans issued within 20 weeks."""
    # Final plans issued over the last 12 months.
    for _ in range(12):
        received = today - timedelta(weeks=rng.randint(28, 60))
        weeks = rng.randint(15, 19) if rng.random() < on_time else rng.randint(21, 27)
        await officer.open(received, la_code=la)
        await officer.on("decide-to-assess", received + timedelta(weeks=5), assess=True)
        await officer.on("decide-to-issue", received + timedelta(weeks=weeks - 5), issue=True)
        await officer.draft(received + timedelta(weeks=weeks - 4))
        setting = rng.choice(["Mainstream primary school", "Special school"])
        await officer.final(received + timedelta(weeks=weeks), setting_type=setting)
    # One late under the reg 13(3) exception: the child away for 4 weeks during the assessment.
    await officer.issued_late_under_exception(la, today - timedelta(weeks=40), final=23)

    # Refusals to assess; some families go to mediation, then appeal.
    # Received within 16 weeks, so that the duties a refusal ends are not breached as the case opens on a past
    # date (docs/dashboard.md, backdated entries); those taken further recent enough that their route's 2 months
    # have not passed (such a route closes as soon as it starts).
    for n in range(rng.randint(3, 5)):
        received = today - timedelta(weeks=rng.randint(12, 15) if n == 0 else rng.randint(7, 9))
        decided = received + timedelta(weeks=3)
        await officer.open(received, la_code=la)
        await officer.on("decide-to-assess", decided, assess=False, reasons="Needs met by the school.")
        if n == 0:
            continue
        route = await officer.route("refusal_to_assess")
        days = [decided + timedelta(days=d) for d in (5, 10, 17, 18, 20, 24, 30)]
        await officer.redress(route, "adviser-contact", {"on": days[0].isoformat(), "wants_mediation": True})
        if n == 1:
            continue
        await officer.redress(
            route, "mediation-arranged", {"on": days[1].isoformat(), "mediation_on": days[2].isoformat()}
        )
        outcome = rng.choice(["agreement", "partial", "none"])
        await officer.redress(route, "mediation-held", {"on": days[2].isoformat(), "outcome": outcome})
        if outcome == "agreement":
            continue
        await officer.redress(route, "certificate", {"on": days[3].isoformat()})
        appeal = await officer.tribunal(await officer.redress(route, "appeal", {"on": days[4].isoformat()}))
        await officer.redress(appeal, "registered", {"on": days[5].isoformat()})
        ending = rng.choice(["open", "concede", "withdrawn"])
        if ending == "concede":
            await officer.redress(appeal, "concede", {"on": days[6].isoformat(), "orders": ["assess"]})
        elif ending == "withdrawn":
            await officer.redress(appeal, "withdrawn", {"on": days[6].isoformat()})

    # Assessments under way, waiting for advice (6 weeks each, reg 8(1)).
    for _ in range(rng.randint(4, 7)):
        received = today - timedelta(weeks=rng.randint(8, 16))
        await officer.open(received, la_code=la)
        await officer.on("decide-to-assess", received + timedelta(weeks=4), assess=True)
        for adviser in ADVISERS:
            await officer.on("advice-requests", received + timedelta(weeks=5), adviser=adviser)
        for adviser in ADVISERS:
            if rng.random() < 0.6:
                await officer.on("advice-received", received + timedelta(weeks=9), advice_id=adviser)
    # New requests, not yet decided.
    for _ in range(rng.randint(3, 6)):
        await officer.open(today - timedelta(days=rng.randint(1, 35)), la_code=la)

    # Plans made before this system, with their last review: some reviews now overdue (CFA 2014 s.44(1)).
    rows = []
    for n in range(rng.randint(25, 40)):
        issued = statutory.add_months(today, -rng.randint(14, 60))
        last_review = statutory.add_months(today, -rng.randint(1, 11) if rng.random() < 0.9 else -rng.randint(13, 15))
        rows.append(
            {
                "la_code": la,
                "la_reference": f"{la}/{n}",
                "given_name": CHILD_GIVEN,
                "family_name": "Demo",
                "date_of_birth": born(today).isoformat(),
                "plan_issued_on": issued.isoformat(),
                "last_review_on": max(last_review, issued).isoformat(),
            }
        )
    report = await officer.import_plans(rows)
    assert report["imported"] == len(rows), report


async def settle(api: httpx.AsyncClient) -> dict[str, Any]:
    """Plans start and deadlines fire on their own: wait until the figures stop moving."""
    last: dict[str, Any] = {}
    for _ in range(60):
        answer = (await api.get("/dashboard")).json()
        if answer == last:
            return answer
        last = answer
        await asyncio.sleep(2)
    return last


async def main(out: Path, seed: int) -> int:
    with tempfile.TemporaryDirectory() as scratch:
        settings = Settings(
            database_url=f"sqlite+aiosqlite:///{scratch}/dashboard.db",
            temporal_task_queue=TASK_QUEUE,
            auth_jwt_secret=TEST_SECRET,
            payload_keys=TEST_PAYLOAD_KEYS,
        )
        await upgrade_async(settings.database_url)
        engine = create_engine(settings.database_url)
        sessions = create_sessionmaker(engine)
        manager = issue_token(settings, "manager.demo", Role.MANAGER, list(LAS))
        headers = {"Authorization": f"Bearer {manager}"}
        async with await WorkflowEnvironment.start_time_skipping(
            test_server_existing_path=str(BIN / "temporal-test-server"), data_converter=data_converter(settings)
        ) as env:
            await register_search_attributes(env.client)
            app = create_app(settings, temporal=env.client, sessions=sessions, clock=env.get_current_time)
            async with (
                build_worker(env.client, TASK_QUEUE, sessions, settings),
                serve(app) as base,
                # Cases are driven in-process, as the tests drive them (faster than over the socket).
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base, headers=headers) as api,
            ):
                officer = Officer(api, env)
                today = await officer.today()
                for la, on_time in LAS.items():
                    await demo_la(officer, la, on_time, today, random.Random(f"{seed}-{la}"))
                figures = await settle(api)
                async with async_playwright() as playwright:
                    browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--lang=en-GB"])
                    page = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
                    await page.goto(f"{base}/sign-in")
                    await page.get_by_label("Your access token").fill(manager)
                    await page.get_by_role("button", name="Sign in").click()
                    await page.wait_for_url(f"{base}/dashboard/page")
                    out.parent.mkdir(parents=True, exist_ok=True)
                    await page.screenshot(path=out, full_page=True)
                    await browser.close()
        await engine.dispose()
    total = figures["total"]
    print(  # noqa: T201 - the command's report
        f"{out}: {total['open_cases']} open cases, {total['plan_timeliness']['issued']} plans issued "
        f"({total['plan_timeliness']['percent_including_exceptions']}% within 20 weeks), "
        f"{total['breaches']} deadlines missed"
    )
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--seed", type=int, default=6)
    arguments = parser.parse_args()
    run_to_exit(main(arguments.out, arguments.seed))

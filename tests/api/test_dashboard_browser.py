"""The dashboard page as a manager sees it: Chromium (Debian's, driven by Playwright) against the API served over
HTTP, real cases driven through Temporal and the database.

The browser is sent to the sign-in form, signs in by pasting a token, lands on the dashboard, reads the headline
figures, the charts and the tables and finds the numbers GET /dashboard gives (section F's provision among them, from
plans of an LA of their own whose providers were asked about a half term that ended), follows a tile to the lines of
provision still owed, narrows to an LA with no cases (every empty state), and signs out, in Debian's Chromium
(tests/support/chromium.py).
"""

import json
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, expect
from temporalio.testing import WorkflowEnvironment

from api.auth import SESSION_COOKIE, Role
from api.pages.dashboard import AT_RISK_TILE
from core.config import Settings
from tests.conftest import eventually
from tests.factories import CHILD_FAMILY, CHILD_GIVEN, bearer
from tests.support.chromium import signed_out
from tests.support.dashboard_cases import Officer, board, drive, settled
from tests.support.provision import NAMES, OT, SALT, SCHOOL, ProvisionScenario

# LAs of this test's own: test_dashboard.py counts DBA's cases exactly, in the same database. DBE's plans have
# section F monitored (tests/support/provision.py), so that DBC's cases give the figures dashboard_cases.py expects.
LA, EMPTY_LA, PROVISION_LA = "DBC", "DBD", "DBE"


def token(settings: Settings, las: list[str], sub: str) -> str:
    return bearer(settings, Role.MANAGER, las, sub=sub)["Authorization"].removeprefix("Bearer ")


def uk(iso: str) -> str:
    """A date as the page must write it: "3 March 2026"."""
    day = date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"


def number(value: int) -> str:
    return f"{value:,}"


def percent(value: float | None) -> str:
    return "no plans issued" if value is None else f"{value:.1f}%"


def tiles(figures: dict[str, Any]) -> dict[str, str]:
    """The headline figures the page must show, from the JSON."""
    t = figures["plan_timeliness"]
    return {
        "Open cases": number(figures["open_cases"]),
        "Plans issued within 20 weeks (exceptions counted as late)": percent(t["percent_including_exceptions"]),
        "Plans issued within 20 weeks (exception cases left out)": percent(t["percent_excluding_exceptions"]),
        AT_RISK_TILE: number(figures["at_risk"]),
        "Deadlines missed in the period": number(figures["breaches"]),
        "Advice overdue now": number(figures["advice_overdue"]),
        "Annual reviews overdue now": number(figures["annual_reviews_overdue"]),
        "Mediations held in the period": number(figures["mediation"]["held"]),
        "Appeals lodged in the period": number(figures["appeals"]["lodged"]),
        "Provision short, still owed": number(figures["provision"]["short_owed"]),
        "Provision not confirmed": number(figures["provision"]["unconfirmed"]),
    }


async def shown_tiles(page: Page) -> dict[str, str]:
    shown = {}
    for tile in await page.locator(".tile").all():
        await expect(tile).to_be_visible()
        shown[await tile.locator("dt").inner_text()] = await tile.locator("dd").inner_text()
    return shown


async def bars(chart: Locator) -> dict[str, str]:
    """Each bar's full label (its tooltip) and the value printed beside it, which must be on screen."""
    await expect(chart).to_be_visible()
    found = {}
    for bar in await chart.locator("g.bar").all():
        label = (await bar.locator("title").text_content() or "").rsplit(": ", 1)[0]
        value = bar.locator("text").nth(1)
        await expect(value).to_be_visible()
        found[label] = await value.text_content() or ""
    return found


async def table(page: Page, caption: str) -> list[list[str]]:
    rows = page.locator("table", has=page.locator("caption", has_text=caption)).locator("tbody tr")
    await expect(rows.first).to_be_visible()
    return [[cell.strip() for cell in await row.locator("th, td").all_inner_texts()] for row in await rows.all()]


@pytest.mark.slow
async def test_a_manager_signs_in_reads_the_dashboard_and_signs_out(
    browser: Browser,
    served: str,
    env: WorkflowEnvironment,
    settings: Settings,
    tmp_path: Path,
) -> None:
    base = served
    officer_headers = bearer(settings, Role.MANAGER, [LA, PROVISION_LA], sub="officer.browser")
    async with httpx.AsyncClient(base_url=base, headers=officer_headers) as api:
        # First the provision's half term runs to its end (time skipped), then DBC's cases on dates before today.
        provided = await ProvisionScenario.driven(api, env, PROVISION_LA)
        officer = Officer(api, env)
        today = await officer.today()
        refs = await drive(officer, today, LA)
        manager = token(settings, [LA, EMPTY_LA, PROVISION_LA], "manager.browser")
        headers = {"Authorization": f"Bearer {manager}"}

        async def caught_up() -> dict[str, Any] | None:
            answer = await board(api, headers, la_code=LA)
            provision = (await board(api, headers, la_code=PROVISION_LA))["total"]["provision"]
            return answer if settled(answer["total"]) and provision["not_taken_up"] == 1 else None

        await eventually(caught_up, attempts=400)

        context = await browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
        page = await context.new_page()

        # Not signed in: the page sends the browser to the sign-in form.
        await page.goto(f"{base}/dashboard/page")
        assert page.url == f"{base}/sign-in"
        await expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")

        # A token that is not one is refused on the form, saying why.
        await page.get_by_label("Your access token").fill("not-a-token")
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("alert")).to_contain_text("The token was not accepted")
        assert page.url == f"{base}/sign-in"

        await page.get_by_label("Your access token").fill(manager)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(f"{base}/dashboard/page")
        await expect(page.get_by_role("heading", level=1)).to_have_text("SEND inclusion dashboard")
        await expect(page.locator("header.site")).to_contain_text("Signed in as manager.browser")
        (cookie,) = [c for c in await context.cookies() if c["name"] == SESSION_COOKIE]
        assert (cookie["value"], cookie["httpOnly"], cookie["sameSite"]) == (manager, True, "Strict")

        # The headline figures are the JSON's. A deadline can still fall due between two reads (a case driven
        # on past dates breaches what was due before its next step arrives): read both again until they agree.
        async def agreed() -> dict[str, Any] | None:
            data = await board(api, headers)
            if await shown_tiles(page) == tiles(data["total"]):
                return data
            await page.reload()
            return None

        data = await eventually(agreed)
        total = data["total"]

        # Every chart is an inline SVG image with a name, and its bars carry the JSON's numbers.
        charts = [
            "chart-open-cases",
            "chart-timeliness",
            "chart-breaches",
            "chart-advice",
            "chart-reviews",
            "chart-redress-open",
            "chart-redress-outcomes",
            "chart-provision",
            "chart-provision-owed",
            "chart-by-la",
        ]
        for chart_id in charts:
            chart = page.locator(f"svg#{chart_id}")
            await expect(chart).to_be_visible()
            assert await chart.get_attribute("role") == "img"
            await expect(chart).to_have_accessible_name(await chart.locator("title").first.text_content() or "")
            await expect(chart).to_have_accessible_description(await chart.locator("desc").text_content() or "")

        open_bars = await bars(page.locator("#chart-open-cases"))
        assert sorted(open_bars.values()) == sorted(number(c["count"]) for c in total["open_by_stage"])
        assert await bars(page.locator("#chart-breaches")) == {
            b["label"]: number(b["breached"] + b["excepted"]) for b in total["breaches_by_step"]
        }
        assert await bars(page.locator("#chart-reviews")) == {
            r["label"]: number(r["overdue"]) for r in total["review_steps_overdue"]
        }
        # Bars of nought are left to the table.
        advice = await bars(page.locator("#chart-advice"))
        assert sorted(advice.values()) == sorted(
            number(a["overdue"]) for a in total["advice_by_adviser"] if a["overdue"]
        )
        assert "Appeals struck out" not in await bars(page.locator("#chart-redress-outcomes"))
        outcomes = await bars(page.locator("#chart-redress-outcomes"))
        assert outcomes["Appeals lodged"] == number(total["appeals"]["lodged"])
        assert outcomes["Appeals withdrawn"] == number(total["appeals"]["withdrawn"])
        assert outcomes["Mediation requested"] == number(total["mediation"]["requested"])
        assert outcomes["Mediation held: No agreement"] == number(total["mediation"]["held_by_outcome"]["none"])
        assert await bars(page.locator("#chart-by-la")) == {
            f"LA {la['la_code']}": percent(la["figures"]["plan_timeliness"]["percent_including_exceptions"])
            for la in data["by_la"]
        }

        # Section F's provision: the lines over the half term by how they were accounted for, the shortfalls still owed
        # by provider (named, as a manager may see them; by LA too, as the page has several), and the tables.
        p = total["provision"]
        legend = page.locator("#provision-heading ~ ul.legend")
        for words, count in (
            ("Delivered in full", p["delivered"]),
            ("Not taken up", p["not_taken_up"]),
            ("Short, made good", p["short"] - p["short_owed"]),
            ("Short, still owed", p["short_owed"]),
            ("Not confirmed", p["unconfirmed"]),
        ):
            await expect(legend).to_contain_text(f"{words}: {count}")
        assert (p["lines"], p["short_owed"], p["unconfirmed"]) == (5, 1, 1)
        assert await bars(page.locator("#chart-provision-owed")) == {
            f"{NAMES[SALT]} ({SALT}), LA {PROVISION_LA}": number(1)
        }
        provision_section = page.locator("section", has=page.locator("#provision-heading"))
        await provision_section.get_by_text("Show the figures as a table").click()
        by_kind = await table(page, "Lines of provision by kind")
        assert [row[0] for row in by_kind] == [
            "Speech and language therapy",
            "Occupational therapy",
            "Small group intervention",
            "Teaching assistant",
        ]
        assert by_kind[0][1:] == [number(n) for n in (2, 0, 2, 1, 0, 0)]
        by_provider = await table(page, "Lines of provision by provider")
        assert [row[:3] for row in by_provider] == [
            [f"{NAMES[SALT]} ({SALT}), LA {PROVISION_LA}", "Service", number(2)],
            [f"{NAMES[OT]} ({OT}), LA {PROVISION_LA}", "Therapist", number(1)],
            [f"{NAMES[SCHOOL]} ({SCHOOL}), LA {PROVISION_LA}", "Setting", number(2)],
        ]

        # The 20-week chart's legend and the table under it, opened as a reader would.
        t = total["plan_timeliness"]
        legend = page.locator("#timeliness-heading ~ ul.legend")
        await expect(legend).to_contain_text(f"Within 20 weeks: {t['within_20_weeks']}")
        await expect(legend).to_contain_text(f"Later, under an exception: {t['late_with_exception']}")
        await expect(legend).to_contain_text(f"Later, no exception: {t['late_without_exception']}")
        section = page.locator("section", has=page.locator("#timeliness-heading"))
        await section.get_by_text("Show the figures as a table").click()
        assert await table(page, "Final EHC plans issued in the period") == [
            ["Plans issued", number(t["issued"])],
            ["Within 20 weeks", number(t["within_20_weeks"])],
            ["Later than 20 weeks, under an exception", number(t["late_with_exception"])],
            ["Later than 20 weeks, no exception", number(t["late_without_exception"])],
            ["Within 20 weeks, exceptions counted as late", percent(t["percent_including_exceptions"])],
            ["Within 20 weeks, exception cases left out", percent(t["percent_excluding_exceptions"])],
        ]
        by_la = await table(page, "Figures by local authority")
        assert [(row[0], row[1], row[2]) for row in by_la] == [
            (la["la_code"], number(la["figures"]["open_cases"]), number(la["figures"]["plan_timeliness"]["issued"]))
            for la in data["by_la"]
        ]
        await page.screenshot(path=tmp_path / "dashboard.png", full_page=True)

        # Each tile's number is the sum its panel shows.
        shown = await shown_tiles(page)
        panels = {
            "Open cases": await bars(page.locator("#chart-open-cases")),
            "Deadlines missed in the period": await bars(page.locator("#chart-breaches")),
            "Advice overdue now": await bars(page.locator("#chart-advice")),
            "Annual reviews overdue now": await bars(page.locator("#chart-reviews")),
            "Mediations held in the period": {k: v for k, v in outcomes.items() if k.startswith("Mediation held: ")},
            "Appeals lodged in the period": {"Appeals lodged": outcomes["Appeals lodged"]},
            "Provision short, still owed": await bars(page.locator("#chart-provision-owed")),
        }
        for tile, panel in panels.items():
            assert shown[tile] == number(sum(int(v.replace(",", "")) for v in panel.values())), tile
        assert shown["Plans issued within 20 weeks (exceptions counted as late)"] == percent(
            t["percent_including_exceptions"]
        )

        # Dates read the British way: no YYYY-MM-DD anywhere on the page, the period in words.
        text = await page.locator("main").inner_text()
        assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
        period = data["period"]
        await expect(page.locator(".lede")).to_contain_text(f"from {uk(period['start'])} to {uk(period['end'])}")
        await expect(page.get_by_role("group", name="From").get_by_label("Day")).to_have_value(
            str(int(period["start"][8:]))
        )

        # The duties at risk are a forecast, not cases counted: the tile leads to the work queue by risk, as many.
        at_risk = int(shown[AT_RISK_TILE].replace(",", ""))
        assert at_risk >= 1  # the assessing case's advice, overdue: expected no earlier than today
        await page.get_by_role("link", name=AT_RISK_TILE).click()
        await page.wait_for_url(f"{base}/forecast?at_risk=true")
        queue = json.loads(await page.locator("pre").first.inner_text())
        assert queue["at_risk"] == at_risk == len(queue["items"])
        assert all(item["at_risk"] and item["days_late"] > 0 for item in queue["items"])
        assert refs["assessing"] in {item["case_ref"] for item in queue["items"]}
        await page.go_back()

        # A tile is a link to exactly the cases it counts: the advice overdue is the assessing case's.
        await page.get_by_role("link", name="Advice overdue now").click()
        await page.wait_for_url(f"{base}/dashboard/cases/page?figure=advice_overdue*")
        await expect(page.get_by_role("heading", level=1)).to_have_text("Advice overdue now")
        await expect(page.locator(".count strong")).to_have_text(shown["Advice overdue now"])
        rows = await table(page, "Advice overdue now")
        asked = today - timedelta(weeks=8)
        assert [(row[0], row[1], row[6]) for row in rows] == [
            (refs["assessing"], f"{CHILD_GIVEN} {CHILD_FAMILY}", uk((asked + timedelta(weeks=6)).isoformat()))
        ]
        assert not re.search(r"\d{4}-\d{2}-\d{2}", await page.locator("main").inner_text())
        # A bar is a link too: the plans issued later than 20 weeks with no exception.
        await page.get_by_role("link", name="Back to the dashboard").click()
        await page.locator("#chart-timeliness a").last.click()
        await expect(page.get_by_role("heading", level=1)).to_have_text(
            "Final plans issued later than 20 weeks, no exception"
        )
        assert [row[0] for row in await table(page, "no exception")] == [refs["late"]]
        await page.get_by_role("link", name="Back to the dashboard").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("SEND inclusion dashboard")
        # The shortfall still owed: the line, its period and what the LA must do, as the work queue says it.
        await page.get_by_role("link", name="Provision short, still owed").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Lines of provision short, still owed")
        [owed] = await table(page, "Lines of provision short, still owed")
        assert (owed[0], owed[2], owed[5], owed[6], owed[7]) == (
            provided.a,
            PROVISION_LA,
            f"Secure the provision in line F1 of section F for {provided.period} (shortfall of provider {SALT}: make "
            "it good), "
            f"by {uk(provided.end.isoformat())}",
            uk(provided.end.isoformat()),
            "Short: the LA's breach",
        )
        await page.get_by_role("link", name="Back to the dashboard").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("SEND inclusion dashboard")

        # Narrowed to the LA with no cases: every figure nought, each chart says there is nothing to show.
        await page.get_by_label("Local authority", exact=True).select_option(EMPTY_LA)
        await page.get_by_role("button", name="Show figures").click()
        await page.wait_for_url(f"{base}/dashboard/page?*la_code={EMPTY_LA}*")
        empty = await board(api, headers, la_code=EMPTY_LA)
        assert empty["la_codes"] == [EMPTY_LA]
        assert await shown_tiles(page) == tiles(empty["total"])
        await expect(page.locator("svg[role=img]")).to_have_count(0)
        for chart_id in charts[:-1]:
            await expect(page.locator(f"#{chart_id}")).to_have_text(re.compile(r": none\.$"))
        await expect(page.locator("#chart-by-la")).to_have_count(0)
        await page.screenshot(path=tmp_path / "dashboard-empty.png", full_page=True)

        # Signing out forgets the token: back to the form, and the dashboard sends the browser there again.
        await signed_out(page, context, f"{base}/sign-in", f"{base}/dashboard/page")
        await context.close()

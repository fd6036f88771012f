"""What every portal page is held to in a browser: no axe-core violation at WCAG 2.2 AA, no sideways scrolling,
GOV.UK Frontend's styles applied (served by the app itself); and a screenshot of it, for the reader of a failure."""

import re
from pathlib import Path

from axe_playwright_python.async_playwright import Axe
from playwright.async_api import Page, ViewportSize, expect

# axe-core's rules for WCAG 2.0, 2.1 and 2.2 at levels A and AA.
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
PHONE: ViewportSize = {"width": 375, "height": 812}
DESKTOP: ViewportSize = {"width": 1280, "height": 900}
AXE = Axe()


async def check(page: Page, shots: Path, name: str) -> None:
    results = await AXE.run(
        page, options={"runOnly": {"type": "tag", "values": WCAG_22_AA}, "resultTypes": ["violations"]}
    )
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"
    widths = await page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert widths[0] <= widths[1], f"{name} scrolls sideways at {widths[1]} px: {widths}"
    await expect(page.locator(".govuk-phase-banner__content")).to_have_css("font-family", re.compile("GDS Transport"))
    await page.screenshot(path=shots / f"{name}.png", full_page=True)

"""`python -m cli.rules`: docs/rules.md is the page the command writes, and the page carries every rule of every
rule set with its reference, so a limit changed in statutory/ fails here until the page is written again."""

import re
import subprocess
import sys
from pathlib import Path

import statutory
from cli import rules

ROOT = Path(__file__).resolve().parents[2]


def test_docs_rules_is_what_the_command_writes() -> None:
    written = subprocess.run(
        [sys.executable, "-m", "cli.rules"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    assert written == rules.page()
    assert (ROOT / "docs" / "rules.md").read_text() == written, "run: python -m cli.rules > docs/rules.md"


def test_every_rule_is_on_the_page_with_its_reference() -> None:
    page = rules.page()
    for policy in statutory.POLICIES.values():
        for rule in policy.values():
            assert f"| `{rule.id}` |" in page, rule.id
            assert rule.reference in page, rule.id


def test_lengths_read_as_the_law_says_them() -> None:
    page = rules.page()
    assert "| `assessment.final_plan` | [20 weeks](law.md#weeks) | SEND Regs 2014 reg 13(2) |" in page
    assert "| `mediation.rcb_notify` | [1 week](law.md#weeks) |" in page
    assert "[15 days beginning with the start](law.md#days-beginning-with)" in page
    assert "[15 February of the next calendar year](law.md#fixed-dates)" in page
    assert (
        "[2 months, moved out of August and 25 Dec-1 Jan (HESC r.12)](law.md#the-tribunals-august-and-christmas)"
        in page
    )


def test_every_section_of_the_law_the_page_links_to_is_there() -> None:
    """Each unit links to the section of docs/law.md that says how it counts: one renamed there fails here."""
    headings = re.findall(r"^#+ (.+)$", (ROOT / "docs" / "law.md").read_text(), flags=re.MULTILINE)
    sections = {re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-") for heading in headings}
    linked = set(re.findall(r"\(law\.md#([\w-]+)\)", rules.page()))
    assert linked and linked <= sections, sorted(linked - sections)

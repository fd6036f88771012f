"""`python -m cli.rules > docs/rules.md`: every time limit of every rule set, as statutory/ keeps it.

Each rule with its length, how it is counted, its legal reference and the statutory exceptions that can
disapply it. Written from `statutory/` itself, which is the law as the engine applies it, so the page can never
cite a limit the code does not keep; tests/cli/test_rules.py fails when it is out of date."""

import argparse
import calendar
from collections.abc import Mapping

from statutory import DEFAULT_POLICY, EXCEPTION_REFERENCES, MINIMUM_DAYS, POLICIES, Rule, Unit
from statutory.redress import redress_rules

TRIBUNAL = "the-tribunals-august-and-christmas"
# How each unit reads after a length of one and of more, and the section of docs/law.md that says how it counts.
UNIT_WORDS: Mapping[Unit, tuple[str, str, str]] = {
    Unit.WEEKS: ("week", "weeks", "weeks"),
    Unit.MONTHS: ("month", "months", "months"),
    Unit.DAYS: ("day", "days", "days"),
    Unit.DAYS_BEGINNING_WITH: ("day", "days beginning with the start", "days-beginning-with"),
    Unit.WORKING_DAYS: ("working day", "working days", "working-days"),
    Unit.TRIBUNAL_DAYS: ("day", "days, August and 25 Dec-1 Jan not counted", TRIBUNAL),
    Unit.TRIBUNAL_WORKING_DAYS: ("working day", "working days, August and 25 Dec-1 Jan not counted", TRIBUNAL),
    Unit.FIXED_DATE: ("", "", "fixed-dates"),
}


def cell(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return text.replace("|", "\\|")


def length(rule: Rule) -> str:
    one, many, anchor = UNIT_WORDS[rule.unit]
    if rule.unit is Unit.FIXED_DATE:
        assert rule.fixed_month is not None  # a fixed-date rule has its day (Rule.__post_init__)
        said = f"{rule.fixed_day} {calendar.month_name[rule.fixed_month]} of the next calendar year"
    else:
        said = f"{rule.length} {one if rule.length == 1 else many}"
    if rule.tribunal_rule_12:
        said, anchor = f"{said}, moved out of August and 25 Dec-1 Jan (HESC r.12)", TRIBUNAL
    return f"[{said}](law.md#{anchor})"


def rule_rows(rules: Mapping[str, Rule]) -> list[str]:
    lines = ["| rule | length | legal reference | what | exceptions |", "| --- | --- | --- | --- | --- |"]
    lines += [
        f"| `{rule.id}` | {length(rule)} | {cell(rule.reference)} | {cell(rule.description)} | "
        f"{', '.join(f'`{code}`' for code in rule.exceptions)} |"
        for rule in rules.values()
    ]
    return lines


def before_an_appeal(policy: str) -> str:
    """What the rule set asks of a family before an appeal to the Tribunal: the part of a policy that is not a
    time limit."""
    redress = redress_rules(policy)
    declining = "still gets" if redress.certificate_on_declining else "does not get"
    settings = "needs none" if redress.settings_only_exempt else "needs one too"
    return (
        f"A family that declines mediation {declining} a mediation certificate, which an appeal needs; an appeal only"
        f" about the school or institution named in the plan {settings} (`statutory/redress.py`)."
    )


def page() -> str:
    today = POLICIES[DEFAULT_POLICY]
    lines = [
        "# The rule table",
        "",
        "Every time limit the engine keeps, as `statutory/policies.py` holds it: the rule's id (the `step` of every",
        "deadline in the API, the read model and the Temporal UI), its length and how it is counted",
        "([docs/law.md](law.md) says how each unit counts, and from which law), its legal reference, what must be",
        "done, and the statutory exceptions that can disapply it. Whether a date is the LA's duty, another party's",
        "window or a planning target is decided by the workflow that opens it, and for some rules by the case",
        "(reg 10(1)'s 16 weeks are a target until the LA decides not to issue): [docs/legal-time.md](legal-time.md).",
        "Written by `python -m cli.rules > docs/rules.md` from `statutory/`.",
        "",
        f"## `{DEFAULT_POLICY}` (today's law)",
        "",
        before_an_appeal(DEFAULT_POLICY),
        "",
        *rule_rows(today),
    ]
    for policy, rules in POLICIES.items():
        if policy == DEFAULT_POLICY:
            continue
        changed = {rule_id: rule for rule_id, rule in rules.items() if today.get(rule_id) != rule}
        lines += ["", f"## `{policy}`", "", before_an_appeal(policy), ""]
        if changed:
            lines += [f"Every rule not listed here is `{DEFAULT_POLICY}`'s.", "", *rule_rows(changed)]
        else:
            lines.append(f"Every rule is `{DEFAULT_POLICY}`'s.")
    lines += [
        "",
        "## Statutory exceptions",
        "",
        "An exception does not move a due date: the limit stops applying, and a duty missed under one is `excepted`,",
        "not `breached`.",
        "",
        "| code | legal reference | lasting at least |",
        "| --- | --- | --- |",
    ]
    lines += [
        f"| `{code}` | {cell(reference)} | {f'{MINIMUM_DAYS[code]} days' if code in MINIMUM_DAYS else ''} |"
        for code, reference in EXCEPTION_REFERENCES.items()
    ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    argparse.ArgumentParser(prog="python -m cli.rules", description=__doc__.splitlines()[0]).parse_args()
    print(page(), end="")  # noqa: T201 - the command's answer is the page

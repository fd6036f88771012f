"""The forecast's back-test (docs/forecast.md): how far, in days, the expected date of the final plan fell from the
day it was issued, forecast at 6, 12 and 16 weeks into each assessment from what was known then.

    .venv/bin/python -m bench.forecast_backtest                          # generated histories only
    .venv/bin/python -m bench.forecast_backtest --database-url URL       # and the closed cases of a run's database
    .venv/bin/python -m bench.forecast_backtest ... --docs docs/forecast.md   # and write the figures into the doc

(a) Generated histories with known step durations: LAs whose steps take set medians, each case's durations drawn
around them. (b) The assessments of a database that ended in a final plan (after `make run`, or a database filled
by bench/generate.py). Either way, for each checkpoint of each assessment whose plan was not yet issued by then,
the case is cut back to what was known on that day (the dates before it), the history is what was done before the
Monday of that week (every case's, as the live forecast reads it), and the model (reports/forecast_model.py) gives
the expected date, compared with the true one. The same figures for the statutory date alone (the final plan
expected on its due date) say what the forecast adds.
"""

import argparse
import asyncio
import json
import math
import random
import statistics
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlmodel import select

from bench.summary import machine_facts
from core.config import Settings
from reports.forecast import fact_of
from reports.forecast_model import FINAL_PLAN, CaseFacts, Fact, History, expect, samples
from store.db import create_engine, create_sessionmaker
from store.models import Case, CaseDeadline

CHECKPOINTS = (6, 12, 16)  # weeks into the assessment
MARK_START, MARK_END = "<!-- backtest:start -->", "<!-- backtest:end -->"


@dataclass(frozen=True)
class Service:
    """An LA's medians, in days: request to decision, advice, last advice to the decision to issue, that to the
    draft, and the draft to the final plan (the family's 15 days and the settings' answers within it)."""

    la_code: str
    cases: int
    decide: int
    advice: int
    to_decision: int
    to_draft: int
    to_final: int


# A quick LA, a slow one (most plans late), a middling one, and one too small for a history of its own.
SERVICES = (
    Service("S01", 500, 28, 35, 10, 10, 20),
    Service("S02", 500, 40, 55, 18, 18, 30),
    Service("S03", 500, 35, 42, 14, 14, 24),
    Service("S04", 8, 30, 45, 14, 14, 25),
)
SPREAD = 0.25  # each duration is the median times e^N(0, SPREAD): about a quarter either way
ADVISERS = (("educational_psychologist", 1.3), ("health", 1.0), ("educational", 0.8))


def _draw(rng: random.Random, median: float) -> int:
    return max(1, round(median * math.exp(rng.gauss(0, SPREAD))))


def generated(seed: int, first: date, years: int = 3) -> list[CaseFacts]:
    """Assessments received over `years` from `first`, each a plan issued after durations drawn around its LA's."""
    rng = random.Random(seed)
    cases = []
    for service in SERVICES:
        for n in range(service.cases * years):
            ref = f"{service.la_code}-{n:08d}"
            received = first + timedelta(days=rng.randrange(365 * years))
            decided = received + timedelta(days=_draw(rng, service.decide))
            asked = decided + timedelta(days=rng.randint(1, 5))
            facts = [_fact(ref, service, "assessment.decide_to_assess", received, 42, decided)]
            answers = []
            for adviser, slower in ADVISERS:
                answered = asked + timedelta(days=_draw(rng, service.advice * slower))
                answers.append(answered)
                facts.append(_fact(ref, service, "assessment.advice", asked, 42, answered, key=adviser))
            to_issue = max(answers) + timedelta(days=_draw(rng, service.to_decision))
            draft = to_issue + timedelta(days=_draw(rng, service.to_draft))
            final = draft + timedelta(days=14 + _draw(rng, service.to_final))
            facts.append(_fact(ref, service, "assessment.notify_no_plan", received, 112, to_issue, kind="target"))
            facts.append(_fact(ref, service, "assessment.draft_comments", draft, 14, None, kind="window"))
            facts.append(_fact(ref, service, FINAL_PLAN, received, 140, final))
            cases.append(CaseFacts(ref, service.la_code, tuple(facts)))
    return cases


def _fact(
    ref: str,
    service: Service,
    step: str,
    start: date,
    days: int,
    done: date | None,
    *,
    key: str = "",
    kind: str = "duty",
) -> Fact:
    due = start + timedelta(days=days)
    status = "open" if done is None else "met" if done <= due else "breached"
    return Fact(ref, f"{step}:{key}" if key else step, service.la_code, step, kind, start, due, status, done)


def as_known_on(case: CaseFacts, day: date) -> list[Fact]:
    """The case's dates as they stood on `day`: only what started before it, and done only if done before it."""
    known = []
    for fact in case.facts:
        if fact.start >= day:
            continue
        if fact.done_on is not None and fact.done_on >= day:
            fact = replace(fact, done_on=None, status="open")
        known.append(fact)
    return known


def back_test(cases: list[CaseFacts], earliest: date) -> dict[str, Any]:
    """The errors (expected minus issued, in days) at each checkpoint of each issued assessment received on or after
    `earliest`, and the same for the statutory due date alone."""
    histories: dict[date, History] = {}
    errors: dict[int, list[int]] = defaultdict(list)
    statutory: dict[int, list[int]] = defaultdict(list)
    flagged: dict[int, list[tuple[bool, bool]]] = defaultdict(list)
    for case in cases:
        final = next((f for f in case.facts if f.step == FINAL_PLAN and f.done_on is not None), None)
        if final is None or not case.issued or final.start < earliest:
            continue
        assert final.done_on is not None
        for weeks in CHECKPOINTS:
            day = final.start + timedelta(weeks=weeks)
            if final.done_on < day:
                continue  # issued already: nothing left to forecast
            monday = day - timedelta(days=day.weekday())
            if monday not in histories:
                histories[monday] = History.from_counts(samples(cases, monday))
            known = as_known_on(case, day)
            duty = next(f for f in known if f.key == final.key)
            expected = expect(duty, known, histories[monday], day).expected_on
            errors[weeks].append((expected - final.done_on).days)
            statutory[weeks].append((max(final.due, day) - final.done_on).days)
            flagged[weeks].append((expected > final.due, final.done_on > final.due))
    return {
        f"{weeks} weeks": {
            "cases": len(errors[weeks]),
            "forecast": _summary(errors[weeks]),
            "statutory_date_alone": _summary(statutory[weeks]),
            "at_risk": _classification(flagged[weeks]),
        }
        for weeks in CHECKPOINTS
    }


def _summary(errors: list[int]) -> dict[str, float | None]:
    if not errors:
        return {"mean_absolute": None, "median_absolute": None, "p90_absolute": None, "mean_signed": None}
    absolute = sorted(abs(e) for e in errors)
    return {
        "mean_absolute": round(statistics.fmean(absolute), 1),
        "median_absolute": float(absolute[math.ceil(0.5 * len(absolute)) - 1]),
        "p90_absolute": float(absolute[math.ceil(0.9 * len(absolute)) - 1]),
        "mean_signed": round(statistics.fmean(errors), 1),
    }


def _classification(pairs: list[tuple[bool, bool]]) -> dict[str, float | None]:
    """Of the plans flagged at risk, how many were late (precision); of the late, how many were flagged (recall)."""
    flagged = [late for at_risk, late in pairs if at_risk]
    late = [at_risk for at_risk, was_late in pairs if was_late]
    return {
        "precision": round(sum(flagged) / len(flagged), 2) if flagged else None,
        "recall": round(sum(late) / len(late), 2) if late else None,
    }


async def run_cases(database_url: str) -> list[CaseFacts]:
    """Every case of a run's database, with its dates (a back-test reads them all once)."""
    engine = create_engine(Settings.use_async_driver(database_url))
    try:
        async with create_sessionmaker(engine)() as session:
            rows = (await session.exec(select(CaseDeadline))).all()
            kinds = {c.case_ref: c for c in (await session.exec(select(Case))).all()}
    finally:
        await engine.dispose()
    facts: dict[str, list[Fact]] = defaultdict(list)
    for row in rows:
        facts[row.case_ref].append(fact_of(row))
    return [
        CaseFacts(ref, case.la_code, tuple(found), issued=case.process == "plan" or case.stage == "final_issued")
        for ref, found in facts.items()
        for case in [kinds[ref]]
    ]


def table(results: dict[str, Any]) -> str:
    lines = [
        "| checkpoint | assessments | mean abs. error | median abs. | p90 abs. | mean signed | statutory date alone: "
        "mean abs. / p90 | at risk: precision / recall |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for checkpoint, r in results.items():
        f, s, a = r["forecast"], r["statutory_date_alone"], r["at_risk"]
        lines.append(
            f"| {checkpoint} | {r['cases']:,} | {_n(f['mean_absolute'])} | {_n(f['median_absolute'])} | "
            f"{_n(f['p90_absolute'])} | {_n(f['mean_signed'])} | {_n(s['mean_absolute'])} / {_n(s['p90_absolute'])} | "
            f"{_n(a['precision'])} / {_n(a['recall'])} |"
        )
    return "\n".join(lines)


def _n(value: float | None) -> str:
    return "none" if value is None else f"{value:g}"


def write_docs(path: Path, summary: dict[str, Any]) -> None:
    """Replace the doc's results between its two markers with this run's."""
    machine = summary["machine"]
    parts = [
        MARK_START,
        f"Run {machine['date']} on {machine['cpu_model']} ({machine['cores']} cores, {machine['ram_gib']} GiB), "
        f"Python {machine['python']}: `python -m bench.forecast_backtest {summary['arguments']}`. Errors in days, "
        "expected minus actual issue date (a positive mean signed error: later than it came).",
        "",
        f"**(a) Generated histories** (seed {summary['seed']}; {summary['generated']['cases']:,} assessments in "
        f"{len(SERVICES)} LAs over 3 years, the checkpoints of those received after the first year):",
        "",
        table(summary["generated"]["results"]),
    ]
    if "run" in summary:
        parts += [
            "",
            f"**(b) A run's database** ({summary['run']['source']}; {summary['run']['cases']:,} cases, the checkpoints "
            "of every assessment that ended in a final plan):",
            "",
            table(summary["run"]["results"]),
        ]
    parts.append(MARK_END)
    text = path.read_text()
    head, _, rest = text.partition(MARK_START)
    _, _, tail = rest.partition(MARK_END)
    path.write_text(head + "\n".join(parts) + tail)


def main(argv: Iterable[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", help="also back-test the closed cases of this database (a run's)")
    parser.add_argument("--source", default="", help="what the database is, in words, for the doc")
    parser.add_argument("--docs", type=Path, help="write the figures into this doc, between its backtest markers")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here too")
    args = parser.parse_args(list(argv) if argv is not None else None)
    first = date(2024, 1, 1)
    cases = generated(args.seed, first)
    shown = "--database-url <URL>" if args.database_url else ""
    summary: dict[str, Any] = {
        "machine": machine_facts(),
        "seed": args.seed,
        "arguments": shown,
        "generated": {"cases": len(cases), "results": back_test(cases, first + timedelta(days=365))},
    }
    if args.database_url:
        run = asyncio.run(run_cases(args.database_url))
        summary["run"] = {
            "source": args.source or "a run's database",
            "cases": len(run),
            "results": back_test(run, date.min),
        }
    text = json.dumps(summary, indent=2, default=str)
    if args.out:
        args.out.write_text(text + "\n")
    if args.docs:
        write_docs(args.docs, summary)
    print(text)  # noqa: T201 - the tool's output


if __name__ == "__main__":
    main()

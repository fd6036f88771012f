"""A national-scale read model, generated: case rows with their deadlines, as the workflows write them.

    .venv/bin/python -m bench.generate postgresql://postgres@127.0.0.1:5432/DB --rows 1000000

fills a migrated, empty PostgreSQL database with `--rows` case rows across 153 local authorities of
very different sizes (as England's are: the largest holds forty times the smallest's plans), each
with its officers and teams, and every case with the deadlines its stage has: open plans with this
cycle's review and the met reviews before it, assessments at each stage with their advice requests,
some closed, some overdue and so breached, a few unassigned. Rows go in by COPY, a chunk at a time,
then the tables are vacuumed and analysed, as autovacuum does after a real load (index-only reads
need the visibility map a vacuum sets; a table never vacuumed sends every one of them to the heap).
No personal data is generated: the read model holds none.
"""

import argparse
import asyncio
import random
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, NamedTuple

import asyncpg

from store.models import Case

LA_COUNT = 153
CASES_PER_OFFICER = 250
TEAMS = ("north", "south", "east", "west", "post-16")
ADVISERS = ("educational", "educational_psychologist", "health", "social_care")
CHUNK = 20_000

# The `cases` table's columns in store/models.py's order: each generated case record gives its values in it.
CASE_COLUMNS = tuple(Case.model_fields)


class Deadline(NamedTuple):
    """A `case_deadlines` row, its fields in the table's column order for COPY."""

    case_ref: str
    key: str
    la_code: str
    step: str
    kind: str
    start: date
    due: date
    status: str
    done_on: date | None
    exception_code: str | None


DEADLINE_COLUMNS = Deadline._fields

# What share of the read model is at which point of its life: most rows are plans between reviews.
SHAPES = (
    (0.62, "plan", "maintained"),
    (0.08, "plan", "review_scheduled"),
    (0.05, "plan", "review_held"),
    (0.04, "assessment", "request_received"),
    (0.06, "assessment", "assessing"),
    (0.03, "assessment", "drafting"),
    (0.02, "assessment", "draft_issued"),
    (0.04, "assessment", "final_issued"),
    (0.03, "assessment", "refused_to_assess"),
    (0.03, "plan", "ceased"),
)
CLOSED_STAGES = {"final_issued", "refused_to_assess", "ceased"}


@dataclass(frozen=True)
class Authority:
    code: str
    officers: tuple[str, ...]


def authorities(rows: int, rng: random.Random) -> tuple[list[Authority], list[float]]:
    """153 LAs, sized like England's (a long tail), each with one officer per ~250 cases."""
    codes = sorted(rng.sample(range(201, 939), LA_COUNT))
    weights = [rng.lognormvariate(0, 0.8) for _ in codes]
    total = sum(weights)
    las = []
    for code, weight in zip(codes, weights, strict=True):
        officers = max(1, round(rows * weight / total / CASES_PER_OFFICER))
        las.append(Authority(str(code), tuple(f"officer{n}.{code}@la.example.gov.uk" for n in range(officers))))
    return las, weights


def _deadline(ref: str, key: str, step: str, start: date, due: date, today: date, done: date | None = None) -> Deadline:
    kind = "window" if step == "assessment.draft_comments" else "duty"
    if kind == "window":  # the family's time: used or lapsed, never breached (docs/legal-time.md)
        status = "used" if done is not None and done <= due else "lapsed" if done or due < today else "open"
    elif done is not None:
        status = "met" if done <= due else "breached"
    else:
        status = "breached" if kind == "duty" and due < today else "open"
    return Deadline(ref, key, ref.split("-")[0], step, kind, start, due, status, done, None)


def _assessment_deadlines(ref: str, stage: str, received: date, today: date, rng: random.Random) -> list[Deadline]:
    decide_due, final_due = received + timedelta(weeks=6), received + timedelta(weeks=20)
    closed = stage in CLOSED_STAGES
    if stage == "request_received":
        return [
            _deadline(ref, "assessment.decide_to_assess", "assessment.decide_to_assess", received, decide_due, today),
            _deadline(ref, "assessment.final_plan", "assessment.final_plan", received, final_due, today),
        ]
    decided = min(received + timedelta(days=rng.randint(20, 50)), today)
    rows = [
        _deadline(
            ref, "assessment.decide_to_assess", "assessment.decide_to_assess", received, decide_due, today, decided
        )
    ]
    if stage == "refused_to_assess":
        return rows
    for adviser in ADVISERS:
        due = decided + timedelta(weeks=6)
        answered = decided + timedelta(days=rng.randint(20, 60))
        done = answered if closed or stage != "assessing" or answered <= today else None
        key = f"assessment.advice:{adviser}"
        rows.append(_deadline(ref, key, "assessment.advice", decided, due, today, done and min(done, today)))
    if stage in ("draft_issued", "final_issued"):
        served = min(decided + timedelta(weeks=rng.randint(8, 10)), today)
        window_done = served + timedelta(days=15) if closed else None
        rows.append(
            _deadline(
                ref,
                "assessment.draft_comments",
                "assessment.draft_comments",
                served,
                served + timedelta(days=15),
                today,
                window_done,
            )
        )
    issued = min(received + timedelta(weeks=rng.randint(16, 24)), today) if closed else None
    rows.append(_deadline(ref, "assessment.final_plan", "assessment.final_plan", received, final_due, today, issued))
    return rows


def _plan_deadlines(ref: str, stage: str, issued: date, today: date, rng: random.Random) -> list[Deadline]:
    cycles = max(1, (today - issued).days // 365 + 1)
    rows = []
    for cycle in range(max(1, cycles - 3), cycles + 1):
        start = issued + timedelta(days=365 * (cycle - 1))
        due = start + timedelta(days=365)
        current = cycle == cycles and stage != "ceased"
        done = None if current else due - timedelta(days=rng.randint(-20, 40))
        rows.append(_deadline(ref, f"review.annual@c{cycle}", "review.annual", start, due, today, done))
        if current and stage == "review_held":
            held = min(due - timedelta(days=rng.randint(0, 30)), today)
            rows.append(
                _deadline(ref, f"review.report@c{cycle}", "review.report", held, held + timedelta(weeks=2), today)
            )
            rows.append(
                _deadline(ref, f"review.decision@c{cycle}", "review.decision", held, held + timedelta(weeks=4), today)
            )
    return rows


def generate(
    rows: int, today: date, seed: int = 20, only: Authority | None = None
) -> Iterator[tuple[list[tuple], list[Deadline]]]:
    """Chunks of (case rows, deadline rows), `CHUNK` cases at a time: across the 153 LAs, or all of `only`'s."""
    rng = random.Random(seed)
    las, weights = authorities(rows, rng) if only is None else ([only], [1.0])
    shares, shapes = [s[0] for s in SHAPES], [s[1:] for s in SHAPES]
    now = datetime.now(UTC)
    cases: list[tuple] = []
    deadlines: list[Deadline] = []
    for n in range(rows):
        la = rng.choices(las, weights)[0]
        process, stage = rng.choices(shapes, shares)[0]
        ref = f"{la.code}-G{n:07d}"
        if process == "plan":
            received = today - timedelta(days=rng.randint(200, 3650))
            issued = received + timedelta(weeks=rng.randint(14, 30))
            own = _plan_deadlines(ref, stage, issued, today, rng)
        else:
            back = 1000 if stage in CLOSED_STAGES else 170
            received = today - timedelta(days=rng.randint(1, back))
            own = _assessment_deadlines(ref, stage, received, today, rng)
        owed = [d for d in own if d.status in ("open", "breached") and d.done_on is None]
        next_owed = min(owed, key=lambda d: d.due, default=None)
        closed = stage in CLOSED_STAGES
        cases.append(
            (
                ref,
                la.code,
                process,
                stage,
                "send-regs-2014",
                f"{process}-{ref}",
                received,
                rng.choice(("parent", "parent", "school", "young_person", "other")),
                None if rng.random() < 0.05 else rng.choice(la.officers),
                rng.choice(TEAMS),
                closed,
                stage if closed else None,
                None if closed or next_owed is None else next_owed.step,
                None if closed or next_owed is None else next_owed.due,
                sum(d.status == "breached" for d in own),
                0,
                now,
                now,
                None,  # provision_document_id: no plan here has section F set out as lines
            )
        )
        deadlines.extend(own)
        if len(cases) == CHUNK:
            yield cases, deadlines
            cases, deadlines = [], []
    if cases:
        yield cases, deadlines


async def fill(
    database_url: str, rows: int, today: date | None = None, only: Authority | None = None
) -> dict[str, Any]:
    """COPY the generated rows into a migrated database (across the 153 LAs, or all of `only`'s, beside the cases
    already there); returns what went in and how long it took."""
    started = time.perf_counter()
    connection = await asyncpg.connect(database_url.replace("postgresql+asyncpg://", "postgresql://"))
    case_count = deadline_count = 0
    try:
        for cases, deadlines in generate(rows, today or date.today(), only=only):
            async with connection.transaction():
                await connection.copy_records_to_table("cases", records=cases, columns=CASE_COLUMNS)
                await connection.copy_records_to_table("case_deadlines", records=deadlines, columns=DEADLINE_COLUMNS)
            case_count += len(cases)
            deadline_count += len(deadlines)
        await connection.execute("VACUUM (ANALYZE) cases, case_deadlines")
    finally:
        await connection.close()
    return {
        "cases": case_count,
        "deadlines": deadline_count,
        "local_authorities": LA_COUNT if only is None else 1,
        "seconds": round(time.perf_counter() - started, 1),
    }


def sample_queues(rows: int, seed: int = 20) -> list[Authority]:
    """The LAs and officers `generate` used, for callers that want to ask for their queues."""
    return authorities(rows, random.Random(seed))[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("database_url", help="a migrated PostgreSQL database, e.g. postgresql://postgres@127.0.0.1/x")
    parser.add_argument("--rows", type=int, default=1_000_000, help="case rows (each with its deadlines)")
    args = parser.parse_args()
    print(asyncio.run(fill(args.database_url, args.rows)))  # noqa: T201 - the tool's output


if __name__ == "__main__":
    main()

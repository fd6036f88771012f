"""When each open statutory duty is expected to be met: the pure model behind reports/forecast.py (docs/forecast.md).

A forecast is a planning estimate from the LA's own history, never a statement about the law: a duty expected
after its due date is "at risk", "expected to miss by N days", and is only breached if and when the date passes.

The model, kept explainable so an officer can check it by hand:
- A step's history is how many days past duties of that step took, start to done (`done_on - start`), from duties
  done before today in the last LOOKBACK_DAYS. The LA's own history is used when it has MIN_SAMPLES of the step;
  else every LA's together; else the statutory timescale (the duty is assumed met on its due date).
- A duty not yet done has already taken `today - start` days, so it is forecast from the past duties that took at
  least as long: their median, added to the start, is the expected date; their middle half (25th to 75th
  percentile, nearest rank) is the likely range. When none of the past took that long, it is expected today.
- The assessment's later duties (the final plan, and the decision whether to issue where that is a duty) are
  forecast from the furthest stage the case has reached: from the draft plan once it is sent (the LA's time from
  draft to final plan); else from the advice, once any is asked for (the advice still outstanding forecast as
  above, late advice included, then the LA's time from the last advice to the step); else from the request.
Everything is derived from the deadline facts alone (start, due, done), so the same code forecasts a case as it
stands and, in the back-test (bench/forecast_backtest.py), as it stood on any past day.
"""

import math
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

# Fewer past duties than this and a step's history is too thin to say what is typical: the next basis is used.
MIN_SAMPLES = 10
# Two years of history: long enough for a year's seasons (summer, Christmas), short enough to follow a service that
# changes (a new team, a backlog cleared).
LOOKBACK_DAYS = 730

FINAL_PLAN = "assessment.final_plan"
DECIDE_TO_ISSUE = "assessment.notify_no_plan"
ADVICE = "assessment.advice"
DRAFT_COMMENTS = "assessment.draft_comments"
# Statuses of a duty that was done (met in time, late, or late under a statutory exception): what history counts.
DONE = frozenset({"met", "breached", "excepted"})
DUTY = "duty"
# The assessment's duties forecast from the stage the case reached, and the stages each may be forecast from.
AFTER_ADVICE = "after_advice"
AFTER_DRAFT = "after_draft"
STAGED = {FINAL_PLAN: (AFTER_DRAFT, AFTER_ADVICE), DECIDE_TO_ISSUE: (AFTER_ADVICE,)}


def leg(step: str, after: str) -> str:
    """The history key of the time from a stage to a step: 'assessment.final_plan|after_advice'."""
    return f"{step}|{after}"


class Basis(StrEnum):
    LA_HISTORY = "la_history"
    NATIONAL_HISTORY = "national_history"
    STATUTORY = "statutory"


@dataclass(frozen=True)
class Fact:
    """One statutory date of a case, as the read model keeps it (store.models.CaseDeadline)."""

    case_ref: str
    key: str
    la_code: str
    step: str
    kind: str
    start: date
    due: date
    status: str
    done_on: date | None = None
    held_until: datetime | None = None

    @property
    def done(self) -> bool:
        return self.done_on is not None and self.status in DONE


@dataclass(frozen=True)
class CaseFacts:
    """A case's dates; `issued` says its assessment ended in a final plan (a plan, or an assessment at
    final_issued), so a final-plan date closed by a refusal or withdrawal is not taken for a plan issued."""

    case_ref: str
    la_code: str
    facts: tuple[Fact, ...]
    issued: bool = True


def samples(cases: Iterable[CaseFacts], as_of: date) -> Counter[tuple[str, str, int]]:
    """How many past duties (and stage-to-step legs) of each LA took each number of days: (la, key, days) -> n.

    Only what was done before `as_of` and within LOOKBACK_DAYS of it. reports/forecast.py counts the same in one
    SQL query (statistics_query); a test holds the two to each other."""
    since = as_of - timedelta(days=LOOKBACK_DAYS)
    counts: Counter[tuple[str, str, int]] = Counter()

    def known(day: date | None) -> bool:
        return day is not None and since <= day < as_of

    for case in cases:
        marks: dict[str, date] = {}
        for fact in case.facts:
            if not fact.done or (fact.step == FINAL_PLAN and not case.issued):
                continue
            assert fact.done_on is not None
            if known(fact.done_on):
                counts[(case.la_code, fact.step, (fact.done_on - fact.start).days)] += 1
            if fact.step == ADVICE:
                marks[ADVICE] = max(marks.get(ADVICE, fact.done_on), fact.done_on)
            elif fact.step in STAGED:
                marks[fact.step] = fact.done_on
        draft = max((f.start for f in case.facts if f.key == DRAFT_COMMENTS), default=None)
        for step, afters in STAGED.items():
            done_on = marks.get(step)
            if not known(done_on):
                continue
            assert done_on is not None
            for after, mark in ((AFTER_ADVICE, marks.get(ADVICE)), (AFTER_DRAFT, draft)):
                if after in afters and mark is not None and mark <= done_on:
                    counts[(case.la_code, leg(step, after), (done_on - mark).days)] += 1
    return counts


@dataclass(frozen=True)
class Durations:
    """The days past duties of a step took, sorted: quantiles by nearest rank (the value at rank ceil(q*n)), so
    every figure is one of the past durations and can be found by hand."""

    days: tuple[int, ...]

    def first_at_least(self, elapsed: int) -> int:
        """Where the durations of `elapsed` days or more begin (the sorted tail is not copied: queues ask often)."""
        return bisect_left(self.days, elapsed)

    def quantile(self, q: float, first: int = 0) -> int:
        """The q-quantile of the durations from index `first` on, by nearest rank."""
        return self.days[first + max(math.ceil(q * (len(self.days) - first)), 1) - 1]

    def __len__(self) -> int:
        return len(self.days)


@dataclass
class History:
    """Every LA's durations per history key, and all LAs' together (the national history)."""

    by_la: dict[tuple[str, str], Durations] = field(default_factory=dict)
    national: dict[str, Durations] = field(default_factory=dict)

    @classmethod
    def from_counts(cls, counts: Mapping[tuple[str, str, int], int] | Iterable[tuple[str, str, int, int]]) -> "History":
        rows = counts.items() if isinstance(counts, Mapping) else (((la, k, d), n) for la, k, d, n in counts)
        per_la: dict[tuple[str, str], list[int]] = defaultdict(list)
        per_key: dict[str, list[int]] = defaultdict(list)
        for (la, key, days), n in rows:
            per_la[(la, key)] += [days] * n
            per_key[key] += [days] * n
        return cls(
            by_la={k: Durations(tuple(sorted(v))) for k, v in per_la.items()},
            national={k: Durations(tuple(sorted(v))) for k, v in per_key.items()},
        )

    def pick(self, la_code: str, key: str) -> tuple[Basis, Durations | None]:
        """The LA's history if it has enough, else the national history if that has, else none (statutory)."""
        own = self.by_la.get((la_code, key))
        if own is not None and len(own) >= MIN_SAMPLES:
            return Basis.LA_HISTORY, own
        national = self.national.get(key)
        if national is not None and len(national) >= MIN_SAMPLES:
            return Basis.NATIONAL_HISTORY, national
        return Basis.STATUTORY, None


@dataclass(frozen=True)
class Expectation:
    """When a duty is expected to be met, the range it is likely to fall in, and what that rests on."""

    expected_on: date
    likely_from: date
    likely_to: date
    basis: Basis
    samples: int = 0
    explanation: str = ""

    def days_late(self, due: date) -> int:
        return (self.expected_on - due).days


def _words(basis: Basis, la_code: str, n: int) -> str:
    return f"{n} past cases in LA {la_code}" if basis is Basis.LA_HISTORY else f"{n} past cases across all LAs"


def _day(day: date) -> str:
    return f"{day.day} {day:%b %Y}"


def _since(anchor: date, words: str, la_code: str, key: str, history: History, today: date) -> Expectation | None:
    """From a day the case reached (its start, the draft sent, the last advice): the median of the past times from
    there to the step, among those at least as long as the time this case has already taken since that day."""
    basis, durations = history.pick(la_code, key)
    if durations is None:
        return None
    elapsed = max((today - anchor).days, 0)
    first = durations.first_at_least(elapsed)
    longer = len(durations) - first
    source = _words(basis, la_code, len(durations))
    if not longer:
        explanation = f"{words}: {elapsed} days since, longer than any of {source}"
        return Expectation(today, today, today, basis, len(durations), explanation)
    median, low, high = (anchor + timedelta(days=durations.quantile(q, first)) for q in (0.5, 0.25, 0.75))
    which = f"{longer} of {source} that took at least {elapsed} days" if elapsed else source
    return Expectation(
        max(median, today),
        max(low, today),
        max(high, today),
        basis,
        len(durations),
        f"{words}: {which} took a median of {(median - anchor).days} days from there "
        f"(half between {(low - anchor).days} and {(high - anchor).days})",
    )


def _statutory(duty: Fact, today: date) -> Expectation:
    expected = max(duty.due, today)
    when = "expected by its due date" if duty.due >= today else "past its due date: expected today at the earliest"
    words = f"fewer than {MIN_SAMPLES} past cases in LA {duty.la_code} or across all LAs: {when}"
    return Expectation(expected, expected, expected, Basis.STATUTORY, 0, words)


def expect(duty: Fact, case: Iterable[Fact], history: History, today: date) -> Expectation:
    """When `duty` (still owed, on an open case whose dates are `case`) is expected to be met, as of `today`."""
    facts = list(case)
    for after in STAGED.get(duty.step, ()):
        reached = _stage_reached(after, facts, history, today)
        if reached is not None and (staged := _since(*reached, duty.la_code, leg(duty.step, after), history, today)):
            return staged
    started = _since(duty.start, f"started {_day(duty.start)}", duty.la_code, duty.step, history, today)
    return started or _statutory(duty, today)


def _stage_reached(after: str, facts: list[Fact], history: History, today: date) -> tuple[date, str] | None:
    """The day the case reached a stage, or is expected to (advice still outstanding), in words; None if not."""
    if after == AFTER_DRAFT:
        draft = max((f.start for f in facts if f.key == DRAFT_COMMENTS), default=None)
        return (draft, f"draft plan sent {_day(draft)}") if draft is not None else None
    advice = [f for f in facts if f.step == ADVICE and f.status != "ended"]
    received = [f.done_on for f in advice if f.done_on is not None]
    outstanding = [f for f in advice if f.done_on is None]
    if not outstanding:
        return (max(received), f"last advice received {_day(max(received))}") if received else None
    arrival, latest = max(((expect(f, facts, history, today).expected_on, f) for f in outstanding), key=_by_date)
    late = (arrival - latest.due).days
    who = latest.key.partition(":")[2].split("@", 1)[0].replace("_", " ") or "advice"
    words = f"advice outstanding, the last ({who}) expected {_day(arrival)}"
    if late > 0:
        words += f", {late} days after its due date"
    return max([arrival, *received]), words


def _by_date(pair: tuple[date, Fact]) -> tuple[date, str]:
    return pair[0], pair[1].key


# Duties with no timescale of their own to forecast against: a shortfall in section F is breached the day it is
# recorded, and owed until made good (docs/provision.md); when it will be made good is the LA's to say, not a step.
NOT_FORECAST = frozenset({"provision.secure"})


def forecastable(fact: Fact) -> bool:
    """Only the LA's duties still owed are forecast: not another party's window, not a planning target, and not a
    shortfall in section F, already breached when recorded."""
    return fact.kind == DUTY and fact.done_on is None and fact.step not in NOT_FORECAST

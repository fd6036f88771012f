"""Restating a record made under the old rules, under the three kinds of date (duty, window, target).

Why: the old rules knew only duties and windows, both with the words open/met/breached/excepted. They
recorded a family's lapsed window as "met" and, where another party's time or a planning date was kept as
a duty, its passing as a breach. A breach is a statement that the law was broken by the LA, so those
records said something untrue. This module says what each such record means under the current rules:

1. A window (the family's 15 days on the draft, reg 13(1)(a) / CFA 2014 s.38(2); an appeal window)
   recorded "met" or "breached" is "used" if it was done by its due date, else "lapsed".
2. Another party's time kept as a duty is a window: the setting's 15 days to answer a consultation
   (Code of Practice 9.83) and the mediation certificate, which is the mediation adviser's to issue
   (SEND Regs 2014 reg 34; regs 35-41 for the deemed certificate). Its status is restated as in 1, and one
   still open with nothing done stays open.
3. The under-5 review every 3 to 6 months is guidance (Code of Practice 9.178): a target, "met" if done
   by its date, "passed" if done later or never, "on_track" while open.
4. Reg 10(1)'s 16 weeks bind only a decision NOT to issue a plan: the deadline stays a duty where the
   case's outcome is "no_plan", and is otherwise a target, restated as in 3.
5. A duty met in time whose breach the clock had recorded before the fact was entered has its breach
   record withdrawn (workflow state only: the read model has no such column).

Nothing else changes: keys, dates and done_on never do. Restating twice changes nothing the second time.
Pure and deterministic (stdlib and workflows.case_state only): it runs inside workflows, in the
`restate_record` update, and in the command `python -m cli.restate` for the read model's rows.
"""

from datetime import date

from workflows.case_state import PENDING, Deadline, DeadlineKind, DeadlineStatus

# Rule 2: the other party's time, kept as a duty by the old rules.
OTHER_PARTY_STEPS = frozenset({"assessment.setting_response", "mediation.certificate", "mediation.deemed_certificate"})
# Rule 3: guidance, not law.
PLANNING_STEPS = frozenset({"review.under_five"})
# Rule 4: a duty only when the LA decided not to issue a plan.
DECIDE_TO_ISSUE = "assessment.notify_no_plan"
NO_PLAN_OUTCOME = "no_plan"

# The words the old rules gave a date that was over, and that a window does not use.
_OLD_WINDOW_ENDS = frozenset({DeadlineStatus.MET, DeadlineStatus.BREACHED, DeadlineStatus.EXCEPTED})

BREACH_WITHDRAWN = "breach record withdrawn"


def _kind(step: str, kind: DeadlineKind, outcome: str | None) -> DeadlineKind:
    """The kind of date the step is under the current rules (rules 2 to 4); any other kind is kept."""
    if kind is not DeadlineKind.DUTY:
        return kind
    if step in OTHER_PARTY_STEPS:
        return DeadlineKind.WINDOW
    if step in PLANNING_STEPS or (step == DECIDE_TO_ISSUE and outcome != NO_PLAN_OUTCOME):
        return DeadlineKind.TARGET
    return kind


def _in_time(due: date, done_on: date | None) -> bool:
    return done_on is not None and done_on <= due


def restated(
    step: str, kind: DeadlineKind, status: DeadlineStatus, due: date, done_on: date | None, outcome: str | None
) -> tuple[DeadlineKind, DeadlineStatus]:
    """The (kind, status) a record means under the current rules: the one place rules 1 to 4 are written."""
    new_kind = _kind(step, kind, outcome)
    still_open = status in PENDING and done_on is None
    if new_kind is DeadlineKind.WINDOW and (new_kind is not kind or status in _OLD_WINDOW_ENDS):
        if still_open:
            return new_kind, DeadlineStatus.OPEN
        return new_kind, DeadlineStatus.USED if _in_time(due, done_on) else DeadlineStatus.LAPSED
    if new_kind is DeadlineKind.TARGET and new_kind is not kind:
        if still_open:
            return new_kind, DeadlineStatus.ON_TRACK
        return new_kind, DeadlineStatus.MET if _in_time(due, done_on) else DeadlineStatus.PASSED
    return kind, status


def describe(old_kind: str, old_status: str, new_kind: str, new_status: str) -> str:
    """A change in plain words, e.g. "window met -> used" or "duty met -> window used"."""
    if old_kind == new_kind:
        return f"{old_kind} {old_status} -> {new_status}"
    return f"{old_kind} {old_status} -> {new_kind} {new_status}"


def restate_row(
    step: str, kind: str, status: str, due: date, done_on: date | None, outcome: str | None
) -> tuple[str, str] | None:
    """The new (kind, status) of a read-model row, or None if it stands (or holds words no rule knows)."""
    try:
        old = DeadlineKind(kind), DeadlineStatus(status)
    except ValueError:
        return None
    new = restated(step, *old, due, done_on, outcome)
    return None if new == old else (new[0].value, new[1].value)


def restate(deadlines: list[Deadline], *, outcome: str | None) -> list[str]:
    """Restate a workflow's deadlines in place (rules 1 to 5); one line per deadline changed, e.g.
    "assessment.draft_comments@c1: window met -> used". The lines hold keys, kinds and statuses only."""
    lines: list[str] = []
    for deadline in deadlines:
        old_kind, old_status = deadline.kind, deadline.status
        deadline.kind, deadline.status = restated(
            deadline.step, old_kind, old_status, deadline.due, deadline.done_on, outcome
        )
        if (deadline.kind, deadline.status) != (old_kind, old_status):
            lines.append(f"{deadline.key}: {describe(old_kind, old_status, deadline.kind, deadline.status)}")
        elif deadline.kind is DeadlineKind.DUTY and deadline.status is DeadlineStatus.MET and deadline.breach_recorded:
            deadline.breach_recorded = False  # rule 5
            lines.append(f"{deadline.key}: {deadline.kind} {deadline.status}: {BREACH_WITHDRAWN}")
    return lines

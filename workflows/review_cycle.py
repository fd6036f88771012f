"""The arithmetic of a plan's review cycle, apart from the workflow that keeps the cycle: which rule sets the
review's date, which phase transfer a cycle must prepare for, when the plan's life turns, and which duties a
cycle hands on to the next. Every function here is pure, so each is tested on its own with dates written by
hand (tests/workflows/test_review_cycle.py), as `deadline_book.py` is; the workflow only opens what it says.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import statutory
from statutory import phases
from workflows.case_state import Deadline, DeadlineKind, DeadlineStatus

REVIEW = "review.annual"
UNDER_FIVE = "review.under_five"
TRANSFER_REVIEW = "transfer.review"
PHASE_SCHOOL = "review.phase_transfer_school"
PHASE_POST16 = "review.phase_transfer_post16"
PHASE_MEETING = "review.phase_transfer_meeting"
# The meeting that prepares a phase transfer comes this long before reg 18's date: the decision 4 weeks after the
# meeting (reg 20(10)) and the amended plan 8 weeks after that (reg 22(3)).
# DESIGN CHOICE (docs/statutory-choices.md, IPSEA): the amended plan is final by the transfer date.
PHASE_TRANSFER_LEAD = timedelta(weeks=12)

# Each cycle works these out afresh; any other duty still open at a cycle's end is carried into the next.
RECOMPUTED = frozenset({REVIEW, UNDER_FIVE, TRANSFER_REVIEW, PHASE_SCHOOL, PHASE_POST16, PHASE_MEETING})
# Under legal time a phase transfer's duty still owed at a cycle's end is carried, not opened again, so the
# read model never holds two open copies of one duty.
RECOMPUTED_IN_LEGAL_TIME = RECOMPUTED - {PHASE_SCHOOL, PHASE_POST16}

ANNUAL = "annual review (CFA 2014 s.44(1))"
AFTER_TRANSFER_IN = "review after a transfer between LAs (SEND Regs 2014 reg 15(5))"


@dataclass(frozen=True)
class ReviewRule:
    """The rule that sets a cycle's review date, the date it runs from, and the reason shown with it."""

    step: str
    start: date
    reason: str


@dataclass(frozen=True)
class PhaseTransfer:
    """A move between phases of education (reg 18(1)) that a cycle's review must prepare for."""

    step: str
    deadline: date  # 15 February (school) or 31 March (post-16) of the year of the move
    year_into: int  # the year group moved into: 0 Reception, 12 post-16

    @property
    def meeting_by(self) -> date:
        return self.deadline - PHASE_TRANSFER_LEAD

    @property
    def into(self) -> str:
        return {0: "Reception", phases.POST16: "post-16"}.get(self.year_into, f"Year {self.year_into}")

    @property
    def done_key(self) -> str:
        """How the move is recorded once done: by its year, since a structure may have two moves of one step."""
        return f"{self.step}:{self.deadline.year}"


def life_dates(reception_year: int) -> tuple[date, date]:
    """The day rights pass to the young person (after compulsory school age ends, CFA 2014 s.83(2)) and the last
    day of the plan (the end of the academic year the young person turns 25, s.46)."""
    return phases.compulsory_school_age_ends(reception_year) + timedelta(days=1), phases.plan_end(reception_year)


def review_rule(base: date, transferred_on: date | None, policy: str, *, under_five: bool = False) -> ReviewRule:
    """12 months from the last review or the plan's issue (s.44(1)); after a transfer in from another LA, the
    later of that and 3 months from the transfer (reg 15(5)). Before legal time an under-5's review date came
    from Code 9.178's 6 months in place of the annual one (`under_five`)."""
    step, reason = (UNDER_FIVE, "review of an under-5 (Code 9.178)") if under_five else (REVIEW, ANNUAL)
    if transferred_on is not None and statutory.due_date(TRANSFER_REVIEW, transferred_on, policy) > (
        statutory.due_date(step, base, policy)
    ):
        return ReviewRule(TRANSFER_REVIEW, transferred_on, AFTER_TRANSFER_IN)
    return ReviewRule(step, base, reason)


def transfer_year_starts(deadline: date) -> date:
    """1 September before a phase transfer's reg 18 date: the academic year whose amendment is the transfer's."""
    return date(deadline.year - 1, 9, 1)


def transfer_duty_start(deadline: date) -> date:
    """A start in the year before the transfer year: from it the transfer rule gives its fixed date (reg 18(1))."""
    return date(deadline.year - 1, 1, 1)


@dataclass(frozen=True)
class TransferFacts:
    """What decides whether a cycle prepares a phase transfer, as the workflow knows it when the cycle opens."""

    reception_year: int
    school_structure: phases.SchoolStructure
    done: Sequence[str]  # phase_transfers_done
    today: date
    legal_time: bool
    every_move: bool  # law-gaps-1: every move of the LA's structure counts (reg 2(1)), not just two
    first_imported_cycle: bool  # the plan was imported and this is its first cycle

    def due_this_cycle(self, base: date, review_due: date) -> PhaseTransfer | None:
        """The first move not yet done, still ahead of the cycle's base, whose meeting falls by the review date or
        whose academic year has begun, and which an imported plan's child has not already made."""
        for move in self._moves():
            if (
                not self._done(move)
                and base < move.deadline
                and (move.meeting_by <= review_due or self._in_transfer_year(move.deadline))
                and not self._moved_before_import(move.deadline)
            ):
                return move
        return None

    def _moves(self) -> Iterable[PhaseTransfer]:
        if self.every_move:
            for year_into, deadline in phases.transfers(self.reception_year, self.school_structure):
                yield PhaseTransfer(PHASE_POST16 if year_into == phases.POST16 else PHASE_SCHOOL, deadline, year_into)
            return
        yield PhaseTransfer(PHASE_SCHOOL, phases.secondary_transfer_deadline(self.reception_year), 7)
        yield PhaseTransfer(PHASE_POST16, phases.post16_transfer_deadline(self.reception_year), phases.POST16)

    def _done(self, move: PhaseTransfer) -> bool:
        """Done by its year; a bare step id, recorded before every move counted, meant the move to secondary
        school or to post-16 (and, before every move counted, the bare id was all there was)."""
        if not self.every_move:
            return move.step in self.done
        legacy = move.step in self.done and move.deadline in (
            phases.secondary_transfer_deadline(self.reception_year),
            phases.post16_transfer_deadline(self.reception_year),
        )
        return move.done_key in self.done or legacy

    def _in_transfer_year(self, deadline: date) -> bool:
        """The academic year before the move has begun: the duty to amend by reg 18's date is owed now, whatever
        this cycle's review date (an overdue review comes before the meeting the transfer would want)."""
        return self.legal_time and self.today >= transfer_year_starts(deadline)

    def _moved_before_import(self, deadline: date) -> bool:
        """An imported plan of a child who has already made this move (the transfer's September has come by the
        import, by the year group imported) owes no amendment for it."""
        return self.legal_time and self.first_imported_cycle and self.today >= phases.transfer_starts(deadline)


def recomputed(legal_time: bool) -> frozenset[str]:
    return RECOMPUTED_IN_LEGAL_TIME if legal_time else RECOMPUTED


def carried(deadlines: Iterable[Deadline], legal_time: bool) -> list[Deadline]:
    """The duties still open at a cycle's end that the next cycle does not work out again: they stay owed."""
    again = recomputed(legal_time)
    return [
        d for d in deadlines if d.status is DeadlineStatus.OPEN and d.kind is DeadlineKind.DUTY and d.step not in again
    ]

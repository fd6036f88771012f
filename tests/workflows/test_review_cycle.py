"""The review cycle's arithmetic, each date worked out by hand from the rule it names."""

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from statutory.phases import SchoolStructure
from workflows import review_cycle
from workflows.case_state import Deadline, DeadlineKind, DeadlineStatus
from workflows.review_cycle import PHASE_POST16, PHASE_SCHOOL, PhaseTransfer, ReviewRule, TransferFacts

POLICY = "send-regs-2014"


def test_life_dates_of_a_child_who_started_reception_in_2018() -> None:
    # Year 11 ends in June 2030, whose last Friday is the 28th (30 June 2030 is a Sunday); rights pass the next
    # day. The plan can last to 31 July of the academic year they turn 25: Reception 2018 + 21 years.
    assert review_cycle.life_dates(2018) == (date(2030, 6, 29), date(2039, 7, 31))


@pytest.mark.parametrize(
    ("transferred_on", "expected"),
    [
        (None, ReviewRule("review.annual", date(2025, 1, 31), review_cycle.ANNUAL)),
        # 1 Sep + 3 months = 1 Dec 2025, before the annual date 31 Jan 2026: the annual date stands.
        (date(2025, 9, 1), ReviewRule("review.annual", date(2025, 1, 31), review_cycle.ANNUAL)),
        # 31 Oct + 3 months = 31 Jan 2026, the annual date itself: reg 15(5) asks for the later, a tie keeps it.
        (date(2025, 10, 31), ReviewRule("review.annual", date(2025, 1, 31), review_cycle.ANNUAL)),
        # 1 Nov + 3 months = 1 Feb 2026, a day after the annual date: the transfer sets it.
        (date(2025, 11, 1), ReviewRule("transfer.review", date(2025, 11, 1), review_cycle.AFTER_TRANSFER_IN)),
    ],
)
def test_a_transfer_in_moves_the_review_only_later(transferred_on: date | None, expected: ReviewRule) -> None:
    assert review_cycle.review_rule(date(2025, 1, 31), transferred_on, POLICY) == expected


def test_before_legal_time_an_under_five_was_reviewed_by_code_9_178() -> None:
    rule = review_cycle.review_rule(date(2025, 3, 10), None, POLICY, under_five=True)
    assert (rule.step, rule.start) == ("review.under_five", date(2025, 3, 10))
    # 10 Mar + 6 months = 10 Sep 2025; a transfer on 1 Jun gives 1 Sep, earlier: the 6 months stand.
    assert review_cycle.review_rule(date(2025, 3, 10), date(2025, 6, 1), POLICY, under_five=True).step == (
        "review.under_five"
    )
    # 1 Jul + 3 months = 1 Oct 2025, after 10 Sep: the transfer sets it.
    assert review_cycle.review_rule(date(2025, 3, 10), date(2025, 7, 1), POLICY, under_five=True).step == (
        "transfer.review"
    )


# A child who started Reception in September 2018: Year 7 in September 2025 (reg 18 date 15 February 2025),
# post-16 in September 2030 (31 March 2030).
CHILD = TransferFacts(
    reception_year=2018,
    school_structure=SchoolStructure.PRIMARY,
    done=(),
    today=date(2024, 3, 10),
    legal_time=True,
    every_move=True,
    first_imported_cycle=False,
)


def facts(**changes: Any) -> TransferFacts:
    return replace(CHILD, **changes)


SECONDARY = PhaseTransfer(PHASE_SCHOOL, date(2025, 2, 15), 7)


def test_the_move_to_secondary_school_and_its_dates() -> None:
    # 15 Feb 2025 less 12 weeks (84 days: 7 to 30 Nov, 31 in Dec, 31 in Jan, 15 in Feb) is 23 Nov 2024.
    assert SECONDARY.meeting_by == date(2024, 11, 23)
    assert SECONDARY.into == "Year 7" and SECONDARY.done_key == "review.phase_transfer_school:2025"
    assert review_cycle.transfer_year_starts(SECONDARY.deadline) == date(2024, 9, 1)
    assert review_cycle.transfer_duty_start(SECONDARY.deadline) == date(2024, 1, 1)


def test_a_post16_move_in_a_leap_year_plans_its_meeting_from_29_february() -> None:
    # Reception 2016: post-16 in 2028; 31 Mar 2028 less 84 days (31 in Mar, 29 in Feb, 24 back into Jan) is 7 Jan.
    move = PhaseTransfer(PHASE_POST16, date(2028, 3, 31), 12)
    assert move.meeting_by == date(2028, 1, 7) and move.into == "post-16"


def test_a_cycle_prepares_the_move_whose_meeting_falls_by_its_review() -> None:
    # Review due 10 Mar 2025; the meeting for 15 Feb 2025's move is due by 23 Nov 2024.
    assert facts().due_this_cycle(date(2024, 3, 10), date(2025, 3, 10)) == SECONDARY
    # A review due the day before that meeting date leaves the move to the next cycle...
    assert facts().due_this_cycle(date(2023, 11, 22), date(2024, 11, 22)) is None
    # ...unless the academic year before the move has begun (1 Sep 2024): the duty to amend is owed now.
    in_the_year = facts(today=date(2024, 9, 1))
    assert in_the_year.due_this_cycle(date(2023, 11, 22), date(2024, 11, 22)) == SECONDARY
    # Before legal time that year did not count.
    assert (
        facts(today=date(2024, 9, 1), legal_time=False).due_this_cycle(date(2023, 11, 22), date(2024, 11, 22)) is None
    )


def test_a_move_done_is_not_prepared_again() -> None:
    done = facts(done=("review.phase_transfer_school:2025",))
    # Next is post-16, meeting by 6 Jan 2030 (31 Mar 2030 less 84 days), long after this review.
    assert done.due_this_cycle(date(2024, 3, 10), date(2025, 3, 10)) is None
    # Recorded before every move counted, the bare step meant the move to secondary school.
    assert facts(done=(PHASE_SCHOOL,)).due_this_cycle(date(2024, 3, 10), date(2025, 3, 10)) is None
    assert facts(done=(PHASE_SCHOOL,), every_move=False).due_this_cycle(date(2024, 3, 10), date(2025, 3, 10)) is None


def test_a_move_already_behind_the_cycle_base_is_not_prepared() -> None:
    # A review held on 15 Feb 2025 itself is not before the move's date: nothing for it is left to prepare.
    assert facts(today=date(2025, 2, 15)).due_this_cycle(date(2025, 2, 15), date(2026, 2, 15)) is None


def test_every_move_of_an_infant_and_junior_structure_counts() -> None:
    # Infant to junior: Year 3 from September 2021, reg 18 date 15 Feb 2021, meeting by 23 Nov 2020.
    infant = facts(school_structure=SchoolStructure.INFANT_JUNIOR, today=date(2020, 6, 1))
    assert infant.due_this_cycle(date(2020, 6, 1), date(2021, 6, 1)) == PhaseTransfer(
        PHASE_SCHOOL, date(2021, 2, 15), 3
    )
    assert PhaseTransfer(PHASE_SCHOOL, date(2021, 2, 15), 3).into == "Year 3"
    # Before every move counted (law-gaps-1) only the moves to secondary and to post-16 did.
    assert (
        facts(school_structure=SchoolStructure.INFANT_JUNIOR, today=date(2020, 6, 1), every_move=False).due_this_cycle(
            date(2020, 6, 1), date(2021, 6, 1)
        )
        is None
    )


def test_an_imported_plan_owes_nothing_for_a_move_the_child_has_made() -> None:
    # Imported on 31 Aug 2025, the day before Year 7 starts: the amendment is still owed.
    assert (
        facts(first_imported_cycle=True, today=date(2025, 8, 31)).due_this_cycle(date(2024, 10, 1), date(2025, 10, 1))
        == SECONDARY
    )
    # Imported on 1 Sep 2025: the child is in Year 7 already.
    assert (
        facts(first_imported_cycle=True, today=date(2025, 9, 1)).due_this_cycle(date(2024, 10, 1), date(2025, 10, 1))
        is None
    )


def deadline(
    step: str, kind: DeadlineKind = DeadlineKind.DUTY, status: DeadlineStatus = DeadlineStatus.OPEN
) -> Deadline:
    return Deadline(key=step, step=step, kind=kind, status=status, start=date(2025, 1, 6), due=date(2025, 2, 3))


def test_a_cycle_hands_on_its_open_duties_but_not_what_the_next_works_out_again() -> None:
    owed = [
        deadline("transfer.new_la_notice"),
        deadline("review.annual"),
        deadline("review.phase_transfer_school"),
        deadline("review.phase_transfer_meeting", kind=DeadlineKind.TARGET),
        deadline("tribunal.comply_amend", status=DeadlineStatus.MET),
    ]
    steps = [d.step for d in review_cycle.carried(owed, legal_time=True)]
    assert steps == ["transfer.new_la_notice", "review.phase_transfer_school"]
    # Before legal time the next cycle opened the phase transfer again.
    assert [d.step for d in review_cycle.carried(owed, legal_time=False)] == ["transfer.new_la_notice"]

"""School phases from a cohort: boundary birthdays, phase transfer dates, rights and the end at 25."""

from datetime import date

import pytest

from statutory import phases


@pytest.mark.parametrize(
    ("born", "reception"),
    [
        (date(2016, 9, 1), 2021),  # the oldest of their year
        (date(2017, 8, 31), 2021),  # the youngest of the same year
        (date(2016, 8, 31), 2020),
        (date(2016, 2, 29), 2020),  # leap day
        (date(2015, 12, 25), 2020),
    ],
)
def test_reception_year_turns_on_1_september(born: date, reception: int) -> None:
    assert phases.reception_year_for(born) == reception


def test_year_groups_change_in_september() -> None:
    assert phases.year_group(2020, date(2027, 8, 31)) == 6
    assert phases.year_group(2020, date(2027, 9, 1)) == 7
    assert phases.under_five(2020, date(2020, 8, 31)) and not phases.under_five(2020, date(2020, 9, 1))


def test_transfer_deadlines_rights_and_end_of_plan() -> None:
    # Reception 2020: Year 7 from September 2027, Year 12 from September 2032.
    assert phases.secondary_transfer_deadline(2020) == date(2027, 2, 15)  # SEND Regs 2014 reg 18(1)(b)
    assert phases.post16_transfer_deadline(2020) == date(2032, 3, 31)  # reg 18(1)(a)
    # Compulsory school age ends on the last Friday in June of Year 11.
    assert phases.compulsory_school_age_ends(2020) == date(2032, 6, 25)
    assert phases.compulsory_school_age_ends(2015) == date(2027, 6, 25)
    assert phases.compulsory_school_age_ends(2018) == date(2030, 6, 28)  # 30 June 2030 is a Sunday
    assert phases.compulsory_school_age_ends(2023) == date(2035, 6, 29)  # 30 June 2035 is a Saturday
    for reception in range(2000, 2060):
        ends = phases.compulsory_school_age_ends(reception)
        assert ends.weekday() == 4 and ends.month == 6 and ends.day > 23
    # The plan may last to the end of the academic year the young person turns 25 (CFA 2014 s.46).
    assert phases.plan_end(2020) == date(2041, 7, 31)

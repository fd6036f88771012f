"""The delivery periods section F is monitored over: every date below was worked out by hand from a calendar."""

from datetime import date

import pytest

from workflows.delivery_periods import DeliveryPeriod, DeliveryRhythm, period_after, period_containing

HALF = DeliveryRhythm.HALF_TERM


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        # Autumn 1 runs on from the summer: the day after the Friday on or before 21 July 2026 (Fri 17 Jul).
        (date(2026, 7, 18), DeliveryPeriod("2026-27.ht1", date(2026, 7, 18), date(2026, 10, 23))),
        (date(2026, 10, 23), DeliveryPeriod("2026-27.ht1", date(2026, 7, 18), date(2026, 10, 23))),
        # Christmas: 19 Dec 2026 is a Saturday, so autumn 2 ends on Friday 18 Dec; the holiday is spring 1's.
        (date(2026, 12, 25), DeliveryPeriod("2026-27.ht3", date(2026, 12, 19), date(2027, 2, 12))),
        (date(2026, 12, 18), DeliveryPeriod("2026-27.ht2", date(2026, 10, 24), date(2026, 12, 18))),
        # Spring 2 ends on the Friday on or before 31 March: Good Friday 26 Mar 2027.
        (date(2027, 3, 26), DeliveryPeriod("2026-27.ht4", date(2027, 2, 13), date(2027, 3, 26))),
        # A leap day: 29 Feb 2028 is in spring 2 of 2027-28 (spring 1 ended Fri 11 Feb 2028).
        (date(2028, 2, 29), DeliveryPeriod("2027-28.ht4", date(2028, 2, 12), date(2028, 3, 31))),
        # Summer 2 ends on the Friday on or before 21 July (Fri 16 Jul 2027); 17 Jul is the next year's.
        (date(2027, 7, 16), DeliveryPeriod("2026-27.ht6", date(2027, 5, 22), date(2027, 7, 16))),
        (date(2027, 7, 17), DeliveryPeriod("2027-28.ht1", date(2027, 7, 17), date(2027, 10, 22))),
    ],
)
def test_half_terms(day: date, expected: DeliveryPeriod) -> None:
    assert period_containing(day, HALF) == expected


def test_a_school_year_of_half_terms_runs_on_without_a_gap() -> None:
    period = period_containing(date(2026, 9, 1), HALF)
    ends = []
    for _ in range(6):
        ends.append(period.end)
        following = period_after(period, HALF)
        assert (following.start - period.end).days == 1
        period = following
    assert ends == [
        date(2026, 10, 23),
        date(2026, 12, 18),
        date(2027, 2, 12),
        date(2027, 3, 26),
        date(2027, 5, 21),
        date(2027, 7, 16),
    ]


def test_terms_and_months() -> None:
    assert period_containing(date(2027, 1, 4), DeliveryRhythm.TERM) == DeliveryPeriod(
        "2026-27.t2", date(2026, 12, 19), date(2027, 3, 26)
    )
    assert period_containing(date(2027, 7, 20), DeliveryRhythm.TERM) == DeliveryPeriod(
        "2027-28.t1", date(2027, 7, 17), date(2027, 12, 17)
    )
    assert period_containing(date(2028, 2, 10), DeliveryRhythm.MONTH) == DeliveryPeriod(
        "2028-02", date(2028, 2, 1), date(2028, 2, 29)
    )
    assert period_after(period_containing(date(2026, 12, 31), DeliveryRhythm.MONTH), DeliveryRhythm.MONTH) == (
        DeliveryPeriod("2027-01", date(2027, 1, 1), date(2027, 1, 31))
    )

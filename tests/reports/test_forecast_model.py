"""The forecast's figures on a small fixed history, every expected date worked out by hand (nearest-rank quantiles:
the value at rank ceil(q*n) of the sorted durations), with each fallback: the LA's history, the national history,
the statutory timescale."""

from datetime import UTC, date, datetime

from reports.forecast import forecast_of
from reports.forecast_model import (
    AFTER_ADVICE,
    AFTER_DRAFT,
    FINAL_PLAN,
    MIN_SAMPLES,
    Basis,
    CaseFacts,
    Fact,
    History,
    expect,
    leg,
    samples,
)

OURS, THIN = "FMA", "FMB"
# Days from the request to the final plan in LA FMA: median (rank 5 of 10) 130, quartiles (ranks 3 and 8) 120, 150.
FINALS = [100, 110, 120, 125, 130, 135, 140, 150, 160, 180]
# LA FMB has 3, too few: the national history is the 13 together, median (rank 7) 140, quartiles (4, 10) 125, 180.
THIN_FINALS = [200, 210, 220]
# Advice, request to receipt: median 41, quartiles 38, 44. The last advice to the final plan: 30 (28, 40).
# The draft plan to the final plan: 22 (20, 28).
ADVICE_DAYS = [30, 35, 38, 40, 41, 42, 42, 44, 50, 60]
AFTER_ADVICE_DAYS = [20, 25, 28, 30, 30, 32, 35, 40, 45, 50]
AFTER_DRAFT_DAYS = [16, 18, 20, 21, 22, 23, 25, 28, 30, 40]

RECEIVED = date(2027, 1, 1)
FINAL_DUE = date(2027, 5, 21)  # 20 weeks, reg 13(2)


def history(**extra: list[int]) -> History:
    counts: dict[tuple[str, str, int], int] = {}
    table = {
        (OURS, FINAL_PLAN): FINALS,
        (THIN, FINAL_PLAN): THIN_FINALS,
        (OURS, "assessment.advice"): ADVICE_DAYS,
        (OURS, leg(FINAL_PLAN, AFTER_ADVICE)): AFTER_ADVICE_DAYS,
        (OURS, leg(FINAL_PLAN, AFTER_DRAFT)): AFTER_DRAFT_DAYS,
    }
    table |= {(OURS, key): days for key, days in extra.items()}
    for (la, key), days in table.items():
        for d in days:
            counts[(la, key, d)] = counts.get((la, key, d), 0) + 1
    return History.from_counts(counts)


def final(la: str = OURS, **changes: object) -> Fact:
    values: dict[str, object] = {
        "case_ref": f"{la}-CASE0001",
        "key": FINAL_PLAN,
        "la_code": la,
        "step": FINAL_PLAN,
        "kind": "duty",
        "start": RECEIVED,
        "due": FINAL_DUE,
        "status": "open",
    }
    return Fact(**(values | changes))  # type: ignore[arg-type]


def advice(adviser: str, requested: date, received: date | None = None) -> Fact:
    return final(
        key=f"assessment.advice:{adviser}",
        step="assessment.advice",
        start=requested,
        due=date.fromordinal(requested.toordinal() + 42),
        status="met" if received else "open",
        done_on=received,
    )


def test_a_young_case_is_expected_after_the_las_median_with_its_middle_half() -> None:
    duty = final()
    got = expect(duty, [duty], history(), today=date(2027, 2, 1))
    # 1 Jan + 130 days = 11 May; + 120 = 1 May; + 150 = 31 May.
    assert (got.expected_on, got.likely_from, got.likely_to) == (date(2027, 5, 11), date(2027, 5, 1), date(2027, 5, 31))
    assert (got.basis, got.samples, got.days_late(FINAL_DUE)) == (Basis.LA_HISTORY, 10, -10)
    assert "10 past cases in LA FMA" in got.explanation and "median of 130 days" in got.explanation


def test_a_case_that_has_taken_long_already_is_forecast_from_the_past_cases_as_long() -> None:
    duty = final()
    # 133 days in (14 May): of the 10, those of 133 days or more are 135, 140, 150, 160, 180: median (rank 3) 150,
    # quartiles (ranks 2 and 4) 140 and 160. 1 Jan + 150 = 31 May, 10 days after the due date: at risk.
    got = forecast_of(duty, [duty], history(), today=date(2027, 5, 14))
    assert (got.expected_on, got.likely_from, got.likely_to) == (
        date(2027, 5, 31),
        date(2027, 5, 21),
        date(2027, 6, 10),
    )
    assert (got.days_late, got.at_risk) == (10, True)
    assert "5 of 10 past cases in LA FMA that took at least 133 days" in got.explanation


def test_a_case_longer_than_any_in_the_history_is_expected_today() -> None:
    duty = final()
    got = forecast_of(duty, [duty], history(), today=date(2027, 7, 1))  # 181 days: longer than the longest, 180
    assert (got.expected_on, got.likely_from, got.likely_to) == (date(2027, 7, 1),) * 3
    assert (got.days_late, got.at_risk, got.basis) == (41, True, Basis.LA_HISTORY)
    assert "longer than any of 10 past cases" in got.explanation


def test_an_la_with_too_little_history_is_forecast_from_every_las() -> None:
    duty = final(THIN)
    got = forecast_of(duty, [duty], history(), today=date(2027, 2, 1))
    # The 13 of both LAs: median (rank 7) 140, 1 Jan + 140 = 21 May, the due date itself: not at risk.
    assert (got.basis, got.samples, got.expected_on) == (Basis.NATIONAL_HISTORY, 13, date(2027, 5, 21))
    assert (got.likely_from, got.likely_to) == (date(2027, 5, 6), date(2027, 6, 30))  # 125 and 180 days
    assert (got.days_late, got.at_risk) == (0, False)
    assert "13 past cases across all LAs" in got.explanation


def test_the_minimum_of_the_las_own_history_is_ten() -> None:
    assert MIN_SAMPLES == 10
    duty = final()
    nine = History.from_counts({(OURS, FINAL_PLAN, d): 1 for d in FINALS[:9]} | {("ZZZ", FINAL_PLAN, 300): 1})
    # 9 of the LA's own are too few; with the other LA's one, every LA's 10 are enough.
    assert expect(duty, [duty], nine, today=date(2027, 2, 1)).basis is Basis.NATIONAL_HISTORY
    ten = History.from_counts({(OURS, FINAL_PLAN, d): 1 for d in FINALS})
    assert expect(duty, [duty], ten, today=date(2027, 2, 1)).basis is Basis.LA_HISTORY


def test_a_step_with_no_history_anywhere_is_expected_by_its_statutory_due_date() -> None:
    decide = final(key="assessment.decide_to_assess", step="assessment.decide_to_assess", due=date(2027, 2, 12))
    on_time = forecast_of(decide, [decide], history(), today=date(2027, 2, 1))
    assert (on_time.basis, on_time.samples, on_time.expected_on, on_time.at_risk) == (
        Basis.STATUTORY,
        0,
        date(2027, 2, 12),
        False,
    )
    overdue = forecast_of(decide, [decide], history(), today=date(2027, 2, 20))
    assert (overdue.expected_on, overdue.days_late, overdue.at_risk) == (date(2027, 2, 20), 8, True)


def test_late_advice_pushes_the_final_plan_back() -> None:
    """The educational psychologist was asked on 1 Feb (due 15 Mar, 6 weeks, reg 8(1)); on 1 May it has not come,
    89 days on, longer than any of the LA's advice (the longest took 60): expected today, 47 days late. The final
    plan follows the last advice by the LA's median 30 days (quartiles 28, 40): 31 May, 10 days after its due date.
    From the request alone (120 days in: 120..180, median rank 4 of 8 = 135) it would have been 16 May."""
    duty = final()
    ep = advice("educational_psychologist", date(2027, 2, 1))
    health = advice("health", date(2027, 2, 1), received=date(2027, 3, 10))
    got = forecast_of(duty, [duty, ep, health], history(), today=date(2027, 5, 1))
    assert (got.expected_on, got.likely_from, got.likely_to) == (
        date(2027, 5, 31),
        date(2027, 5, 29),
        date(2027, 6, 10),
    )
    assert (got.days_late, got.at_risk, got.basis) == (10, True, Basis.LA_HISTORY)
    assert "the last (educational psychologist) expected 1 May 2027, 47 days after its due date" in got.explanation
    alone = forecast_of(duty, [duty], history(), today=date(2027, 5, 1))
    assert (alone.expected_on, alone.at_risk) == (date(2027, 5, 16), False)


def test_advice_on_time_and_advice_all_in() -> None:
    duty = final()
    # Asked 1 Feb, 59 days on (1 Apr): of the advice, only the 60 took that long: expected 2 Apr (18 days late),
    # and the final plan 30 days after: 2 May, 19 days to spare.
    ep = advice("educational_psychologist", date(2027, 2, 1))
    pending = expect(duty, [duty, ep], history(), today=date(2027, 4, 1))
    assert (pending.expected_on, pending.days_late(FINAL_DUE)) == (date(2027, 5, 2), -19)
    # All in, the last on 20 Mar; on 1 Apr (12 days since, all 10 took longer): 20 Mar + 30 = 19 Apr.
    done = advice("educational_psychologist", date(2027, 2, 1), received=date(2027, 3, 20))
    got = expect(duty, [duty, done], history(), today=date(2027, 4, 1))
    assert (got.expected_on, got.likely_from, got.likely_to) == (
        date(2027, 4, 19),
        date(2027, 4, 17),
        date(2027, 4, 29),
    )
    assert got.explanation.startswith("last advice received 20 Mar 2027")


def test_once_the_draft_is_sent_only_the_final_plan_is_left() -> None:
    """Draft sent 20 Apr; 11 days on, the LA's draft-to-final times all took longer: median 22 (20, 28) -> 12 May,
    whatever the advice said."""
    duty = final()
    draft = final(
        key="assessment.draft_comments", step="assessment.draft_comments", kind="window", start=date(2027, 4, 20)
    )
    late_advice = advice("educational_psychologist", date(2027, 2, 1))
    got = forecast_of(duty, [duty, draft, late_advice], history(), today=date(2027, 5, 1))
    assert (got.expected_on, got.likely_from, got.likely_to) == (
        date(2027, 5, 12),
        date(2027, 5, 10),
        date(2027, 5, 18),
    )
    assert (got.days_late, got.at_risk) == (-9, False)
    assert got.explanation.startswith("draft plan sent 20 Apr 2027")


def test_with_no_history_of_the_stage_the_request_is_the_start() -> None:
    duty = final(THIN)
    ep = advice("educational_psychologist", date(2027, 2, 1))
    got = expect(duty, [duty, ep], history(), today=date(2027, 2, 1))
    # FMB has no advice-to-plan history and neither has any other LA but FMA's 10... which is enough nationally.
    assert got.basis is Basis.NATIONAL_HISTORY and got.explanation.startswith("advice outstanding")
    bare = History.from_counts({(THIN, FINAL_PLAN, d): 1 for d in [*FINALS]})
    alone = expect(duty, [duty, ep], bare, today=date(2027, 2, 1))
    assert (alone.expected_on, alone.basis) == (date(2027, 5, 11), Basis.LA_HISTORY)
    assert alone.explanation.startswith("started 1 Jan 2027")


def test_a_date_entered_late_is_not_called_at_risk_until_it_is_judged() -> None:
    held = final(held_until=datetime(2027, 7, 8, 9, tzinfo=UTC))
    waiting = forecast_of(held, [held], history(), today=date(2027, 7, 1))
    assert (waiting.days_late, waiting.at_risk, waiting.held_until) == (41, False, held.held_until)
    judged = forecast_of(held, [held], history(), today=date(2027, 7, 9))
    assert (judged.at_risk, judged.held_until) == (True, None)


def test_the_history_counts_what_was_done_before_the_day_and_nothing_else() -> None:
    """One assessment issued (advice in on 20 Mar, draft 20 Apr, plan 12 May); one refused, whose final-plan date
    closed with no plan; and one issued on the day itself, not yet history."""
    issued = CaseFacts(
        "FMA-A",
        OURS,
        (
            final(status="met", done_on=date(2027, 5, 12)),
            advice("educational_psychologist", date(2027, 2, 1), received=date(2027, 3, 20)),
            final(
                key="assessment.draft_comments",
                step="assessment.draft_comments",
                kind="window",
                start=date(2027, 4, 20),
                status="used",
                done_on=date(2027, 4, 30),
            ),
        ),
    )
    refused = CaseFacts("FMA-B", OURS, (final(status="met", done_on=date(2027, 2, 1)),), issued=False)
    today = CaseFacts("FMA-C", OURS, (final(status="met", done_on=date(2027, 6, 1)),))
    assert samples([issued, refused, today], as_of=date(2027, 6, 1)) == {
        (OURS, FINAL_PLAN, 131): 1,  # 1 Jan to 12 May
        (OURS, "assessment.advice", 47): 1,  # 1 Feb to 20 Mar
        (OURS, leg(FINAL_PLAN, AFTER_ADVICE), 53): 1,  # 20 Mar to 12 May
        (OURS, leg(FINAL_PLAN, AFTER_DRAFT), 22): 1,  # 20 Apr to 12 May
    }
    # Two years back and no more: on 13 May 2029 the plan of 12 May 2027 is 732 days old.
    assert samples([issued], as_of=date(2029, 5, 13)) == {}

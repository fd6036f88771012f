"""`statutory.due_date` on worked boundary cases, each date checked by hand against STATUTORY.md §3."""

import re
from datetime import date, datetime

import pytest

import statutory
from statutory import due_date

D = date.fromisoformat

# (rule, start, due, why)
CASES = [
    # Weeks: start + 7N, never rolled (STATUTORY.md §3.1 worked example).
    ("assessment.decide_to_assess", "2025-01-06", "2025-02-17", "§3.1 example"),
    ("assessment.notify_no_plan", "2025-01-06", "2025-04-28", "§3.1 example"),
    ("assessment.final_plan", "2025-01-06", "2025-05-26", "§3.1: a bank holiday, no roll"),
    ("assessment.final_plan", "2024-12-25", "2025-05-14", "from Christmas Day"),
    ("assessment.decide_to_assess", "2025-11-20", "2026-01-01", "lands on New Year's Day, no roll"),
    ("assessment.advice", "2024-01-18", "2024-02-29", "leap day"),
    ("assessment.advice", "2026-03-06", "2026-04-17", "across Easter 2026"),
    ("review.decision", "2025-12-01", "2025-12-29", "4 weeks over Christmas"),
    ("review.final_amended", "2026-06-30", "2026-08-25", "8 weeks into August: no Tribunal rule"),
    ("tribunal.comply_assess", "2025-12-04", "2026-01-01", "4 weeks (issue #2 contract)"),
    ("tribunal.comply_amend", "2026-07-31", "2026-09-04", "5 weeks over August"),
    ("tribunal.comply_issue_draft", "2024-02-01", "2024-03-07", "5 weeks over a leap February"),
    ("tribunal.comply_name_school", "2025-12-18", "2026-01-01", "2 weeks"),
    # Days "beginning with" the day served: day 1 is the service day (reg 13(1); §3.3).
    ("assessment.draft_comments", "2025-03-03", "2025-03-17", "§3.3 example"),
    ("assessment.draft_comments", "2024-02-20", "2024-03-05", "leap February"),
    ("assessment.draft_comments", "2025-02-20", "2025-03-06", "common February"),
    ("assessment.draft_comments", "2025-12-24", "2026-01-07", "over Christmas, calendar days"),
    # Plain days: the start day is not counted.
    ("assessment.setting_response", "2025-12-17", "2026-01-01", "New Year's Day, no roll"),
    ("assessment.setting_response", "2024-02-20", "2024-03-06", "leap February"),
    ("mediation.arrange", "2025-12-02", "2026-01-01", "30 days"),
    ("mediation.arrange", "2024-01-31", "2024-03-01", "30 days over a leap February"),
    # Months: the corresponding date, clamped to the month end (§3.4).
    ("review.annual", "2024-02-29", "2025-02-28", "leap day to a common year"),
    ("review.annual", "2023-02-28", "2024-02-28", "into a leap year: corresponding date"),
    ("review.annual", "2025-01-31", "2026-01-31", "month end"),
    ("mediation.contact_adviser", "2023-12-31", "2024-02-29", "31 Dec + 2 months, leap year"),
    ("mediation.contact_adviser", "2024-12-31", "2025-02-28", "31 Dec + 2 months"),
    ("mediation.contact_adviser", "2025-06-10", "2025-08-10", "§3.6: no August move outside the Tribunal rules"),
    ("mediation.contact_adviser", "2025-10-25", "2025-12-25", "Christmas Day, no move"),
    ("transfer.review", "2025-11-30", "2026-02-28", "3 months to February"),
    # Fixed dates of the transfer year (reg 18(1)).
    ("review.phase_transfer_school", "2026-09-01", "2027-02-15", "secondary transfer"),
    ("review.phase_transfer_school", "2026-01-01", "2027-02-15", "first day of the year before"),
    ("review.phase_transfer_school", "2027-12-31", "2028-02-15", "last day of the year before"),
    ("review.phase_transfer_post16", "2027-06-01", "2028-03-31", "post-16 transfer"),
    ("review.phase_transfer_post16", "2024-02-29", "2025-03-31", "from a leap day"),
    # Working days: England and Wales bank holidays skipped (§3.5).
    ("mediation.certificate", "2025-12-24", "2025-12-31", "Christmas and Boxing Day, then the weekend"),
    ("mediation.certificate", "2026-12-24", "2026-12-31", "Boxing Day substitute on Mon 28 Dec 2026"),
    ("mediation.certificate", "2020-12-23", "2020-12-30", "Boxing Day substitute on Mon 28 Dec 2020"),
    ("mediation.certificate", "2027-12-23", "2027-12-30", "25 and 26 Dec 2027 both substituted on 27-28 Dec"),
    ("mediation.certificate", "2025-04-17", "2025-04-24", "Good Friday and Easter Monday 2025"),
    ("mediation.certificate", "2024-03-28", "2024-04-04", "Good Friday 29 Mar and Easter Monday 1 Apr 2024"),
    ("mediation.certificate", "2022-09-16", "2022-09-22", "state funeral, 19 Sep 2022"),
    ("mediation.certificate", "2023-05-05", "2023-05-11", "coronation, 8 May 2023"),
    ("mediation.certificate", "2026-05-22", "2026-05-28", "spring bank holiday 25 May 2026"),
    ("mediation.certificate", "2025-02-28", "2025-03-05", "month end, weekend"),
    ("mediation.deemed_certificate", "2026-08-28", "2026-09-03", "summer bank holiday 31 Aug 2026"),
    # Appeal deadlines under the Tribunal's rule 12 (HESC r.12(2), (3)(a); §3.6).
    ("appeal.from_decision", "2025-06-10", "2025-09-01", "§3.6 example: August moves to 1 Sep"),
    ("appeal.from_decision", "2026-06-30", "2026-09-01", "30 Aug 2026; 31 Aug is a bank holiday anyway"),
    ("appeal.from_decision", "2025-07-01", "2025-09-01", "1 Sep 2025 is a Monday"),
    ("appeal.from_decision", "2024-06-30", "2024-09-02", "1 Sep 2024 is a Sunday"),
    ("appeal.from_decision", "2026-10-25", "2027-01-04", "Christmas Day; 2 Jan 2027 is a Saturday"),
    ("appeal.from_decision", "2025-11-01", "2026-01-02", "New Year's Day; 2 Jan 2026 is a Friday"),
    ("appeal.from_decision", "2025-10-31", "2026-01-02", "31 Dec is inside 25 Dec-1 Jan"),
    ("appeal.from_decision", "2025-10-24", "2025-12-24", "24 Dec is outside the window and a working day"),
    ("appeal.from_decision", "2023-12-31", "2024-02-29", "leap day, a working day"),
    ("appeal.from_decision", "2023-10-23", "2024-01-02", "Sat 23 Dec rolls into 27 Dec, then past 1 Jan"),
    ("appeal.from_decision", "2000-10-23", "2001-01-02", "the same in 2000 (found by hypothesis)"),
    ("appeal.from_decision", "2024-12-31", "2025-02-28", "clamped to 28 Feb, a Friday"),
    ("appeal.from_decision", "2025-02-05", "2025-04-07", "Saturday rolls to Monday (r.12(2))"),
    ("appeal.from_decision", "2025-02-18", "2025-04-22", "Good Friday, weekend, Easter Monday"),
    ("appeal.from_decision", "2025-09-30", "2025-12-01", "30 Nov 2025 is a Sunday"),
    ("appeal.from_certificate", "2025-11-29", "2026-01-02", "IPSEA's 29 Nov -> 29 Dec, moved by r.12(3)(a)"),
    ("appeal.from_certificate", "2025-07-31", "2025-09-01", "31 Aug 2025, a Sunday in August"),
    ("appeal.from_certificate", "2025-01-31", "2025-02-28", "month end"),
    ("appeal.from_certificate", "2025-03-26", "2025-04-28", "26 Apr 2025 is a Saturday"),
    ("appeal.from_certificate", "2022-08-19", "2022-09-20", "19 Sep 2022 was the state funeral"),
    # Tribunal day counting (HESC r.12(3)(b)): August and 25 Dec-1 Jan are not counted.
    ("tribunal.la_response", "2025-07-15", "2025-09-24", "30 working days, August not counted"),
    ("tribunal.la_response", "2025-12-01", "2026-01-20", "30 working days, 25 Dec-1 Jan not counted"),
    ("tribunal.permission_to_appeal", "2025-07-20", "2025-09-17", "28 days, August not counted"),
    ("tribunal.permission_to_appeal", "2025-12-10", "2026-01-15", "28 days, 25 Dec-1 Jan not counted"),
]


@pytest.mark.parametrize(("rule", "start", "due", "why"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_boundary_dates(rule: str, start: str, due: str, why: str) -> None:
    assert due_date(rule, D(start)) == D(due), why


def test_every_rule_has_a_boundary_case_and_a_reference() -> None:
    rules = statutory.POLICIES[statutory.DEFAULT_POLICY]
    covered = {case[0] for case in CASES}
    assert covered >= set(rules) - {
        "review.report",
        "review.amendment_comments",
        "reassessment.decide",
        "reassessment.final_plan",
        "transfer.new_la_notice",
        "mediation.health_notify",
        "mediation.agreement_non_appealable",
        "mediation.rcb_notify",
        "tribunal.recommendations_response",
        "tribunal.comply_no_plan",
        "tribunal.comply_final_plan",
        "tribunal.comply_final_after_draft",
    }
    for rule in rules.values():
        assert rule.reference and rule.description, rule.id


@pytest.mark.parametrize(
    ("rule", "start", "due"),
    [
        ("review.report", "2025-12-18", "2026-01-01"),
        ("review.amendment_comments", "2025-12-20", "2026-01-03"),
        ("reassessment.decide", "2025-12-20", "2026-01-04"),
        ("reassessment.final_plan", "2025-01-06", "2025-04-14"),
        ("transfer.new_la_notice", "2025-01-06", "2025-02-17"),
        ("mediation.health_notify", "2025-04-17", "2025-04-24"),
        ("mediation.agreement_non_appealable", "2025-12-18", "2026-01-01"),
        ("mediation.rcb_notify", "2025-12-25", "2026-01-01"),
        ("tribunal.recommendations_response", "2025-07-28", "2025-09-01"),
        ("tribunal.comply_no_plan", "2025-01-06", "2025-03-17"),
        ("tribunal.comply_final_plan", "2025-01-06", "2025-04-14"),
        ("tribunal.comply_final_after_draft", "2025-01-06", "2025-03-24"),
    ],
)
def test_other_rules(rule: str, start: str, due: str) -> None:
    assert due_date(rule, D(start)) == D(due)


@pytest.mark.parametrize(
    ("args", "error", "words"),
    [
        (("assessment.no_such_rule", date(2025, 1, 6)), ValueError, "unknown rule 'assessment.no_such_rule'"),
        (
            ("assessment.final_plan", date(2025, 1, 6), "green-paper-2099"),
            ValueError,
            "unknown policy 'green-paper-2099'",
        ),
        (("assessment.final_plan", datetime(2025, 1, 6, 9, 0)), TypeError, "datetime"),
        (("assessment.final_plan", "2025-01-06"), TypeError, "str"),
        (("assessment.final_plan", date(1899, 1, 1)), ValueError, "1899-01-01"),
        (("assessment.final_plan", date(2099, 12, 1)), ValueError, "outside the calendar"),
    ],
)
def test_bad_input_is_refused_clearly(args: tuple, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=re.escape(words)):
        due_date(*args)


def test_unknown_rule_message_lists_known_rules() -> None:
    with pytest.raises(ValueError, match=re.escape("assessment.final_plan")):
        due_date("nope", date(2025, 1, 6))

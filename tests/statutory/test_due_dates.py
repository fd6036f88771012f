"""`statutory.due_date` on worked boundary cases, each date checked by hand against docs/law.md."""

import re
from datetime import date, datetime

import pytest

import statutory
from statutory import due_date

D = date.fromisoformat

# (rule, start, due, why). Bank holidays used below (England and Wales): Good Friday and Easter Monday
# 29 Mar/1 Apr 2024, 18/21 Apr 2025, 3/6 Apr 2026; early May 1 May 2023, 5 May 2025; spring 25 May 2026;
# summer 31 Aug 2026, 30 Aug 2027; one-off 19 Sep 2022, 8 May 2023; substitute days 28 Dec 2020,
# 27-28 Dec 2021, 3 Jan 2022, 28 Dec 2026, 27-28 Dec 2027.
CASES = [
    # Weeks: start + 7N, never rolled (docs/law.md, Weeks).
    ("assessment.decide_to_assess", "2025-01-06", "2025-02-17", "law.md's example"),
    ("assessment.decide_to_assess", "2025-11-20", "2026-01-01", "New Year's Day, no roll"),
    ("assessment.decide_to_assess", "2025-03-07", "2025-04-18", "Good Friday, no roll"),
    ("assessment.advice", "2024-01-18", "2024-02-29", "leap day"),
    ("assessment.advice", "2026-02-20", "2026-04-03", "Good Friday 2026, no roll"),
    ("assessment.advice", "2022-08-08", "2022-09-19", "state funeral, no roll"),
    ("assessment.notify_no_plan", "2025-01-06", "2025-04-28", "law.md's request, 16 weeks"),
    ("assessment.notify_no_plan", "2024-12-30", "2025-04-21", "Easter Monday, no roll"),
    ("assessment.final_plan", "2025-01-06", "2025-05-26", "law.md: a bank holiday, no roll"),
    ("assessment.final_plan", "2024-12-25", "2025-05-14", "from Christmas Day"),
    ("assessment.final_plan", "2022-12-19", "2023-05-08", "coronation, no roll"),
    ("review.report", "2025-12-18", "2026-01-01", "New Year's Day"),
    ("review.report", "2024-02-15", "2024-02-29", "leap day"),
    ("review.decision", "2025-12-01", "2025-12-29", "4 weeks over Christmas"),
    ("review.decision", "2025-03-24", "2025-04-21", "Easter Monday"),
    ("review.final_amended", "2026-06-30", "2026-08-25", "8 weeks into August: no Tribunal rule"),
    ("review.final_amended", "2024-01-04", "2024-02-29", "leap day"),
    ("reassessment.final_plan", "2025-01-06", "2025-04-14", "14 weeks"),
    ("reassessment.final_plan", "2026-09-18", "2026-12-25", "Christmas Day, no roll"),
    ("transfer.new_la_notice", "2025-01-06", "2025-02-17", "6 weeks"),
    ("transfer.new_la_notice", "2026-11-13", "2026-12-25", "Christmas Day, no roll"),
    ("mediation.agreement_non_appealable", "2025-12-18", "2026-01-01", "New Year's Day"),
    ("mediation.agreement_non_appealable", "2025-04-04", "2025-04-18", "Good Friday"),
    ("mediation.rcb_notify", "2025-12-25", "2026-01-01", "Christmas to New Year"),
    ("mediation.rcb_notify", "2023-05-01", "2023-05-08", "early May to the coronation"),
    ("tribunal.recommendations_response", "2025-07-28", "2025-09-01", "across August, no August rule"),
    ("tribunal.recommendations_response", "2026-07-27", "2026-08-31", "summer bank holiday, no roll"),
    ("tribunal.comply_assess", "2025-12-04", "2025-12-18", "2 weeks (reg 44(2)(b))"),
    ("tribunal.comply_assess", "2026-12-11", "2026-12-25", "Christmas Day, no roll"),
    ("tribunal.comply_assess", "2026-08-17", "2026-08-31", "summer bank holiday, no roll"),
    ("tribunal.comply_no_plan", "2025-01-06", "2025-03-17", "10 weeks"),
    ("tribunal.comply_no_plan", "2026-10-16", "2026-12-25", "Christmas Day, no roll"),
    ("tribunal.comply_final_plan", "2025-01-06", "2025-04-14", "14 weeks"),
    ("tribunal.comply_final_plan", "2023-11-23", "2024-02-29", "leap day"),
    ("tribunal.comply_issue_draft", "2024-02-01", "2024-03-07", "5 weeks over a leap February"),
    ("tribunal.comply_issue_draft", "2025-03-14", "2025-04-18", "Good Friday"),
    ("tribunal.comply_final_after_draft", "2025-01-06", "2025-03-24", "11 weeks"),
    ("tribunal.comply_final_after_draft", "2026-06-15", "2026-08-31", "summer bank holiday, no roll"),
    ("tribunal.comply_amend", "2026-07-31", "2026-09-04", "5 weeks over August"),
    ("tribunal.comply_amend", "2025-11-20", "2025-12-25", "Christmas Day, no roll"),
    ("tribunal.comply_name_school", "2025-12-18", "2026-01-01", "2 weeks"),
    ("tribunal.comply_name_school", "2022-09-05", "2022-09-19", "state funeral, no roll"),
    # Days "beginning with" the day served: day 1 is the service day (regs 13(1), 22(2)(c)).
    # docs/law.md, Days beginning with.
    ("assessment.draft_comments", "2025-03-03", "2025-03-17", "law.md's example"),
    ("assessment.draft_comments", "2024-02-20", "2024-03-05", "leap February"),
    ("assessment.draft_comments", "2025-02-20", "2025-03-06", "common February"),
    ("assessment.draft_comments", "2025-12-24", "2026-01-07", "over Christmas, calendar days"),
    ("assessment.draft_comments", "2025-04-07", "2025-04-21", "Easter Monday, no roll"),
    ("review.amendment_comments", "2025-12-20", "2026-01-03", "a Saturday, no roll"),
    ("review.amendment_comments", "2024-02-15", "2024-02-29", "leap day"),
    # Plain days: the start day is not counted.
    ("assessment.setting_response", "2025-12-17", "2026-01-01", "New Year's Day, no roll"),
    ("assessment.setting_response", "2024-02-20", "2024-03-06", "leap February"),
    ("assessment.setting_response", "2025-03-01", "2025-03-16", "start + 15"),
    ("reassessment.decide", "2025-12-20", "2026-01-04", "a Sunday, no roll"),
    ("reassessment.decide", "2024-02-14", "2024-02-29", "leap day"),
    ("mediation.arrange", "2025-12-02", "2026-01-01", "30 days"),
    ("mediation.arrange", "2024-01-31", "2024-03-01", "30 days over a leap February"),
    ("mediation.arrange", "2025-07-20", "2025-08-19", "into August, no August rule"),
    # Months: the corresponding date, clamped to the month end, never rolled (docs/law.md, Months).
    ("review.annual", "2024-02-29", "2025-02-28", "leap day to a common year"),
    ("review.annual", "2023-02-28", "2024-02-28", "into a leap year: corresponding date"),
    ("review.annual", "2025-01-31", "2026-01-31", "month end"),
    ("review.annual", "2025-12-25", "2026-12-25", "Christmas Day, no roll"),
    ("review.under_five", "2025-08-31", "2026-02-28", "31 Aug + 6 months"),
    ("review.under_five", "2023-08-31", "2024-02-29", "31 Aug + 6 months, leap year"),
    ("review.under_five", "2025-06-25", "2025-12-25", "Christmas Day, no roll"),
    # Set back from the move (5 months before it); the rule's own forward count is only its shape.
    ("review.post16_move", "2026-02-28", "2026-07-28", "5 months"),
    ("review.post16_move", "2025-09-30", "2026-02-28", "no 30 February: the month's last day"),
    ("review.post16_move", "2023-09-29", "2024-02-29", "leap year"),
    ("review.phase_transfer_meeting", "2025-10-02", "2025-12-25", "Christmas Day, no roll"),
    ("review.final_amended_after_meeting", "2025-01-06", "2025-03-31", "12 weeks (Devon 2022)"),
    ("review.final_amended_after_meeting", "2026-10-02", "2026-12-25", "Christmas Day, no roll"),
    # A planning target whose date is set back from the transfer; the rule's own count is only its shape.
    ("review.phase_transfer_meeting", "2025-11-24", "2026-02-16", "12 weeks, no roll"),
    # A provider's account of a delivery period: 10 working days from its last day (a planning date).
    ("provision.confirm", "2026-12-18", "2027-01-06", "Christmas, the Boxing Day substitute and New Year not counted"),
    ("provision.confirm", "2027-03-26", "2027-04-12", "from Good Friday; Easter Monday not counted"),
    ("provision.confirm", "2028-02-18", "2028-03-03", "across 29 Feb 2028"),
    # The duty over a period is due on the period's last day, set from the period; the rule's count is only its shape.
    ("provision.secure", "2026-12-31", "2027-01-01", "shape only"),
    ("transfer.review", "2025-11-30", "2026-02-28", "3 months to February"),
    ("transfer.review", "2023-11-30", "2024-02-29", "3 months to a leap February"),
    ("transfer.review", "2025-05-31", "2025-08-31", "a Sunday in August, no roll"),
    ("mediation.contact_adviser", "2023-12-31", "2024-02-29", "31 Dec + 2 months, leap year"),
    ("mediation.contact_adviser", "2024-12-31", "2025-02-28", "31 Dec + 2 months"),
    ("mediation.contact_adviser", "2025-06-10", "2025-08-10", "choice 24: no August move under reg 33"),
    ("mediation.contact_adviser", "2025-10-25", "2025-12-25", "Christmas Day, no move"),
    # Fixed dates of the transfer year (reg 18(1)): 15 Feb / 31 Mar of the year after the start.
    ("review.phase_transfer_school", "2026-09-01", "2027-02-15", "secondary transfer"),
    ("review.phase_transfer_school", "2026-01-01", "2027-02-15", "first day of the year before"),
    ("review.phase_transfer_school", "2026-12-31", "2027-02-15", "last day of the year before"),
    ("review.phase_transfer_school", "2027-12-31", "2028-02-15", "into a leap year"),
    ("review.phase_transfer_post16", "2027-06-01", "2028-03-31", "post-16 transfer"),
    ("review.phase_transfer_post16", "2024-02-29", "2025-03-31", "from a leap day"),
    ("review.phase_transfer_post16", "2026-12-31", "2027-03-31", "last day of the year before"),
    # Working days: the Nth working day strictly after the start (docs/law.md, Working days).
    ("mediation.certificate", "2025-12-24", "2025-12-31", "Christmas and Boxing Day, then the weekend"),
    ("mediation.certificate", "2025-12-31", "2026-01-06", "New Year's Day, then the weekend"),
    ("mediation.certificate", "2026-12-24", "2026-12-31", "Boxing Day substitute on Mon 28 Dec 2026"),
    ("mediation.certificate", "2020-12-23", "2020-12-30", "Boxing Day substitute on Mon 28 Dec 2020"),
    ("mediation.certificate", "2021-12-23", "2021-12-30", "25 and 26 Dec 2021 substituted on 27-28 Dec"),
    ("mediation.certificate", "2021-12-30", "2022-01-05", "1 Jan 2022 substituted on Mon 3 Jan"),
    ("mediation.certificate", "2027-12-23", "2027-12-30", "25 and 26 Dec 2027 substituted on 27-28 Dec"),
    ("mediation.certificate", "2025-04-17", "2025-04-24", "Good Friday and Easter Monday 2025"),
    ("mediation.certificate", "2024-03-28", "2024-04-04", "Good Friday 29 Mar and Easter Monday 1 Apr 2024"),
    ("mediation.certificate", "2022-09-16", "2022-09-22", "state funeral, 19 Sep 2022"),
    ("mediation.certificate", "2023-05-05", "2023-05-11", "coronation, 8 May 2023"),
    ("mediation.certificate", "2026-05-22", "2026-05-28", "spring bank holiday 25 May 2026"),
    ("mediation.certificate", "2025-02-28", "2025-03-05", "month end, weekend"),
    ("mediation.certificate", "2024-02-27", "2024-03-01", "over a leap day"),
    ("mediation.deemed_certificate", "2026-08-28", "2026-09-03", "summer bank holiday 31 Aug 2026"),
    ("mediation.deemed_certificate", "2024-03-28", "2024-04-04", "Easter 2024"),
    ("mediation.deemed_certificate", "2025-12-24", "2025-12-31", "Christmas 2025"),
    ("mediation.health_notify", "2025-04-17", "2025-04-24", "Easter 2025"),
    ("mediation.health_notify", "2025-05-02", "2025-05-08", "early May bank holiday 5 May 2025"),
    ("mediation.health_notify", "2027-12-24", "2027-12-31", "Christmas 2027 substitute days"),
    # Appeal deadlines: the month date, then the Tribunal's rule 12 (HESC r.12(2), (3)(a); docs/law.md, The Tribunal's
    # August and Christmas).
    ("appeal.from_decision", "2025-06-10", "2025-09-01", "law.md's example: August moves to 1 Sep"),
    ("appeal.from_decision", "2026-06-30", "2026-09-01", "30 Aug 2026; 31 Aug is a bank holiday anyway"),
    ("appeal.from_decision", "2025-07-01", "2025-09-01", "1 Sep 2025 is a Monday"),
    ("appeal.from_decision", "2024-06-30", "2024-09-02", "1 Sep 2024 is a Sunday"),
    ("appeal.from_decision", "2027-05-31", "2027-09-01", "Sat 31 Jul 2027 rolls into August, then past it"),
    ("appeal.from_decision", "2026-10-25", "2027-01-04", "Christmas Day; 2 Jan 2027 is a Saturday"),
    ("appeal.from_decision", "2025-11-01", "2026-01-02", "New Year's Day; 2 Jan 2026 is a Friday"),
    ("appeal.from_decision", "2025-11-02", "2026-01-02", "2 Jan itself, a working day"),
    ("appeal.from_decision", "2025-10-31", "2026-01-02", "31 Dec is inside 25 Dec-1 Jan"),
    ("appeal.from_decision", "2025-10-24", "2025-12-24", "24 Dec is outside the window and a working day"),
    ("appeal.from_decision", "2023-12-31", "2024-02-29", "leap day, a working day"),
    ("appeal.from_decision", "2023-10-23", "2024-01-02", "Sat 23 Dec rolls into 27 Dec, then past 1 Jan"),
    ("appeal.from_decision", "2000-10-23", "2001-01-02", "the same in 2000 (found by hypothesis)"),
    ("appeal.from_decision", "2024-12-31", "2025-02-28", "clamped to 28 Feb, a Friday"),
    ("appeal.from_decision", "2025-02-05", "2025-04-07", "Saturday rolls to Monday (r.12(2))"),
    ("appeal.from_decision", "2025-02-18", "2025-04-22", "Good Friday, weekend, Easter Monday"),
    ("appeal.from_decision", "2026-03-25", "2026-05-26", "spring bank holiday 25 May 2026"),
    ("appeal.from_decision", "2025-09-30", "2025-12-01", "30 Nov 2025 is a Sunday"),
    ("appeal.from_certificate", "2025-11-29", "2026-01-02", "IPSEA's 29 Nov -> 29 Dec, moved by r.12(3)(a)"),
    ("appeal.from_certificate", "2021-11-27", "2022-01-04", "27 Dec 2021; 1 Jan 2022 substituted on 3 Jan"),
    ("appeal.from_certificate", "2026-07-31", "2026-09-01", "31 Aug 2026, a bank holiday in August"),
    ("appeal.from_certificate", "2025-07-31", "2025-09-01", "31 Aug 2025, a Sunday in August"),
    ("appeal.from_certificate", "2025-08-31", "2025-09-30", "31 Aug + 1 month = 30 Sep"),
    ("appeal.from_certificate", "2025-01-31", "2025-02-28", "31 Jan + 1 month, common year"),
    ("appeal.from_certificate", "2024-01-31", "2024-02-29", "31 Jan + 1 month, leap year"),
    ("appeal.from_certificate", "2024-02-29", "2024-04-02", "Good Friday 29 Mar 2024, then Easter Monday"),
    ("appeal.from_certificate", "2023-04-01", "2023-05-02", "early May bank holiday 1 May 2023"),
    ("appeal.from_certificate", "2023-04-08", "2023-05-09", "coronation, 8 May 2023"),
    ("appeal.from_certificate", "2025-03-26", "2025-04-28", "26 Apr 2025 is a Saturday"),
    ("appeal.from_certificate", "2022-08-19", "2022-09-20", "19 Sep 2022 was the state funeral"),
    # Tribunal day counting (HESC r.12(3)(b)): August and 25 Dec-1 Jan are not counted.
    ("tribunal.la_response", "2025-07-15", "2025-09-24", "30 working days, August not counted"),
    ("tribunal.la_response", "2025-12-01", "2026-01-20", "30 working days, 25 Dec-1 Jan not counted"),
    ("tribunal.la_response", "2025-04-01", "2025-05-16", "30 working days over Easter and early May"),
    ("tribunal.permission_to_appeal", "2025-07-20", "2025-09-17", "28 days, August not counted"),
    ("tribunal.permission_to_appeal", "2025-12-10", "2026-01-15", "28 days, 25 Dec-1 Jan not counted"),
    ("tribunal.permission_to_appeal", "2025-08-10", "2025-09-28", "from inside August; a Sunday, no roll"),
    ("tribunal.permission_to_appeal", "2025-06-01", "2025-06-29", "a Sunday, no roll (DESIGN CHOICE)"),
]


@pytest.mark.parametrize(("rule", "start", "due", "why"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_boundary_dates(rule: str, start: str, due: str, why: str) -> None:
    assert due_date(rule, D(start)) == D(due), why


def test_every_rule_has_worked_cases() -> None:
    covered = {case[0] for case in CASES}
    assert covered == set(statutory.POLICIES[statutory.DEFAULT_POLICY])


def test_the_policy_is_chosen_by_name() -> None:
    assert due_date("assessment.final_plan", D("2025-01-06"), "send-regs-2014") == D("2025-05-26")
    # The green paper changes who must mediate, not the assessment's limits: 29 Feb 2024 + 20 weeks = 18 Jul 2024.
    assert due_date("assessment.final_plan", D("2024-02-29"), "green-paper-2022") == D("2024-07-18")
    assert due_date("appeal.from_decision", D("2024-02-29"), "green-paper-2022") == D("2024-04-29")


@pytest.mark.parametrize(
    ("args", "error", "words"),
    [
        (("assessment.no_such_rule", date(2025, 1, 6)), ValueError, "unknown rule 'assessment.no_such_rule'"),
        (
            ("assessment.final_plan", date(2025, 1, 6), "green-paper-2099"),
            ValueError,
            "unknown policy 'green-paper-2099'",
        ),
        (("review.annual", datetime(2025, 1, 6, 9)), TypeError, "datetime.datetime(2025, 1, 6, 9, 0)"),
        (("assessment.final_plan", "2025-01-06"), TypeError, "str: '2025-01-06'"),
        (("assessment.final_plan", None), TypeError, "NoneType"),
        (("assessment.final_plan", date(1899, 1, 1)), ValueError, "start date 1899-01-01 is outside"),
        (("assessment.final_plan", date(1989, 12, 31)), ValueError, "start date 1989-12-31 is outside"),
        (("appeal.from_decision", date(2100, 1, 1)), ValueError, "start date 2100-01-01 is outside"),
        (("review.phase_transfer_school", date(2100, 6, 1)), ValueError, "start date 2100-06-01 is outside"),
    ],
)
def test_bad_input_is_refused_clearly(args: tuple, error: type[Exception], words: str) -> None:
    with pytest.raises(error, match=re.escape(words)):
        due_date(*args)


def test_the_last_supported_start_still_gives_a_due_date() -> None:
    # The longest rule from the last day of 2099 stays inside the holiday calendar (to 2100).
    for rule in statutory.POLICIES[statutory.DEFAULT_POLICY]:
        assert due_date(rule, date(2099, 12, 31)) > date(2099, 12, 31)
    assert due_date("review.annual", date(2099, 12, 31)) == date(2100, 12, 31)
    assert due_date("assessment.final_plan", date(1990, 1, 1)) == date(1990, 5, 21)


def test_unknown_rule_message_lists_known_rules() -> None:
    with pytest.raises(ValueError, match=re.escape("assessment.final_plan")):
        due_date("nope", date(2025, 1, 6))


def test_unknown_policy_message_lists_known_policies() -> None:
    with pytest.raises(ValueError, match=re.escape("known policies: green-paper-2022, send-regs-2014")):
        due_date("assessment.final_plan", date(2025, 1, 6), "send-regs-2015")

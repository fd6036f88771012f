"""The notices' texts, pinned word for word: the outbox keeps what was sent, and running cases go on sending it.

Each date is written by hand with its weekday; notices use two formats, "Wednesday 05 March 2025" and, in the
assessment's and the appeal rights', "Wednesday 5 March 2025", and neither may drift.
"""

from datetime import date

import pytest

from workflows import letters
from workflows.letters import Notice

POLICY = "send-regs-2014"


@pytest.mark.parametrize(
    ("notice", "expected"),
    [
        (
            letters.deadline_reminder(
                "LA1-7", "Advice from the educational psychologist", date(2025, 3, 5), "SEND Regs 2014 reg 8(1)"
            ),
            Notice(
                "Reminder: Advice from the educational psychologist due 05 March 2025",
                "Case LA1-7: Advice from the educational psychologist is due on Wednesday 05 March 2025 "
                "(SEND Regs 2014 reg 8(1)).",
            ),
        ),
        (
            letters.breach_withdrawn("LA1-7", "Final EHC plan", date(2025, 6, 2), date(2025, 6, 9), "reg 13(2)"),
            Notice(
                "Breach withdrawn: Final EHC plan on case LA1-7",
                "Case LA1-7: Final EHC plan was done on Monday 02 June 2025, by its due date (09 June 2025, "
                "reg 13(2)). The breach escalated before the date was entered did not happen.",
            ),
        ),
        (
            letters.review_notice("LA1-7", date(2025, 7, 3)),
            Notice(
                "Your EHC plan review meeting",
                "Case LA1-7: the review meeting will be held on Thursday 03 July 2025 (SEND Regs 2014 reg 20(3)). "
                "Advice and information will be circulated at least two weeks before it (reg 20(4)).",
            ),
        ),
        (
            letters.amendment_notice("LA1-7", date(2025, 4, 16), date(2025, 5, 26)),
            Notice(
                "Proposed changes to your EHC plan",
                "Case LA1-7: the LA proposes to amend the plan; the proposals are enclosed (SEND Regs 2014 "
                "reg 22(2)). You have until 16 April 2025 to comment, ask for a meeting or ask for a school or "
                "college to be named. The amended plan is due by 26 May 2025 (reg 22(3)).",
            ),
        ),
        (
            # A response whose time limit is not on the appeal says "by within 5 weeks", as it always has.
            letters.tribunal_recommendations(
                "LA1-7",
                date(2025, 3, 12),
                [("the LA's social care function", date(2025, 4, 16)), ("the health commissioning body", None)],
            ),
            Notice(
                "Tribunal recommendations on case LA1-7",
                "Case LA1-7: the Tribunal's decision of 12 March 2025 made recommendations on health or social "
                "care. They are not binding, but the LA's social care function must respond in writing by "
                "16 April 2025; the health commissioning body must respond in writing by within 5 weeks, saying "
                "what it will do and, where it will not follow a recommendation, why (SEND (First-tier Tribunal "
                "Recommendations Power) Regulations 2017). Record each response on the appeal.",
            ),
        ),
    ],
)
def test_a_notice_says_what_it_always_said(notice: Notice, expected: Notice) -> None:
    assert notice == expected


def test_a_plan_decision_carries_the_appeal_rights_after_a_blank_line() -> None:
    # Decided Friday 7 March 2025: two months on is Wednesday 7 May 2025, a working day, for both the
    # mediation adviser (reg 33) and the Tribunal (r.20(1)(c)).
    notice = letters.reassessment_refused("LA1-7", date(2025, 3, 7), "The needs have not changed.", POLICY)
    assert notice == Notice(
        "No re-assessment",
        "Case LA1-7: reasons: The needs have not changed.\n\n"
        "Your right to appeal (Children and Families Act 2014 s.51):\n"
        "- You can appeal to the First-tier Tribunal (Special Educational Needs and Disability). The Tribunal must "
        "receive your appeal by Wednesday 7 May 2025, or one month after the date of a mediation certificate if that "
        "is later (HESC Rules 2008 r.20(1)(c)).\n"
        "- Before you appeal you must contact the mediation adviser, by Wednesday 7 May 2025, and say whether you "
        "want mediation. The adviser will give you a certificate within 3 working days if you do not (SEND Regs "
        "2014 regs 32-34). If you want mediation, the LA must arrange it within 30 days.\n"
        "- Disagreement resolution and the local SEND information, advice and support service are free to use.",
    )


@pytest.mark.parametrize(
    ("certificate_noted", "in_force"),
    [
        (
            True,
            "until the time for appealing has passed (not before 07 May 2025; a mediation certificate gives a "
            "month from its date), or until any appeal is decided.",
        ),
        # Cases begun before the law's gaps were filled keep the wording they first sent.
        (False, "until 07 May 2025, or until any appeal is decided."),
    ],
)
def test_a_cease_notice_says_how_long_the_plan_stays_in_force(certificate_noted: bool, in_force: str) -> None:
    notice = letters.cease_notice(
        "LA1-7", date(2025, 3, 7), "Needs met", date(2025, 5, 7), POLICY, certificate_noted=certificate_noted
    )
    assert notice.subject == "Decision to cease your EHC plan"
    assert notice.body.startswith(
        f"Case LA1-7: the LA has decided to cease the plan. Reasons: Needs met. The plan stays in force {in_force}"
        "\n\nYour right to appeal (Children and Families Act 2014 s.51):\n"
    )

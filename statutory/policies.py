"""The rule sets, chosen per case. `send-regs-2014` is today's law.

Each rule carries its legal reference (docs/rules.md lists them all, docs/law.md says how each counts);
where a reference or its reading is uncertain, docs/statutory-choices.md gives the sources.
Rule sets are versioned so that a case keeps the law it started under; a later set (the 2022 green
paper's) is built with `derive` from this one by replacing the few rules it changes.
"""

from collections import Counter
from collections.abc import Iterable, Mapping
from types import MappingProxyType

from statutory.clock import Unit
from statutory.exceptions import ADVICE_LIMITS, ASSESSMENT_LIMITS, ORDER_LIMITS
from statutory.rules import Rule

W, M, D, DB, WD = Unit.WEEKS, Unit.MONTHS, Unit.DAYS, Unit.DAYS_BEGINNING_WITH, Unit.WORKING_DAYS

SEND_REGS_2014_RULES: tuple[Rule, ...] = (
    # EHC needs assessment and first plan (CFA 2014 s.36; SEND Regs 2014 regs 3-13) ----------------
    Rule(
        "assessment.decide_to_assess",
        6,
        W,
        "SEND Regs 2014 reg 5(1)",
        "Decide whether to assess and notify the parent or young person",
        exceptions=ASSESSMENT_LIMITS,
    ),
    Rule(
        "assessment.advice",
        6,
        W,
        "SEND Regs 2014 reg 8(1); reg 6 and Code of Practice ch.9 for advisers outside CFA 2014 s.31",
        "Advice from the body asked for it",
        exceptions=ADVICE_LIMITS,
    ),
    # Read as the deadline for deciding whether to issue a plan: a decision not to issue must be
    # notified by then, and a decision to issue meets it too.
    Rule(
        "assessment.notify_no_plan",
        16,
        W,
        "SEND Regs 2014 reg 10(1)",
        "Decide whether to issue a plan (notify a decision not to)",
        exceptions=ASSESSMENT_LIMITS,
    ),
    Rule(
        "assessment.final_plan",
        20,
        W,
        "SEND Regs 2014 reg 13(2)",
        "Issue the final EHC plan",
        exceptions=ASSESSMENT_LIMITS,
    ),
    # DESIGN CHOICE (docs/statutory-choices.md row 4): "at least 15 days beginning with the day on which the draft plan
    # was served": the service day is day 1 and the due date is the last day of the window (served Mon 3 Mar 2025 ->
    # Mon 17 Mar); the LA may finalise from the day after.
    Rule(
        "assessment.draft_comments",
        15,
        DB,
        "SEND Regs 2014 reg 13(1)(a); CFA 2014 s.38(2)",
        "Parent's or young person's window to comment on the draft plan",
    ),
    # DESIGN CHOICE (docs/statutory-choices.md row 5): "should respond within 15 days" of the consultation; a plain
    # "within N days of" does not count the day the consultation is sent (sent 1 Mar -> 16 Mar).
    Rule(
        "assessment.setting_response",
        15,
        D,
        "CFA 2014 s.39(2)-(3), s.40(3); Code of Practice 9.83",
        "Setting's answer to the LA's consultation",
    ),
    # Annual review and amendment (CFA 2014 s.44; SEND Regs 2014 regs 19-22) ----------------------
    # DESIGN CHOICE (docs/statutory-choices.md row 13): the corresponding date 12 months on, as for every month rule
    # (29 Feb 2024 -> 28 Feb 2025). s.44(1) says "the period of 12 months starting with" the date, which read strictly
    # ends a day earlier; pending legal sign-off.
    Rule(
        "review.annual",
        12,
        M,
        "CFA 2014 s.44(1); Code of Practice 9.169",
        "Hold the review meeting (the annual review of the EHC plan)",
    ),
    # A planning target, not a duty: Code 9.178 says LAs "should consider" reviewing the plan of a child under 5
    # every 3 to 6 months; the law's limit stays s.44(1)'s 12 months. DESIGN CHOICE: 6 months
    # (docs/statutory-choices.md row 16).
    Rule(
        "review.under_five",
        6,
        M,
        "SEND Code of Practice 2015 para 9.178 (guidance: a planning date, not a statutory limit)",
        "Review the EHC plan of a child under 5 (planned every 3 to 6 months)",
    ),
    # A planning target, not a duty: the meeting date worked back from a phase transfer so the amended
    # plan can be final by reg 18's date (decision 4 weeks after the meeting, amended plan 8 weeks after
    # that: regs 20, 22(3)). Its date is set from the transfer, not counted from a start.
    Rule(
        "review.phase_transfer_meeting",
        12,
        W,
        "SEND Regs 2014 reg 18(1), regs 20 and 22(3) counted back (a planning date, not a statutory limit)",
        "Hold the review meeting in time to amend the plan before the phase transfer",
    ),
    # Reg 21(7) (no school or institution attended) is seen in the primary text; reg 20's paragraph for
    # the same 2-week report is not, so reg 20 is cited whole (docs/statutory-choices.md).
    Rule(
        "review.report",
        2,
        W,
        "SEND Regs 2014 reg 20 (school or other institution attended); reg 21(7) (none attended)",
        "Send the review report after the meeting",
    ),
    # The paragraphs holding the 4-week decision in regs 20 and 21 were not seen in the primary text,
    # so both regulations are cited whole (docs/statutory-choices.md).
    Rule(
        "review.decision",
        4,
        W,
        "SEND Regs 2014 reg 20 (school or other institution attended); reg 21 (none attended)",
        "Decide to maintain, amend or cease and notify after the review meeting",
    ),
    Rule(
        "review.final_amended",
        8,
        W,
        "SEND Regs 2014 reg 22(3)",
        "Issue the final amended plan after sending the proposed amendments",
    ),
    # The earlier of this and reg 22(3)'s 8 weeks binds: the proposed amendments go with the decision
    # within 4 weeks of the meeting (reg 20, read with reg 22(2)), and the amended plan follows
    # within 8 weeks of them, so within 12 weeks of the meeting at the latest (reg 20's paragraph numbers were
    # not read in the primary text: docs/statutory-choices.md row 47 onwards).
    Rule(
        "review.final_amended_after_meeting",
        12,
        W,
        "SEND Regs 2014 regs 20 and 22(2)-(3) read together: R (L, M and P) v Devon CC [2022] EWHC 493 (Admin)",
        "Issue the final amended plan within 12 weeks of the review meeting",
    ),
    # DESIGN CHOICE (docs/statutory-choices.md row 4): as for the draft plan, the day the amendments are served
    # is day 1.
    Rule(
        "review.amendment_comments",
        15,
        DB,
        "SEND Regs 2014 reg 22(2)(c)",
        "Parent's or young person's window to comment on the proposed amendments",
    ),
    # Phase transfer (SEND Regs 2014 reg 18): the start is any date in the calendar year before the transfer.
    # DESIGN CHOICE (docs/statutory-choices.md row 12): the regulation says "before 15 February" / "before 31 March";
    # the rule returns the named date itself, as the issue contract fixes. Read strictly, the plan must be amended by
    # the day before (14 Feb / 30 Mar); pending legal sign-off.
    Rule(
        "review.phase_transfer_school",
        0,
        Unit.FIXED_DATE,
        "SEND Regs 2014 reg 18(1)(b)",
        "Review and amend the plan before a phase transfer",
        fixed_month=2,
        fixed_day=15,
    ),
    Rule(
        "review.phase_transfer_post16",
        0,
        Unit.FIXED_DATE,
        "SEND Regs 2014 reg 18(1)(a)",
        "Review and amend the plan before the move from secondary school to post-16",
        fixed_month=3,
        fixed_day=31,
    ),
    # Reg 18(2): a young person moving between post-16 institutions at any other time; the plan is reviewed
    # and amended at least 5 months before the move. Its date is set back from the move, not counted forward.
    Rule(
        "review.post16_move",
        5,
        M,
        "SEND Regs 2014 reg 18(2)",
        "Review and amend the plan at least 5 months before a move between post-16 institutions",
    ),
    # Re-assessment (SEND Regs 2014 regs 24-27) ---------------------------------------------------
    # DESIGN CHOICE (docs/statutory-choices.md row 58): calendar days (Kent CC, National SENDIASS), the day the
    # request arrives not counted.
    Rule(
        "reassessment.decide",
        15,
        D,
        "SEND Regs 2014 reg 25",
        "Decide whether to re-assess and notify",
    ),
    # Reg 27(3) applies the four grounds of reg 10(4), so the assessment exceptions apply.
    Rule(
        "reassessment.final_plan",
        14,
        W,
        "SEND Regs 2014 reg 27(2)",
        "Issue the amended or replacement plan after re-assessment",
        exceptions=ASSESSMENT_LIMITS,
    ),
    # Transfer between LAs (SEND Regs 2014 reg 15) ------------------------------------------------
    Rule(
        "transfer.new_la_notice",
        6,
        W,
        "SEND Regs 2014 reg 15(4)",
        "New LA tells the parent or young person about the transferred plan",
    ),
    # DESIGN CHOICE (docs/statutory-choices.md row 13): the corresponding date 3 months on, as for every month rule.
    # Reg 15(5)(b) says "3 months beginning with" the transfer, which read strictly ends a day earlier; pending
    # legal sign-off.
    Rule("transfer.review", 3, M, "SEND Regs 2014 reg 15(5)(b)", "New LA reviews the transferred plan"),
    # Securing the provision in section F (CFA 2014 s.42) --------------------------------------------
    # A planning target, not a duty: the law sets no date for a provider to say what it delivered. The LA asks after
    # each delivery period and gives 10 working days (docs/statutory-choices.md row 67); a provider's silence is
    # chased and escalated, never a breach, because it says nothing about whether the provision was made.
    Rule(
        "provision.confirm",
        10,
        WD,
        "CFA 2014 s.42(2): the LA's check that it met the duty (a planning date, not a statutory limit)",
        "Provider confirms the provision delivered in the period",
    ),
    # The duty to secure the provision is continuing and has no time limit of its own: it is judged over each
    # delivery period, due on the period's last day (its date is set from the period, not counted from a start;
    # docs/statutory-choices.md row 68).
    Rule(
        "provision.secure",
        1,
        D,
        "CFA 2014 s.42(2) (a continuing duty, judged over each delivery period)",
        "Secure the special educational provision in section F",
    ),
    # Mediation (CFA 2014 ss.52-55; SEND Regs 2014 regs 32-42) ------------------------------------
    # The Tribunal's August and Christmas rules (HESC Rules 2008 r.12) do not extend this SEND Regs limit
    # (docs/statutory-choices.md row 24).
    Rule(
        "mediation.contact_adviser",
        2,
        M,
        "SEND Regs 2014 reg 33",
        "Parent or young person contacts the mediation adviser",
    ),
    # Reg 34 ("Where a parent or young person does not wish to or fails to pursue mediation") is seen in
    # the primary text; the paragraph with the 3 working days is not, so the regulation is cited whole.
    Rule(
        "mediation.certificate",
        3,
        WD,
        "SEND Regs 2014 reg 34",
        "Mediation adviser issues the certificate",
    ),
    # The next three limits sit in the mediation regulations 32-42 (Explanatory Note). Regs 32, 33 and 42
    # were read in full and hold none of them, nor does reg 34 by its heading, so they are cited as
    # regs 35-41 until the exact regulation is read in the primary text (docs/statutory-choices.md).
    Rule(
        "mediation.deemed_certificate",
        3,
        WD,
        "SEND Regs 2014 regs 35-41 (mediation)",
        "Certificate after the LA could not arrange mediation in 30 days",
    ),
    Rule(
        "mediation.health_notify",
        3,
        WD,
        "SEND Regs 2014 regs 35-41 (mediation)",
        "LA tells the health commissioning body the mediation issues",
    ),
    # DESIGN CHOICE: 30 calendar days (IPSEA; docs/statutory-choices.md row 57), the start day not counted.
    Rule(
        "mediation.arrange",
        30,
        D,
        "SEND Regs 2014 regs 35-41 (mediation)",
        "Arrange the mediation",
    ),
    Rule(
        "mediation.agreement_non_appealable",
        2,
        W,
        "SEND Regs 2014 reg 42(3)",
        "Carry out a mediation agreement on a non-appealable matter",
    ),
    Rule(
        "mediation.rcb_notify",
        1,
        W,
        "SEND Regs 2014 reg 42(4)",
        "Health commissioning body tells the LA of a mediation agreement",
    ),
    # Tribunal (HESC Rules 2008; Recommendations Power Regs 2017) ---------------------------------
    Rule(
        "appeal.from_decision",
        2,
        M,
        "HESC Rules 2008 r.20(1)(c); r.12(2), (3)(a)",
        "Appeal to the Tribunal: 2 months from the decision notice",
        tribunal_rule_12=True,
    ),
    Rule(
        "appeal.from_certificate",
        1,
        M,
        "HESC Rules 2008 r.20(1)(c); r.12(2), (3)(a)",
        "Appeal to the Tribunal: 1 month from the mediation certificate",
        tribunal_rule_12=True,
    ),
    # The HESC r.21(1)(b) default is 21 days; in SEN cases the Tribunal's standard directions set 30
    # working days, which r.12(3)(b) counts without 25 Dec to 1 Jan and August.
    Rule(
        "tribunal.la_response",
        30,
        Unit.TRIBUNAL_WORKING_DAYS,
        "Tribunal standard case directions; HESC Rules 2008 r.21, r.12(3)(b)",
        "LA's response to the appeal",
    ),
    # DESIGN CHOICE (docs/statutory-choices.md row 61): the 28th counted day itself, even when it is a weekend or bank
    # holiday. r.12(2) would let the act be done on the next working day; the earlier date is the safe one for a party
    # applying. Pending legal sign-off.
    Rule(
        "tribunal.permission_to_appeal",
        28,
        Unit.TRIBUNAL_DAYS,
        "HESC Rules 2008 r.46(2), r.12(3)(b)",
        "Apply for permission to appeal to the Upper Tribunal",
    ),
    # The Explanatory Note puts the action on a recommendation from reg 6 (reg 6(1): a health
    # recommendation goes to the health commissioning body); the paragraph with the 5 weeks, and the
    # social care one, were not seen, so the reference starts at reg 6 (docs/statutory-choices.md).
    Rule(
        "tribunal.recommendations_response",
        5,
        W,
        "SEND (First-tier Tribunal Recommendations Power) Regs 2017 (SI 2017/1306) reg 6 onwards",
        "Respond in writing to the Tribunal's health or social care recommendations",
    ),
    # Compliance with Tribunal orders (SEND Regs 2014 regs 44-45) ---------------------------------
    # DESIGN CHOICE (docs/statutory-choices.md row 59): every reg 44 clock runs from the date of the order, the earlier
    # of that and the day the Tribunal sends it out (HMCTS SEND18).
    # Reg 44(2)(b): notify the parent or young person within 2 weeks of the order that the LA will assess
    # or re-assess (HMCTS SEND18: "within 2 weeks"). The 4 weeks used before were the 2001 Regulations'
    # (reg 25), revoked. The same 2 weeks bind a concession (reg 45(3) as substituted by SI 2015/359 reg 8)
    # and a mediation agreement to assess (reg 42(2)), which use this rule.
    Rule(
        "tribunal.comply_assess",
        2,
        W,
        "SEND Regs 2014 reg 44(2)(b)",
        "Tell the parent or young person that the LA will assess, as the Tribunal ordered",
        exceptions=ORDER_LIMITS,
    ),
    Rule(
        "tribunal.comply_no_plan",
        10,
        W,
        "SEND Regs 2014 reg 44(2)(b)(i)",
        "Notify a decision not to issue a plan after an order to assess",
        exceptions=ORDER_LIMITS,
    ),
    Rule(
        "tribunal.comply_final_plan",
        14,
        W,
        "SEND Regs 2014 reg 44(2)(b)(ii)",
        "Issue the final plan after an order to assess",
        exceptions=ORDER_LIMITS,
    ),
    Rule(
        "tribunal.comply_issue_draft",
        5,
        W,
        "SEND Regs 2014 reg 44(2)(c)",
        "Issue a draft plan after an order to make and maintain a plan",
        exceptions=ORDER_LIMITS,
    ),
    Rule(
        "tribunal.comply_final_after_draft",
        11,
        W,
        "SEND Regs 2014 reg 44(2)(c)",
        "Issue the final plan after an order to make and maintain a plan",
        exceptions=ORDER_LIMITS,
    ),
    Rule(
        "tribunal.comply_amend",
        5,
        W,
        "SEND Regs 2014 reg 44(2)(e)",
        "Issue the amended plan after an order to amend",
        exceptions=ORDER_LIMITS,
    ),
    Rule(
        "tribunal.comply_name_school",
        2,
        W,
        "SEND Regs 2014 reg 44(2)(f)",
        "Name the school or institution the Tribunal ordered",
        exceptions=ORDER_LIMITS,
    ),
)

DEFAULT_POLICY = "send-regs-2014"


def rule_table(rules: Iterable[Rule]) -> Mapping[str, Rule]:
    rules = tuple(rules)
    if duplicates := sorted(rule_id for rule_id, n in Counter(rule.id for rule in rules).items() if n > 1):
        raise ValueError(f"duplicate rule ids: {', '.join(duplicates)}")
    return MappingProxyType({rule.id: rule for rule in rules})


def derive(base: Mapping[str, Rule], *changes: Rule) -> Mapping[str, Rule]:
    """A new rule set: `base` with each of `changes` replacing the rule of the same id, or added.

    A flag is changed by passing `dataclasses.replace(base[rule_id], flag=...)`; `base` is untouched.
    """
    return MappingProxyType({**base, **rule_table(changes)})


GREEN_PAPER = "green-paper-2022"
_TODAY = rule_table(SEND_REGS_2014_RULES)

POLICIES: Mapping[str, Mapping[str, Rule]] = MappingProxyType(
    {
        DEFAULT_POLICY: _TODAY,
        # SEND Review green paper (29 Mar 2022), proposals not law (docs/statutory-choices.md row 23): the time limits
        # stay as today's; what changes is who must mediate before an appeal (statutory.redress).
        GREEN_PAPER: derive(_TODAY),
    }
)


def get_rule(rule_id: str, policy: str = DEFAULT_POLICY) -> Rule:
    rules = POLICIES.get(policy)
    if rules is None:
        raise ValueError(f"unknown policy {policy!r}; known policies: {', '.join(sorted(POLICIES))}")
    rule = rules.get(rule_id)
    if rule is None:
        known = ", ".join(sorted(rules))
        raise ValueError(f"unknown rule {rule_id!r} in policy {policy!r}; known rules: {known}")
    return rule

"""The text of the notices the case workflows send, built from codes and dates only.

Decisions that carry appeal rights must tell the family how to appeal, the time limits, and how to
reach mediation (SEND Regs 2014 regs 5(3), 10(3), 32; CFA 2014 s.51). Names and addresses are added by
whoever prints or sends the notice (the outbox or GOV.UK Notify), never here.

The outbox keeps every notice as sent, and cases already running have sent some: a wording changed here
changes what a case says next, so the tests pin the texts (tests/workflows/test_letters.py).
"""

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

import statutory


class Notice(NamedTuple):
    """A notice as the outbox stores it: the subject line, then the body."""

    subject: str
    body: str


def _long(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def appeal_rights(decided_on: date, policy: str, *, certificate_needed: bool = True) -> str:
    """Reg 32 information: mediation, the certificate, and the Tribunal's time limits."""
    contact_by = statutory.due_date("mediation.contact_adviser", decided_on, policy)
    appeal_by = statutory.due_date("appeal.from_decision", decided_on, policy)
    lines = [
        "Your right to appeal (Children and Families Act 2014 s.51):",
        f"- You can appeal to the First-tier Tribunal (Special Educational Needs and Disability). The Tribunal must "
        f"receive your appeal by {_long(appeal_by)}, or one month after the date of a mediation certificate if "
        "that is later (HESC Rules 2008 r.20(1)(c)).",
    ]
    if certificate_needed:
        lines.append(
            f"- Before you appeal you must contact the mediation adviser, by {_long(contact_by)}, and say whether "
            "you want mediation. The adviser will give you a certificate within 3 working days if you do not "
            "(SEND Regs 2014 regs 32-34). If you want mediation, the LA must arrange it within 30 days."
        )
    else:
        lines.append(
            "- An appeal only about the school or institution named in section I needs no mediation certificate "
            "(CFA 2014 s.55), but mediation is still available if you want it."
        )
    lines.append(
        "- Disagreement resolution and the local SEND information, advice and support service are free to use."
    )
    return "\n".join(lines)


# The EHC needs assessment (CFA 2014 ss.36-39; SEND Regs 2014 Part 2) ----------------------------------------


def _refusal(
    subject: str, decision: str, regulation: str, case_ref: str, on: date, reasons: str, policy: str
) -> Notice:
    """A decision against the family, with its reasons and their appeal rights (regs 5(3), 10(3))."""
    return Notice(
        subject,
        f"Case {case_ref}: {decision} (decision of {_long(on)}, SEND Regs 2014 {regulation}).\n\n"
        f"Reasons:\n{reasons}\n\n" + appeal_rights(on, policy),
    )


def refusal_to_assess(case_ref: str, decided_on: date, reasons: str, policy: str) -> Notice:
    decision = "the LA has decided not to carry out an EHC needs assessment"
    subject = "Decision not to carry out an EHC needs assessment"
    return _refusal(subject, decision, "reg 5", case_ref, decided_on, reasons, policy)


def decision_to_assess(case_ref: str, decided_on: date, final_due: date) -> Notice:
    return Notice(
        "Your child will have an EHC needs assessment",
        f"Case {case_ref}: the LA will carry out an EHC needs assessment (decision of {_long(decided_on)}, "
        f"SEND Regs 2014 reg 5). If a plan is needed, the final plan is due by {_long(final_due)} "
        "(reg 13(2)).",
    )


def advice_request(case_ref: str, due: date) -> Notice:
    return Notice(
        "Request for advice for an EHC needs assessment",
        f"Case {case_ref}: the LA asks for your advice and information for an EHC needs assessment "
        f"(SEND Regs 2014 reg 6(1)). Please send it by {due:%d %B %Y} (reg 8(1): within 6 weeks).",
    )


def no_plan(case_ref: str, decided_on: date, reasons: str, policy: str) -> Notice:
    decision = "after the assessment the LA has decided not to issue an EHC plan"
    return _refusal("Decision not to issue an EHC plan", decision, "reg 10", case_ref, decided_on, reasons, policy)


def draft_plan(case_ref: str, served_on: date, window_ends: date) -> Notice:
    return Notice(
        "Your draft EHC plan",
        f"Case {case_ref}: your draft EHC plan is enclosed (served {_long(served_on)}). You have until "
        f"{_long(window_ends)} to comment on it, to ask for a meeting with an LA officer, and to ask for a "
        "particular school or college to be named (SEND Regs 2014 reg 13(1); CFA 2014 s.38). The draft does "
        "not name a school or college (s.38(5)).",
    )


def final_plan(case_ref: str, issued_on: date, policy: str) -> Notice:
    return Notice(
        "Your final EHC plan",
        f"Case {case_ref}: your final EHC plan is enclosed (issued {_long(issued_on)}, SEND Regs 2014 "
        "reg 13(2)). You can appeal about the special educational needs (section B), the provision "
        "(section F) and the school or college named (section I).\n\n" + appeal_rights(issued_on, policy),
    )


def withdrawn(case_ref: str, on: date, reason: str) -> Notice:
    return Notice(
        "Your request for an EHC needs assessment has been closed",
        f"Case {case_ref}: the request for an EHC needs assessment has been closed on {_long(on)} ({reason}).",
    )


# The plan's life: reviews, amendments, re-assessment, ceasing (SEND Regs 2014 Part 2; CFA 2014 ss.44-46) --------


def rights_passed(case_ref: str, passed_on: date) -> Notice:
    return Notice(
        "Your EHC plan: decisions are now yours",
        f"Case {case_ref}: you are now over compulsory school age, so from "
        f"{passed_on:%d %B %Y} the LA will consult you, and you can ask for a review, "
        "request a school or college, and appeal (CFA 2014 Part 3).",
    )


def review_notice(case_ref: str, meeting_on: date) -> Notice:
    return Notice(
        "Your EHC plan review meeting",
        f"Case {case_ref}: the review meeting will be held on {meeting_on:%A %d %B %Y} (SEND Regs 2014 reg 20(3)). "
        "Advice and information will be circulated at least two weeks before it (reg 20(4)).",
    )


def review_decision(case_ref: str, decided_on: date, policy: str) -> Notice:
    """The decision to keep the plan as it is, appealable (CFA 2014 s.51(2)(e))."""
    return Notice(
        "Your EHC plan will stay as it is",
        f"Case {case_ref}: after the review the LA will maintain the plan without changes.\n\n"
        + appeal_rights(decided_on, policy),
    )


def amendment_notice(case_ref: str, comments_until: date, amended_due: date) -> Notice:
    return Notice(
        "Proposed changes to your EHC plan",
        f"Case {case_ref}: the LA proposes to amend the plan; the proposals are enclosed (SEND Regs 2014 reg 22(2)). "
        f"You have until {comments_until:%d %B %Y} to comment, ask for a meeting or ask for a school or college "
        f"to be named. The amended plan is due by {amended_due:%d %B %Y} (reg 22(3)).",
    )


def amended_plan(case_ref: str, version: int, issued_on: date, policy: str) -> Notice:
    """The amended plan, appealable (CFA 2014 s.51(2)(c))."""
    return Notice(
        "Your amended EHC plan",
        f"Case {case_ref}: the amended plan (version {version}) is enclosed.\n\n" + appeal_rights(issued_on, policy),
    )


def reassessment_draft(case_ref: str, comments_until: date) -> Notice:
    return Notice(
        "Your draft EHC plan after re-assessment",
        f"Case {case_ref}: the draft plan after the re-assessment is enclosed. You have until "
        f"{comments_until:%d %B %Y} to comment, ask for a meeting, and ask for a school or college to be named "
        "(SEND Regs 2014 reg 27, reg 13(1); CFA 2014 s.38).",
    )


def not_amended(case_ref: str, decided_on: date, reasons: str, policy: str) -> Notice:
    """The decision not to amend after proposing to (SEND Regs 2014 reg 22(4)), appealable (CFA 2014 s.51(2)(e))."""
    return Notice(
        "Your EHC plan will not be amended",
        f"Case {case_ref}: reasons: {reasons}\n\n" + appeal_rights(decided_on, policy),
    )


def reassessment_refused(case_ref: str, decided_on: date, reasons: str, policy: str) -> Notice:
    """The refusal to re-assess, appealable (CFA 2014 s.51(2)(d))."""
    return Notice(
        "No re-assessment",
        f"Case {case_ref}: reasons: {reasons}\n\n" + appeal_rights(decided_on, policy),
    )


def reassessment_agreed(case_ref: str, plan_due: date) -> Notice:
    return Notice(
        "Your EHC plan will be re-assessed",
        f"Case {case_ref}: the LA will re-assess the education, health and care needs (SEND Regs 2014 reg 25), "
        f"then send you a draft plan to comment on; the plan is due by {plan_due:%d %B %Y} (reg 27).",
    )


def cease_notice(
    case_ref: str, decided_on: date, reasons: str, in_force_until: date, policy: str, *, certificate_noted: bool
) -> Notice:
    """The decision to cease, appealable (CFA 2014 s.51(2)(f)); the plan stays in force meanwhile (s.45).

    Cases begun before the law's gaps were filled (case_base.LAW_GAPS) keep the wording they first sent, which
    did not say that a mediation certificate moves the appeal window (HESC Rules 2008 r.20(1)(c))."""
    in_force = (
        f"until the time for appealing has passed (not before {in_force_until:%d %B %Y}; a mediation "
        "certificate gives a month from its date), or until any appeal is decided"
        if certificate_noted
        else f"until {in_force_until:%d %B %Y}, or until any appeal is decided"
    )
    return Notice(
        "Decision to cease your EHC plan",
        f"Case {case_ref}: the LA has decided to cease the plan. Reasons: {reasons}. The plan stays in force "
        f"{in_force}.\n\n" + appeal_rights(decided_on, policy),
    )


def cease_considered(case_ref: str) -> Notice:
    return Notice(
        "The LA is considering ceasing your EHC plan",
        f"Case {case_ref}: the LA is considering whether to stop maintaining the plan, and asks for your views "
        "before it decides (SEND Regs 2014 reg 31(1)).",
    )


def cease_considered_by_setting(case_ref: str) -> Notice:
    return Notice(
        "Consultation: ceasing an EHC plan",
        f"Case {case_ref}: the LA is considering ceasing the EHC plan of a pupil or student at your setting "
        "and consults the head teacher or principal before it decides (SEND Regs 2014 reg 31(1)(b)).",
    )


# Redress: the route from an appealable decision to the Tribunal (CFA 2014 ss.51-55; SEND Regs 2014 regs 32-42) ---


def appeal_lodged(case_ref: str, kind: str, decided_on: date, lodged_on: date) -> Notice:
    """For the LA's manager: the LA is the respondent to an appeal under CFA 2014 s.51."""
    return Notice(
        f"Appeal lodged on case {case_ref}",
        f"Case {case_ref}: an appeal against the {kind.replace('_', ' ')} decision of "
        f"{decided_on:%d %B %Y} was lodged on {lodged_on:%d %B %Y}.",
    )


# The Tribunal's decision: orders (SEND Regs 2014 reg 44) and recommendations (SI 2017/1306) ---------------------


def tribunal_orders(case_ref: str, decided_on: date, ordered: str) -> Notice:
    return Notice(
        f"Tribunal orders on case {case_ref}",
        f"Case {case_ref}: the Tribunal allowed the appeal on {decided_on:%d %B %Y} and ordered: {ordered}. "
        "Each order has its own time limit (SEND Regs 2014 reg 44).",
    )


def tribunal_recommendations(case_ref: str, decided_on: date, responses: Sequence[tuple[str, date | None]]) -> Notice:
    """For the LA's manager: who must answer each recommendation, in words, and by when (5 weeks if unknown)."""
    owed = []
    for who, due in responses:
        by = f"{due:%d %B %Y}" if due else "within 5 weeks"
        owed.append(f"{who} must respond in writing by {by}")
    return Notice(
        f"Tribunal recommendations on case {case_ref}",
        f"Case {case_ref}: the Tribunal's decision of {decided_on:%d %B %Y} made recommendations on health or social "
        f"care. They are not binding, but {'; '.join(owed)}, saying what it will do and, where it will not "
        "follow a recommendation, why (SEND (First-tier Tribunal Recommendations Power) Regulations 2017). "
        "Record each response on the appeal.",
    )


def tribunal_recommendations_health(case_ref: str, decided_on: date, due: date) -> Notice:
    return Notice(
        f"The Tribunal's recommendations on health care: your response is due by {due:%d %B %Y}",
        f"Case {case_ref}: on {decided_on:%d %B %Y} the First-tier Tribunal (SEND) made recommendations about "
        "the health care needs and provision of the child or young person. Please respond in writing to the "
        f"Tribunal's recommendations by {due:%A %d %B %Y}, saying what you will do and, if you will "
        "not follow a recommendation, why (SEND (First-tier Tribunal Recommendations Power) Regulations "
        "2017), and send a copy to the local authority.",
    )


# Every case: the deadline clock's notices to staff, consultations with settings, copies of plans ----------------
# Each deadline carries its label and its legal reference, so each of these notices names its law.


def target_at_risk(case_ref: str, label: str, due: date, reference: str) -> Notice:
    return Notice(
        f"Planning target at risk: {label} by {due:%d %B %Y}",
        f"Case {case_ref}: {label} is planned for {due:%A %d %B %Y} "
        f"({reference}). This is a planning date, not a statutory limit.",
    )


def deadline_reminder(case_ref: str, label: str, due: date, reference: str) -> Notice:
    return Notice(
        f"Reminder: {label} due {due:%d %B %Y}",
        f"Case {case_ref}: {label} is due on {due:%A %d %B %Y} ({reference}).",
    )


def _missed(case_ref: str, label: str, due: date, reference: str) -> str:
    return (
        f"Case {case_ref}: {label} fell due on {due:%A %d %B %Y} and has not "
        f"been done ({reference}). The duty remains: it must be done as soon as practicable."
    )


def deadline_breached(case_ref: str, label: str, due: date, reference: str) -> Notice:
    return Notice(f"Deadline missed: {label}", _missed(case_ref, label, due, reference))


def deadline_escalation(case_ref: str, label: str, due: date, reference: str) -> Notice:
    return Notice(f"Escalation: {label} missed on case {case_ref}", _missed(case_ref, label, due, reference))


def breach_withdrawn(case_ref: str, label: str, done_on: date, due: date, reference: str) -> Notice:
    """A date entered late shows a breach already escalated never happened: the manager is told so."""
    return Notice(
        f"Breach withdrawn: {label} on case {case_ref}",
        f"Case {case_ref}: {label} was done on {done_on:%A %d %B %Y}, by its due date "
        f"({due:%d %B %Y}, {reference}). The breach escalated before the date was entered "
        "did not happen.",
    )


def setting_consultation(case_ref: str, setting_urn: str, what: str, due: date) -> Notice:
    return Notice(
        "Consultation on naming your setting in an EHC plan",
        f"Case {case_ref}: the LA is consulting setting URN {setting_urn} about naming it in {what} "
        f"(CFA 2014 s.39/s.40). Please answer by {due:%d %B %Y} (Code 9.83).",
    )


def plan_copy(case_ref: str, what: str, issued_on: date, reference: str) -> Notice:
    return Notice(
        f"Copy: the {what}",
        f"Case {case_ref}: the LA issued the {what} on {issued_on:%d %B %Y}; a copy is enclosed ({reference}).",
    )


def provision_request(case_ref: str, period: str, due: date) -> Notice:
    """To a provider after each delivery period: what was delivered against each line of section F it provides."""
    return Notice(
        f"Please confirm the provision delivered, {period}",
        f"Case {case_ref}: please tell the council, by {due:%A %d %B %Y}, whether each line of section F of the EHC "
        f"plan that you provide was delivered in full from {period}, and if not, how many sessions were missed and "
        "why. The council must secure this provision (Children and Families Act 2014 s.42(2)).",
    )


def provision_chase(case_ref: str, period: str, due: date) -> Notice:
    return Notice(
        f"Reminder: confirm the provision delivered, {period}",
        f"Case {case_ref}: the council has not yet had your account of the provision in section F of the EHC plan "
        f"delivered from {period}. Please send it by {due:%A %d %B %Y}.",
    )


def provision_unconfirmed(case_ref: str, provider: str, period: str, due: date) -> Notice:
    """To the officer and the manager: nobody knows whether the child had the provision; not a breach in itself."""
    return Notice(
        f"Provision not confirmed: provider {provider}, {period}",
        f"Case {case_ref}: provider {provider} did not confirm, by {due:%A %d %B %Y}, the provision in section F "
        f"delivered from {period}. Whether the council met its duty to secure it (Children and Families Act 2014 "
        "s.42(2)) is unknown until they do: please contact them.",
    )

"""The text of the notices an assessment sends, built from codes and dates only.

Decisions that carry appeal rights must tell the family how to appeal, the time limits, and how to
reach mediation (SEND Regs 2014 regs 5(3), 10(3), 32; CFA 2014 s.51). Names and addresses are added by
whoever prints or sends the notice (the outbox or GOV.UK Notify), never here.
"""

from datetime import date

import statutory


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


def _refusal(case_ref: str, decision: str, regulation: str, decided_on: date, reasons: str, policy: str) -> str:
    return (
        f"Case {case_ref}: {decision} (decision of {_long(decided_on)}, SEND Regs 2014 {regulation}).\n\n"
        f"Reasons:\n{reasons}\n\n" + appeal_rights(decided_on, policy)
    )


def refusal_to_assess(case_ref: str, decided_on: date, reasons: str, policy: str) -> str:
    decision = "the LA has decided not to carry out an EHC needs assessment"
    return _refusal(case_ref, decision, "reg 5", decided_on, reasons, policy)


def decision_to_assess(case_ref: str, decided_on: date, final_due: date) -> str:
    return (
        f"Case {case_ref}: the LA will carry out an EHC needs assessment (decision of {_long(decided_on)}, "
        f"SEND Regs 2014 reg 5). If a plan is needed, the final plan is due by {_long(final_due)} "
        "(reg 13(2))."
    )


def no_plan(case_ref: str, decided_on: date, reasons: str, policy: str) -> str:
    decision = "after the assessment the LA has decided not to issue an EHC plan"
    return _refusal(case_ref, decision, "reg 10", decided_on, reasons, policy)


def draft_plan(case_ref: str, served_on: date, window_ends: date) -> str:
    return (
        f"Case {case_ref}: your draft EHC plan is enclosed (served {_long(served_on)}). You have until "
        f"{_long(window_ends)} to comment on it, to ask for a meeting with an LA officer, and to ask for a "
        "particular school or college to be named (SEND Regs 2014 reg 13(1); CFA 2014 s.38). The draft does "
        "not name a school or college (s.38(5))."
    )


def final_plan(case_ref: str, issued_on: date, policy: str) -> str:
    return (
        f"Case {case_ref}: your final EHC plan is enclosed (issued {_long(issued_on)}, SEND Regs 2014 "
        "reg 13(2)). You can appeal about the special educational needs (section B), the provision "
        "(section F) and the school or college named (section I).\n\n" + appeal_rights(issued_on, policy)
    )


def withdrawn(case_ref: str, on: date, reason: str) -> str:
    return f"Case {case_ref}: the request for an EHC needs assessment has been closed on {_long(on)} ({reason})."

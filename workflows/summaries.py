"""What the Temporal UI says of each case workflow from its start: its static summary and details.

The summary is the list view's one line (process, case reference, LA); the details open the
workflow's page with what started it and the statutory timetable it started on, each step with its
legal reference. What the case waits for now is its current details, which the workflow keeps up to
date (`CaseWorkflow.details`). They are the one thing the payload codec leaves unencrypted (core/ops_text.py),
and the server shows them to anyone with access to the namespace, so they carry references, LA codes,
dates and statutory steps only: never a name, an address, a date of birth or an officer's own words.

Every start site passes `**summaries.<process>(input)` to `start_workflow`, so a workflow reads the
same wherever it was started from (the API, an activity, the plan import).
"""

from collections.abc import Iterable
from datetime import date
from typing import Any

import statutory
from core.ops_text import ops_text
from workflows.assessment import ORDERED_STEPS, REQUEST_STEPS
from workflows.assessment_models import AssessmentInput
from workflows.plan_models import PlanInput
from workflows.redress import APPEAL_FROM_DECISION, CONTACT
from workflows.redress_models import RedressInput
from workflows.review_cycle import REVIEW, UNDER_FIVE
from workflows.tribunal import RESPONSE
from workflows.tribunal_models import TribunalInput

# Keyword arguments of `Client.start_workflow`. The SDK takes a ready payload there as well as a string (it
# types them str), and a ready one, marked for ops, is not encrypted: hence Any, not the SDK's str.
StartMetadata = dict[str, Any]


def _start(summary: str, details: str) -> StartMetadata:
    return {"static_summary": ops_text(summary), "static_details": ops_text(details)}


def _words(code: str) -> str:
    return code.replace("_", " ")


def _timetable(steps: Iterable[str], start: date, policy: str) -> str:
    lines = []
    for step in steps:
        rule = statutory.get_rule(step, policy)
        lines.append(f"- {rule.description}: by {rule.due(start):%d %b %Y} ({rule.reference})")
    return "\n".join(lines)


def _period(step: str, policy: str) -> str:
    rule = statutory.get_rule(step, policy)
    return f"{rule.length} {_words(rule.unit.value)} ({rule.reference})"


def assessment(input: AssessmentInput) -> StartMetadata:
    """A request for an EHC needs assessment, or an assessment the Tribunal ordered (reg 44(2)(b)-(c))."""
    where = f"case {input.case_ref} · LA {input.la_code}"
    if input.ordered is None:
        return _start(
            f"EHC needs assessment · {where}",
            (
                f"Request for an EHC needs assessment received on {input.received_date:%d %b %Y} from the "
                f"{_words(input.request_source.value)}, under the rules of {input.policy}. "
                f"Statutory timetable at the start:\n"
                f"{_timetable(REQUEST_STEPS.values(), input.received_date, input.policy)}"
            ),
        )
    steps = ORDERED_STEPS[input.ordered].values()
    return _start(
        f"EHC needs assessment ordered by the Tribunal · {where}",
        (
            f"Tribunal order {input.order_id} ({_words(input.ordered)}) made on {input.received_date:%d %b %Y}, "
            f"carried out on the order's own clock (SEND Regs 2014 reg 44). The appeal: "
            f"{input.tribunal_workflow_id}. Statutory timetable at the start:\n"
            f"{_timetable(steps, input.received_date, input.policy)}"
        ),
    )


def plan(input: PlanInput) -> StartMetadata:
    """An EHC plan, issued after its assessment or imported from the LA's records."""
    imported = " (imported)" if input.imported else ""
    origin = "imported from the LA's records" if input.imported else "issued at the end of its assessment"
    reviewed = f", last reviewed on {input.last_review_on:%d %b %Y}" if input.last_review_on else ""
    return _start(
        f"EHC plan · case {input.case_ref} · LA {input.la_code}{imported}",
        (
            f"EHC plan issued on {input.issued_on:%d %b %Y}{reviewed}; {origin}, under the rules of "
            f"{input.policy}. Reviewed every {_period(REVIEW, input.policy)}, or every "
            f"{_period(UNDER_FIVE, input.policy)} for a child under 5. Each review cycle continues this "
            f"workflow as a new run with the same ID and search attributes, until the plan ceases."
        ),
    )


def redress(input: RedressInput) -> StartMetadata:
    """The redress route of one appealable decision (CFA 2014 s.51(2)): mediation advice, then an appeal."""
    return _start(
        f"Redress · case {input.case_ref} · {_words(input.kind)} · LA {input.la_code}",
        (
            f"Decision {input.decision_id}: {_words(input.kind)} (CFA 2014 s.51{input.limb}), sent on "
            f"{input.decided_on:%d %b %Y}, under the rules of {input.policy}. "
            f"Time limits given to the family:\n"
            f"{_timetable((CONTACT, APPEAL_FROM_DECISION), input.decided_on, input.policy)}"
        ),
    )


def tribunal(input: TribunalInput) -> StartMetadata:
    """An appeal to the First-tier Tribunal (SEND) against one decision."""
    scope = " against the named setting only" if input.settings_only else ""
    return _start(
        f"Tribunal appeal {input.appeal_id} · case {input.case_ref} · LA {input.la_code}",
        (
            f"Appeal {input.appeal_id}{scope} against decision {input.decision_id} "
            f"({_words(input.kind)}), lodged on {input.lodged_on:%d %b %Y}, under the rules of {input.policy}. "
            f"The LA responds within {_period(RESPONSE, input.policy)} of the Tribunal registering it; "
            f"each order the Tribunal makes is carried out within the time SEND Regs 2014 reg 44 sets."
        ),
    )

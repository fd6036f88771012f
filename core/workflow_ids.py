"""Workflow IDs are built from the case reference only, never from personal data (docs/architecture.md)."""

import re
from collections.abc import Callable
from typing import Any

CASE_REF_PATTERN = re.compile(r"^[A-Z0-9]{2,10}-[A-Z0-9]{4,20}$")


def assessment_id(case_ref: str) -> str:
    return f"assessment-{case_ref}"


def plan_id(case_ref: str) -> str:
    return f"plan-{case_ref}"


def redress_id(case_ref: str, decision_id: str) -> str:
    """The redress route of one appealable decision (a decision's id starts with its case's reference)."""
    return f"redress-{case_ref}-{decision_id.removeprefix(case_ref + '-')}"


def tribunal_id(case_ref: str, appeal_id: str) -> str:
    return f"tribunal-{case_ref}-{appeal_id}"


# Every case workflow's id is "{process}-{case_ref}" with, for a redress route or an appeal, a suffix.
CASE_PROCESSES = ("assessment", "plan", "redress", "tribunal")
_CASE_WORKFLOW_ID = re.compile(rf"^(?:{'|'.join(CASE_PROCESSES)})-([A-Z0-9]{{2,10}}-[A-Z0-9]{{4,20}})(?:-|$)")


def case_ref_of(workflow_id: str) -> str | None:
    """The case a workflow belongs to, read from its id; None for a workflow of no one case (schedules)."""
    found = _CASE_WORKFLOW_ID.match(workflow_id)
    return found.group(1) if found else None


def update_name(update: Callable[..., Any]) -> str:
    """The name a workflow's update handler is registered under: its own (tests/workflows/test_handler_names.py)."""
    return update.__name__


def update_id(update: Callable[..., Any], key: str) -> str:
    """An update's id from the workflow's handler (`PlanWorkflow.tribunal_order`) and what makes it one request
    (an Idempotency-Key, an order's id): Temporal answers a second update of the same id with the first's outcome.
    Ids keep the shape they had when updates were sent by name."""
    return f"{update_name(update)}:{key}"

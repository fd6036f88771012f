"""Workflow IDs are built from the case reference only, never from personal data (DESIGN.md)."""

import re

CASE_REF_PATTERN = re.compile(r"^[A-Z0-9]{2,10}-[A-Z0-9]{4,20}$")


def assessment_id(case_ref: str) -> str:
    return f"assessment-{case_ref}"


def plan_id(case_ref: str) -> str:
    return f"plan-{case_ref}"

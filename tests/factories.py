"""Request bodies for tests: recognisable fake personal data, so a leak is easy to search for; and read-model rows
of cases written straight to the database, for the reports that read only them (the forecast's history)."""

import itertools
from datetime import date, datetime, timedelta
from typing import Any

from api.auth import Role, issue_token
from core.config import Settings
from store.models import Case, CaseDeadline
from workflows.activity_contracts import NotificationRequest, Recipient

# Identical requests are one case by design (a duplicate submission): each test request differs
# in its address so that tests sharing the database do not meet each other's cases.
_house_numbers = itertools.count(1)

CHILD_GIVEN = "Zebedee"
CHILD_FAMILY = "Quillfeather"
PARENT_NAME = "Philippa Quillfeather"
PARENT_EMAIL = "philippa.quillfeather@example.org"
STREET = "Willow Lane, Camden"

# Every LA code the tests open cases in: the default test caller is a manager over all of them.
TEST_LAS = ["202", "330", "331", "332", "333", "335", "340", "341", "342", "360", "909", "999", "HLD", "IMP"]
TEST_SECRET = "test-only-secret-0123456789abcdef0123456789abcdef"
# Payload encryption key for every test server and worker (core/payload_codec.py); public, like the secret above.
TEST_PAYLOAD_KEYS = "test1:GGHT/wxtNWZohCS2uxlrXRc+cvVdt7GCAm8CTT3YpIc="


def bearer(
    settings: Settings, role: Role = Role.MANAGER, las: list[str] | None = None, sub: str = "manager.one"
) -> dict[str, str]:
    """Authorization headers for a test caller (a real token, verified by the real API)."""
    return {"Authorization": f"Bearer {issue_token(settings, sub, role, TEST_LAS if las is None else las)}"}


def case_request(received: date, *, la_code: str = "202", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "la_code": la_code,
        "received_date": received.isoformat(),
        "request_source": "parent",
        "officer": "officer.one@la.example.gov.uk",
        "child": {
            "given_name": CHILD_GIVEN,
            "family_name": CHILD_FAMILY,
            "date_of_birth": "2016-05-04",
            "address": f"{next(_house_numbers)} {STREET}",
            "postcode": "NW1 8AB",
        },
        "contacts": [{"role": "parent", "name": PARENT_NAME, "email": PARENT_EMAIL, "phone": "020 7946 0000"}],
    }
    body.update(overrides)
    return body


def absence(reason: str, start: date, end: date, *steps: str) -> dict[str, Any]:
    """The exception for a child or parent away for four weeks or more (statutory/exceptions.py), from `start` to
    `end`, claimed for the deadlines of `steps`."""
    return {
        "code": "absence_4_weeks",
        "reason": reason,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "steps": list(steps),
    }


def notice(key: str, case_ref: str, recipient: Recipient, template: str, text: str) -> NotificationRequest:
    """A notice as a workflow asks for one: `text` is its subject and its body, which tests only carry."""
    return NotificationRequest(
        idempotency_key=key, case_ref=case_ref, recipient=recipient, template=template, subject=text, body=text
    )


def read_model_case(
    case_ref: str,
    la_code: str,
    received: date,
    *,
    stage: str = "assessing",
    closed: bool = False,
    officer: str | None = None,
) -> Case:
    """A case's row as the sync activity writes it, for a case with no workflow (the history reports read)."""
    return Case(
        case_ref=case_ref,
        la_code=la_code,
        process="assessment",
        stage=stage,
        policy="send-regs-2014",
        workflow_id=f"assessment-{case_ref}",
        received_date=received,
        request_source="parent",
        officer=officer,
        closed=closed,
    )


def read_model_date(
    case: Case,
    step: str,
    start: date,
    weeks: int,
    *,
    done_on: date | None = None,
    key: str | None = None,
    kind: str = "duty",
    held_until: datetime | None = None,
) -> CaseDeadline:
    """One of the case's dates, due `weeks` after its start; met or breached by `done_on` if given, open if not."""
    due = start + timedelta(weeks=weeks)
    status = "open" if done_on is None else "met" if done_on <= due else "breached"
    return CaseDeadline(
        case_ref=case.case_ref,
        key=key or step,
        la_code=case.la_code,
        step=step,
        kind=kind,
        start=start,
        due=due,
        status=status,
        done_on=done_on,
        held_until=held_until,
        process_open=not case.closed,
    )

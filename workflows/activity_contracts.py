"""The contract between the workflows and their activities: names, inputs and outputs, Pydantic only.

It lives with the workflows, which call activities by these names so that the workflow sandbox never
imports SQLAlchemy; the activities (activities/) import it from here, so nothing in workflows/ imports
from activities/.
"""

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, Field

from workflows.case_state import Deadline, HistoryEntry
from workflows.provision_models import LineDelivery

SYNC_CASE = "sync_case"
SEND_NOTIFICATION = "send_notification"
SEND_NOTIFICATIONS = "send_notifications"
LOAD_COHORT = "load_cohort"
START_PLAN = "start_plan"


class CaseSnapshot(BaseModel):
    """Everything the read model keeps about a case, written whole so a retried write converges."""

    case_ref: str
    la_code: str
    process: str
    stage: str
    policy: str
    workflow_id: str
    received_date: date
    request_source: str
    closed: bool = False
    outcome: str | None = None
    deadlines: list[Deadline] = Field(default_factory=list)
    exception_count: int = 0
    # Only the entries not yet written; the audit table ignores an entry it already has.
    new_history: list[HistoryEntry] = Field(default_factory=list)
    # A plan's accounts of its provision changed since the last write (workflows/provision_monitoring.py).
    deliveries: list[LineDelivery] = Field(default_factory=list)
    # A plan's: the stored document whose lines of section F the workflow watches (the words the API shows).
    provision_document_id: str | None = None


class Recipient(StrEnum):
    PARENT = "parent"
    YOUNG_PERSON = "young_person"  # once rights have passed to them at the end of compulsory school age
    OFFICER = "officer"
    MANAGER = "manager"
    SETTING = "setting"
    ADVISER = "adviser"  # whoever the LA asked for advice (the body's address is on the request)
    # The health commissioning body (integrated care board) responsible for the child: it receives the final and
    # amended plans (SEND Regs 2014 regs 13(2), 22(3), 27(2)).
    HEALTH_BODY = "health_body"
    # Whoever provides a line of section F (a setting, a service, a therapist): the request carries its code, and
    # the address is the one the plan's lines give for it (store/models.py ProvisionLineRow).
    PROVIDER = "provider"


class NotificationRequest(BaseModel):
    """A notice the case owes someone. The text is built here from codes and dates; the activity
    resolves the recipient's contact details from the database, so no personal data passes through
    workflow history."""

    idempotency_key: str = Field(description="Deterministic per case, step and event: a retry is a no-op")
    case_ref: str
    recipient: Recipient
    template: str
    subject: str
    body: str
    past_fact: bool = Field(
        default=False,
        description="The letter of a fact dated before its case was entered: the LA sent it then; it is kept in the "
        "outbox as sent on paper, never sent again (docs/legal-time.md)",
    )
    provider: str | None = Field(default=None, description="For a provider: its code in section F's lines")


class NotificationBatch(BaseModel):
    """The notices one workflow task wrote, sent in the order it wrote them by one activity."""

    notices: list[NotificationRequest] = Field(min_length=1)


RECORD_DECISION = "record_decision"


class DecisionRecord(BaseModel):
    """A decision that carries appeal rights (CFA 2014 s.51(2)), kept for the redress process."""

    decision_id: str
    case_ref: str
    la_code: str
    kind: str
    limb: str = Field(description="The CFA 2014 s.51(2) limb, e.g. '(2)(a)'")
    decided_on: date
    policy: str
    certificate_needed: bool = True
    reminder_working_days: int = 5
    mediation_contact_by: date
    appeal_by: date


class Cohort(BaseModel):
    """The child's Reception year (statutory.phases): an age fact without a date of birth."""

    reception_year: int | None = None


START_REDRESS = "start_redress"
START_TRIBUNAL = "start_tribunal"
CARRY_ORDER = "carry_order"
REPORT_ORDER_DONE = "report_order_done"
REPORT_CEASE_UNAPPEALED = "report_cease_unappealed"


class CarriedOrder(BaseModel):
    """A Tribunal order (or a reg 42(2) agreement) for the plan or assessment workflow it changes."""

    case_ref: str
    la_code: str
    tribunal_workflow_id: str
    order_id: str
    kind: str
    made_on: date
    policy: str
    decision_kind: str = Field(default="", description="The appealed decision's kind, e.g. refusal_to_reassess")


class CeaseUnappealed(BaseModel):
    """A decision to cease whose time for appealing ended with no appeal: the plan ceases as of `appeal_by`."""

    case_ref: str
    decision_id: str
    appeal_by: date


class OrderDone(BaseModel):
    tribunal_workflow_id: str
    order_id: str
    on: date

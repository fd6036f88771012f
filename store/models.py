"""SQLModel tables: the case read model, the people on a case, audit events and the notification outbox.

Workflows never import this module (SQLAlchemy mappers do not belong in the workflow sandbox); the
activities and the API map between these rows and the workflows' Pydantic models.
"""

from datetime import UTC, date, datetime

from sqlalchemy import JSON, ColumnElement, DateTime, Index, LargeBinary, Text, UniqueConstraint, and_, literal, text
from sqlmodel import Field, SQLModel, col


def utcnow() -> datetime:
    return datetime.now(UTC)


class Case(SQLModel, table=True):
    """One row per case: the read model lists, queues and dashboards use (kept by workflow activities)."""

    __tablename__ = "cases"
    __table_args__ = (
        Index("ix_cases_la_stage", "la_code", "process", "stage"),
        Index("ix_cases_la_next_due", "la_code", "next_deadline_due"),
        Index("ix_cases_la_team", "la_code", "team"),
        # The dashboard's cases by stage, with what its deadline figures join on (migration 0004).
        Index("ix_cases_la_dashboard", "la_code", "process", "stage", postgresql_include=["case_ref", "closed"]),
    )

    case_ref: str = Field(primary_key=True, max_length=32)
    la_code: str = Field(max_length=10, index=True)
    process: str = Field(max_length=32)
    stage: str = Field(max_length=48)
    policy: str = Field(max_length=32)
    workflow_id: str = Field(max_length=120)
    received_date: date
    request_source: str = Field(max_length=32)
    officer: str | None = Field(default=None, max_length=120, index=True)
    team: str | None = Field(default=None, max_length=64)
    closed: bool = False
    outcome: str | None = Field(default=None, max_length=48)
    next_deadline_step: str | None = Field(default=None, max_length=64)
    next_deadline_due: date | None = None
    breach_count: int = 0
    exception_count: int = 0
    opened_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    # A plan's: the stored document whose lines of section F its workflow watches (written by the workflow's sync).
    provision_document_id: str | None = Field(default=None, max_length=64)


class Child(SQLModel, table=True):
    """The child or young person: personal data, here and nowhere else."""

    __tablename__ = "children"

    id: int | None = Field(default=None, primary_key=True)
    case_ref: str = Field(foreign_key="cases.case_ref", unique=True, max_length=32)
    given_name: str = Field(max_length=100)
    family_name: str = Field(max_length=100)
    date_of_birth: date
    address: str | None = Field(default=None, sa_type=Text)
    postcode: str | None = Field(default=None, max_length=10)
    upn: str | None = Field(default=None, max_length=13)


class Contact(SQLModel, table=True):
    """A person notices go to (parent, young person, setting): personal data."""

    __tablename__ = "contacts"

    id: int | None = Field(default=None, primary_key=True)
    case_ref: str = Field(foreign_key="cases.case_ref", index=True, max_length=32)
    role: str = Field(max_length=32)
    name: str = Field(max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, sa_type=Text)


# The deadlines the dashboard counts (reports/dashboard.py): duties still owed, missed ones, and the 20-week
# final plans.
DASHBOARD_DEADLINES = (
    "(done_on IS NULL AND kind = 'duty') OR status IN ('breached', 'excepted') OR step = 'assessment.final_plan'"
)


class CaseDeadline(SQLModel, table=True):
    """Every statutory deadline of every case, for breach reports and work queues."""

    __tablename__ = "case_deadlines"
    __table_args__ = (
        Index("ix_case_deadlines_status_due", "status", "due"),
        Index(
            "ix_case_deadlines_owed",
            "case_ref",
            "due",
            postgresql_where=text("done_on IS NULL AND kind = 'duty'"),
            sqlite_where=text("done_on IS NULL AND kind = 'duty'"),
        ),
        Index(
            "ix_case_deadlines_la_owed",
            "la_code",
            "due",
            "case_ref",
            "key",
            postgresql_where=text("done_on IS NULL AND kind = 'duty'"),
            sqlite_where=text("done_on IS NULL AND kind = 'duty'"),
        ),
        # Every column the dashboard's deadline figures read: an LA's are one range of the index alone (migration 0016).
        Index(
            "ix_case_deadlines_la_dashboard",
            "la_code",
            postgresql_include=[
                "case_ref",
                "step",
                "key",
                "kind",
                "status",
                "due",
                "done_on",
                "held_until",
                "process_open",
            ],
            postgresql_where=text(DASHBOARD_DEADLINES),
            sqlite_where=text(DASHBOARD_DEADLINES),
        ),
    )

    case_ref: str = Field(foreign_key="cases.case_ref", primary_key=True, max_length=32)
    key: str = Field(primary_key=True, max_length=96)
    # The case's LA, repeated so that an LA's work queue walks one index in deadline order (reports/work_queue.py).
    la_code: str = Field(max_length=10)
    step: str = Field(max_length=64, index=True)
    kind: str = Field(max_length=16)
    start: date
    due: date
    status: str = Field(max_length=16)
    done_on: date | None = None
    exception_code: str | None = Field(default=None, max_length=48)
    # A date entered late (a case or a backlog typed in after its moments passed) is not judged until then
    # (docs/legal-time.md): until it passes, an overdue such date is not yet a statement that the duty was missed.
    held_until: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))
    # Whether the workflow that keeps this date still runs. A duty its process breached and never met stays
    # breached when the process ends (an assessment whose advice never came, closed by the final plan): the breach
    # is a fact, but the duty is no longer anyone's work, so queues and "still owed" figures leave it out.
    process_open: bool = Field(default=True, sa_column_kwargs={"server_default": text("true")})


class AuditEvent(SQLModel, table=True):
    """Append-only: who did what to a case and when. `event_key` makes a retried write a no-op."""

    __tablename__ = "audit_events"
    __table_args__ = (
        UniqueConstraint("event_key", name="uq_audit_events_event_key"),
        # The dashboard's mediation and appeal steps by business date (migration 0004).
        Index("ix_audit_events_action_date", "action", "business_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    event_key: str = Field(max_length=160)
    case_ref: str = Field(max_length=32, index=True)
    action: str = Field(max_length=64)
    actor: str = Field(max_length=120)
    summary: str = Field(default="", sa_type=Text)
    business_date: date | None = None
    at: datetime = Field(sa_type=DateTime(timezone=True))


class Notification(SQLModel, table=True):
    """The outbox: every notice the system owes someone, sent by Notify or by the LA's mail room."""

    __tablename__ = "notifications"
    __table_args__ = (UniqueConstraint("idempotency_key", name="uq_notifications_idempotency_key"),)

    id: int | None = Field(default=None, primary_key=True)
    idempotency_key: str = Field(max_length=200)
    case_ref: str = Field(max_length=32, index=True)
    recipient_role: str = Field(max_length=32)
    template: str = Field(max_length=64)
    subject: str = Field(max_length=200)
    body: str = Field(sa_type=Text)
    status: str = Field(default="queued", max_length=16, index=True)
    provider_ref: str | None = Field(default=None, max_length=64)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    sent_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class IdempotencyRecord(SQLModel, table=True):
    """Maps a create request (its Idempotency-Key, or a digest of its body) to the case it created."""

    __tablename__ = "idempotency_records"

    key: str = Field(primary_key=True, max_length=64)
    case_ref: str = Field(foreign_key="cases.case_ref", max_length=32)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class AppealableDecisionRow(SQLModel, table=True):
    """Every decision that opened appeal rights, with its time limits: where redress starts."""

    __tablename__ = "appealable_decisions"

    decision_id: str = Field(primary_key=True, max_length=64)
    case_ref: str = Field(foreign_key="cases.case_ref", index=True, max_length=32)
    la_code: str = Field(max_length=10, index=True)
    kind: str = Field(max_length=48)
    limb: str = Field(max_length=16)
    decided_on: date
    policy: str = Field(max_length=32)
    certificate_needed: bool = True
    mediation_contact_by: date
    appeal_by: date
    redress_opened: bool = False
    recorded_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class PlanDocument(SQLModel, table=True):
    """A draft or final EHC plan, sections A to K as written: personal data, so here only."""

    __tablename__ = "plan_documents"

    id: str = Field(primary_key=True, max_length=64)
    case_ref: str = Field(foreign_key="cases.case_ref", index=True, max_length=32)
    kind: str = Field(max_length=16)
    sections: dict[str, str] = Field(sa_type=JSON)
    named_setting_urn: str | None = Field(default=None, max_length=8)
    setting_type: str | None = Field(default=None, max_length=120)
    created_by: str = Field(max_length=120)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class RedressCase(SQLModel, table=True):
    """Each redress route and each Tribunal appeal, for the managers' view of open redress by stage."""

    __tablename__ = "redress_cases"
    __table_args__ = (Index("ix_redress_cases_la_stage", "la_code", "process", "stage"),)

    workflow_id: str = Field(primary_key=True, max_length=120)
    case_ref: str = Field(foreign_key="cases.case_ref", index=True, max_length=32)
    la_code: str = Field(max_length=10)
    process: str = Field(max_length=16)
    kind: str = Field(max_length=48, description="The decision appealed against")
    stage: str = Field(max_length=32)
    policy: str = Field(max_length=32)
    closed: bool = False
    outcome: str | None = Field(default=None, max_length=48)
    next_deadline_step: str | None = Field(default=None, max_length=64)
    next_deadline_due: date | None = Field(default=None, index=True)
    breach_count: int = 0
    opened_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


def route_history() -> ColumnElement[bool]:
    """Joins a redress route or appeal to its own history lines: the sync activity keys each line
    "{workflow_id}:{seq}" (activities/case_sync.py), and a case's lines hold every workflow it ran."""
    return and_(
        col(AuditEvent.case_ref) == col(RedressCase.case_ref),
        col(AuditEvent.event_key).like(col(RedressCase.workflow_id) + literal(":%")),
    )


class PortalSignInCode(SQLModel, table=True):
    """A one-time code a family, an adviser or a setting asked for to sign in to the portal (api/routes/portal.py,
    intake/portal_codes.py).

    Neither the code nor the address is kept: the address as a keyed digest (its owner's pseudonym, the same
    on every code they ask for, so that codes can be counted per person), the code as a keyed hash with a salt
    of its own, so that a copy of the database alone gives back neither. `purpose` is what the code signs in to
    ("family", or the invitation's id), so that codes are counted per address and purpose; `binding` a keyed hash
    of the purpose and the nonce of the browser that asked (its pending cookie), so that the code works from
    that browser, for that purpose, alone."""

    __tablename__ = "portal_sign_in_codes"
    __table_args__ = (Index("ix_portal_sign_in_codes_email_created", "email_digest", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    email_digest: str = Field(max_length=64)
    salt: str = Field(max_length=32)
    code_hash: str = Field(max_length=64)
    purpose: str = Field(max_length=32)
    binding: str = Field(max_length=64)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    wrong_attempts: int = 0
    used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True))


class PortalInvitation(SQLModel, table=True):
    """An outside party asked, through the portal, for one thing on one case: an adviser for their advice, a
    setting for its answer to a consultation (api/routes/portal_invitations.py).

    `id` is the link's: opening it leads to a code sent to `email`, never to the case by itself, so a forwarded
    or logged link opens nothing. The address is personal data, so here only; it is the one the party's codes
    go to and the invitation's whole scope: the case, and the one `item` (an advice id, a setting's URN,
    `review-<cycle>`, or `provision:<provider code>` for a provider's accounts of section F)."""

    __tablename__ = "portal_invitations"
    __table_args__ = (UniqueConstraint("case_ref", "party", "item", name="uq_portal_invitations_item"),)

    id: str = Field(primary_key=True, max_length=32)
    case_ref: str = Field(foreign_key="cases.case_ref", index=True, max_length=32)
    party: str = Field(max_length=16)
    item: str = Field(max_length=48)
    email: str = Field(max_length=254)
    invited_by: str = Field(max_length=120)
    invited_at: datetime = Field(sa_type=DateTime(timezone=True))


class PortalSubmission(SQLModel, table=True):
    """What a family, adviser or setting sent through the portal: their words (personal data, so here only),
    the legal date it arrived and who sent it; the workflow records the fact (advice in, comments made) by
    `id`, which is also the update's idempotency key, so a form sent twice is one submission."""

    __tablename__ = "portal_submissions"

    id: str = Field(primary_key=True, max_length=32)
    case_ref: str = Field(foreign_key="cases.case_ref", index=True, max_length=32)
    party: str = Field(max_length=16)
    kind: str = Field(max_length=32)
    item: str | None = Field(default=None, max_length=48)
    actor: str = Field(max_length=120)
    on: date
    text: str = Field(sa_type=Text)
    submitted_at: datetime = Field(sa_type=DateTime(timezone=True))


class PortalFile(SQLModel, table=True):
    """A file sent with a submission (a report, an assessment): personal data, kept in the database only."""

    __tablename__ = "portal_files"

    id: str = Field(primary_key=True, max_length=32)
    submission_id: str = Field(foreign_key="portal_submissions.id", index=True, max_length=32)
    filename: str = Field(max_length=120)
    content_type: str = Field(max_length=100)
    size: int
    data: bytes = Field(sa_type=LargeBinary)


class DirectorySetting(SQLModel, table=True):
    """A school or college from the DfE's register (Get Information about Schools), as the LA last loaded it
    (intake/settings_directory.py): what a family's informed preference is chosen from, and what staff look a URN
    up in. Public facts about public institutions, not personal data; shared by every LA, as the register is.

    `open`, `special` and `requestable` are read from the register's status and type when the row is loaded, so
    that a family's list is one indexed query: `requestable` is a setting of a kind a family may ask to have named
    (CFA 2014 s.38(3), docs/statutory-choices.md)."""

    __tablename__ = "settings_directory"
    __table_args__ = (Index("ix_settings_directory_la_name", "la_code", "name"),)

    urn: str = Field(primary_key=True, max_length=8)
    name: str = Field(max_length=200)
    la_code: str = Field(max_length=10)
    phase: str | None = Field(default=None, max_length=60)
    establishment_type: str = Field(max_length=100)
    type_group: str | None = Field(default=None, max_length=60)
    specialisms: list[str] = Field(default_factory=list, sa_type=JSON)
    resourced_provision: bool = False
    sen_unit: bool = False
    low_age: int | None = None
    high_age: int | None = None
    capacity: int | None = None
    resourced_provision_capacity: int | None = None
    sen_unit_capacity: int | None = None
    status: str = Field(max_length=40)
    open: bool = False
    special: bool = False
    requestable: bool = False
    town: str | None = Field(default=None, max_length=100)
    postcode: str | None = Field(default=None, max_length=10)
    loaded_at: datetime = Field(sa_type=DateTime(timezone=True))


class ProvisionLineRow(SQLModel, table=True):
    """A line of section F of one version of a plan, as written: what, by whom, how much and how often, where and
    from when. Plan text, so here only; the plan's workflow monitors the line by its number, kind and provider's
    code (workflows/provision_models.py)."""

    __tablename__ = "provision_lines"
    __table_args__ = (Index("ix_provision_lines_provider", "provider"),)

    document_id: str = Field(foreign_key="plan_documents.id", primary_key=True, max_length=64)
    ref: str = Field(primary_key=True, max_length=3)
    case_ref: str = Field(foreign_key="cases.case_ref", index=True, max_length=32)
    kind: str = Field(max_length=40)
    description: str = Field(sa_type=Text)
    provider_type: str = Field(max_length=16)
    provider: str = Field(max_length=32)
    provider_name: str = Field(max_length=200)
    provider_email: str | None = Field(default=None, max_length=254)
    sessions: int
    minutes: int
    per: str = Field(max_length=16)
    location: str = Field(default="", max_length=200)
    starts_on: date | None = None


class ProvisionDeliveryRow(SQLModel, table=True):
    """What a provider said of one line of section F over one delivery period, as the plan's workflow keeps it:
    the dashboard's delivered, short and unconfirmed figures by LA, provider and kind of provision."""

    __tablename__ = "provision_deliveries"
    __table_args__ = (Index("ix_provision_deliveries_la", "la_code", "period_end", "status"),)

    case_ref: str = Field(foreign_key="cases.case_ref", primary_key=True, max_length=32)
    period: str = Field(primary_key=True, max_length=16)
    ref: str = Field(primary_key=True, max_length=3)
    # A line's number may pass to another provider inside a period: each accounts for its own part.
    provider: str = Field(primary_key=True, max_length=32)
    la_code: str = Field(max_length=10)
    period_start: date
    period_end: date
    kind: str = Field(max_length=40)
    status: str = Field(max_length=16)
    sessions_missed: int = 0
    reason: str | None = Field(default=None, max_length=24)
    confirmed_on: date | None = None
    made_good_on: date | None = None
    # Where the line began or ended inside the period (an amendment): the part it accounts for.
    line_from: date | None = None
    line_until: date | None = None

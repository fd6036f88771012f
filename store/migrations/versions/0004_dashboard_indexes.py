"""Adds indexes for the inclusion dashboard's aggregates."""

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"

# The deadlines the dashboard counts (reports/dashboard.py): duties still owed, missed ones, and the 20-week
# final plans.
DASHBOARD_DEADLINES = (
    "(done_on IS NULL AND kind = 'duty') OR status IN ('breached', 'excepted') OR step = 'assessment.final_plan'"
)


def upgrade() -> None:
    # An LA's cases by stage, with what the deadline figures join on, read from the index alone (PostgreSQL
    # index-only scans): an LA's rows are spread over the whole table.
    op.create_index(
        "ix_cases_la_dashboard",
        "cases",
        ["la_code", "process", "stage"],
        unique=False,
        postgresql_include=["case_ref", "closed"],
    )
    # Each case's dashboard deadlines, covering every column the figures read; partial, so it grows with the
    # work owed and missed rather than with the years of deadlines met.
    op.create_index(
        "ix_case_deadlines_dashboard",
        "case_deadlines",
        ["case_ref"],
        unique=False,
        postgresql_include=["step", "key", "kind", "status", "due", "done_on"],
        postgresql_where=sa.text(DASHBOARD_DEADLINES),
        sqlite_where=sa.text(DASHBOARD_DEADLINES),
    )
    # Mediation and appeal steps by business date: a few lines among every case's whole history.
    op.create_index("ix_audit_events_action_date", "audit_events", ["action", "business_date"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_audit_events_action_date", table_name="audit_events")
    op.drop_index("ix_case_deadlines_dashboard", table_name="case_deadlines")
    op.drop_index("ix_cases_la_dashboard", table_name="cases")

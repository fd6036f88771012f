"""Adds an index reading an LA's dashboard deadlines as one range, by the deadline's own la_code."""

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"

# The deadlines the dashboard counts (as in migration 0004): duties still owed, missed ones, the 20-week final plans.
DASHBOARD_DEADLINES = (
    "(done_on IS NULL AND kind = 'duty') OR status IN ('breached', 'excepted') OR step = 'assessment.final_plan'"
)
COVERED = ["case_ref", "step", "key", "kind", "status", "due", "done_on"]


def _create_dashboard_index(name: str, key: str) -> None:
    """The upgrade keys this index by the LA, the downgrade puts back 0004's keyed by the case."""
    op.create_index(
        name,
        "case_deadlines",
        [key],
        unique=False,
        postgresql_include=[column for column in COVERED if column != key],
        postgresql_where=sa.text(DASHBOARD_DEADLINES),
        sqlite_where=sa.text(DASHBOARD_DEADLINES),
    )


def upgrade() -> None:
    # Reached through each of the LA's cases, the deadlines cost one index probe per case: 35,000 probes
    # (160,000 buffers, three processes busy) for the largest LA among 1,000,000 cases (docs/benchmarks.md).
    # Keyed by the LA the deadline carries since 0005, they are one contiguous range read from the index alone.
    _create_dashboard_index("ix_case_deadlines_la_dashboard", "la_code")
    # The per-case index served only the dashboard; every deadline write kept it up to date for nothing.
    op.drop_index("ix_case_deadlines_dashboard", table_name="case_deadlines")


def downgrade() -> None:
    _create_dashboard_index("ix_case_deadlines_dashboard", "case_ref")
    op.drop_index("ix_case_deadlines_la_dashboard", table_name="case_deadlines")

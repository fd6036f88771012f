"""dashboard: an LA's dashboard deadlines read from one index range, by the deadline's own la_code

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 01:15:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The deadlines the dashboard counts (as in migration 0004): duties still owed, missed ones, the 20-week final plans.
DASHBOARD_DEADLINES = (
    "(done_on IS NULL AND kind = 'duty') OR status IN ('breached', 'excepted') OR step = 'assessment.final_plan'"
)
COVERED = ["case_ref", "step", "key", "kind", "status", "due", "done_on"]


def upgrade() -> None:
    # Reached through each of the LA's cases, the deadlines cost one index probe per case: 35,000 probes
    # (160,000 buffers, three processes busy) for the largest LA among 1,000,000 cases (docs/benchmarks.md).
    # Keyed by the LA the deadline carries since 0005, they are one contiguous range read from the index alone.
    op.create_index(
        "ix_case_deadlines_la_dashboard",
        "case_deadlines",
        ["la_code"],
        unique=False,
        postgresql_include=COVERED,
        postgresql_where=sa.text(DASHBOARD_DEADLINES),
        sqlite_where=sa.text(DASHBOARD_DEADLINES),
    )
    # The per-case index served only the dashboard; every deadline write kept it up to date for nothing.
    op.drop_index("ix_case_deadlines_dashboard", table_name="case_deadlines")


def downgrade() -> None:
    op.create_index(
        "ix_case_deadlines_dashboard",
        "case_deadlines",
        ["case_ref"],
        unique=False,
        postgresql_include=COVERED[1:],
        postgresql_where=sa.text(DASHBOARD_DEADLINES),
        sqlite_where=sa.text(DASHBOARD_DEADLINES),
    )
    op.drop_index("ix_case_deadlines_la_dashboard", table_name="case_deadlines")

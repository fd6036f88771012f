"""Covers the dashboard's deadlines index with the columns its figures added since (held_until, process_open)."""

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"

# The deadlines the dashboard counts (as in migration 0006): duties still owed, missed ones, the 20-week final plans.
DASHBOARD_DEADLINES = (
    "(done_on IS NULL AND kind = 'duty') OR status IN ('breached', 'excepted') OR step = 'assessment.final_plan'"
)
COVERED = ["case_ref", "step", "key", "kind", "status", "due", "done_on"]
NAME = "ix_case_deadlines_la_dashboard"


def _create(covered: list[str]) -> None:
    op.create_index(
        NAME,
        "case_deadlines",
        ["la_code"],
        unique=False,
        postgresql_include=covered,
        postgresql_where=sa.text(DASHBOARD_DEADLINES),
        sqlite_where=sa.text(DASHBOARD_DEADLINES),
    )


def upgrade() -> None:
    # The overdue and owed figures read held_until (0007) and process_open (0012), which the index did not hold:
    # every one of an LA's counted deadlines was then fetched from the table, 26,000 blocks for the largest LA
    # among 1,000,000 cases, mostly from disk, where the index alone is 960 (docs/benchmarks.md).
    op.drop_index(NAME, table_name="case_deadlines")
    _create([*COVERED, "held_until", "process_open"])


def downgrade() -> None:
    op.drop_index(NAME, table_name="case_deadlines")
    _create(COVERED)

"""Adds each deadline's LA, and an index of an LA's duties owed in deadline order."""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"

OWED = "done_on IS NULL AND kind = 'duty'"


def upgrade() -> None:
    # An LA's queue is its earliest duties first. Read through the case rows it had to gather every open case
    # of the LA and sort all their deadlines for one page (3 s for a 35,000-case LA among 1,000,000 rows,
    # docs/benchmarks.md); with the LA on the deadline, the first page is the first rows of one index.
    with op.batch_alter_table("case_deadlines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("la_code", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=True))
    # Minutes on a large read model (one pass over every deadline); the sync activity keeps it from here on.
    op.execute(
        "UPDATE case_deadlines SET la_code = cases.la_code FROM cases WHERE cases.case_ref = case_deadlines.case_ref"
    )
    with op.batch_alter_table("case_deadlines", schema=None) as batch_op:
        batch_op.alter_column("la_code", existing_type=sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False)
    op.create_index(
        "ix_case_deadlines_la_owed",
        "case_deadlines",
        ["la_code", "due", "case_ref", "key"],
        unique=False,
        postgresql_where=sa.text(OWED),
        sqlite_where=sa.text(OWED),
    )


def downgrade() -> None:
    op.drop_index("ix_case_deadlines_la_owed", table_name="case_deadlines")
    with op.batch_alter_table("case_deadlines", schema=None) as batch_op:
        batch_op.drop_column("la_code")

"""Adds work queues: a team per case, and an index of the duties still owed."""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"


def upgrade() -> None:
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("team", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.create_index("ix_cases_la_team", ["la_code", "team"], unique=False)
    # Work queues read only the duties not yet done: a partial index keeps them small however long
    # the history of met deadlines grows.
    op.create_index(
        "ix_case_deadlines_owed",
        "case_deadlines",
        ["case_ref", "due"],
        unique=False,
        postgresql_where=sa.text("done_on IS NULL AND kind = 'duty'"),
        sqlite_where=sa.text("done_on IS NULL AND kind = 'duty'"),
    )


def downgrade() -> None:
    op.drop_index("ix_case_deadlines_owed", table_name="case_deadlines")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_la_team")
        batch_op.drop_column("team")

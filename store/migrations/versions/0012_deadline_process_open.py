"""Adds whether the workflow keeping a deadline still runs: a breached duty of a process that has ended is no
longer owed work (docs/legal-time.md)."""

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"


def upgrade() -> None:
    with op.batch_alter_table("case_deadlines", schema=None) as batch_op:
        batch_op.add_column(sa.Column("process_open", sa.Boolean(), server_default=sa.text("true"), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("case_deadlines", schema=None) as batch_op:
        batch_op.drop_column("process_open")

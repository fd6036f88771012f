"""Widens what a portal invitation or submission answers to hold `provision:<provider code>` (a code is up to 32)."""

import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"

TABLES = {"portal_invitations": False, "portal_submissions": True}  # the item column's nullable


def upgrade() -> None:
    _item_length(32, 48)


def downgrade() -> None:
    _item_length(48, 32)


def _item_length(was: int, becomes: int) -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    for table, nullable in TABLES.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(
                "item", existing_type=text(length=was), type_=text(length=becomes), existing_nullable=nullable
            )

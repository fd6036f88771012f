"""Binds each portal sign-in code to its purpose and to the browser that asked for it (docs/portal.md).

Codes already sent get an empty purpose and binding, which no browser's matches: they stop working (they last 10
minutes at most) but still count towards their address's limit.
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    with op.batch_alter_table("portal_sign_in_codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purpose", text(length=32), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("binding", text(length=64), nullable=False, server_default=""))
    with op.batch_alter_table("portal_sign_in_codes", schema=None) as batch_op:
        batch_op.alter_column("purpose", server_default=None)
        batch_op.alter_column("binding", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("portal_sign_in_codes", schema=None) as batch_op:
        batch_op.drop_column("binding")
        batch_op.drop_column("purpose")

"""Adds the one-time codes families sign in to the portal with (hashed, never in clear: docs/portal.md)."""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"


def upgrade() -> None:
    op.create_table(
        "portal_sign_in_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email_digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("salt", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("code_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("wrong_attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("portal_sign_in_codes", schema=None) as batch_op:
        batch_op.create_index("ix_portal_sign_in_codes_email_created", ["email_digest", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("portal_sign_in_codes", schema=None) as batch_op:
        batch_op.drop_index("ix_portal_sign_in_codes_email_created")
    op.drop_table("portal_sign_in_codes")

"""Adds the settings directory: the schools and colleges of the DfE's register, for the family's informed preference."""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "settings_directory",
        sa.Column("urn", text(length=8), nullable=False),
        sa.Column("name", text(length=200), nullable=False),
        sa.Column("la_code", text(length=10), nullable=False),
        sa.Column("phase", text(length=60), nullable=True),
        sa.Column("establishment_type", text(length=100), nullable=False),
        sa.Column("type_group", text(length=60), nullable=True),
        sa.Column("specialisms", sa.JSON(), nullable=False),
        sa.Column("resourced_provision", sa.Boolean(), nullable=False),
        sa.Column("sen_unit", sa.Boolean(), nullable=False),
        sa.Column("low_age", sa.Integer(), nullable=True),
        sa.Column("high_age", sa.Integer(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=True),
        sa.Column("resourced_provision_capacity", sa.Integer(), nullable=True),
        sa.Column("sen_unit_capacity", sa.Integer(), nullable=True),
        sa.Column("status", text(length=40), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("special", sa.Boolean(), nullable=False),
        sa.Column("requestable", sa.Boolean(), nullable=False),
        sa.Column("town", text(length=100), nullable=True),
        sa.Column("postcode", text(length=10), nullable=True),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("urn"),
    )
    op.create_index("ix_settings_directory_la_name", "settings_directory", ["la_code", "name"])


def downgrade() -> None:
    op.drop_index("ix_settings_directory_la_name", "settings_directory")
    op.drop_table("settings_directory")

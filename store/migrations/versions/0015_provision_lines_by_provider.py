"""Finds section F's lines by provider's code: the dashboard names each provider it counts from the lines that name
it, rather than reading every line of an LA's plans (reports/dashboard.py, _provider_names)."""

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"


def upgrade() -> None:
    op.create_index("ix_provision_lines_provider", "provision_lines", ["provider"])


def downgrade() -> None:
    op.drop_index("ix_provision_lines_provider", table_name="provision_lines")

"""Adds what outside parties send through the portal: invitations to advisers and settings, submissions, files."""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "portal_invitations",
        sa.Column("id", text(length=32), nullable=False),
        sa.Column("case_ref", text(length=32), nullable=False),
        sa.Column("party", text(length=16), nullable=False),
        sa.Column("item", text(length=32), nullable=False),
        sa.Column("email", text(length=254), nullable=False),
        sa.Column("invited_by", text(length=120), nullable=False),
        sa.Column("invited_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_ref"], ["cases.case_ref"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("case_ref", "party", "item", name="uq_portal_invitations_item"),
    )
    op.create_index("ix_portal_invitations_case_ref", "portal_invitations", ["case_ref"])
    op.create_table(
        "portal_submissions",
        sa.Column("id", text(length=32), nullable=False),
        sa.Column("case_ref", text(length=32), nullable=False),
        sa.Column("party", text(length=16), nullable=False),
        sa.Column("kind", text(length=32), nullable=False),
        sa.Column("item", text(length=32), nullable=True),
        sa.Column("actor", text(length=120), nullable=False),
        sa.Column("on", sa.Date(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_ref"], ["cases.case_ref"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_portal_submissions_case_ref", "portal_submissions", ["case_ref"])
    op.create_table(
        "portal_files",
        sa.Column("id", text(length=32), nullable=False),
        sa.Column("submission_id", text(length=32), nullable=False),
        sa.Column("filename", text(length=120), nullable=False),
        sa.Column("content_type", text(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["portal_submissions.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_portal_files_submission_id", "portal_files", ["submission_id"])


def downgrade() -> None:
    op.drop_index("ix_portal_files_submission_id", "portal_files")
    op.drop_table("portal_files")
    op.drop_index("ix_portal_submissions_case_ref", "portal_submissions")
    op.drop_table("portal_submissions")
    op.drop_index("ix_portal_invitations_case_ref", "portal_invitations")
    op.drop_table("portal_invitations")

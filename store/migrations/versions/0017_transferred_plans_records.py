"""Moves every deadline of a transferred plan's case to the LA that holds it now: the assessment's, the earlier
review cycles' and the redress routes' (activities/case_sync.py, deadlines_follow_the_case). Until then they kept the
LA they were written under, and the dashboard, which counts a deadline under its case's LA, counted them under none.

A worker still running the code before it during a rolling deploy can write a route's deadlines under the LA it
left: `python -m cli.reconcile --repair` after the deploy moves them (docs/reliability.md)."""

from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"


def upgrade() -> None:
    # The rows of the plans that have moved only: one pass over the deadlines, as migration 0005's.
    op.execute(
        "UPDATE case_deadlines SET la_code = cases.la_code FROM cases "
        "WHERE cases.case_ref = case_deadlines.case_ref AND case_deadlines.la_code <> cases.la_code"
    )


def downgrade() -> None:
    # Nothing to undo: the LA a row was first written under is not kept, and the sync moves them again.
    pass

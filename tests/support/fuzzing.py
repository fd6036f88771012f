"""What the fuzzers share: the seed that makes every run send the same requests, and the row counts that show a
refused request wrote nothing."""

from sqlmodel import func, select

from store.db import SessionMaker
from store.models import (
    AppealableDecisionRow,
    AuditEvent,
    Case,
    CaseDeadline,
    Child,
    Contact,
    DirectorySetting,
    IdempotencyRecord,
    Notification,
    PlanDocument,
    PortalFile,
    PortalInvitation,
    PortalSignInCode,
    PortalSubmission,
    RedressCase,
)

FUZZ_SEED = 20250214

# Every table a write route could touch.
TABLES = (
    Case,
    Child,
    Contact,
    IdempotencyRecord,
    Notification,
    AuditEvent,
    CaseDeadline,
    PlanDocument,
    AppealableDecisionRow,
    RedressCase,
    PortalSignInCode,
    PortalInvitation,
    PortalSubmission,
    PortalFile,
    DirectorySetting,
)


async def row_counts(sessions: SessionMaker) -> dict[str, int]:
    async with sessions() as session:
        return {t.__tablename__: (await session.exec(select(func.count()).select_from(t))).one() for t in TABLES}

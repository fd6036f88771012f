"""The portal's entries in a case's audit trail: a sign-in, a refusal, an invitation sent or withdrawn. Each is
its own act, never a retry of another, so each has a fresh key (the trail's unique `event_key` would otherwise
drop it as a repeat), marked as the portal's.
"""

import uuid
from datetime import datetime

from store.models import AuditEvent


def portal_event(case_ref: str, action: str, actor: str, summary: str, at: datetime) -> AuditEvent:
    return AuditEvent(
        event_key=f"portal:{uuid.uuid4().hex}",
        case_ref=case_ref,
        action=action,
        actor=actor,
        summary=summary,
        at=at,
    )

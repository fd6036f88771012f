"""What a provider of section F's lines is asked for, as its invitation, its page and its form read it: the periods
whose account the plan's workflow awaits from it, the lines each must cover, and those lines' words.

The workflow knows each awaited period by its key and dates, and the lines by number and provider's code; the
words (what, how much and how often, where) are plan text, read here from the database (docs/provision.md).
"""

from dataclasses import dataclass
from datetime import date

from sqlmodel.ext.asyncio.session import AsyncSession

from api.routes.provision import lines_in_force
from store.models import ProvisionLineRow
from store.portal_invitations import InvitedParty
from workflows.case_state import PENDING, DeadlineStatus
from workflows.plan_models import PlanState
from workflows.provision_models import DeliveryStatus, ProvisionKind
from workflows.provision_monitoring import CONFIRM, asked_of

# Awaited: asked and not answered, whether on track, chased or escalated (an account is taken however late).
AWAITED = frozenset({*PENDING, DeadlineStatus.PASSED})


@dataclass(frozen=True)
class AwaitedLine:
    ref: str
    kind: ProvisionKind
    words: ProvisionLineRow | None  # None if the line has since been replaced: the number and kind still say which


@dataclass(frozen=True)
class AwaitedPeriod:
    key: str  # e.g. 2026-27.ht2
    start: date
    end: date
    due: date  # the planning date for the account (provision.confirm), never a statutory limit
    lines: tuple[AwaitedLine, ...]


def awaited_periods(plan: PlanState, provider: str, words: list[ProvisionLineRow]) -> list[AwaitedPeriod]:
    """The periods whose account the plan awaits from `provider`, oldest first, each with the lines it covers."""
    written = {line.ref: line for line in words if line.provider == provider}
    found = []
    for deadline in plan.deadlines:
        if deadline.step != CONFIRM or deadline.done_on is not None or deadline.status not in AWAITED:
            continue
        period, asked = asked_of(deadline)
        if asked != provider:
            continue
        lines = [
            d
            for d in plan.deliveries
            if d.period == period and d.provider == provider and d.status is DeliveryStatus.UNCONFIRMED
        ]
        if lines:
            found.append(
                AwaitedPeriod(
                    key=period,
                    start=lines[0].period_start,
                    end=lines[0].period_end,
                    due=deadline.due,
                    lines=tuple(
                        AwaitedLine(d.ref, d.kind, written.get(d.ref))
                        for d in sorted(lines, key=lambda d: int(d.ref[1:]))
                    ),
                )
            )
    return sorted(found, key=lambda p: p.end)


def party_of(provider_type: str) -> InvitedParty:
    """A setting confirms as a setting; a service or a therapist, as the adviser it is closest to."""
    return InvitedParty.SETTING if provider_type == "setting" else InvitedParty.ADVISER


async def provider_lines(session: AsyncSession, case_ref: str, provider: str) -> list[ProvisionLineRow]:
    """The provider's lines of the plan in force, as written."""
    return [line for line in await lines_in_force(session, case_ref) if line.provider == provider]


def monitored(plan: PlanState, provider: str) -> bool:
    """Whether the plan's workflow watches a line of this provider's, or awaits an account from it."""
    return not plan.closed and (
        any(line.provider == provider for line in plan.provision)
        or any(d.provider == provider and d.status is DeliveryStatus.UNCONFIRMED for d in plan.deliveries)
    )

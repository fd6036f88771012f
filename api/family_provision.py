"""Section F of a child's plan as the family reads it: each line of provision in force (what, how much and how often,
who gives it, where) and what its provider said of the latest delivery period, in plain words.

The lines are the plan's own words (provision_lines, plan text the family was sent with the plan); the accounts are
the read model's (provision_deliveries), one per line and period. An account belongs to the line it was given for:
a line the plan has since changed (another kind of provision or another provider under the same number) shows no
account until its own first period ends. Every read is audited by the route that shows it.
"""

from datetime import date

from pydantic import BaseModel, Field
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from api.pages.layout import uk_date
from api.routes.provision import lines_in_force
from store.models import ProvisionDeliveryRow, ProvisionLineRow
from workflows.provision_models import DeliveryStatus, ShortfallReason

HOW_OFTEN = {"week": "a week", "half_term": "each half term", "term": "each term", "year": "a year"}


class LatestPeriod(BaseModel):
    """What the provider said of the line over the latest delivery period that has ended."""

    period_start: date
    period_end: date
    status: DeliveryStatus = Field(
        description="delivered in full; short (the council must make it good); not taken up (the child absent, or "
        "declined); unconfirmed (the provider has not said yet)"
    )
    sessions_missed: int
    made_good_on: date | None = Field(description="For a shortfall: the day the council made it good, if it has")
    words: str = Field(description="In plain words, e.g. '3 sessions missed: the council must make this good'")


class ProvisionLineView(BaseModel):
    """A line of section F in force, in the plan's words, with its latest period."""

    ref: str = Field(description="The line's number in section F, e.g. F1")
    kind: str = Field(description="The kind of provision, e.g. speech_and_language_therapy")
    what: str = Field(description="What is provided, as section F says it")
    how_much: str = Field(description="How much and how often, e.g. '2 sessions of 30 minutes a week'")
    who: str = Field(description="Who gives it, as the plan names them")
    where: str = Field(description="Where, if the plan says")
    starts_on: date | None = Field(description="From when, if later than the plan's issue")
    latest: LatestPeriod | None = Field(description="The latest period that has ended since the line started")


class FamilyProvision(BaseModel):
    case_ref: str
    lines: list[ProvisionLineView] = Field(description="Section F's lines in force; empty if none are set out")


def how_much(line: ProvisionLineRow) -> str:
    sessions = f"{line.sessions} session{'' if line.sessions == 1 else 's'}"
    return f"{sessions} of {line.minutes} minutes {HOW_OFTEN.get(line.per, line.per.replace('_', ' '))}"


def status_words(delivery: ProvisionDeliveryRow) -> str:
    missed = f"{delivery.sessions_missed} session{'' if delivery.sessions_missed == 1 else 's'} missed"
    match delivery.status:
        case DeliveryStatus.DELIVERED:
            return "Delivered in full"
        case DeliveryStatus.SHORT if delivery.made_good_on is not None:
            return f"{missed}: the council made this good on {uk_date(delivery.made_good_on)}"
        case DeliveryStatus.SHORT:
            return f"{missed}: the council must make this good"
        case DeliveryStatus.NOT_TAKEN_UP if delivery.reason == ShortfallReason.DECLINED:
            return f"{missed}: declined"
        case DeliveryStatus.NOT_TAKEN_UP:
            return f"{missed}: child absent"
    return "Not yet confirmed by the provider"


async def provision_of(session: AsyncSession, case_ref: str) -> FamilyProvision:
    """The lines in force on the case's plan, each with the latest account of it (one read for all the lines)."""
    lines = await lines_in_force(session, case_ref)
    rows = await session.exec(
        select(ProvisionDeliveryRow)
        .where(ProvisionDeliveryRow.case_ref == case_ref, col(ProvisionDeliveryRow.ref).in_([x.ref for x in lines]))
        .order_by(col(ProvisionDeliveryRow.period_end).desc())
    )
    latest: dict[tuple[str, str], ProvisionDeliveryRow] = {}
    for row in rows.all():
        latest.setdefault((row.ref, row.provider), row)
    return FamilyProvision(
        case_ref=case_ref, lines=[_view(line, latest.get((line.ref, line.provider))) for line in lines]
    )


def _view(line: ProvisionLineRow, delivery: ProvisionDeliveryRow | None) -> ProvisionLineView:
    same_line = delivery is not None and (delivery.kind, delivery.provider) == (line.kind, line.provider)
    return ProvisionLineView(
        ref=line.ref,
        kind=line.kind,
        what=line.description,
        how_much=how_much(line),
        who=line.provider_name,
        where=line.location,
        starts_on=line.starts_on,
        latest=LatestPeriod(
            period_start=delivery.period_start,
            period_end=delivery.period_end,
            status=DeliveryStatus(delivery.status),
            sessions_missed=delivery.sessions_missed,
            made_good_on=delivery.made_good_on,
            words=status_words(delivery),
        )
        if delivery is not None and same_line
        else None,
    )

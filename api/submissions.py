"""What a family, an adviser or a setting sends through the portal: their words and files kept in the database,
the fact sent to the case's workflow as a validated update, both or neither.

The submission is committed first (SQLite has one writer, and the workflow's own read-model write needs it),
then the update runs with the submission's id as its idempotency key; if the workflow refuses it, the rows
this request wrote are removed again, so a refusal leaves nothing half-written. A form sent twice carries the
same id (the page puts a fresh one in each form it draws): the second finds its rows there and the update is
answered with the first outcome, so nothing is recorded twice. An id already used by someone else, or for
something else, is refused: it cannot take over another's words.
"""

import uuid
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime

from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer
from sqlmodel import col, delete, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api.problems import Problem
from api.updates import StateQuery, Update, run_update
from store.models import PortalFile, PortalSubmission

SUBMISSION_ID = r"^[0-9a-f]{32}$"


def new_submission_id() -> str:
    """A fresh id for a form about to be drawn: what makes sending that form twice one submission."""
    return uuid.uuid4().hex


@dataclass(frozen=True)
class Upload:
    """A file as it was sent and checked (api/uploads.py): its name cleaned, its kind known, its size in bounds."""

    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True)
class Sent:
    """Who sent what about which case, on which legal date (today, in England: a party cannot back-date)."""

    submission_id: str
    case_ref: str
    party: str
    kind: str
    item: str | None
    actor: str
    on: date
    text: str


def from_family(
    actor: str, case_ref: str, kind: str, submission_id: str, text: str, earlier: PortalSubmission | None, today: date
) -> Sent:
    """A family's words about its case: dated the day they first arrived (the same form sent again keeps its date)."""
    return Sent(
        submission_id=submission_id,
        case_ref=case_ref,
        party="family",
        kind=kind,
        item=None,
        actor=actor,
        on=earlier.on if earlier else today,
        text=text,
    )


SUBMISSION_USED = "/problems/submission-used"
# A refusal the workflow or Temporal gave before recording anything (api/updates.py): the words can go too. Any
# other failure (no answer in time, the connection lost) may have been recorded after all, so they stay, and
# sending the same form again is answered with what the case did.
NOT_RECORDED = frozenset({409, 422, 429})


async def submit(
    session: AsyncSession,
    temporal: Client,
    sent: Sent,
    files: Sequence[Upload],
    workflow_id: str,
    update: Update,
    action: BaseModel,
    state: StateQuery,
) -> BaseModel:
    """Keep what was sent, then record its fact on the case; refused, nothing stays."""
    earlier = await session.get(PortalSubmission, sent.submission_id)
    if earlier is not None and (earlier.case_ref, earlier.actor, earlier.kind, earlier.item) != (
        sent.case_ref,
        sent.actor,
        sent.kind,
        sent.item,
    ):
        raise Problem(
            409,
            "Submission id already used",
            "This form's id was used for another submission. Open the form again and send it from there.",
            SUBMISSION_USED,
        )
    created = earlier is None and await _kept(session, sent, files)
    try:
        return await run_update(temporal, workflow_id, update, action, sent.submission_id, state, sent.actor)
    except Problem as problem:
        if created and problem.status in NOT_RECORDED:
            await session.rollback()
            await session.exec(delete(PortalFile).where(col(PortalFile.submission_id) == sent.submission_id))
            await session.exec(delete(PortalSubmission).where(col(PortalSubmission.id) == sent.submission_id))
            await session.commit()
        raise


async def _kept(session: AsyncSession, sent: Sent, files: Sequence[Upload]) -> bool:
    """Whether this request wrote the submission: the same form sent twice at once is written by one of them."""
    fields = asdict(sent)
    session.add(PortalSubmission(id=fields.pop("submission_id"), **fields, submitted_at=datetime.now(UTC)))
    try:
        await session.flush()
        for upload in files:
            session.add(
                PortalFile(
                    id=uuid.uuid4().hex,
                    submission_id=sent.submission_id,
                    filename=upload.filename,
                    content_type=upload.content_type,
                    size=len(upload.data),
                    data=upload.data,
                )
            )
        # Committed before the update: the workflow's own read-model write needs the database (SQLite has one writer).
        await session.commit()
    except IntegrityError:
        await session.rollback()
        return False
    return True


async def submissions_of(
    session: AsyncSession, case_ref: str, item: str | None = None
) -> list[tuple[PortalSubmission, list[PortalFile]]]:
    """A case's submissions (or only those answering `item`), oldest first, each with its files (their contents
    not loaded)."""
    query = select(PortalSubmission).where(PortalSubmission.case_ref == case_ref)
    if item is not None:
        query = query.where(PortalSubmission.item == item)
    rows = (await session.exec(query.order_by(col(PortalSubmission.submitted_at), col(PortalSubmission.id)))).all()
    files = (
        await session.exec(
            select(PortalFile)
            .options(defer(PortalFile.data))  # type: ignore[arg-type]
            .where(col(PortalFile.submission_id).in_([r.id for r in rows]))
            .order_by(col(PortalFile.filename))
        )
    ).all()
    return [(row, [f for f in files if f.submission_id == row.id]) for row in rows]

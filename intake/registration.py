"""Registering a new case with its people, once, however often the same request arrives."""

import secrets
from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel, col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from store.models import Case, IdempotencyRecord

# Crockford-style alphabet: no I, L, O or U, so a reference read over the phone is not misheard.
_REF_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_case_ref(la_code: str) -> str:
    return f"{la_code}-" + "".join(secrets.choice(_REF_ALPHABET) for _ in range(8))


async def seen(session: AsyncSession, *digests: str) -> dict[str, str]:
    """The case each of these request digests registered, for those already seen: one query for them all."""
    rows = await session.exec(select(IdempotencyRecord).where(col(IdempotencyRecord.key).in_(digests)))
    return {row.key: row.case_ref for row in rows}


async def register(
    session: AsyncSession,
    digest: str,
    case: Case,
    people: Sequence[SQLModel],
    also: Sequence[str] = (),
    *,
    ask_first: bool = True,
) -> tuple[str, bool]:
    """Write the case, its people and the request's digest (and any `also` digests) in one transaction.

    Returns the case reference and whether the request had been seen before: a repeated or concurrent
    duplicate finds the first case instead of making another (the digest is the primary key). Without
    `ask_first` the write itself finds a request seen before, as it finds a concurrent duplicate, and is rolled
    back: a round trip saved where nearly every request is new.
    """
    if ask_first and (existing := await session.get(IdempotencyRecord, digest)):
        return existing.case_ref, True
    session.add(case)
    await session.flush()  # the people refer to the case row
    session.add_all(people)
    session.add_all([IdempotencyRecord(key=key, case_ref=case.case_ref) for key in (digest, *also)])
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        winner = await session.get(IdempotencyRecord, digest)
        if winner is None:
            raise
        return winner.case_ref, True
    return case.case_ref, False

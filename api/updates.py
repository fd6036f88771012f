"""Running an officer action as a workflow update, and the problem+json it answers with if refused.

The actor recorded is always the signed-in user. The workflow refuses an action out of order (409)
or with impossible dates (422) before it touches history. A repeated POST with the same
Idempotency-Key is the same update (Temporal dedupes by update id). The answer is the case as the
workflow's `state` query returns it after the action.
"""

import asyncio
import hashlib
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Annotated, Any, TypeVar, get_type_hints

from fastapi import Depends, Header, Request
from pydantic import BaseModel
from sqlmodel import delete
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client, WorkflowUpdateFailedError, WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.workflow import UpdateMethodMultiParam

from api.auth import User, authenticate
from api.problems import Problem
from api.schemas import DraftIn, IssuedPlanIn, ProvisionLineIn
from core.workflow_ids import update_id
from store.models import PlanDocument, ProvisionLineRow
from workflows.assessment_models import DraftSent
from workflows.rejections import CONFLICT_TYPES, CaseBusy

UPDATE_TIMEOUT_SECONDS = 30


async def _request_key(
    request: Request,
    user: Annotated[User, Depends(authenticate)],
    idempotency_key: Annotated[str | None, Header(max_length=200, pattern=r"^[A-Za-z0-9._:-]+$")] = None,
) -> str | None:
    """The key as one caller's one request: their Idempotency-Key with who they are and what they sent.

    A retry (same caller, same key, same body) is the same update, so Temporal answers it with the first
    outcome. The same key from someone else, or with another body, is another request and is carried out
    as one; before, it was answered as a replay of the first and the new request was lost. A key is
    meant for one request (IETF draft-ietf-httpapi-idempotency-key-header); a different body is taken as
    a client's fault to be recorded, not dropped."""
    if idempotency_key is None:
        return None
    try:
        body = json.dumps(json.loads(await request.body()), sort_keys=True, separators=(",", ":"))
    except ValueError:
        body = ""  # unreadable: the body's own validation refuses it before any key is used
    digest = hashlib.sha256(f"{user.sub}\n{request.url.path}\n{body}".encode()).hexdigest()[:16]
    return f"{idempotency_key}.{digest}"


IdempotencyKey = Annotated[str | None, Depends(_request_key)]
State = TypeVar("State", bound=BaseModel)
# Typed references to a workflow's handlers, as the client takes them (temporalio/samples-python's way): an
# update (`AssessmentWorkflow.decide_to_assess`) and the `state` query (`AssessmentWorkflow.get_state`), whose
# return type is the answer's.
Update = UpdateMethodMultiParam[[Any, Any], Any]
StateQuery = Callable[[Any], BaseModel]


def answer_type(query: StateQuery) -> type[BaseModel]:
    """The model a `state` query answers with: the response model of every action on that process."""
    answer: type[BaseModel] = get_type_hints(query)["return"]
    return answer


async def run_update(
    temporal: Client,
    workflow_id: str,
    update: Update,
    action: BaseModel,
    idempotency_key: str | None,
    state: StateQuery,
    actor: str,
) -> BaseModel:
    """`actor` is the signed-in user: whoever a request body names, the audit trail records who acted."""
    if "actor" in type(action).model_fields:
        action = action.model_copy(update={"actor": actor})
    handle = temporal.get_workflow_handle(workflow_id)
    key = update_id(update, idempotency_key) if idempotency_key else None
    try:
        async with asyncio.timeout(UPDATE_TIMEOUT_SECONDS):
            await handle.execute_update(update, action, id=key)
            return await handle.query(state)
    except WorkflowUpdateFailedError as error:
        cause = error.cause
        reason = cause.message if isinstance(cause, ApplicationError) else str(cause)
        kind = cause.type if isinstance(cause, ApplicationError) else None
        if kind == CaseBusy.__name__:
            raise Problem(409, "Case busy", reason, "/problems/case-busy", headers={"Retry-After": "1"}) from error
        if kind in CONFLICT_TYPES:
            raise Problem(409, "Action not possible now", reason, "/problems/out-of-order") from error
        raise Problem(422, "Action refused", reason, "/problems/invalid-action") from error
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError) as error:
        # The workflow may well have accepted the action and be waiting on the database to record it (its
        # activities retry until it is back): "nothing was changed" would be untrue.
        raise Problem(
            503,
            "Action not confirmed yet",
            f"The case has not confirmed this action within {UPDATE_TIMEOUT_SECONDS} seconds; it may still be "
            "recorded. Repeat the request with the same Idempotency-Key to get its outcome, or read the case "
            "before repeating it.",
            "/problems/action-not-confirmed",
            headers={"Retry-After": "5"},
        ) from error
    except RPCError as error:
        if error.status is RPCStatusCode.NOT_FOUND:
            raise Problem(
                409, "Case is closed", f"{workflow_id} is closed or does not exist; nothing was recorded."
            ) from error
        if error.status in (RPCStatusCode.RESOURCE_EXHAUSTED, RPCStatusCode.ABORTED):
            # Temporal takes a few updates at once per case (10 in flight): a burst on one case meets that.
            raise Problem(
                429,
                "Too many actions at once",
                "This case is taking as many actions at once as it can. Send this one again in a moment, with "
                "the same Idempotency-Key if it had one: if it was recorded after all, that returns its outcome.",
                "/problems/case-busy",
                headers={"Retry-After": "1"},
            ) from error
        raise


async def with_document(
    session: AsyncSession,
    case_ref: str,
    kind: str,
    sections: dict[str, str],
    idempotency_key: str | None,
    action: Any,
    *,
    lines: Sequence[ProvisionLineIn] = (),
    **document: Any,
) -> Any:
    """Store a plan text (personal data stays in the database), with section F's `lines`, then run
    `action(document_id)`.

    The document is committed first because the workflow's own read-model write needs the database
    (SQLite has one writer); if the workflow refuses the action, the document is removed again.
    """
    document_id = (
        str(uuid.uuid5(uuid.NAMESPACE_URL, f"{case_ref}/{kind}/{idempotency_key}"))
        if idempotency_key
        else uuid.uuid4().hex
    )
    created = await session.get(PlanDocument, document_id) is None
    if created:
        session.add(PlanDocument(id=document_id, case_ref=case_ref, kind=kind, sections=sections, **document))
        await session.flush()  # the lines name the document
        keep_lines(session, case_ref, document_id, lines)
    await session.commit()  # a retry's read ends too: no connection is held while the workflow answers
    try:
        return await action(document_id)
    except BaseException:
        # Only a document this request wrote goes: a retry of a request that succeeded finds its document there,
        # and refusing the retry must never take the issued plan's text away.
        await session.rollback()
        if created:
            await session.exec(delete(ProvisionLineRow).where(ProvisionLineRow.document_id == document_id))  # type: ignore[arg-type]
            await session.exec(delete(PlanDocument).where(PlanDocument.id == document_id))  # type: ignore[arg-type]
            await session.commit()
        raise


def keep_lines(session: AsyncSession, case_ref: str, document_id: str, lines: Sequence[ProvisionLineIn]) -> None:
    """Add section F's lines of a stored plan to the session, as written."""
    for line in lines:
        session.add(ProvisionLineRow(document_id=document_id, case_ref=case_ref, **line.model_dump()))


async def with_draft(
    session: AsyncSession,
    case_ref: str,
    body: DraftIn,
    idempotency_key: str | None,
    actor: str,
    send: Callable[[DraftSent], Awaitable[Any]],
) -> Any:
    """Store a draft plan's text, then `send` the workflow the draft (a first plan's or a re-assessment's)."""

    async def served(document_id: str) -> Any:
        return await send(DraftSent(on=body.served_on, actor=actor, document_id=document_id))

    return await with_document(
        session, case_ref, "draft", body.sections.model_dump(), idempotency_key, served, created_by=actor
    )


async def with_plan(
    session: AsyncSession,
    case_ref: str,
    kind: str,
    body: IssuedPlanIn,
    idempotency_key: str | None,
    actor: str,
    issue: Callable[[str], Awaitable[Any]],
    setting_type: str | None = None,
) -> Any:
    """Store an issued plan's text with the setting it names, then `issue` it by the stored document's id."""
    return await with_document(
        session,
        case_ref,
        kind,
        body.sections.model_dump(),
        idempotency_key,
        issue,
        lines=body.provision or (),
        named_setting_urn=body.named_setting_urn,
        setting_type=setting_type,
        created_by=actor,
    )

"""Officer actions declared as tables: a row is the route, the workflow update it sends, its body, and what it
records. A new statutory step needs one row here besides its workflow handler (README, "Adding a statutory step").

The routes a row makes all run the same way (api/updates.py): the caller's scope is checked, the body is
validated, and the update is sent under the caller's Idempotency-Key, its answer the process's state; a draft
plan's text (a DraftIn body) is stored first. Routes that do more (store a final or amended plan, check a
manager's LAs) are written out beside their table.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, get_type_hints

from fastapi import APIRouter, Depends
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from api.auth import Acting, User, case_for
from api.deps import CaseRef, SessionDep, TemporalDep
from api.schemas import DraftIn
from api.updates import IdempotencyKey, StateQuery, Update, answer_type, run_update, with_draft
from core.workflow_ids import update_name


@dataclass(frozen=True)
class OfficerAction:
    """One statutory step as the API offers it, named once at each layer: its route, the workflow update it sends
    (whose name running cases replay) and what the case's history records it as (docs/steps.md lists them all;
    tests/api/test_steps.py holds each row to its handler)."""

    path: str  # under the process's address, e.g. "decide-to-assess"
    update: Update  # the workflow's handler, e.g. AssessmentWorkflow.decide_to_assess: its name is the update's
    what: str  # the route's summary in the API's docs, with its legal reference
    records: tuple[str, ...]  # the history actions it can record, e.g. ("decided_to_assess", "refused_to_assess")
    body: type[BaseModel] | None = None  # what the route takes, where it is not the handler's own action model

    @property
    def name(self) -> str:
        return update_name(self.update)

    @property
    def model(self) -> type[BaseModel]:
        """The request body: the handler's action model (`AssessDecision` for decide_to_assess) unless the row
        names another (a draft's text, which the API stores before the workflow gets its id)."""
        if self.body is not None:
            return self.body
        hints = get_type_hints(self.update)
        action: type[BaseModel] = next(hint for name, hint in hints.items() if name != "return")
        return action


@dataclass(frozen=True)
class CaseProcess:
    """The assessment or the plan of a case, as the API acts on it: which workflow, and what its state is."""

    workflow_id: Callable[[str], str]
    state: StateQuery  # the workflow's `state` query, e.g. AssessmentWorkflow.get_state

    async def act(
        self,
        temporal: Client,
        session: AsyncSession,
        user: User,
        case_ref: str,
        update: Update,
        action: BaseModel,
        key: str | None,
    ) -> Any:
        """The one way an officer's action reaches a case: scope checked, then the update, answered with the state."""
        await case_for(session, user, case_ref)
        return await run_update(temporal, self.workflow_id(case_ref), update, action, key, self.state, user.sub)

    def add(self, router: APIRouter, rows: Iterable[OfficerAction]) -> None:
        """POST {router prefix}/{path} for each row."""
        for row in rows:
            router.add_api_route(
                f"/{row.path}",
                self._endpoint(row),
                methods=["POST"],
                response_model=answer_type(self.state),
                summary=row.what,
                name=row.name,
            )

    def _endpoint(self, row: OfficerAction) -> Callable[..., Any]:
        async def endpoint(
            case_ref: CaseRef,
            body: row.model,  # type: ignore[name-defined]  # the row's model, for FastAPI to validate
            session: SessionDep,
            temporal: TemporalDep,
            user: Acting,
            idempotency_key: IdempotencyKey = None,
        ) -> Any:
            async def send(action: BaseModel) -> Any:
                return await self.act(temporal, session, user, case_ref, row.update, action, idempotency_key)

            if isinstance(body, DraftIn):  # the plan's text stays in the database: the workflow gets its id
                await case_for(session, user, case_ref)
                return await with_draft(session, case_ref, body, idempotency_key, user.sub, send)
            return await send(body)

        return endpoint


def process_actions(
    router: APIRouter,
    rows: Iterable[OfficerAction],
    *,
    prefix: str,
    id_type: Any,
    state: StateQuery,
    known: Callable[..., Any],
) -> None:
    """POST /{prefix}/{workflow_id}/{path} for each row: an action on a redress route or an appeal, whose id is
    the workflow's; `known` is the dependency that finds it among the caller's cases."""
    for row in rows:
        router.add_api_route(
            f"/{prefix}/{{workflow_id}}/{row.path}",
            _on_process(row, id_type, state),
            methods=["POST"],
            response_model=answer_type(state),
            summary=row.what,
            name=f"{prefix}_{row.name}",
            dependencies=[Depends(known)],
        )


def _on_process(row: OfficerAction, id_type: Any, state: StateQuery) -> Callable[..., Any]:
    async def endpoint(
        workflow_id: id_type,
        body: row.model,  # type: ignore[name-defined]  # the row's model, for FastAPI to validate
        temporal: TemporalDep,
        user: Acting,
        idempotency_key: IdempotencyKey = None,
    ) -> Any:
        return await run_update(temporal, workflow_id, row.update, body, idempotency_key, state, user.sub)

    return endpoint

"""RFC 9457 problem+json errors, each with a message a case officer can act on.

Everything the API refuses goes through here, so a client sees one error shape whether FastAPI
rejected the body, a workflow validator rejected an action, or a dependency was unavailable.
"""

import sqlite3
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.client import WorkflowUpdateRPCTimeoutOrCancelledError
from temporalio.service import RPCError, RPCStatusCode

from intake.fields import described_errors

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger(__name__)


class Problem(Exception):
    """An error the API answers with, as problem+json."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str,
        type_: str = "about:blank",
        *,
        headers: dict[str, str] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type_
        self.headers = headers
        self.extra = extra


def problem_response(request: Request, problem: Problem) -> JSONResponse:
    body = {
        "type": problem.type,
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail,
        "instance": request.url.path,
        **problem.extra,
    }
    return JSONResponse(
        jsonable_encoder(body), status_code=problem.status, media_type=PROBLEM_JSON, headers=problem.headers
    )


async def _validation(request: Request, error: RequestValidationError) -> JSONResponse:
    errors, summary = described_errors(error.errors())
    return problem_response(
        request, Problem(422, "The request is not valid", summary, "/problems/validation", errors=errors)
    )


# FastAPI's own answer when a body cannot be parsed at all: JSON nested deeper than Python's parser goes.
_UNPARSABLE = "There was an error parsing the body"


async def _http(request: Request, error: StarletteHTTPException) -> JSONResponse:
    if error.status_code == 400 and error.detail == _UNPARSABLE:
        detail = "The body could not be read as JSON: it is malformed or nested too deeply."
        return problem_response(request, Problem(400, "Unreadable body", detail, "/problems/validation"))
    # Starlette's own headers go with it: a 405's Allow names the methods the address takes.
    headers = dict(error.headers) if error.headers else None
    return problem_response(request, Problem(error.status_code, str(error.detail), str(error.detail), headers=headers))


async def _problem(request: Request, problem: Problem) -> JSONResponse:
    return problem_response(request, problem)


async def _temporal_unavailable(request: Request, error: Exception) -> JSONResponse:
    if isinstance(error, RPCError) and error.status not in (
        RPCStatusCode.UNAVAILABLE,
        RPCStatusCode.DEADLINE_EXCEEDED,
    ):
        log.error("temporal call failed", status=str(error.status), path=request.url.path)
        return problem_response(request, Problem(500, "Workflow service error", "The workflow service failed."))
    return problem_response(
        request,
        Problem(
            503,
            "Workflow service unavailable",
            "The workflow service did not answer in time. Nothing was changed; try again shortly.",
            "/problems/temporal-unavailable",
        ),
    )


async def _database_unavailable(request: Request, error: Exception) -> JSONResponse:
    if _sqlite_busy(error):
        # The embedded database takes one writer at a time; another request held it past the wait.
        log.warning("database busy", path=request.url.path)
        return problem_response(
            request,
            Problem(
                503,
                "Database busy",
                "Another request was writing to the case database at the same moment and this one could not wait "
                "longer. Nothing was changed by this request; repeat it.",
                "/problems/database-busy",
                headers={"Retry-After": "1"},
            ),
        )
    log.error("database unavailable", path=request.url.path)
    return problem_response(
        request,
        Problem(
            503,
            "Database unavailable",
            "The case database could not be reached. Nothing was changed; try again shortly.",
            "/problems/database-unavailable",
        ),
    )


def _sqlite_busy(error: Exception) -> bool:
    """SQLite's own "database is locked" (SQLITE_BUSY), as against a server that cannot be reached."""
    cause = getattr(error, "orig", None)
    return isinstance(cause, sqlite3.OperationalError) and "locked" in str(cause)


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    # Logged with its type only: an exception message may carry data from the request.
    log.error("unhandled error", path=request.url.path, error_type=type(error).__name__)
    return problem_response(
        request,
        Problem(500, "Unexpected error", "Something went wrong on our side; nothing was changed by this request."),
    )


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
    app.add_exception_handler(Problem, _problem)  # type: ignore[arg-type]
    app.add_exception_handler(RPCError, _temporal_unavailable)
    app.add_exception_handler(WorkflowUpdateRPCTimeoutOrCancelledError, _temporal_unavailable)
    app.add_exception_handler(TimeoutError, _temporal_unavailable)
    app.add_exception_handler(OperationalError, _database_unavailable)
    app.add_exception_handler(DBAPIError, _database_unavailable)
    # Every pooled connection busy (or stuck on an unreachable server) past the pool's timeout.
    app.add_exception_handler(PoolTimeoutError, _database_unavailable)
    app.add_exception_handler(Exception, _unexpected)

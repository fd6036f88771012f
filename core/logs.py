"""Structured JSON logging for the API, the worker and the tools.

Temporal's `workflow.logger` and `activity.logger` are stdlib loggers that attach the workflow or
activity context as `extra`; routing all stdlib records through structlog's formatter makes them come
out as the same JSON lines as our own events, with that context as fields.

Personal data never reaches a log: we log case references and codes only, and `drop_personal_data`
is a last line of defence against a field that should not be there.
"""

import logging
import sys
import traceback
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog

# Field names that would carry personal data if anyone ever passed them to a logger.
PERSONAL_FIELDS = frozenset(
    {
        "name",
        "given_name",
        "family_name",
        "first_name",
        "last_name",
        "date_of_birth",
        "dob",
        "address",
        "postcode",
        "email",
        "phone",
        "telephone",
        "child",
        "contact",
        "contacts",
        "parties",
    }
)


def drop_personal_data(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key in PERSONAL_FIELDS.intersection(event_dict):
        event_dict[key] = "[redacted]"
    return event_dict


def exceptions_without_messages(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """An exception's message may quote what a caller sent (a name, a value from a request), and the server
    logs every unhandled error with its traceback (uvicorn's "Exception in ASGI application"). Where each
    exception in the chain was raised is kept; what it says is not: its type stands in for its message."""
    exc_info = event_dict.pop("exc_info", None)
    if exc_info is True:
        exc_info = sys.exc_info()
    if isinstance(exc_info, BaseException):
        exc_info = (type(exc_info), exc_info, exc_info.__traceback__)
    if not isinstance(exc_info, tuple) or exc_info[1] is None:
        return event_dict
    lines: list[str] = []
    error: BaseException | None = exc_info[1]
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        kind = f"{type(error).__module__}.{type(error).__qualname__}\n"
        lines[:0] = [*traceback.format_tb(error.__traceback__), kind]
        error = error.__cause__ or error.__context__
    event_dict["exception"] = "Traceback (most recent call last), messages left out:\n" + "".join(lines)
    event_dict["error_type"] = type(exc_info[1]).__name__
    return event_dict


def flatten_temporal_context(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Lift the SDK's `temporal_workflow`/`temporal_activity` extras into top-level fields ops can filter."""
    for source in ("temporal_workflow", "temporal_activity"):
        context = event_dict.pop(source, None)
        if isinstance(context, dict):
            for key in ("workflow_id", "workflow_type", "run_id", "activity_type", "activity_id", "attempt"):
                if key in context:
                    event_dict.setdefault(key, context[key])
    return event_dict


def configure_logging(level: str = "INFO", fmt: str = "json", stream: TextIO | None = None) -> None:
    shared: list[Any] = [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        flatten_temporal_context,
        drop_personal_data,
        exceptions_without_messages,
    ]
    renderer: Any = (
        structlog.processors.JSONRenderer() if fmt == "json" else structlog.dev.ConsoleRenderer(colors=False)
    )
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(stream or sys.stdout)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared,
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                renderer,
            ],
        )
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # The SDK already puts the workflow context in `extra`; repeating it in the message is noise.
    from temporalio import activity, workflow

    workflow.logger.workflow_info_on_message = False
    activity.logger.activity_info_on_message = False
    for noisy in ("httpx", "httpcore", "uvicorn.access", "aiosqlite", "sqlalchemy.engine"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))

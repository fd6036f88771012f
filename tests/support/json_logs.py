"""Logs as production writes them (JSON lines), captured for one test and then handed back to pytest."""

import io
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import structlog

from core.logs import configure_logging


@contextmanager
def json_logs_at(level: str) -> Iterator[io.StringIO]:
    """JSON logging at `level` into a buffer; afterwards the root logger's handlers and level, and structlog's
    defaults, are as they were, so that pytest's own capture works again for the next test."""
    root = logging.getLogger()
    handlers, previous = root.handlers[:], root.level
    buffer = io.StringIO()
    configure_logging(level, "json", stream=buffer)
    try:
        yield buffer
    finally:
        root.handlers[:] = handlers
        root.setLevel(previous)
        structlog.reset_defaults()

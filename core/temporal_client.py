"""One way to connect to Temporal, used by the API, the worker, the tools and the tests.

Every client must use the same data converter as the worker, or payloads would not round-trip.
"""

import asyncio
import dataclasses
import logging
import os
import sys
from collections.abc import Coroutine, Sequence
from typing import Any, NoReturn

import structlog
from temporalio.api.common.v1 import Payload
from temporalio.client import Client
from temporalio.contrib.pydantic import PydanticPayloadConverter, pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.runtime import Runtime
from temporalio.service import RPCError

from core.config import Settings
from core.ops_text import OpsText, ops_text
from core.payload_codec import codec_for

log = structlog.get_logger(__name__)


class PayloadConverter(PydanticPayloadConverter):
    """Pydantic's payloads, but a timeline label (OpsText) is written as ops text, which the codec leaves in
    clear: the Temporal UI's timer and activity labels are for ops, who cannot decode (core/ops_text.py)."""

    def to_payloads(self, values: Sequence[Any]) -> list[Payload]:
        payloads = super().to_payloads(values)
        return [ops_text(v) if isinstance(v, OpsText) else p for v, p in zip(values, payloads, strict=True)]


def data_converter(settings: Settings) -> DataConverter:
    """Pydantic payloads, encrypted with the configured keys (core/payload_codec.py): the worker, the API, the
    tools and the tests all need this one, or one side could not read what the other wrote."""
    return dataclasses.replace(
        pydantic_data_converter, payload_converter_class=PayloadConverter, payload_codec=codec_for(settings)
    )


async def connect(settings: Settings, *, attempts: int = 60, runtime: Runtime | None = None) -> Client:
    """Connect, retrying while the server starts (`make run` starts it beside us).

    `runtime` carries the SDK's telemetry (the worker's Prometheus exporter); None is the SDK's default."""
    converter = data_converter(settings)
    for attempt in range(1, attempts + 1):
        try:
            return await Client.connect(
                settings.temporal_address,
                namespace=settings.temporal_namespace,
                api_key=settings.temporal_api_key,
                tls=settings.temporal_tls,
                data_converter=converter,
                runtime=runtime,
            )
        except (RPCError, RuntimeError) as error:
            if attempt == attempts:
                raise
            log.info(
                "temporal not reachable yet",
                address=settings.temporal_address,
                attempt=attempt,
                error=str(error),
            )
            await asyncio.sleep(1)
    raise AssertionError("unreachable")


def run_to_exit(main: Coroutine[Any, Any, int | None]) -> NoReturn:
    """Run a command's `main` and leave without interpreter teardown once it has finished cleanly.

    The SDK's Rust threads can outlive the event loop and abort the process while Python finalizes
    ("PyGILState_Release ... must be current", temporalio/sdk-python#300), turning a clean stop into
    SIGABRT that supervisors read as a crash. Everything is closed by now, so only buffers need flushing.
    An exception still propagates with the normal exit; an int from `main` is the exit status."""
    status = asyncio.run(main)
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status or 0)

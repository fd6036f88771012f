"""One way to connect to Temporal, used by the API, the worker, the tools and the tests.

Every client must use the same data converter as the worker, or payloads would not round-trip.
"""

import asyncio

import structlog
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError

from settings import Settings

log = structlog.get_logger(__name__)


async def connect(settings: Settings, *, attempts: int = 60) -> Client:
    """Connect, retrying while the server starts (`make run` starts it beside us)."""
    for attempt in range(1, attempts + 1):
        try:
            return await Client.connect(
                settings.temporal_address,
                namespace=settings.temporal_namespace,
                api_key=settings.temporal_api_key,
                tls=settings.temporal_tls,
                data_converter=pydantic_data_converter,
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

"""`python -m bench.bare_worker ADDRESS TASK_QUEUE`: the bare workflow's worker (see bench/bare.py).

The workflow lives in a module of its own so that the sandbox can pass it through as it passes our
workflow modules through (worker.PASSTHROUGH): neither side pays for re-importing it per run. Its payloads'
context is answered outside the sandbox as our worker's is (core/payload_context.py), for the same reason.
"""

import argparse
import asyncio
import signal

from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxRestrictions

from bench.bare import BareWorkflow
from core.config import Settings
from core.payload_context import OwnPayloadContext
from core.temporal_client import connect, run_to_exit


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("address")
    parser.add_argument("task_queue")
    args = parser.parse_args()
    client = await connect(Settings(temporal_address=args.address))
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set)
    runner = OwnPayloadContext(restrictions=SandboxRestrictions.default.with_passthrough_modules("bench.bare"))
    async with Worker(client, task_queue=args.task_queue, workflows=[BareWorkflow], workflow_runner=runner):
        await stop.wait()


if __name__ == "__main__":
    run_to_exit(main())

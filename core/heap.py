"""The garbage collector in the long-running processes (the API and the worker).

A full collection walks every object the collector tracks, with the event loop stopped. Most of them
are made at start and live as long as the process (modules, routes, SQLAlchemy mappers, pydantic
schemas, the SDK's protobuf classes): about 180,000 in the API, a full walk of ~120 ms on the 2-core
machine of docs/benchmarks.md, during which every request in flight waits. Those pauses were the
work queue's p99. Freezing what exists once the process has started leaves the collector only what
requests and workflows make since.
"""

import gc


def freeze_startup_objects() -> None:
    """Collect what start-up left behind, then move everything still alive out of the collector's reach."""
    gc.collect()
    gc.freeze()

"""The bare engine, for comparison: a workflow that does nothing but wait for an update.

Starting it costs what Temporal itself costs (the start request, the first workflow task on a
sandboxed Python worker), with none of our work: no read model, no audit trail, no search attributes.
Its worker is bench/bare_worker.py, a process of its own like `worker.py`.
"""

from temporalio import workflow


@workflow.defn(name="BenchBare")
class BareWorkflow:
    def __init__(self) -> None:
        self.finished = False

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self.finished)

    @workflow.update
    async def finish(self) -> None:
        self.finished = True

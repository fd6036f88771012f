"""The bare engine, for comparison: a workflow that does nothing but wait for updates.

Starting it costs what Temporal itself costs (the start request, the first workflow task on a
sandboxed Python worker), with none of our work: no read model, no audit trail, no search attributes.
Its `step` update, with a validator, is what an officer's action would cost with none of ours either: no
rules, no read model, no letter (bench/actions.py). Its worker is bench/bare_worker.py, a process of its
own like `worker.py`.
"""

from temporalio import workflow


@workflow.defn(name="BenchBare")
class BareWorkflow:
    def __init__(self) -> None:
        self.finished = False
        self.steps = 0

    @workflow.run
    async def run(self) -> None:
        await workflow.wait_condition(lambda: self.finished)

    @workflow.update
    async def finish(self) -> None:
        self.finished = True

    @workflow.update
    async def step(self, number: int) -> int:
        self.steps += 1
        return self.steps

    @step.validator
    def _validate_step(self, number: int) -> None:
        if number < 0:
            raise ValueError("a step is numbered from 0")

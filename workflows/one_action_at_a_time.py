"""One officer action at a time on a case: an action sent while another is being recorded is refused.

A handler may wait (for the read model, a letter, the appealable decision) before it has done everything
its validator checked for: before, two review decisions sent together both passed the validator while
the first waited, and both were recorded, maintain and amend, with both letters sent. Temporal runs the
validator of an update while other handlers are in progress, so the rule is kept here, for every update
of every case workflow, rather than in each handler: while one handler runs, another action's validator
refuses it (CaseBusy, a 409 the client repeats in a moment). Nothing is recorded for the refused one.

The updates the system sends (a Tribunal order carried to the case, an appeal against ceasing and its
outcome, the end of an appeal window, a case's report that an order is carried out, a restatement) are
never refused for this, nor for the step limit (case_base.py): a case must not lose the Tribunal's word
to an officer's click, and two workflows each waiting for the other to take an update would wait for
ever. They have names of their own, which no officer route sends. They do hold officers off while they run.
"""

from typing import Any

from temporalio.worker import (
    HandleUpdateInput,
    Interceptor,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
)

from workflows.rejections import CaseBusy

SYSTEM_UPDATES = frozenset(
    {"tribunal_order", "tribunal_cease_appeal", "cease_unappealed", "order_complied", "restate_record"}
)


class OneActionAtATime(Interceptor):
    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor] | None:
        del input
        return _OneAtATime


class _OneAtATime(WorkflowInboundInterceptor):
    def __init__(self, next: WorkflowInboundInterceptor) -> None:
        super().__init__(next)
        self._running = 0

    def handle_update_validator(self, input: HandleUpdateInput) -> None:
        if self._running and input.update not in SYSTEM_UPDATES:
            raise CaseBusy(
                "another action on this case is being recorded at this moment: send this one again in a "
                "moment (with the same Idempotency-Key, if it had one)"
            )
        self.next.handle_update_validator(input)

    async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
        self._running += 1
        try:
            return await self.next.handle_update_handler(input)
        finally:
            self._running -= 1

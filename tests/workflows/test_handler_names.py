"""The API and the activities send updates by the workflows' own handlers (`PlanWorkflow.tribunal_order`), and
key each update's id by the handler's name: so every update's registered name must be its handler's, as it was
when they were sent by name. Running cases replay under these names, which never change."""

import pytest
from temporalio import workflow

from workflows.assessment import AssessmentWorkflow
from workflows.plan import PlanWorkflow
from workflows.redress import RedressWorkflow
from workflows.tribunal import TribunalWorkflow


@pytest.mark.parametrize("case_workflow", [AssessmentWorkflow, PlanWorkflow, RedressWorkflow, TribunalWorkflow])
def test_every_update_is_named_for_its_handler(case_workflow: type) -> None:
    # The SDK's own reading of the class: the names a client's typed reference resolves to.
    definition = workflow._Definition.must_from_class(case_workflow)
    named = {name: update.fn.__name__ for name, update in definition.updates.items() if name is not None}
    assert named == {name: name for name in named}
    assert definition.queries["state"].fn.__name__ == "get_state"

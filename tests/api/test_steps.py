"""Each statutory step has one name at each layer, and the routes' tables say them all (api/actions.py): the route,
the workflow update it sends, and what the case's history records. Held here to the workflows' own code, so that
a handler recording a new history action, or an update no route sends, fails until its row says so; and
docs/steps.md (python -m cli.steps) to the tables."""

import ast
import inspect
import textwrap
from pathlib import Path

import pytest
from temporalio import workflow

from api.actions import OfficerAction
from cli import steps
from workflows.assessment import AssessmentWorkflow
from workflows.case_base import CaseWorkflow
from workflows.one_action_at_a_time import SYSTEM_UPDATES
from workflows.plan import PlanWorkflow
from workflows.redress import RedressWorkflow
from workflows.tribunal import TribunalWorkflow

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = (AssessmentWorkflow, PlanWorkflow, RedressWorkflow, TribunalWorkflow)
# What the clock records as a step's consequence (a backlog judged, a breach withdrawn once a late fact shows the
# duty met): the dates' outcomes, not the step.
CLOCK = {
    "deadline_breached",
    "deadline_excepted",
    "target_passed",
    "window_closed",
    "breach_withdrawn",
    "provision_unconfirmed",  # a provider's date passing unanswered (workflows/provision_monitoring.py)
}
# Updates no officer route sends: the restatement tool's (cli/restate.py).
TOOLS = {"restate_record"}


def recorded(case_workflow: type[CaseWorkflow], method: str, seen: set[str] | None = None) -> set[str]:
    """The history actions a handler records, following the workflow's own methods it calls; a name built with
    a code (f"exception:{code}") by what comes before the colon."""
    seen = seen if seen is not None else set()
    seen.add(method)
    names: set[str] = set()
    tree = ast.parse(textwrap.dedent(inspect.getsource(getattr(case_workflow, method))))
    for call in (node for node in ast.walk(tree) if isinstance(node, ast.Call)):
        target = call.func
        if not (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and target.value.id == "self"):
            continue
        if target.attr in ("done", "_done", "record") and call.args:
            first = call.args[0]
            if isinstance(first, ast.Constant):
                names.add(str(first.value))
            elif isinstance(first, ast.JoinedStr) and isinstance(first.values[0], ast.Constant):
                names.add(str(first.values[0].value).split(":")[0])
        elif callable(getattr(case_workflow, target.attr, None)) and target.attr not in seen:
            names |= recorded(case_workflow, target.attr, seen)
    return names - CLOCK


# The process each of cli.steps' tables is, in its order.
TABLES = [(case_workflow, table) for case_workflow, (_, _, table) in zip(WORKFLOWS, steps.PROCESSES, strict=True)]


def updates_of(case_workflow: type[CaseWorkflow]) -> set[str]:
    """The updates an officer may send: all but the system's and the tools'."""
    names = workflow._Definition.must_from_class(case_workflow).updates
    return {name for name in names if name is not None} - SYSTEM_UPDATES - TOOLS


@pytest.mark.parametrize(("case_workflow", "table"), TABLES, ids=[w.__name__ for w in WORKFLOWS])
def test_each_row_names_what_its_handler_records(
    case_workflow: type[CaseWorkflow], table: tuple[OfficerAction, ...]
) -> None:
    for step in table:
        assert step.name in updates_of(case_workflow), step.path
        assert set(step.records) == recorded(case_workflow, step.name), step.path


@pytest.mark.parametrize(("case_workflow", "table"), TABLES, ids=[w.__name__ for w in WORKFLOWS])
def test_every_update_an_officer_can_send_has_a_route(
    case_workflow: type[CaseWorkflow], table: tuple[OfficerAction, ...]
) -> None:
    assert sorted(step.name for step in table) == sorted(updates_of(case_workflow))


def test_the_steps_page_is_the_tables() -> None:
    assert (ROOT / "docs" / "steps.md").read_text() == steps.page(), "run: python -m cli.steps > docs/steps.md"

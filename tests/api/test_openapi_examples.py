"""Every officer action's body has an example in the API's own OpenAPI document, and every example is a body the
route takes: Swagger UI's "Try it out" starts from it, and a newcomer should not learn a body from 422 answers.

The examples are read from the document the app serves (create_app(...).openapi()), as Swagger UI reads them,
and validated by the route's own body model (api/actions.py `OfficerAction.model`)."""

from typing import Any

import pytest
from pydantic import BaseModel

from api.actions import OfficerAction
from api.main import create_app
from api.routes.work import AssignmentIn, MoveIn
from api.schemas import CaseCreate
from cli.steps import PROCESSES
from core.config import Settings
from tests.factories import TEST_PAYLOAD_KEYS, TEST_SECRET

ROUTES = [(f"{address}/{step.path}", step) for _, address, steps in PROCESSES for step in steps]


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    settings = Settings(database_url="sqlite+aiosqlite://", auth_jwt_secret=TEST_SECRET, payload_keys=TEST_PAYLOAD_KEYS)
    return create_app(settings).openapi()


def examples_of(document: dict[str, Any], path: str) -> list[Any]:
    """The example bodies of `POST path`, as Swagger UI offers them."""
    body = document["paths"][path]["post"]["requestBody"]["content"]["application/json"]
    return [example["value"] for example in body.get("examples", {}).values()]


def test_every_officer_action_is_in_the_document(document: dict[str, Any]) -> None:
    assert len(ROUTES) > 40
    missing = [path for path, _ in ROUTES if "post" not in document["paths"].get(path, {})]
    assert missing == []


@pytest.mark.parametrize(("path", "step"), ROUTES, ids=[path for path, _ in ROUTES])
def test_each_example_is_a_body_its_route_takes(document: dict[str, Any], path: str, step: OfficerAction) -> None:
    examples = examples_of(document, path)
    assert examples, f"POST {path} has no example body"
    for example in examples:
        step.model.model_validate(example)  # raises, naming the field, if the example is not a body it takes


@pytest.mark.parametrize(
    ("method", "path", "model"),
    [
        ("post", "/cases", CaseCreate),
        ("put", "/cases/{case_ref}/assignment", AssignmentIn),
        ("post", "/assignments/move", MoveIn),
    ],
)
def test_the_other_writes_have_examples_they_take(
    document: dict[str, Any], method: str, path: str, model: type[BaseModel]
) -> None:
    body = document["paths"][path][method]["requestBody"]["content"]["application/json"]
    examples = [example["value"] for example in body["examples"].values()]
    assert examples
    for example in examples:
        model.model_validate(example)

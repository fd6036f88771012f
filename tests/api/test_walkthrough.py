"""docs/walkthrough.md, sent through the real API in its order: each command of its shell blocks, the bodies as
written there, so the page cannot drift from the API.

The page's commands keep to a few regular shapes (below); a command of another shape fails the test rather
than being skipped, and the page's shell functions must post where this test posts."""

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.auth import Role
from core.config import Settings
from tests.conftest import eventually
from tests.factories import bearer

PAGE = Path(__file__).resolve().parents[2] / "docs" / "walkthrough.md"
# Where each of the page's step functions posts, under the API.
STEPS = {"act": "cases/$CASE", "plan": "plans/$CASE", "route": "redress/$ROUTE", "appeal": "tribunal/$APPEAL"}
STEP = re.compile(r"(?P<step>act|plan|route|appeal) (?P<path>[a-z0-9-]+) '(?P<body>[^']*)'", re.DOTALL)
OPEN = re.compile(
    r"(?P<name>[A-Z]+)=\$\(post (?P<path>[a-z]+) '(?P<body>[^']*)' \| field '(?P<field>[^']*)'\)", re.DOTALL
)
READ = re.compile(r"(?P<name>[A-Z]+)=(?P<prefix>[a-z$A-Z-]*)\$\(get \"(?P<path>[^\"]+)\" \| field '(?P<field>[^']*)'\)")
GET = re.compile(r"get \"(?P<path>[^\"]+)\"")
TOKEN = re.compile(r"cli\.tokens --role (?P<role>\w+) --la (?P<la>\w+) --sub (?P<sub>[\w.]+)")


def blocks() -> list[str]:
    return re.findall(r"```sh\n(.*?)```", PAGE.read_text(), re.DOTALL)


def commands(block: str) -> list[str]:
    """The block's commands: a command goes on over the next lines while a quote it opened is open."""
    found: list[str] = []
    for line in block.splitlines():
        if found and found[-1].count("'") % 2:
            found[-1] += "\n" + line
        elif line.strip():
            found.append(line.strip())
    return found


def field(answer: dict[str, Any], path: str) -> str:
    """What the page's `field '["decisions"][0]["decision_id"]'` prints."""
    value: Any = answer
    for key, index in re.findall(r'\["([^"]+)"\]|\[([0-9]+)\]', path):
        value = value[key] if key else value[int(index)]
    return str(value)


def test_the_shell_functions_post_where_the_steps_go() -> None:
    setup = blocks()[0]
    assert 'post() { curl -s -X POST "$API/$1"' in setup
    assert 'get() { curl -s "$API/$1"' in setup
    for step, under in STEPS.items():
        assert f'{step}() {{ post "{under}/$1" "$2"; }}' in setup


async def test_the_walkthrough_runs_as_written(api: httpx.AsyncClient, settings: Settings) -> None:
    """Every date on the page is in 2026, before the time-skipping server's today (the real one when it starts)."""
    setup, *steps = blocks()
    token = TOKEN.search(setup)
    assert token is not None
    officer = bearer(settings, Role(token["role"]), [token["la"]], token["sub"])
    names: dict[str, str] = {}

    def at(path: str) -> str:
        for name, value in names.items():
            path = path.replace(f"${name}", value)
        return "/" + path

    async def read(path: str) -> dict[str, Any]:
        """A process the case starts on its own (a plan, a route, an appeal) answers once it has started."""

        async def served() -> dict[str, Any] | None:
            answer = await api.get(at(path), headers=officer)
            return answer.json() if answer.status_code == 200 else None

        found: dict[str, Any] = await eventually(served)
        return found

    sent: list[str] = []
    for command in (command for block in steps for command in commands(block)):
        if step := STEP.fullmatch(command):
            under = STEPS[step["step"]]
            await read(under)
            answer = await api.post(at(f"{under}/{step['path']}"), json=json.loads(step["body"]), headers=officer)
            assert answer.status_code == 200, (command, answer.text)
            sent.append(f"{step['step']} {step['path']}")
        elif opened := OPEN.fullmatch(command):
            answer = await api.post(at(opened["path"]), json=json.loads(opened["body"]), headers=officer)
            assert answer.status_code == 201, (command, answer.text)
            names[opened["name"]] = field(answer.json(), opened["field"])
        elif found := READ.fullmatch(command):
            prefix = at(found["prefix"]).removeprefix("/")
            names[found["name"]] = prefix + field(await read(found["path"]), found["field"])
        elif got := GET.fullmatch(command):
            await read(got["path"])
        else:
            pytest.fail(f"docs/walkthrough.md has a command this test cannot read: {command}")

    assert sent[0] == "act decide-to-assess"
    assert {"act final-plan", "plan review-decision", "route appeal", "appeal decision"} <= set(sent)
    case = await read("cases/$CASE")  # the second case: the Tribunal's order starts its assessment again
    assert case["stage"] == "request_received"
    assert "tribunal.comply_assess" in {deadline["step"] for deadline in case["deadlines"]}
    appeal = await read("tribunal/$APPEAL")
    assert (appeal["stage"], appeal["upheld"], appeal["decided_on"]) == ("complying", True, "2026-10-19")

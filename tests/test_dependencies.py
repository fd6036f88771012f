"""Every package the code imports is one pyproject.toml declares, not one that arrives with another.

PyJWT verifies every token, yet came only as a dependency of the Notify client: a new Notify release could
have dropped it, or moved it to an incompatible version, with nothing here saying so. Code the engine
runs may import only the runtime dependencies; tests and benchmarks may also use the test extras.
"""

import ast
import importlib.metadata
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
# Only what tests and benchmarks use may come from the test extras.
TEST_ONLY_DIRS = {"tests", "bench"}


def normal(name: str) -> str:
    """A distribution's name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(requirements: list[str]) -> set[str]:
    return {normal(re.split(r"[\[=<>~!; ]", requirement, maxsplit=1)[0]) for requirement in requirements}


def imported_by(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def ours() -> set[str]:
    return {p.stem for p in ROOT.glob("*.py")} | {p.name for p in ROOT.iterdir() if p.is_dir()}


def test_every_imported_package_is_declared() -> None:
    runtime = declared(PROJECT["dependencies"])
    everything = runtime | declared(PROJECT["optional-dependencies"]["test"])
    distributions = importlib.metadata.packages_distributions()
    local = ours()
    undeclared = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0].startswith(".") or "node_modules" in relative.parts:
            continue
        allowed = everything if relative.parts[0] in TEST_ONLY_DIRS else runtime
        for module in imported_by(path) - set(sys.stdlib_module_names) - local:
            names = {normal(name) for name in distributions.get(module, [module])}
            if not names & allowed:
                undeclared.append(f"{relative} imports {module} ({', '.join(sorted(names))})")
    assert not undeclared, "\n".join(sorted(undeclared))

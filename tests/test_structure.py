"""The structure drawn from the imports: layers that only look down, no cycles, no loose modules.

Each package may import only the packages below it (ALLOWED), so that the law (`statutory/`) and the
platform (`core/`) stand alone, workflows never reach into activities, and nothing under the API imports
the API. Within and across packages no module imports itself back through others. Under tests/ no module
imports a test module: what tests share lives beside them, not in one of them.
"""

import ast
import re
import subprocess
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# What each package may import, besides itself. worker.py is the one top-level module (the process).
ALLOWED = {
    "statutory": set(),
    "core": set(),
    "store": {"core"},
    "workflows": {"statutory", "core"},
    "activities": {"statutory", "core", "store", "workflows"},
    "intake": {"statutory", "core", "store", "workflows", "activities"},
    "reports": {"statutory", "core", "store", "workflows"},
    "api": {"statutory", "core", "store", "workflows", "intake", "reports"},
    "worker": {"statutory", "core", "store", "workflows", "activities"},
    "cli": {"statutory", "core", "store", "workflows", "activities", "intake", "reports", "api"},
}
OURS = set(ALLOWED)


def modules() -> dict[str, Path]:
    found = {"worker": ROOT / "worker.py"}
    for package in OURS - {"worker"}:
        for path in (ROOT / package).rglob("*.py"):
            found[".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")] = path
    return found


def imports(path: Path) -> set[str]:
    """Every module of ours a file imports, at the top or inside a function."""
    named = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            named |= {node.module, *(f"{node.module}.{alias.name}" for alias in node.names)}
        elif isinstance(node, ast.Import):
            named |= {alias.name for alias in node.names}
    return {name for name in named if name.split(".")[0] in OURS}


def graph() -> dict[str, set[str]]:
    known = modules()
    edges: dict[str, set[str]] = defaultdict(set)
    for module, path in known.items():
        for name in imports(path):
            target = name if name in known else name.rsplit(".", 1)[0]
            if target in known and target != module:
                edges[module].add(target)
    return edges


def test_no_loose_modules_at_the_top() -> None:
    loose = {p.name for p in ROOT.glob("*.py")} - {"worker.py"}
    assert not loose, f"modules outside a package: {sorted(loose)}"


def test_every_package_imports_only_the_layers_below_it() -> None:
    upward = sorted(
        f"{module} imports {target}"
        for module, targets in graph().items()
        for target in targets
        if (top := target.split(".")[0]) != (own := module.split(".")[0]) and top not in ALLOWED[own]
    )
    assert not upward, "\n".join(upward)


def test_no_module_imports_itself_back() -> None:
    edges = graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(module: str) -> None:
        state[module] = 1
        path.append(module)
        for target in sorted(edges.get(module, ())):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[module] = 2

    for module in sorted(modules()):
        if module not in state:
            visit(module)
    assert not cycles, "\n".join(" -> ".join(cycle) for cycle in cycles)


def imported_test_modules(path: Path) -> set[str]:
    """Every test module (`tests.….test_*`) a file under tests/ imports, absolutely or relatively."""
    package = path.relative_to(ROOT).parent.parts
    named = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = ".".join((*base, *(node.module.split(".") if node.module else ())))
            named |= {module, *(f"{module}.{alias.name}" for alias in node.names)}
        elif isinstance(node, ast.Import):
            named |= {alias.name for alias in node.names}
    found = set()
    for name in named:
        parts = name.split(".")
        test = next((i for i, part in enumerate(parts) if part.startswith("test_")), None)
        if parts[0] == "tests" and test is not None:
            found.add(".".join(parts[: test + 1]))
    return found


def test_no_module_under_tests_imports_a_test_module() -> None:
    """A test module is run, not used: what tests share lives in tests/support/, tests/driver.py or
    tests/factories.py, so that changing one test never breaks another."""
    found = sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / "tests").rglob("*.py")
        for name in imported_test_modules(path)
    )
    assert not found, "\n".join(found)


# Tests of the whole system at once, which belong to no one folder.
WHOLE_SYSTEM = {"test_structure.py", "test_dependencies.py", "test_temporal_ui.py", "test_no_personal_data.py"}
# Folders of tests/ that are not the tests of a source folder: shared helpers, tools and recorded histories.
NOT_TESTS = {"support", "tools", "histories", "__pycache__"}


def test_the_tests_mirror_the_source_folders() -> None:
    """A test sits in the folder named for what it tests (tests/workflows/ for workflows/), so its code's tests
    are found beside one another; only tests of the whole system stay at the top."""
    top = {path.name for path in (ROOT / "tests").glob("test_*.py")}
    assert top <= WHOLE_SYSTEM, f"tests at the top that belong in a folder: {sorted(top - WHOLE_SYSTEM)}"
    sources = {path.name for path in ROOT.iterdir() if path.is_dir() and any(path.glob("*.py"))} | {"deploy"}
    folders = {path.name for path in (ROOT / "tests").iterdir() if path.is_dir()} - NOT_TESTS
    assert folders <= sources, f"test folders with no source folder of that name: {sorted(folders - sources)}"


# The founders' private notes, which are not in the repository: a citation of one points nowhere for anyone
# who clones it. The names are put together here so that this file does not cite them itself.
PRIVATE_NOTES = re.compile(rb"\b(?:" + b"|".join((b"STATUTORY", b"DESIGN", b"ENGINEERING")) + rb")\.md\b")


def test_no_tracked_file_cites_the_founders_private_notes() -> None:
    """The repository stands alone: the law is cited as the law (an instrument and its regulation or rule) or
    by the project's own docs (docs/law.md, docs/statutory-choices.md, docs/architecture.md and the rest)."""
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    citing = sorted(
        f"{name}:{number}"
        for name in tracked.decode().split("\0")
        if name and (ROOT / name).is_file()
        for number, line in enumerate((ROOT / name).read_bytes().splitlines(), start=1)
        if PRIVATE_NOTES.search(line)
    )
    assert not citing, "cites a document not in the repository:\n" + "\n".join(citing)

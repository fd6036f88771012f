"""The deployment artefacts under deploy/: valid for their own tools, and consistent with the code they run.

deploy/check.sh runs hadolint, `docker compose config`, the Kubernetes schemas and yamllint (it fails under
CI when a tool is missing, and skips it elsewhere). The rest reads the files themselves: every setting they
pass exists in core/config.py, every probe is a route of the app, every command names a module that exists,
and every grace period outlasts what it has to cover.
"""

import importlib
import importlib.util
import json
import os
import re
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from api.main import create_app
from bench import sizing
from core.config import Settings
from tests.factories import TEST_PAYLOAD_KEYS, TEST_SECRET

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
IMAGE = "registry.example.gov.uk/ehcp-engine"
SETTINGS = {name.upper() for name in Settings.model_fields}
# What the Temporal CLI in the search-attribute job reads; both are settings too.
CLI_ENV = {"TEMPORAL_ADDRESS", "TEMPORAL_NAMESPACE"}
# What uvicorn itself reads: the addresses whose X-Forwarded-* headers it believes (the API only).
SERVER_ENV = {"FORWARDED_ALLOW_IPS"}


def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def engine_services() -> dict[str, dict[str, Any]]:
    """The compose services that run our image (the rest are Temporal's and PostgreSQL's)."""
    return {name: s for name, s in compose()["services"].items() if "EHCP_IMAGE" in s.get("image", "")}


def manifests() -> list[dict[str, Any]]:
    return [doc for path in sorted((DEPLOY / "k8s").glob("*.yaml")) for doc in yaml.safe_load_all(path.read_text())]


def kind(name: str) -> list[dict[str, Any]]:
    return [doc for doc in manifests() if doc["kind"] == name]


def pod_specs() -> list[dict[str, Any]]:
    return [doc["spec"]["template"]["spec"] for doc in manifests() if doc["kind"] in ("Deployment", "Job")]


def engine_containers() -> list[dict[str, Any]]:
    return [c for spec in pod_specs() for c in spec["containers"] if c["image"].startswith(IMAGE)]


def deployment(name: str) -> dict[str, Any]:
    return next(doc for doc in kind("Deployment") if doc["metadata"]["name"] == name)


def worker_grace_seconds() -> int:
    """The worker's graceful_shutdown_timeout, as worker.py sets it."""
    found = re.search(r"graceful_shutdown_timeout=timedelta\(seconds=(\d+)\)", (ROOT / "worker.py").read_text())
    assert found, "worker.py no longer sets graceful_shutdown_timeout in seconds: update this test"
    return int(found.group(1))


def seconds(duration: str) -> int:
    value = re.fullmatch(r"(\d+)s", duration)
    assert value, duration
    return int(value.group(1))


def mebibytes(quantity: str) -> int:
    value = re.fullmatch(r"(\d+)(Mi|Gi)", quantity)
    assert value, quantity
    return int(value.group(1)) * (1024 if value.group(2) == "Gi" else 1)


def measured_costs() -> dict[str, Any]:
    """The latest bench/case_costs.py results (with payload encryption on, as deployed)."""
    return json.loads(sorted((ROOT / "bench" / "results").glob("case-costs-2*.json"))[-1].read_text())


def test_check_script_passes() -> None:
    result = subprocess.run([str(DEPLOY / "check.sh")], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    if os.environ.get("CI"):
        assert "SKIP" not in result.stdout, result.stdout


def test_check_script_catches_a_broken_manifest(tmp_path: Path) -> None:
    """The Kubernetes check is strict: a misspelt field is an error, not a warning."""
    broken = tmp_path / "api.yaml"
    broken.write_text((DEPLOY / "k8s" / "api.yaml").read_text().replace("revisionHistoryLimit", "revisionHistoryLimt"))
    validate = ROOT / ".venv" / "bin" / "kubernetes-validate"
    if not validate.exists():
        pytest.skip("kubernetes-validate is not installed") if not os.environ.get("CI") else pytest.fail("missing")
    result = subprocess.run([str(validate), "--strict", "--quiet", str(broken)], capture_output=True, text=True)
    assert result.returncode != 0 and "revisionHistoryLimt" in result.stdout + result.stderr


def test_compose_sets_only_settings_that_exist() -> None:
    for name, service in engine_services().items():
        unknown = set(service.get("environment", {})) - SETTINGS - CLI_ENV - (SERVER_ENV if name == "api" else set())
        assert not unknown, f"compose service {name} sets {unknown}, which core/config.py does not read"


def test_compose_env_example_defines_every_variable_compose_reads() -> None:
    used = set(re.findall(r"\$\{([A-Z_]+)", (DEPLOY / "compose.yaml").read_text()))
    example = (DEPLOY / "compose.env.example").read_text()
    defined = set(re.findall(r"^([A-Z_]+)=", example, re.MULTILINE))
    assert used - defined == set(), "compose.yaml reads variables the example does not show"
    assert defined - used == set(), "the example shows variables compose.yaml never reads"
    secrets = re.findall(r"^(\w*(?:PASSWORD|SECRET|KEY))=(.*)$", example, re.MULTILINE)
    assert secrets and all(value in ("", "change-me") for _, value in secrets), "a secret value is committed"


def test_kubernetes_sets_only_settings_that_exist() -> None:
    config = next(doc for doc in kind("ConfigMap") if doc["metadata"]["name"] == "ehcp-config")
    assert set(config["data"]) <= SETTINGS, set(config["data"]) - SETTINGS
    for container in engine_containers():
        names = {env["name"] for env in container.get("env", [])}
        known = SETTINGS | CLI_ENV | (SERVER_ENV if container["name"] == "api" else set())
        assert names <= known, f"{container['name']} sets {names - known}"
        for env in container.get("env", []):
            if secret := env.get("valueFrom", {}).get("secretKeyRef"):
                assert secret["name"] == "ehcp-secrets" and secret["key"] == env["name"]
    assert not kind("Secret"), "secrets are referenced, never committed"


def test_probes_and_scrape_paths_are_routes_of_the_app() -> None:
    routes = set(create_app(Settings(auth_jwt_secret=TEST_SECRET, payload_keys=TEST_PAYLOAD_KEYS)).openapi()["paths"])
    api = deployment("ehcp-api")["spec"]["template"]
    container = api["spec"]["containers"][0]
    probes = {container[probe]["httpGet"]["path"] for probe in ("startupProbe", "livenessProbe", "readinessProbe")}
    assert probes == {"/health/live", "/health/ready"}
    assert container["readinessProbe"]["httpGet"]["path"] == "/health/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/health/live"
    assert api["metadata"]["annotations"]["prometheus.io/path"] in routes
    healthcheck = " ".join(engine_services()["api"]["healthcheck"]["test"])
    compose_paths = set(re.findall(r"127\.0\.0\.1:8000(/[a-z/]+)", healthcheck))
    assert probes | compose_paths <= routes, (probes | compose_paths) - routes


def test_grace_periods_outlast_the_shutdowns_they_cover() -> None:
    grace = worker_grace_seconds()
    worker = deployment("ehcp-worker")["spec"]["template"]["spec"]
    assert worker["terminationGracePeriodSeconds"] > grace
    assert seconds(compose()["services"]["worker"]["stop_grace_period"]) > grace
    api = deployment("ehcp-api")["spec"]["template"]["spec"]
    container = api["containers"][0]
    pre_stop = int(container["lifecycle"]["preStop"]["exec"]["command"][-1])
    command = container["command"]
    uvicorn_grace = int(command[command.index("--timeout-graceful-shutdown") + 1])
    assert api["terminationGracePeriodSeconds"] > pre_stop + uvicorn_grace


def test_every_command_runs_a_module_that_exists() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    commands = [c["command"] for c in engine_containers()] + [
        s["command"] for s in engine_services().values() if "command" in s
    ]
    commands.append(re.findall(r'"([^"]+)"', dockerfile.split("\nCMD ")[1]))
    factories = set()
    modules = set()
    for command in commands:
        text = " ".join(command)
        modules |= set(re.findall(r"python -m ([\w.]+)", text))
        factories |= set(re.findall(r"--factory ([\w.]+:\w+)", text))
    assert modules == {"worker", "cli.migrate", "cli.search_attributes"}
    assert factories == {"api.main:production_app"}
    for module in modules:
        assert importlib.util.find_spec(module), module
    for factory in factories:
        module, name = factory.split(":")
        assert callable(getattr(importlib.import_module(module), name))


def test_image_builds_from_every_package_the_project_declares() -> None:
    """A package added to pyproject.toml but not copied into the image would be missing at run time, and so
    would a module at the top of the repository that pyproject.toml does not declare."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert {path.stem for path in ROOT.glob("*.py")} == set(declared["py-modules"])
    tops = {package.split(".")[0] for package in declared["packages"]}
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    for top in tops:
        assert f"COPY {top}/ {top}/" in dockerfile and f"!{top}/" in ignore, top
    for module in declared["py-modules"]:
        assert re.search(rf"^COPY .*\b{module}\.py\b", dockerfile, re.MULTILINE) and f"!{module}.py" in ignore, module


def test_containers_run_as_non_root_on_a_read_only_root() -> None:
    assert re.search(r"^USER 10001:10001$", (DEPLOY / "Dockerfile").read_text(), re.MULTILINE)
    for spec in pod_specs():
        assert spec["securityContext"]["runAsNonRoot"] is True
        assert spec["automountServiceAccountToken"] is False
        for container in spec["containers"]:
            context = container["securityContext"]
            assert context["readOnlyRootFilesystem"] and not context["allowPrivilegeEscalation"]
            assert context["capabilities"]["drop"] == ["ALL"]
            assert "memory" in container["resources"]["limits"] and container["resources"]["requests"]
    for name, service in engine_services().items():
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"], name


def test_api_and_worker_have_disruption_budgets_and_autoscalers() -> None:
    budgets = {doc["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] for doc in kind("PodDisruptionBudget")}
    scaled = {doc["spec"]["scaleTargetRef"]["name"] for doc in kind("HorizontalPodAutoscaler")}
    assert budgets == scaled == {"ehcp-api", "ehcp-worker"}
    for doc in kind("HorizontalPodAutoscaler"):
        assert doc["spec"]["minReplicas"] >= 2


def test_worker_memory_holds_its_cache_at_the_measured_cost() -> None:
    """The worker's memory request covers the cache it is given, at the memory bench/case_costs.py measured
    for a cached workflow, plus the process itself; a larger cache without more memory would be OOM-killed."""
    storage = measured_costs()["open_workflow_storage"]
    container = deployment("ehcp-worker")["spec"]["template"]["spec"]["containers"][0]
    cache = int(next(env["value"] for env in container["env"] if env["name"] == "WORKER_MAX_CACHED_WORKFLOWS"))
    per_workflow = storage["worker_memory_bytes_per_cached_workflow"]
    needed = cache * per_workflow + storage["process_resident_bytes_after_warm_up"]
    resources = container["resources"]
    assert mebibytes(resources["requests"]["memory"]) * 2**20 >= needed
    assert mebibytes(resources["limits"]["memory"]) > mebibytes(resources["requests"]["memory"])


def test_sizing_in_the_docs_is_what_the_measurements_give() -> None:
    """docs/deploy.md quotes bench/sizing.py's arithmetic over the latest measured costs, word for word."""
    doc = (ROOT / "docs" / "deploy.md").read_text()
    quoted = re.search(r"<!-- sizing:begin[^>]*-->\n(.*)\n<!-- sizing:end -->", doc, re.DOTALL)
    assert quoted, "docs/deploy.md lost its sizing markers"
    latest = sorted((ROOT / "bench" / "results").glob("case-costs-2*.json"))[-1]
    assert quoted.group(1).strip() == sizing.report(sizing.load(latest)).strip(), (
        f"run .venv/bin/python -m bench.sizing {latest.relative_to(ROOT)} and paste its output into docs/deploy.md"
    )

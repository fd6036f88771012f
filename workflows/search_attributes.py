"""Custom search attributes: how ops staff find a case in the Temporal UI.

They are stored unencrypted by the server and visible to anyone with namespace access, so they hold
codes and dates only, never personal data. The same list is registered by `make run`, by the tests
and (documented in docs/operations.md) on a real cluster.
"""

from temporalio.common import SearchAttributeKey

CASE_REF = SearchAttributeKey.for_keyword("CaseRef")
LOCAL_AUTHORITY = SearchAttributeKey.for_keyword("LocalAuthority")
PROCESS = SearchAttributeKey.for_keyword("Process")
CASE_STAGE = SearchAttributeKey.for_keyword("CaseStage")
NEXT_DEADLINE = SearchAttributeKey.for_datetime("NextDeadline")
DEADLINE_BREACHED = SearchAttributeKey.for_bool("DeadlineBreached")

ALL = (CASE_REF, LOCAL_AUTHORITY, PROCESS, CASE_STAGE, NEXT_DEADLINE, DEADLINE_BREACHED)


def type_name(key: SearchAttributeKey) -> str:
    """'Keyword', 'Datetime', 'Bool': the name the CLI and the operator API use for the key's type."""
    return key.indexed_value_type.name.removeprefix("INDEXED_VALUE_TYPE_").capitalize()


def cli_flags() -> list[str]:
    """`--search-attribute Name=Type` flags for `temporal server start-dev`."""
    return [flag for key in ALL for flag in ("--search-attribute", f"{key.name}={type_name(key)}")]


if __name__ == "__main__":
    print(" ".join(cli_flags()))  # noqa: T201 - consumed by the Makefile

"""Custom search attributes: how ops staff find a case in the Temporal UI.

They are stored unencrypted by the server and visible to anyone with namespace access, so they hold
codes and dates only, never personal data. The same list is registered by `make run`, by the tests
and on a real cluster with the command `python -m cli.search_attributes` prints (docs/temporal-ui.md).
"""

from temporalio.common import SearchAttributeKey

CASE_REF = SearchAttributeKey.for_keyword("CaseRef")
LOCAL_AUTHORITY = SearchAttributeKey.for_keyword("LocalAuthority")
PROCESS = SearchAttributeKey.for_keyword("Process")
CASE_STAGE = SearchAttributeKey.for_keyword("CaseStage")
NEXT_DEADLINE = SearchAttributeKey.for_datetime("NextDeadline")
DEADLINE_BREACHED = SearchAttributeKey.for_bool("DeadlineBreached")

ALL = (CASE_REF, LOCAL_AUTHORITY, PROCESS, CASE_STAGE, NEXT_DEADLINE, DEADLINE_BREACHED)

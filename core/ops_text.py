"""Text written for the ops staff's Temporal UI, kept readable when every other payload is encrypted.

A workflow's static summary and details and its current details (the built-in `__temporal_workflow_metadata`
query) are how ops see what a case waits for (docs/temporal-ui.md). They are composed from case
references, LA codes, dates and statutory steps only, never personal data (workflows/summaries.py,
CaseWorkflow.details), so sealing them would hide nothing and blind the one role that watches the UI without
decode rights. They are marked here, and the payload codec (core/payload_codec.py) leaves marked payloads, and the
metadata query's answer, as they are.
"""

import json

from temporalio.api.common.v1 import Payload

MARK = "ehcp-ops-text"
# The payload converter's message type for the metadata query's answer (temporal.api.sdk.v1.WorkflowMetadata):
# the workflow's query, signal and update names and its current details.
WORKFLOW_METADATA = b"temporal.api.sdk.v1.WorkflowMetadata"


class OpsText(str):
    """A label the workflows write for the timeline (a timer's or an activity's summary: "breach: … due 26 May
    2025"), of codes, steps and dates only: the payload converter writes it as ops text, so it stays in clear."""


def ops_text(text: str) -> Payload:
    """A `json/plain` string, as the SDK's converter would write it, marked to stay in clear."""
    data = json.dumps(text, ensure_ascii=False, separators=(",", ":")).encode()
    return Payload(metadata={"encoding": b"json/plain", MARK: b"1"}, data=data)


def stays_clear(payload: Payload) -> bool:
    """Whether the codec leaves this payload unsealed: ours, marked, or the metadata query's answer."""
    return MARK in payload.metadata or payload.metadata.get("messageType") == WORKFLOW_METADATA

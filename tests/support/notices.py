"""Waiting for a case's notices: a letter is sent after the officer's answer (workflows/case_base.py,
NOTICES_AFTER_ANSWER), so a test that reads the letters an action caused waits until none is still going."""

from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.workflowservice.v1 import DescribeWorkflowExecutionRequest
from temporalio.client import Client
from temporalio.service import RPCError, RPCStatusCode

from tests.conftest import eventually
from workflows.activity_contracts import SEND_NOTIFICATION, SEND_NOTIFICATIONS


async def notices_sent(client: Client, *workflow_ids: str) -> None:
    """Until none of these workflows (those that exist) has a notice scheduled or being sent."""

    async def none_pending(workflow_id: str) -> bool:
        try:
            # The raw description: the test server's search attributes do not all decode (a timestamp as text).
            described = await client.workflow_service.describe_workflow_execution(
                DescribeWorkflowExecutionRequest(
                    namespace=client.namespace, execution=WorkflowExecution(workflow_id=workflow_id)
                )
            )
        except RPCError as error:
            if error.status is RPCStatusCode.NOT_FOUND:
                return True
            raise
        pending = described.pending_activities
        return not any(activity.activity_type.name in (SEND_NOTIFICATION, SEND_NOTIFICATIONS) for activity in pending)

    for workflow_id in workflow_ids:
        await eventually(lambda: none_pending(workflow_id))  # noqa: B023 - awaited within the iteration

"""Today for tests that drive the API without a driver: the test server's day, which the cases run on, read when
needed rather than the wall clock's at import (a run across midnight would mix two days)."""

from datetime import date

from temporalio.testing import WorkflowEnvironment

import statutory


async def server_today(env: WorkflowEnvironment) -> date:
    return statutory.business_date(await env.get_current_time())

"""`python -m cli.plan_import --operator STAFF_ID --la 202 plans.csv`: existing plans in bulk (intake/plan_import.py).

The rows are those `POST /plans/import` takes, checked against the LAs given with `--la` as the API checks
them against a manager's token; the operator is recorded as the actor on each plan's first history line.
The report (JSON) goes to stdout.
"""

import argparse
import sys
from datetime import UTC, datetime

import structlog

import statutory
from cli.arguments import matching
from intake.fields import LA_CODE, MAX_STAFF_ID, STAFF_ID
from intake.plan_import import import_plans, parse

log = structlog.get_logger(__name__)


async def _main(arguments: argparse.Namespace) -> None:
    from core.config import get_settings
    from core.logs import configure_logging
    from core.temporal_client import connect
    from store.db import sessions_for

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format, stream=sys.stderr)
    path: str = arguments.file
    with open(path, encoding="utf-8-sig") as handle:
        rows = parse(handle.read(), "application/json" if path.endswith(".json") else "text/csv")
    async with sessions_for(settings.database_url) as sessions:
        today = statutory.business_date(datetime.now(UTC))
        report = await import_plans(
            rows,
            sessions,
            await connect(settings),
            settings,
            actor=arguments.operator,
            la_codes=set(arguments.la),
            today=today,
        )
    log.info("plans imported from the command line", actor=arguments.operator, imported=report.imported)
    sys.stdout.write(report.model_dump_json(indent=2) + "\n")


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m cli.plan_import",
        description="Import existing EHC plans for the given LAs, as POST /plans/import does for a manager.",
    )
    parser.add_argument("file", metavar="PLANS.csv|PLANS.json")
    parser.add_argument(
        "--operator",
        required=True,
        type=matching(
            STAFF_ID, f"not a staff id (at most {MAX_STAFF_ID} letters, digits, '.', '_', '@' or '-')", MAX_STAFF_ID
        ),
        help="your staff id, recorded as the actor on every imported plan",
    )
    parser.add_argument(
        "--la",
        required=True,
        action="append",
        type=matching(LA_CODE, "not an LA code (3 to 9 capitals or digits)", 9),
        help="an LA this import is for (repeat for several); rows of any other LA are rejected",
    )
    return parser.parse_args(argv)


if __name__ == "__main__":
    from core.temporal_client import run_to_exit

    run_to_exit(_main(_arguments(sys.argv[1:])))

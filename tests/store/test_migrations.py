"""Migrations that move data, run on a database holding the rows they move (the schema's own test,
test_models_match_migrations.py, holds no rows)."""

from pathlib import Path

from sqlalchemy import text

from store.db import create_engine
from store.migrate import upgrade_async
from tests.conftest import fresh_database

OLD, NEW = "935", "936"


async def test_0017_moves_a_transferred_plans_deadlines_to_its_la(tmp_path: Path) -> None:
    async with fresh_database(tmp_path, "migrations") as url:
        await upgrade_async(url, "0016")
        engine = create_engine(url)
        async with engine.begin() as connection:
            for case_ref, la_code in (("935-MOVED001", NEW), ("935-STAYED01", OLD)):
                await connection.execute(
                    text(
                        "INSERT INTO cases (case_ref, la_code, process, workflow_id, stage, policy, received_date, "
                        "request_source, closed, breach_count, exception_count, opened_at, updated_at) VALUES "
                        "(:ref, :la, 'plan', :wid, 'maintained', 'send-2014', '2025-01-06', 'parent', false, 0, 0, "
                        "'2025-01-06T09:00:00+00:00', '2025-01-06T09:00:00+00:00')"
                    ),
                    {"ref": case_ref, "la": la_code, "wid": f"plan-{case_ref}"},
                )
            keys = (
                "assessment.final_plan",
                "review.annual@c1",
                "review.annual@c2",
                "mediation.contact_adviser@cease-20250302",
            )
            for case_ref in ("935-MOVED001", "935-STAYED01"):
                for key in keys:
                    await connection.execute(
                        text(
                            'INSERT INTO case_deadlines (case_ref, "key", la_code, step, kind, start, due, status) '
                            "VALUES (:ref, :key, :la, :step, 'duty', '2025-01-06', '2025-05-26', 'met')"
                        ),
                        {"ref": case_ref, "key": key, "la": OLD, "step": key.partition("@")[0]},
                    )
        await engine.dispose()

        await upgrade_async(url, "0017")
        engine = create_engine(url)
        async with engine.connect() as connection:
            rows = await connection.execute(text('SELECT case_ref, "key", la_code FROM case_deadlines'))
            found = {(case_ref, key): la_code for case_ref, key, la_code in rows}
        await engine.dispose()
    assert found == {
        **{("935-MOVED001", key): NEW for key in keys},
        **{("935-STAYED01", key): OLD for key in keys},
    }

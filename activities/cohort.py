"""Reads the one age fact a plan workflow needs from the database: the child's cohort, never the date."""

from sqlmodel import select
from temporalio import activity

from statutory.phases import reception_year_for
from store.db import SessionMaker
from store.models import Child
from workflows.activity_contracts import LOAD_COHORT, Cohort


class Cohorts:
    def __init__(self, sessions: SessionMaker) -> None:
        self.sessions = sessions

    @activity.defn(name=LOAD_COHORT)
    async def load_cohort(self, case_ref: str) -> Cohort:
        """The Reception year of the child on a case (statutory.phases); None if no child is on file."""
        async with self.sessions() as session:
            child = (await session.exec(select(Child).where(Child.case_ref == case_ref))).first()
        return Cohort(reception_year=reception_year_for(child.date_of_birth) if child else None)

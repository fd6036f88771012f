"""The family's informed preference: the schools and colleges its child could be offered, from the settings directory
(reports/settings_directory.py says which and in what order), to choose the one they ask the council to name.

GET /portal/cases/{case_ref}/settings answers for one of the family's own cases (any other is 404, as one that does
not exist); the draft plan's page offers the same list in its comments form (api/routes/portal_pages.py). The list
is public facts about schools; the child's date of birth is read to choose them and is never in the answer, so a
reading is not audited as a view of personal data.
"""

from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import Family
from api.deps import SessionDep, Today
from api.problems import Problem
from api.routes.portal import OwnCaseRef, case_of_family, no_such_case
from api.routes.settings_directory import NAME_PART, REGISTER_WORDS
from reports.settings_directory import DirectoryFilter, Tailored, for_child

router = APIRouter(prefix="/portal", tags=["portal"])


@router.get("/cases/{case_ref}/settings", response_model=Tailored)
async def settings_for_child(
    case_ref: OwnCaseRef,
    session: SessionDep,
    user: Family,
    today: Today,
    phase: Annotated[str | None, Query(pattern=REGISTER_WORDS, description="e.g. Primary")] = None,
    establishment_type: Annotated[
        str | None, Query(alias="type", pattern=REGISTER_WORDS, description="e.g. Community special school")
    ] = None,
    name: Annotated[str | None, Query(pattern=NAME_PART, description="Part of the name, any case")] = None,
) -> Tailored:
    """The open schools and colleges in the case's LA that a family may ask for (CFA 2014 s.38(3)) and that take
    children of the child's age in the school year the plan would start in: special schools first, then those with
    a resourced provision or SEN unit, then the rest, each by name; at most 50, and `more` if there are
    more (narrow them by phase, type or name). Any other school or college may be asked for all the same."""
    case = await case_of_family(session, user, case_ref)
    if case is None:  # gone since OwnCaseRef found it
        raise Problem(404, "No such case", no_such_case(case_ref))
    where = DirectoryFilter(phase=phase, establishment_type=establishment_type, name=name)
    return await for_child(session, case_ref, case.la_code, today, where)

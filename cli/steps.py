"""`python -m cli.steps > docs/steps.md`: every statutory step an officer records through the API, with the one
name it has at each layer: its route, the workflow update the route sends (the name running cases replay) and
what the case's history records it as. Written from the routes' own tables (api/actions.py), so the page is the
code's; tests/api/test_steps.py fails when it is out of date."""

import argparse

from api.actions import OfficerAction
from api.routes.assessment import ASSESSMENT_STEPS
from api.routes.plans import PLAN_STEPS
from api.routes.provision import PROVISION_STEPS
from api.routes.redress import REDRESS_ACTIONS, TRIBUNAL_ACTIONS

# Each process's steps under the address its routes hang from.
PROCESSES: tuple[tuple[str, str, tuple[OfficerAction, ...]], ...] = (
    ("The EHC needs assessment", "/cases/{case_ref}", ASSESSMENT_STEPS),
    (
        "The EHC plan: reviews, amendments, re-assessment, ceasing, transfers",
        "/plans/{case_ref}",
        PLAN_STEPS + PROVISION_STEPS,
    ),
    ("A redress route: mediation and the appeal window", "/redress/{workflow_id}", REDRESS_ACTIONS),
    ("A Tribunal appeal", "/tribunal/{workflow_id}", TRIBUNAL_ACTIONS),
)


def page() -> str:
    lines = [
        "# The statutory steps and their names",
        "",
        "Every step an officer records through the API, as `POST` to its route. The update is the name the case's",
        "workflow knows it by (the Temporal UI shows it; running cases replay it, so it never changes); the",
        "history is what the case's timeline and audit trail record (`:` and a code follow some, e.g.",
        "`exception:absence_4_weeks`). Written by `python -m cli.steps > docs/steps.md` from the routes' tables.",
    ]
    for title, address, steps in PROCESSES:
        lines += ["", f"## {title}", "", "| route | update | history | what |", "| --- | --- | --- | --- |"]
        lines += [
            f"| `{address}/{step.path}` | `{step.name}` | {', '.join(f'`{r}`' for r in step.records)} | {step.what} |"
            for step in steps
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    argparse.ArgumentParser(prog="python -m cli.steps", description=__doc__.splitlines()[0]).parse_args()
    print(page(), end="")  # noqa: T201 - the command's answer is the page

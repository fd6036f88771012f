"""A family reads the provision in section F of its child's plan through the portal's JSON: each line in force in the
plan's words, with what its provider said of the latest half term in plain words, driven through Temporal under
time skipping (tests/support/provision.py); a shortfall made good says so; a line changed since shows no account
of the line it replaced; the case of a child with no plan, and another family's, answer 404; each read is audited.
"""

import httpx
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from core.config import Settings
from store.db import SessionMaker
from store.models import AuditEvent
from tests.driver import Officer, PlanOfficer
from tests.support.portal_family import Family
from tests.support.provision import NAMES, OT, SALT, SCHOOL, ProvisionScenario, line, uk

NOT_TAKEN_UP_WORDS = "2 sessions missed: child absent"


async def test_the_family_reads_each_line_of_section_f_and_its_latest_period(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> None:
    scenario = await ProvisionScenario.driven(api, env, "202")
    family = Family(api, settings, scenario.a)

    answer = await family.get(f"{scenario.a}/provision")
    assert answer.status_code == 200, answer.text
    provision = answer.json()
    assert provision["case_ref"] == scenario.a
    lines = {x["ref"]: x for x in provision["lines"]}
    assert list(lines) == ["F1", "F2", "F3", "F4"]
    assert {k: lines["F1"][k] for k in ("kind", "what", "how_much", "who", "where", "starts_on")} == {
        "kind": "speech_and_language_therapy",
        "what": "Speech and language therapy, individual",
        "how_much": "2 sessions of 30 minutes a week",
        "who": NAMES[SALT],
        "where": "",
        "starts_on": None,
    }
    assert (lines["F3"]["how_much"], lines["F4"]["how_much"]) == (
        "3 sessions of 20 minutes a week",
        "1 session of 45 minutes a week",
    )
    assert (lines["F2"]["who"], lines["F4"]["who"]) == (NAMES[SCHOOL], NAMES[OT])
    latest = {ref: x["latest"] for ref, x in lines.items()}
    assert {ref: (x["status"], x["words"]) for ref, x in latest.items()} == {
        "F1": ("short", "3 sessions missed: the council must make this good"),
        "F2": ("delivered", "Delivered in full"),
        "F3": ("not_taken_up", NOT_TAKEN_UP_WORDS),
        "F4": ("unconfirmed", "Not yet confirmed by the provider"),
    }
    assert all(x["period_end"] == scenario.end.isoformat() for x in latest.values())
    assert all(x["period_start"] < x["period_end"] for x in latest.values())
    assert (latest["F1"]["sessions_missed"], latest["F1"]["made_good_on"]) == (3, None)
    # The provider's address is the council's to write to, not the page's to show.
    assert "@" not in str(provision)

    # Case B's shortfall was made good: the family's page says when.
    other = Family(api, settings, scenario.b)
    [made_good] = (await other.get(f"{scenario.b}/provision")).json()["lines"]
    on = uk(scenario.made_good_on)
    assert made_good["latest"]["words"] == f"4 sessions missed: the council made this good on {on}"

    # The plan's lines set out again, F1 now given by another service: the old service's account is not of this line.
    officer = PlanOfficer(api, env)
    officer.case_ref = scenario.b
    changed = line("F1", "speech_and_language_therapy", "SALT-SOUTH", provider_name="South Speech Therapy")
    await officer.act_on_plan("provision-lines", {"provision": [changed]})
    [now] = (await other.get(f"{scenario.b}/provision")).json()["lines"]
    assert (now["who"], now["latest"]) == ("South Speech Therapy", None)

    # Another family's plan answers as a case that does not exist; so does a case with no plan yet.
    assert (await family.get(f"{scenario.b}/provision")).status_code == 404
    assessing = Officer(api, env)
    await assessing.open()
    no_plan = await Family(api, settings, assessing.case_ref).get(f"{assessing.case_ref}/provision")
    assert no_plan.status_code == 404 and no_plan.json()["title"] == "No plan yet"

    # Each read is in the case's audit trail, under the family's pseudonym.
    async with sessions() as session:
        reads = (
            await session.exec(
                select(AuditEvent).where(AuditEvent.case_ref == scenario.a, AuditEvent.action == "personal_data_viewed")
            )
        ).all()
    assert [r.summary for r in reads if r.actor == family.sub] == ["section F of the plan, in the portal"]

"""Section F's lines as the provision tests set them out, the half terms they are asked about (each period's last
day and the provider's date, 10 working days on with bank holidays skipped, worked out by hand), and the time
skipping that brings a period to its end; the reads they check (the plan's provision, the case's letters)."""

from datetime import date, timedelta
from typing import Any, Self

import httpx
from temporalio.testing import WorkflowEnvironment

import statutory
from tests.conftest import eventually
from tests.driver import PlanOfficer

# (period, its last day, the provider's account due 10 working days later)
HALF_TERMS = [
    # Fri 18 Dec 2026; Christmas Day, the Boxing Day holiday (Mon 28 Dec) and New Year's Day are not counted.
    ("2026-27.ht2", date(2026, 12, 18), date(2027, 1, 6)),
    ("2026-27.ht3", date(2027, 2, 12), date(2027, 2, 26)),
    # Good Friday 26 Mar 2027 ends spring 2; Easter Monday (29 Mar) is not counted.
    ("2026-27.ht4", date(2027, 3, 26), date(2027, 4, 12)),
    # The late May bank holiday, Mon 31 May 2027, is not counted.
    ("2026-27.ht5", date(2027, 5, 21), date(2027, 6, 7)),
    ("2026-27.ht6", date(2027, 7, 16), date(2027, 7, 30)),
]

SALT = "SALT-NORTH"
SCHOOL = "100001"
OT = "OT-1"
NAMES = {SALT: "North Speech and Language Service", SCHOOL: "Oak Primary School", OT: "Ann Example"}
TYPES = {SALT: "service", SCHOOL: "setting", OT: "therapist"}
EMAILS = {SALT: "salt@nhs.example", SCHOOL: "senco@oak.example", OT: "ann@ot.example"}
DESCRIPTIONS = {
    "speech_and_language_therapy": "Speech and language therapy, individual",
    "occupational_therapy": "Occupational therapy for handwriting and fine motor skills",
    "small_group_intervention": "Small group phonics intervention",
}
IN_FULL = {"delivered_in_full": True}


def line(ref: str, kind: str, provider: str, **overrides: Any) -> dict[str, Any]:
    return {
        "ref": ref,
        "kind": kind,
        "description": DESCRIPTIONS.get(kind, "Adult support"),
        "provider_type": TYPES.get(provider, "service"),
        "provider": provider,
        "provider_name": NAMES.get(provider, f"Provider {provider}"),
        "provider_email": EMAILS.get(provider, "provider@example.org"),
        "sessions": 2,
        "minutes": 30,
        "per": "week",
        **overrides,
    }


LINES = [line("F1", "speech_and_language_therapy", SALT), line("F2", "teaching_assistant", SCHOOL, minutes=300)]


def periods_from(today: date) -> list[tuple[str, date, date]]:
    ahead = [p for p in HALF_TERMS if p[1] >= today]
    assert len(ahead) >= 2, f"extend HALF_TERMS by hand past {today}"
    return ahead


async def until_after(env: WorkflowEnvironment, day: date) -> None:
    """Just past the end of `day` (London), when the clock has acted on it."""
    await env.sleep(statutory.breach_at(day) + timedelta(hours=1) - await env.get_current_time())


async def provision(api: httpx.AsyncClient, case_ref: str) -> dict[str, Any]:
    answer = await api.get(f"/plans/{case_ref}/provision")
    assert answer.status_code == 200, answer.text
    return answer.json()


async def letters(api: httpx.AsyncClient, case_ref: str, template: str) -> list[dict[str, Any]]:
    return [n for n in (await api.get(f"/cases/{case_ref}/notifications")).json() if n["template"] == template]


async def provision_with(api: httpx.AsyncClient, case_ref: str, field: str, count: int) -> dict[str, Any] | None:
    watched = await provision(api, case_ref)
    return watched if len(watched[field]) == count else None


async def letters_ready(api: httpx.AsyncClient, case_ref: str, template: str, count: int) -> list | None:
    found = await letters(api, case_ref, template)
    return found if len(found) == count else None


def confirmation(period: str, provider: str, *answers: dict[str, Any], on: date) -> dict[str, Any]:
    return {"on": on.isoformat(), "period": period, "provider": provider, "lines": list(answers)}


def short(ref: str, sessions: int, reason: str) -> dict[str, Any]:
    return {"ref": ref, "delivered_in_full": False, "sessions_missed": sessions, "reason": reason}


def uk(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


class ProvisionScenario:
    """Two plans of an LA and, if asked, one of another LA, their lines set out and asked about once the half term
    running ends; the dashboard tests (JSON and browser) read the figures they give.

    Case A: F1 therapy short by 3 sessions (staff absence: the LA's breach, still owed), F2 support delivered in full,
    F3 a small group missed twice as the child was absent (not taken up), F4 occupational therapy never confirmed.
    Case B: F1 therapy short by 4 sessions (vacancy), made good the same day. The other LA's plan: F1 delivered."""

    a: str
    b: str
    held_out: str | None
    period: str
    end: date
    made_good_on: date

    @classmethod
    async def driven(cls, api: httpx.AsyncClient, env: WorkflowEnvironment, la: str, other: str | None = None) -> Self:
        scenario = cls()
        a, b = PlanOfficer(api, env), PlanOfficer(api, env)
        await a.import_existing(f"PROV-A-{la}", issued_days_ago=100, la_code=la)
        await a.act_on_plan(
            "provision-lines",
            {
                "provision": [
                    line("F1", "speech_and_language_therapy", SALT),
                    line("F2", "teaching_assistant", SCHOOL, minutes=300),
                    line("F3", "small_group_intervention", SCHOOL, sessions=3, minutes=20),
                    line("F4", "occupational_therapy", OT, sessions=1, minutes=45),
                ]
            },
        )
        await b.import_existing(f"PROV-B-{la}", issued_days_ago=100, la_code=la)
        await b.act_on_plan("provision-lines", {"provision": [line("F1", "speech_and_language_therapy", SALT)]})
        held = None
        if other is not None:
            held = PlanOfficer(api, env)
            await held.import_existing(f"PROV-C-{other}", issued_days_ago=100, la_code=other)
            therapy = line("F1", "speech_and_language_therapy", SALT, provider_name="Held Out Speech Therapy")
            await held.act_on_plan("provision-lines", {"provision": [therapy]})
        scenario.a, scenario.b, scenario.held_out = a.case_ref, b.case_ref, held.case_ref if held else None
        scenario.period, scenario.end, _ = periods_from(await a.today())[0]
        await until_after(env, scenario.end)
        for officer, providers in ((a, 3), (b, 1), *(((held, 1),) if held else ())):
            await eventually(lambda o=officer, n=providers: awaited(api, o.case_ref, n))

        on = await a.today()
        period = scenario.period
        accounts = (
            (a, confirmation(period, SALT, short("F1", 3, "staff_absence"), on=on)),
            (a, confirmation(period, SCHOOL, {"ref": "F2", **IN_FULL}, short("F3", 2, "child_absent"), on=on)),
            (b, confirmation(period, SALT, short("F1", 4, "vacancy"), on=on)),
            *(((held, confirmation(period, SALT, {"ref": "F1", **IN_FULL}, on=on)),) if held else ()),
        )
        for officer, account in accounts:
            await officer.act_on_plan("provision-confirmations", account)
        await b.act_on_plan("provision-made-good", {"period": period, "ref": "F1"})
        scenario.made_good_on = on
        return scenario


async def awaited(api: httpx.AsyncClient, case_ref: str, count: int) -> bool:
    """Whether the plan has asked its providers (so many) about the period that ended."""
    answer = await api.get(f"/plans/{case_ref}/provision")
    return answer.status_code == 200 and len(answer.json()["awaited"]) == count

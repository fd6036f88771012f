"""Section F's lines as the provision tests write them, the half terms they run over (each period's last day and
the provider's date worked out by hand), and the reads they check: the plan's provision, the case's letters."""

from datetime import date, timedelta
from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

import statutory

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


def line(ref: str, kind: str, provider: str, **overrides: Any) -> dict[str, Any]:
    return {
        "ref": ref,
        "kind": kind,
        "description": "Speech and language therapy, individual" if kind.startswith("speech") else "Adult support",
        "provider_type": "service" if provider == SALT else "setting",
        "provider": provider,
        "provider_name": "North Speech and Language Service" if provider == SALT else "Oak Primary School",
        "provider_email": "salt@nhs.example" if provider == SALT else "senco@oak.example",
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

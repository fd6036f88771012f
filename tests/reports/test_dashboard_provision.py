"""The dashboard's provision figures from plans driven through Temporal and the API under time skipping: section F's
lines over a half term that ended in the period, delivered, short (the LA's breach of CFA 2014 s.42(2)) and still
owed or made good, not taken up, unconfirmed; by LA, provider and kind; the providers' names for the roles that see
personal data only; nothing of an LA the caller does not hold; and each figure's cases.
"""

from datetime import timedelta
from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

from api.auth import Role
from core.config import Settings
from tests.conftest import eventually
from tests.factories import bearer
from tests.support.dashboard_cases import board
from tests.support.provision import (
    NAMES,
    OT,
    SALT,
    SCHOOL,
    TYPES,
    ProvisionScenario,
    uk,
)

LA, HELD_OUT = "DPA", "DPB"
NONE = {"lines": 0, "delivered": 0, "short": 0, "short_owed": 0, "not_taken_up": 0, "unconfirmed": 0}


def counts(**given: int) -> dict[str, int]:
    return NONE | given


def only_counts(figures: dict[str, Any]) -> dict[str, int]:
    return {key: figures[key] for key in NONE}


async def test_provision_by_la_provider_and_kind_for_the_callers_las_only(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings
) -> None:
    api.headers.update(bearer(settings, Role.MANAGER, [LA, HELD_OUT], sub="manager.driver"))
    scenario = await ProvisionScenario.driven(api, env, LA, HELD_OUT)
    period, end = scenario.period, scenario.end
    manager = bearer(settings, Role.MANAGER, [LA], sub="manager.provision")

    async def settled() -> dict[str, Any] | None:
        answer = await board(api, manager)
        figures = answer["total"]["provision"]
        return answer if (figures["not_taken_up"], figures["short_owed"], figures["short"]) == (1, 1, 2) else None

    answer = await eventually(settled)
    provision = answer["total"]["provision"]
    # Case A: F1 short (staff absence), owed; F2 delivered; F3 short as the child was absent; F4 not confirmed.
    # Case B: F1 short (vacancy), made good.
    assert only_counts(provision) == counts(lines=5, delivered=1, short=2, short_owed=1, not_taken_up=1, unconfirmed=1)
    assert provision["reference"] == "CFA 2014 s.42(2)"
    assert [
        (p["la_code"], p["provider"], p["provider_type"], p["name"], only_counts(p)) for p in provision["by_provider"]
    ] == [
        (LA, SALT, "service", NAMES[SALT], counts(lines=2, short=2, short_owed=1)),
        (LA, OT, "therapist", NAMES[OT], counts(lines=1, unconfirmed=1)),
        (LA, SCHOOL, "setting", NAMES[SCHOOL], counts(lines=2, delivered=1, not_taken_up=1)),
    ]
    assert [(k["kind"], only_counts(k)) for k in provision["by_kind"]] == [
        ("speech_and_language_therapy", counts(lines=2, short=2, short_owed=1)),
        ("occupational_therapy", counts(lines=1, unconfirmed=1)),
        ("small_group_intervention", counts(lines=1, not_taken_up=1)),
        ("teaching_assistant", counts(lines=1, delivered=1)),
    ]
    assert answer["by_la"] == [{"la_code": LA, "figures": answer["total"]}]

    # Ops and case officers see the same counts; ops see no provider's name (a therapist's is a person's).
    ops = await board(api, bearer(settings, Role.OPS, [LA], sub="ops.provision"))
    assert [(p["provider"], p["provider_type"], p["name"]) for p in ops["total"]["provision"]["by_provider"]] == [
        (SALT, TYPES[SALT], None),
        (OT, TYPES[OT], None),
        (SCHOOL, TYPES[SCHOOL], None),
    ]
    assert NAMES[OT] not in str(ops) and only_counts(ops["total"]["provision"]) == only_counts(provision)
    officer = await board(api, bearer(settings, Role.CASE_OFFICER, [LA], sub="officer.provision"))
    assert officer["total"]["provision"] == provision

    # The held-out LA's line (delivered in full) is nowhere in DPA's figures, and asking for it is refused.
    assert "Held Out Speech Therapy" not in str(answer)
    refused = await api.get("/dashboard", params={"la_code": HELD_OUT}, headers=manager)
    assert refused.status_code == 403
    both = await board(api, bearer(settings, Role.MANAGER, [LA, HELD_OUT], sub="manager.both.provision"))
    mine, theirs = (la["figures"]["provision"] for la in both["by_la"])
    assert mine == provision
    assert only_counts(theirs) == counts(lines=1, delivered=1)
    assert [(p["la_code"], p["provider"], p["name"]) for p in theirs["by_provider"]] == [
        (HELD_OUT, SALT, "Held Out Speech Therapy")
    ]
    # The same code in two LAs is each LA's own provider: counted apart, each under its own name.
    salt = [
        (p["la_code"], p["name"], p["lines"])
        for p in both["total"]["provision"]["by_provider"]
        if p["provider"] == SALT
    ]
    assert salt == [(LA, NAMES[SALT], 2), (HELD_OUT, "Held Out Speech Therapy", 1)]
    assert only_counts(both["total"]["provision"]) == counts(
        lines=6, delivered=2, short=2, short_owed=1, not_taken_up=1, unconfirmed=1
    )

    # A period is counted when its last day falls in the dashboard's period: not before it, from that day on.
    before = await board(api, manager, to=(end - timedelta(days=1)).isoformat())
    assert only_counts(before["total"]["provision"]) == NONE and before["total"]["provision"]["by_provider"] == []
    from_end = await board(api, manager, **{"from": end.isoformat()})
    assert only_counts(from_end["total"]["provision"]) == only_counts(provision)

    # Each figure's cases: a row per line and period, as many as the figure counts.
    async def listed(**params: str) -> dict[str, Any]:
        answer = await api.get("/dashboard/cases", params=params, headers=manager)
        assert answer.status_code == 200, answer.text
        return answer.json()

    owed = await listed(figure="provision_short_owed")
    assert owed["count"] == 1
    [item] = owed["items"]
    assert (item["case_ref"], item["period"], item["line"], item["provider"], item["status"], item["due"]) == (
        scenario.a,
        period,
        "F1",
        SALT,
        "short",
        end.isoformat(),
    )
    assert item["label"] == (
        f"Secure the provision in line F1 of section F for {period} (shortfall of provider {SALT}: make it good), "
        f"by {uk(end)}"
    )
    unconfirmed = (await listed(figure="provision_unconfirmed"))["items"]
    assert [(i["case_ref"], i["line"], i["provider"], i["on"]) for i in unconfirmed] == [(scenario.a, "F4", OT, None)]
    assert unconfirmed[0]["label"] == f"Line F4 of section F for {period}, from provider {OT}"
    salt_short = await listed(figure="provision_short", provider=SALT)
    assert sorted(i["case_ref"] for i in salt_short["items"]) == sorted([scenario.a, scenario.b])
    made_good = next(i for i in salt_short["items"] if i["case_ref"] == scenario.b)
    assert made_good["on"] == scenario.made_good_on.isoformat()
    assert (await listed(figure="provision_lines", kind="teaching_assistant"))["count"] == 1
    assert (await listed(figure="provision_lines"))["count"] == provision["lines"]
    assert HELD_OUT not in str(await listed(figure="provision_lines"))
    # A part the figure is not shown by, or a provider's code that is not one, is refused.
    for params in (
        {"figure": "open_cases", "provider": SALT},
        {"figure": "provision_lines", "provider": "not a code"},
        {"figure": "provision_lines", "la_code": HELD_OUT},
    ):
        refused = await api.get("/dashboard/cases", params=params, headers=manager)
        assert refused.status_code in (403, 422), (params, refused.text)
        assert "not a code" not in refused.text

"""Section F delivered, short and unconfirmed across two half terms, under time skipping: the providers asked after
each period, chased, escalated; a shortfall the LA answers for is a breach of CFA 2014 s.42(2) dated by the period,
owed until made good; a child's absence is not; a late account is taken as the fact it is.

Each period's last day and the provider's date (10 working days on, bank holidays skipped) are worked out by hand
(tests/support/provision.py).
"""

from datetime import timedelta
from typing import Any

import httpx
from temporalio.api.sdk.v1 import WorkflowMetadata
from temporalio.testing import WorkflowEnvironment

from tests.conftest import eventually
from tests.driver import SECTIONS, PlanOfficer
from tests.support.provision import (
    IN_FULL,
    LINES,
    SALT,
    SCHOOL,
    confirmation,
    letters,
    letters_ready,
    line,
    periods_from,
    provision,
    provision_with,
    uk,
    until_after,
)


async def test_provision_confirmed_short_and_unconfirmed_across_two_half_terms(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = PlanOfficer(api, env)
    await officer.import_existing("PROV/1", issued_days_ago=100)
    case_ref = officer.case_ref
    today = await officer.today()
    (first, first_end, first_due), (second, second_end, second_due) = periods_from(today)[:2]
    await officer.act_on_plan("provision-lines", {"provision": LINES})
    watched = await provision(api, case_ref)
    assert [x["ref"] for x in watched["lines"]] == ["F1", "F2"] and watched["period_end"] == first_end.isoformat()
    assert watched["awaited"] == [] and watched["deliveries"] == []

    # The half term ends: each provider is asked, with 10 working days to answer (a planning date, not a limit).
    await until_after(env, first_end)
    watched = await eventually(lambda: provision_with(api, case_ref, "awaited", 2))
    assert {(a["provider"], a["period"], a["due"], a["status"]) for a in watched["awaited"]} == {
        (SALT, first, first_due.isoformat(), "on_track"),
        (SCHOOL, first, first_due.isoformat(), "on_track"),
    }
    asked = await letters(api, case_ref, "provision_request")
    assert sorted(n["recipient_role"] for n in asked) == ["provider", "provider"]
    assert all(first_due.strftime("%d %B %Y") in n["body"] for n in asked)

    # The therapy service answers: delivered in full. The school says nothing.
    on = await officer.today()
    await officer.act_on_plan("provision-confirmations", confirmation(first, SALT, {"ref": "F1", **IN_FULL}, on=on))
    # An account that is not the provider's lines, or a second one, is refused and changes nothing.
    wrong = confirmation(first, SCHOOL, {"ref": "F1", **IN_FULL}, on=on)
    await officer.act_on_plan("provision-confirmations", wrong, expect=422)
    again = confirmation(first, SALT, {"ref": "F1", **IN_FULL}, on=on)
    await officer.act_on_plan("provision-confirmations", again, expect=409)
    early = confirmation(second, SALT, {"ref": "F1", **IN_FULL}, on=on)
    await officer.act_on_plan("provision-confirmations", early, expect=422)

    # The school is chased before its date, then escalated once it passes; still no breach: nobody knows yet.
    await until_after(env, first_due - timedelta(days=1))
    assert [n["recipient_role"] for n in await letters(api, case_ref, "provision_chase")] == ["provider"]
    assert await letters(api, case_ref, "provision_unconfirmed") == []
    await until_after(env, first_due)
    escalated = await eventually(lambda: letters_ready(api, case_ref, "provision_unconfirmed", 2))
    assert sorted(n["recipient_role"] for n in escalated) == ["manager", "officer"]
    plan = await officer.plan()
    assert [h["on"] for h in plan["history"] if h["action"] == "provision_unconfirmed"] == [first_due.isoformat()]
    assert not any(h["action"] == "deadline_breached" for h in plan["history"])
    assert (await provision(api, case_ref))["awaited"] == [
        {"provider": SCHOOL, "period": first, "due": first_due.isoformat(), "status": "passed"}
    ]
    # Ops see it on the plan's current details in the Temporal UI: codes and counts, no names.
    metadata = await env.client.get_workflow_handle(f"plan-{case_ref}").query(
        "__temporal_workflow_metadata", result_type=WorkflowMetadata
    )
    assert (
        f"**Provision:** 2 line(s) of section F monitored; period ends {second_end:%d %b %Y}; "
        f"1 provider account(s) awaited, 1 past their date: {SCHOOL}"
    ) in metadata.current_details

    # The school's account comes late: it is the fact it is, and the period was delivered in full.
    on = await officer.today()
    await officer.act_on_plan("provision-confirmations", confirmation(first, SCHOOL, {"ref": "F2", **IN_FULL}, on=on))
    watched = await provision(api, case_ref)
    assert watched["awaited"] == []
    assert {(d["period"], d["ref"], d["status"]) for d in watched["deliveries"]} == {
        (first, "F1", "delivered"),
        (first, "F2", "delivered"),
    }

    # The next half term: the therapy is short by 3 sessions (staff absence); the child missed 2 days of support.
    await until_after(env, second_end)
    await eventually(lambda: provision_with(api, case_ref, "awaited", 2))
    on = await officer.today()
    short = {"ref": "F1", "delivered_in_full": False, "sessions_missed": 3, "reason": "staff_absence"}
    await officer.act_on_plan("provision-confirmations", confirmation(second, SALT, short, on=on))
    absent = {"ref": "F2", "delivered_in_full": False, "sessions_missed": 2, "reason": "child_absent"}
    await officer.act_on_plan("provision-confirmations", confirmation(second, SCHOOL, absent, on=on))
    watched = await provision(api, case_ref)
    got = {(d["period"], d["ref"]): d for d in watched["deliveries"]}
    assert got[(second, "F1")]["status"] == "short" and got[(second, "F1")]["minutes_missed"] == 90
    assert got[(second, "F2")]["status"] == "not_taken_up" and got[(second, "F2")]["minutes_missed"] == 600

    # The LA's duty over that half term was breached: dated by the period, not by the day the provider said so.
    plan = await officer.plan()
    duties = [d for d in plan["deadlines"] if d["step"] == "provision.secure"]
    assert [(d["status"], d["due"], d["done_on"]) for d in duties] == [("breached", second_end.isoformat(), None)]
    assert [h["on"] for h in plan["history"] if h["action"] == "deadline_breached"] == [second_end.isoformat()]
    assert len(await letters(api, case_ref, "deadline_escalation")) == 1
    assert [(i["step"], i["status"], i["label"]) for i in await queued(api, case_ref)] == [
        (
            "provision.secure",
            "breached",
            f"Secure the provision in line F1 of section F for {second} (shortfall of provider {SALT}: make it good), "
            f"by {uk(second_end)}",
        )
    ]
    # The plan's timeline reads each provider's account as the provider's, for its period.
    timeline = (await api.get(f"/plans/{case_ref}/timeline")).json()["deadlines"]
    assert {d["label"] for d in timeline if d["step"] == "provision.confirm" and d["key"].split(":")[1] == second} == {
        f"Provider {provider} confirms the provision delivered in {second}, by {uk(second_due)}"
        for provider in (SALT, SCHOOL)
    }

    # Made good: the duty is no longer owed, and the breach stays on the record.
    # Made good only after the period it was missed in: "made good" on its last day would unsay the breach.
    last_day = {"period": second, "ref": "F1", "on": second_end.isoformat()}
    await officer.act_on_plan("provision-made-good", last_day, expect=422)
    made_good = await officer.today()
    await officer.act_on_plan("provision-made-good", {"period": second, "ref": "F1"})
    await officer.act_on_plan("provision-made-good", {"period": second, "ref": "F2"}, expect=422)
    plan = await officer.plan()
    duty = next(d for d in plan["deadlines"] if d["step"] == "provision.secure")
    assert (duty["status"], duty["done_on"]) == ("breached", made_good.isoformat())
    assert await queued(api, case_ref) == []
    got = {(d["period"], d["ref"]): d for d in (await provision(api, case_ref))["deliveries"]}
    assert got[(second, "F1")]["made_good_on"] == made_good.isoformat()


async def test_an_amended_plan_changes_the_lines_and_its_versions_show_them(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = PlanOfficer(api, env)
    await officer.import_existing("PROV/2", issued_days_ago=300)
    case_ref = officer.case_ref
    await officer.act_on_plan("provision-lines", {"provision": LINES})
    await officer.review()
    proposed = {**SECTIONS, "I": "Oak Primary School"}
    await officer.act_on_plan("review-decision", {"outcome": "amend", "proposed_sections": proposed})
    await officer.wait(days=16)
    # The therapy moves to another service; the support is unchanged; a new line of occupational therapy from later.
    starts = await officer.today() + timedelta(days=30)
    amended = [
        line("F1", "speech_and_language_therapy", "SALT-SOUTH", provider_name="South SALT"),
        LINES[1],
        line("F3", "occupational_therapy", "OT-1", provider_type="therapist", starts_on=starts.isoformat()),
    ]
    issued = await officer.today()
    body = {"issued_on": issued.isoformat(), "sections": proposed, "provision": amended}
    await officer.act_on_plan("amended-plan", body)
    plan = await officer.in_cycle(2)
    kept = {x["ref"]: x for x in plan["provision"]}
    assert kept["F1"]["provider"] == "SALT-SOUTH" and kept["F1"]["from_on"] == issued.isoformat()
    assert kept["F3"]["from_on"] == starts.isoformat()
    assert kept["F2"]["from_on"] < issued.isoformat()  # goes on from when it was set out
    versions = (await api.get(f"/plans/{case_ref}/versions")).json()
    assert [x["ref"] for x in versions[-1]["provision"]] == ["F1", "F2", "F3"]
    assert versions[-1]["provision"][0]["provider_name"] == "South SALT"
    watched = await provision(api, case_ref)
    assert [x["provider"] for x in watched["lines"]] == ["SALT-SOUTH", SCHOOL, "OT-1"]
    # Lines are bounded and numbered once each: refused whole, nothing kept.
    twice = {"provision": [LINES[0], LINES[0]]}
    await officer.act_on_plan("provision-lines", twice, expect=422)
    too_many = {"provision": [line(f"F{n}", "other", SALT) for n in range(1, 42)]}
    await officer.act_on_plan("provision-lines", too_many, expect=422)
    assert [x["provider"] for x in (await provision(api, case_ref))["lines"]] == ["SALT-SOUTH", SCHOOL, "OT-1"]


async def test_a_final_plan_issued_with_lines_is_watched_from_its_start(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    officer = PlanOfficer(api, env)
    await officer.assessing()
    await officer.act("decide-to-issue", {"issue": True})
    await officer.draft()
    await officer.wait(days=16)
    issued = await officer.today()
    await officer.final(provision=LINES, setting_type="Mainstream primary school")
    plan = await officer.in_cycle(1)
    assert [(x["ref"], x["provider"], x["from_on"]) for x in plan["provision"]] == [
        ("F1", SALT, issued.isoformat()),
        ("F2", SCHOOL, issued.isoformat()),
    ]
    (period, end, due) = periods_from(issued)[0]
    assert plan["delivery_period_end"] == end.isoformat()
    await until_after(env, end)
    watched = await eventually(lambda: provision_with(api, officer.case_ref, "awaited", 2))
    assert {(a["period"], a["due"]) for a in watched["awaited"]} == {(period, due.isoformat())}
    versions = (await api.get(f"/plans/{officer.case_ref}/versions")).json()
    assert [x["ref"] for x in versions[0]["provision"]] == ["F1", "F2"]


async def queued(api: httpx.AsyncClient, case_ref: str) -> list[dict[str, Any]]:
    """The case's provision duties in LA 202's work queue, read page by page: other tests' cases share the LA."""
    found, offset = [], 0
    while offset is not None:
        page = (await api.get("/work-queue", params={"la_code": "202", "limit": 500, "offset": offset})).json()
        found += [i for i in page["items"] if i["case_ref"] == case_ref and i["step"].startswith("provision")]
        offset = page["next_offset"]
    return found


async def test_lines_changed_mid_period_each_provider_accounts_for_its_own_part(
    api: httpx.AsyncClient, env: WorkflowEnvironment
) -> None:
    """The support passes from one school to another a week before the half term ends, and the occupational therapy
    stops: the first school and the therapist still account for their part, the second school for its week."""
    officer = PlanOfficer(api, env)
    await officer.import_existing("PROV/4", issued_days_ago=100)
    case_ref = officer.case_ref
    therapy = line("F3", "occupational_therapy", "OT-1", provider_type="therapist")
    await officer.act_on_plan("provision-lines", {"provision": [*LINES, therapy]})
    period, end, _ = periods_from(await officer.today())[0]
    await until_after(env, end - timedelta(days=7))
    moved = await officer.today()
    other_school = line("F2", "teaching_assistant", "100002", provider_name="Elm Primary School")
    await officer.act_on_plan("provision-lines", {"provision": [LINES[0], other_school]})
    # A setting is known by its URN: a setting's line under another code is refused whole.
    not_a_urn = line("F2", "teaching_assistant", "ELM-1", provider_type="setting")
    await officer.act_on_plan("provision-lines", {"provision": [not_a_urn]}, expect=422)
    assert [x["provider"] for x in (await provision(api, case_ref))["lines"]] == [SALT, "100002"]

    await until_after(env, end)
    watched = await eventually(lambda: provision_with(api, case_ref, "awaited", 4))
    assert sorted(a["provider"] for a in watched["awaited"]) == [SCHOOL, "100002", "OT-1", SALT]
    on = await officer.today()
    short = {"ref": "F2", "delivered_in_full": False, "sessions_missed": 1, "reason": "not_arranged"}
    await officer.act_on_plan("provision-confirmations", confirmation(period, "100002", short, on=on))
    await officer.act_on_plan("provision-confirmations", confirmation(period, SCHOOL, {"ref": "F2", **IN_FULL}, on=on))
    # The new school's duty ran from the day the line passed to it, the first school's ended the day before.
    plan = await officer.plan()
    duty = next(d for d in plan["deadlines"] if d["step"] == "provision.secure")
    assert (duty["start"], duty["due"], duty["status"]) == (moved.isoformat(), end.isoformat(), "breached")
    made = {"period": period, "ref": "F2", "on": (await officer.today()).isoformat()}
    await officer.act_on_plan("provision-made-good", made)
    # The next half term asks only the lines in force: the therapist's line has gone.
    (following, after, _) = periods_from(end + timedelta(days=1))[0]
    await until_after(env, after)
    watched = await eventually(lambda: provision_with(api, case_ref, "awaited", 4))  # 2 of the last still awaited
    assert sorted(a["provider"] for a in watched["awaited"] if a["period"] == following) == ["100002", SALT]

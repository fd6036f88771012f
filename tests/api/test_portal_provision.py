"""A provider confirms what it delivered against section F through the portal, under time skipping: the therapy
service invited once for every period, signing in with a code, confirming one half term in full and the next
short; the school's requests and chase carrying its own link; bad accounts refused in plain words, nothing kept.

Each period's last day and the provider's date are worked out by hand (tests/support/provision.py); an account
sent through the portal is dated the server's today, whatever it is.
"""

import re
import uuid
from datetime import timedelta
from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

from store.db import SessionMaker
from tests.conftest import eventually
from tests.driver import PlanOfficer
from tests.support.fuzzing import row_counts
from tests.support.portal import address, as_party, newest_letter, signed_in
from tests.support.portal import invitation as invite
from tests.support.portal_browser import uk
from tests.support.provision import (
    LINES,
    SALT,
    SCHOOL,
    letters,
    letters_ready,
    periods_from,
    provision,
    provision_with,
    until_after,
)

CHILD = "Test Plan"  # tests/driver.py import_existing: born 5 May 2015
FORM = re.compile(r'name="submission_id" value="([0-9a-f]{32})"><input type="hidden" name="period" value="([^"]+)"')


async def page(api: httpx.AsyncClient, token: str) -> str:
    answer = await api.get("/portal/request", headers=as_party(token))
    assert answer.status_code == 200, answer.text
    return answer.text


async def forms(api: httpx.AsyncClient, token: str) -> dict[str, str]:
    """Each awaited period's form on the provider's page: its period and the id it carries."""
    return {period: submission_id for submission_id, period in FORM.findall(await page(api, token))}


async def send(api: httpx.AsyncClient, token: str, form: dict[str, str]) -> httpx.Response:
    return await api.post("/portal/request", data=form, headers=as_party(token))


async def test_a_therapy_service_invited_once_confirms_one_half_term_in_full_and_the_next_short(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    officer = PlanOfficer(api, env)
    await officer.import_existing(f"PROV/{uuid.uuid4().hex[:8]}", issued_days_ago=100)
    case_ref = officer.case_ref
    await officer.act_on_plan("provision-lines", {"provision": LINES})
    (first, first_end, first_due), (second, second_end, second_due) = periods_from(await officer.today())[:2]

    # One invitation per provider, for every period until withdrawn: a service or a therapist as an adviser, a
    # setting by its URN as a setting; a provider with no line, or as the wrong party, is refused.
    for party, provider in (("adviser", "SALT-SOUTH"), ("setting", SALT), ("adviser", SCHOOL)):
        body = {"party": party, "item": f"provision:{provider}", "email": address("x")}
        refused = await api.post(f"/cases/{case_ref}/portal-invitations", json=body)
        assert refused.status_code == 409 and provider not in refused.json()["detail"], refused.text
    salt = await invite(api, case_ref, "adviser", f"provision:{SALT}", address("salt"))
    assert salt["due"] is None  # nothing awaited yet
    letter = await newest_letter(sessions, case_ref, "portal_invitation")
    assert "This link stays the same for every period" in letter.body and salt["link"] in letter.body
    assert CHILD not in letter.body
    school = await invite(api, case_ref, "setting", f"provision:{SCHOOL}", address("senco"))

    # Nothing awaited: the page says so, and shows no child.
    token = await signed_in(api, sessions, case_ref, salt["link"])
    quiet = await page(api, token)
    assert "Nothing to confirm now" in quiet and uk(first_end) in quiet and CHILD not in quiet

    # The half term ends: each provider is asked, and its letter carries its own link.
    await until_after(env, first_end)
    await eventually(lambda: provision_with(api, case_ref, "awaited", 2))
    asked = await letters(api, case_ref, "provision_request")
    links = sorted((salt["link"] in n["body"], school["link"] in n["body"]) for n in asked)
    assert links == [(False, True), (True, False)]

    token = await signed_in(api, sessions, case_ref, salt["link"])
    shown = await page(api, token)
    assert CHILD in shown and "5 May 2015" in shown and "North Speech and Language Service" in shown
    assert uk(first_end) in shown and uk(first_due) in shown
    assert "Speech and language therapy, individual" in shown and "2 sessions of 30 minutes a week" in shown
    assert "Adult support" not in shown  # the school's line is the school's to confirm
    [(period, submission_id)] = (await forms(api, token)).items()
    assert period == first

    # Bad accounts: refused in plain words, the form shown again, nothing kept but the audit of the page shown.
    before = await row_counts(sessions)
    base = {"submission_id": submission_id, "period": first}
    attempts: list[tuple[dict[str, str], str]] = [
        ({}, "Say whether line F1 was delivered in full"),
        ({"F1": "short", "F1-missed": "3"}, "Select why line F1 was not delivered in full"),
        ({"F1": "short", "F1-reason": "staff_absence"}, "Enter how many sessions of line F1 were missed"),
        ({"F1": "short", "F1-missed": "0", "F1-reason": "vacancy"}, "as a whole number from 1 to 1,000"),
        ({"F1": "short", "F1-missed": "2", "F1-reason": "<b>bored</b>"}, "Select why line F1"),
        ({"period": second, "F1": "in_full"}, "The council is not waiting for an account of that period"),
        ({"period": "2020-21.ht1", "F1": "in_full"}, "The council is not waiting for an account of that period"),
    ]
    for fields, message in attempts:
        answer = await send(api, token, {**base, **fields})
        assert answer.status_code == 422 and message in answer.text, (message, answer.text[:300])
        assert "govuk-error-summary" in answer.text and "<b>bored</b>" not in answer.text
    after = await row_counts(sessions)
    assert after == before | {"audit_events": before["audit_events"] + len(attempts)}
    assert (await provision(api, case_ref))["deliveries"][0]["status"] == "unconfirmed"

    # Delivered in full: recorded as the service's, dated today; sent twice, one submission and one account. The
    # school's line, slipped into the form, is not the service's to confirm: it is left awaited.
    form = {**base, "F1": "in_full", "F2": "in_full"}
    sent = await send(api, token, form)
    assert sent.status_code == 303 and sent.headers["location"] == f"/portal/request?sent={first}", sent.text
    again = await send(api, token, form)
    assert again.status_code == 303, again.text
    today = await officer.today()
    confirmed = (await api.get(sent.headers["location"], headers=as_party(token))).text
    assert "Account sent" in confirmed and uk(today) in confirmed and CHILD not in confirmed
    plan = await officer.plan()
    [line] = [h for h in plan["history"] if h["action"] == "provision_confirmed"]
    assert line["actor"].startswith("adviser:") and line["on"] == today.isoformat()
    [submission] = (await api.get(f"/cases/{case_ref}/submissions")).json()
    assert (submission["kind"], submission["item"], submission["actor"]) == (
        "provision",
        f"provision:{SALT}",
        line["actor"],
    )
    assert submission["text"].endswith("F1: delivered in full.")
    watched = await provision(api, case_ref)
    assert [(a["provider"], a["period"]) for a in watched["awaited"]] == [(SCHOOL, first)]

    # The school says nothing: chased before its date, at its invited address, with its link.
    await until_after(env, first_due - timedelta(days=1))
    [chase] = await letters(api, case_ref, "provision_chase")
    assert school["link"] in chase["body"]

    # The next half term: the therapy is short by 3 sessions for staff absence, a breach of the LA's duty.
    await until_after(env, second_end)
    await eventually(lambda: letters_ready(api, case_ref, "provision_request", 4))
    token = await signed_in(api, sessions, case_ref, salt["link"])
    assert list(await forms(api, token)) == [second]
    shown = await page(api, token)
    assert uk(second_due) in shown
    short = {"F1": "short", "F1-missed": "3", "F1-reason": "staff_absence"}
    submission_id = (await forms(api, token))[second]
    sent = await send(api, token, {"submission_id": submission_id, "period": second, **short})
    assert sent.status_code == 303, sent.text
    got = {(d["period"], d["ref"]): d for d in (await provision(api, case_ref))["deliveries"]}
    assert (got[(second, "F1")]["status"], got[(second, "F1")]["minutes_missed"]) == ("short", 90)
    plan = await officer.plan()
    duties = [d for d in plan["deadlines"] if d["step"] == "provision.secure"]
    assert [(d["status"], d["due"]) for d in duties] == [("breached", second_end.isoformat())]
    accounts = await page(api, token)
    assert "Accounts you have sent" in accounts and uk(first_end) in accounts and uk(second_end) in accounts


async def test_a_withdrawn_provider_invitation_opens_nothing_and_its_letters_lose_the_link(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    officer = PlanOfficer(api, env)
    await officer.import_existing(f"PROV/{uuid.uuid4().hex[:8]}", issued_days_ago=100)
    case_ref = officer.case_ref
    await officer.act_on_plan("provision-lines", {"provision": LINES})
    (_, first_end, _) = periods_from(await officer.today())[0]
    salt = await invite(api, case_ref, "adviser", f"provision:{SALT}", address("salt"))
    token = await signed_in(api, sessions, case_ref, salt["link"])
    assert (await api.delete(f"/cases/{case_ref}/portal-invitations/adviser/provision:{SALT}")).status_code == 204
    gone = await api.get("/portal/request", headers=as_party(token))
    assert gone.status_code == 404 and "This link no longer works" in gone.text
    await until_after(env, first_end)
    asked: list[dict[str, Any]] = await eventually(lambda: letters_ready(api, case_ref, "provision_request", 2))
    assert all("/portal/requests/" not in n["body"] for n in asked)

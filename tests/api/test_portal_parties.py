"""An adviser and a setting answer the council through the portal: invited by the officer, signed in by the link
and a code from the outbox, their answers kept in the database and recorded on the case's workflow.

The case runs on past business dates (tests/driver.py Driver), so every date below is written by hand: received
Monday 2 November 2026, assessed Monday 23 November, advice asked for Monday 30 November (due six weeks on,
Monday 11 January 2027: SEND Regs 2014 reg 8(1)). A party's answer is dated the server's today, whatever it is.
"""

import re
import secrets
import uuid
from collections.abc import Awaitable
from datetime import date, timedelta

import httpx
from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

from api.auth import SESSION_COOKIE
from api.client_limits import ClientLimit
from api.routes.portal import PENDING_COOKIE
from core.config import Settings
from store.db import SessionMaker
from store.models import AuditEvent, Notification, PortalInvitation
from tests.conftest import eventually
from tests.driver import SECTIONS, Driver, Officer, PlanOfficer
from tests.factories import CHILD_FAMILY, CHILD_GIVEN
from tests.support.fuzzing import row_counts
from tests.support.portal import PDF, SITE, Clock, address, as_party, clients_of, codes_in, newest_letter, signed_in
from tests.support.portal import invitation as invite
from tests.support.server_clock import server_today

RECEIVED, ASSESSED, ASKED = date(2026, 11, 2), date(2026, 11, 23), date(2026, 11, 30)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


async def assessing_with_advice_asked(api: httpx.AsyncClient, env: WorkflowEnvironment) -> Driver:
    officer = Driver(api, env)
    await officer.open(RECEIVED)
    await officer.on("decide-to-assess", ASSESSED, assess=True)
    await officer.on("advice-requests", ASKED, adviser="educational_psychologist")
    return officer


async def form_id(api: httpx.AsyncClient, token: str) -> str:
    page = await api.get("/portal/request", headers=as_party(token))
    assert page.status_code == 200, page.text
    found = re.search(r'name="submission_id" value="([0-9a-f]{32})"', page.text)
    assert found is not None, page.text
    return found.group(1)


async def test_an_educational_psychologist_sends_advice_with_a_file_and_the_case_records_it_as_theirs(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    officer = await assessing_with_advice_asked(api, env)
    email = address("psychologist")
    invitation = await invite(api, officer.case_ref, "adviser", "educational_psychologist", email)
    assert invitation["due"] == "2027-01-11"
    letter = await newest_letter(sessions, officer.case_ref, "portal_invitation")
    assert letter.recipient_role == "adviser"
    assert "by 11 January 2027 (SEND Regs 2014 reg 8(1)" in letter.body and invitation["link"] in letter.body
    assert email not in letter.body and CHILD_GIVEN not in letter.body  # the email names nobody

    token = await signed_in(api, sessions, officer.case_ref, invitation["link"])
    page = await api.get("/portal/request", headers=as_party(token))
    assert "Advice from the educational psychologist" in page.text and f"{CHILD_GIVEN} {CHILD_FAMILY}" in page.text
    assert "30 November 2026" in page.text and "11 January 2027" in page.text

    submission_id = await form_id(api, token)
    advice = "Needs a quiet space to work and visual timetables."
    files = [("files", ("EP report.pdf", PDF, "application/pdf")), ("files", ("obs.png", PNG, "image/png"))]
    form = {"submission_id": submission_id, "text": advice}
    sent = await api.post("/portal/request", data=form, files=files, headers=as_party(token))
    assert sent.status_code == 303 and sent.headers["location"] == "/portal/request?sent=1", sent.text
    # The same form sent again (a double click, a retry): one submission, one fact on the case.
    again = await api.post("/portal/request", data=form, files=files, headers=as_party(token))
    assert again.status_code == 303, again.text
    confirmed = await api.get("/portal/request?sent=1", headers=as_party(token))
    today = await server_today(env)
    assert "Answer sent" in confirmed.text and "EP report.pdf" in confirmed.text

    case = await officer.case()
    [received] = [a for a in case["advice"] if a["advice_id"] == "educational_psychologist"]
    assert received["received_on"] == today.isoformat()
    [line] = [h for h in case["history"] if h["action"] == "advice_received:educational_psychologist"]
    assert line["actor"].startswith("adviser:") and email not in line["actor"]

    [submission] = (await api.get(f"/cases/{officer.case_ref}/submissions")).json()
    assert (submission["party"], submission["kind"], submission["item"], submission["text"]) == (
        "adviser",
        "advice",
        "educational_psychologist",
        advice,
    )
    assert submission["actor"] == line["actor"] and submission["on"] == today.isoformat()
    report = next(f for f in submission["files"] if f["filename"] == "EP report.pdf")
    assert (report["content_type"], report["size"]) == ("application/pdf", len(PDF))
    download = await api.get(f"/cases/{officer.case_ref}/submissions/{submission['id']}/files/{report['id']}")
    assert download.content == PDF
    assert download.headers["content-disposition"] == 'attachment; filename="EP report.pdf"'
    assert download.headers["x-content-type-options"] == "nosniff"
    async with sessions() as session:
        views = (
            await session.exec(
                select(AuditEvent).where(
                    AuditEvent.case_ref == officer.case_ref,
                    AuditEvent.action == "personal_data_viewed",
                    col(AuditEvent.actor).startswith("adviser:"),
                )
            )
        ).all()
    assert views and all(v.actor == line["actor"] for v in views)  # every view of the child's name, by whom


async def test_a_file_that_is_not_what_it_says_or_too_many_or_no_advice_at_all_is_refused_and_nothing_kept(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    officer = await assessing_with_advice_asked(api, env)
    invitation = await invite(api, officer.case_ref, "adviser", "educational_psychologist", address("ep"))
    token = await signed_in(api, sessions, officer.case_ref, invitation["link"])
    submission_id = await form_id(api, token)
    before = await row_counts(sessions)
    attempts = [
        ({"text": ""}, [], "Write your advice, or send it as a file"),
        ({"text": "x"}, [("files", ("report.pdf", PNG, "application/pdf"))], "The first file must be a PDF"),
        ({"text": "x"}, [("files", ("run.exe", b"MZ\x90\x00", "application/octet-stream"))], "must be a PDF"),
        ({"text": "x"}, [("files", ("empty.txt", b"", "text/plain"))], "The first file is empty"),
        ({"text": "x"}, [("files", (f"{n}.pdf", PDF, "application/pdf")) for n in range(4)], "at most 3 files"),
        ({"text": "y" * 20_001}, [], "20,000 characters or fewer"),
        ({"text": "a\x00b"}, [], "Remove the control characters from the text"),
    ]
    for fields, files, message in attempts:
        answer = await api.post(
            "/portal/request",
            data={"submission_id": submission_id, **fields},
            files=files or None,
            headers=as_party(token),
        )
        assert answer.status_code == 422, (message, answer.text[:300])
        assert message in answer.text and "govuk-error-summary" in answer.text
        assert "run.exe" not in answer.text and "report.pdf" not in answer.text  # a refusal never echoes a name
    after = await row_counts(sessions)
    # Nothing kept but the audit trail's line for each form shown again with the child's name.
    assert after == before | {"audit_events": before["audit_events"] + len(attempts)}
    assert all(a["received_on"] is None for a in (await officer.case())["advice"])


async def test_an_invitation_reaches_one_request_on_one_case_and_a_newer_one_ends_the_last(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    officer = await assessing_with_advice_asked(api, env)
    # Only a request the case holds and still waits on can be answered through the portal.
    for party, item in (("adviser", "health"), ("setting", "100001"), ("setting", "review-1")):
        refused = await api.post(
            f"/cases/{officer.case_ref}/portal-invitations",
            json={"party": party, "item": item, "email": address("x")},
        )
        assert refused.status_code == 409 and item not in refused.json()["detail"], refused.text
    bad = await api.post(
        f"/cases/{officer.case_ref}/portal-invitations",
        json={"party": "adviser", "item": "<script>", "email": "not an address"},
    )
    assert bad.status_code == 422 and "<script>" not in bad.text

    first = await invite(api, officer.case_ref, "adviser", "educational_psychologist", address("first"))
    token = await signed_in(api, sessions, officer.case_ref, first["link"])
    second = await invite(api, officer.case_ref, "adviser", "educational_psychologist", address("second"))
    assert second["link"] != first["link"]
    # The first link and the first sign-in stop at once: the invitation is re-read on every request.
    gone = await api.get("/portal/request", headers=as_party(token))
    assert gone.status_code == 404 and "This link no longer works" in gone.text
    assert (await api.get(first["link"].removeprefix("http://127.0.0.1:8000"))).status_code == 404
    async with sessions() as session:
        rows = (await session.exec(select(PortalInvitation).where(PortalInvitation.case_ref == officer.case_ref))).all()
        audit = (
            await session.exec(
                select(AuditEvent).where(AuditEvent.case_ref == officer.case_ref, AuditEvent.action == "portal_invited")
            )
        ).all()
    assert [r.id for r in rows] == [second["link"].rsplit("/", 1)[1]]
    assert len(audit) == 2 and all("@" not in a.summary for a in audit)
    # An adviser's sign-in reaches no family page and no staff route.
    for path in (f"/portal/cases/{officer.case_ref}", f"/cases/{officer.case_ref}", "/work-queue"):
        assert (await api.get(path, headers=as_party(token))).status_code in (401, 403)


def other_than(*codes: str) -> str:
    return next(f"{n:06d}" for n in range(len(codes) + 1) if f"{n:06d}" not in codes)


async def test_a_code_asked_for_through_one_invitation_signs_in_through_that_one_alone(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    """An adviser asked for two pieces of advice, by two invitations to one address, opens both in one browser."""
    officer = await assessing_with_advice_asked(api, env)
    await officer.on("advice-requests", ASKED, adviser="health")
    email = address("adviser")
    first, second = [
        (await invite(api, officer.case_ref, "adviser", item, email))["link"].removeprefix("http://127.0.0.1:8000")
        for item in ("educational_psychologist", "health")
    ]
    # A code asked for through each link, from one browser (the client keeps its pending cookie): the second does
    # not end the first.
    for path in (first, second):
        asked = await api.post(path, headers=SITE)
        assert asked.status_code == 200 and "Check your email" in asked.text, asked.text
    assert len({cookie.value for cookie in api.cookies.jar if cookie.name == PENDING_COOKIE}) == 1
    for_first, for_second = await codes_in(sessions, officer.case_ref)

    # The first link's code does not open the second's request, nor does the second's, from another browser.
    crossed = await api.post(f"{second}/code", data={"code": for_first}, headers=SITE)
    assert crossed.status_code == 401 and "The code was not accepted" in crossed.text
    elsewhere = {**SITE, "Cookie": f"{PENDING_COOKIE}={secrets.token_hex(16)}"}
    stolen = await api.post(f"{second}/code", data={"code": for_second}, headers=elsewhere)
    assert stolen.status_code == 401 and "The code was not accepted" in stolen.text
    # Each through its own link: signed in to that request.
    seen = {}
    for path, code in ((second, for_second), (first, for_first)):
        answer = await api.post(f"{path}/code", data={"code": code}, headers=SITE)
        assert answer.status_code == 303, answer.text
        api.cookies.delete(SESSION_COOKIE)
        token = answer.cookies[SESSION_COOKIE]
        seen[path] = (await api.get("/portal/request", headers=as_party(token))).text
    assert "Advice from the educational psychologist" in seen[first] and "Advice from health" in seen[second]


async def test_an_address_invited_to_several_requests_gets_three_codes_for_each_and_ten_in_all(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    officer = await assessing_with_advice_asked(api, env)
    for adviser in ("health", "social_care", "sensory"):
        await officer.on("advice-requests", ASKED, adviser=adviser)
    email = address("adviser")
    links = [
        (await invite(api, officer.case_ref, "adviser", item, email))["link"].removeprefix("http://127.0.0.1:8000")
        for item in ("educational_psychologist", "health", "social_care", "sensory")
    ]
    # Four times through the first link: three codes, then none (3 for one purpose in 15 minutes) ...
    for _ in range(4):
        assert (await api.post(links[0], headers=SITE)).status_code == 200
    assert len(await codes_in(sessions, officer.case_ref)) == 3
    # ... while the other links still get theirs, up to 10 codes for the address in all.
    for path in links[1:]:
        for _ in range(3):
            assert (await api.post(path, headers=SITE)).status_code == 200  # the same page, sent or not
    assert len(await codes_in(sessions, officer.case_ref)) == 10
    async with sessions() as session:
        refusals = (
            await session.exec(
                select(AuditEvent.summary)
                .where(AuditEvent.case_ref == officer.case_ref, AuditEvent.action == "portal_code_refused")
                .order_by(col(AuditEvent.id))
            )
        ).all()
    # The first link's fourth; the last link's second and third, the address's eleventh and twelfth.
    assert refusals == ["too many codes asked for: none sent", *["too many codes for this address: none sent"] * 2]


async def test_a_client_that_asks_or_tries_too_often_through_a_link_is_told_to_wait_and_sent_nothing(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> None:
    officer = await assessing_with_advice_asked(api, env)
    link = (await invite(api, officer.case_ref, "adviser", "educational_psychologist", address("ep")))["link"]
    path = link.removeprefix("http://127.0.0.1:8000")
    clock = Clock()
    async with clients_of(settings, env, sessions, ClientLimit(2, 900, clock=clock)) as clients:
        here = clients["here"]
        assert (await here.post(path, headers=SITE)).status_code == 200
        [code] = await codes_in(sessions, officer.case_ref)
        assert (await here.post(f"{path}/code", data={"code": other_than(code)}, headers=SITE)).status_code == 401

        # The third from here in 15 minutes: the link's page again, saying so, and no code sent ...
        refused = await here.post(path, headers=SITE)
        assert refused.status_code == 429 and "Email me a code" in refused.text
        assert "govuk-error-summary" in refused.text and "Wait 15 minutes, then try again" in refused.text
        assert await codes_in(sessions, officer.case_ref) == [code]
        # ... and the code form saying so, the code unchecked.
        late = await here.post(f"{path}/code", data={"code": code}, headers=SITE)
        assert late.status_code == 429 and "Wait 15 minutes, then try again" in late.text

        clock.now += 900
        signed = await here.post(f"{path}/code", data={"code": code}, headers=SITE)
        assert signed.status_code == 303, signed.text
    async with sessions() as session:
        refusals = (
            await session.exec(
                select(AuditEvent).where(
                    AuditEvent.case_ref == officer.case_ref, col(AuditEvent.action).startswith("portal_code_refused")
                )
            )
        ).all()
    assert [(r.summary, r.actor.startswith("adviser:")) for r in refusals] == [
        ("too many requests from one place: none sent", True)
    ]


async def test_a_consulted_setting_answers_no_with_its_reasons_and_the_council_still_decides(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    officer = await assessing_with_advice_asked(api, env)
    await officer.on("advice-received", date(2026, 12, 1), advice_id="educational_psychologist")
    await officer.on("decide-to-issue", date(2026, 12, 2), issue=True)
    await officer.draft(date(2026, 12, 3))
    await officer.on("setting-consultations", date(2026, 12, 3), setting_urn="100001")
    invitation = await invite(api, officer.case_ref, "setting", "100001", address("senco"))
    # Consulted Thursday 3 December: 15 days, not counting that day (docs/statutory-choices.md row 5).
    assert invitation["due"] == "2026-12-18"
    token = await signed_in(api, sessions, officer.case_ref, invitation["link"])
    page = await api.get("/portal/request", headers=as_party(token))
    assert "Can your school or college be named in the plan?" in page.text and "18 December 2026" in page.text

    submission_id = await form_id(api, token)
    unanswered = await api.post("/portal/request", data={"submission_id": submission_id}, headers=as_party(token))
    assert unanswered.status_code == 422 and "Say whether your school or college can be named" in unanswered.text
    reasons = "We have no places in year 3 and cannot meet the therapy needs."
    sent = await api.post(
        "/portal/request",
        data={"submission_id": submission_id, "agrees": "no", "text": reasons},
        headers=as_party(token),
    )
    assert sent.status_code == 303, sent.text
    case = await officer.case()
    [consultation] = case["settings"]
    assert (consultation["agrees"], consultation["answered_on"]) == (False, (await server_today(env)).isoformat())
    assert case["stage"] == "draft_issued"  # the answer is the setting's; naming a school is still the council's
    [submission] = (await api.get(f"/cases/{officer.case_ref}/submissions")).json()
    assert (submission["kind"], submission["text"]) == ("consultation", reasons)


async def test_the_invited_adviser_is_reminded_before_the_date_and_chased_after_it_and_no_one_once_answered(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    late, prompt = Officer(api, env), Officer(api, env)
    asked = {}
    for officer in (late, prompt):
        await officer.assessing()
        await officer.act("advice-requests", {"adviser": "educational_psychologist"})
        asked[officer.case_ref] = await officer.today()
    due = asked[late.case_ref] + timedelta(weeks=6)  # reg 8(1): six weeks from the request
    invitation = await invite(api, late.case_ref, "adviser", "educational_psychologist", address("slow"))
    answered = await invite(api, prompt.case_ref, "adviser", "educational_psychologist", address("quick"))
    token = await signed_in(api, sessions, prompt.case_ref, answered["link"])
    form = {"submission_id": await form_id(api, token), "text": "Advice."}
    assert (await api.post("/portal/request", data=form, headers=as_party(token))).status_code == 303

    await late.wait(weeks=6, days=2)

    async def sent(case_ref: str) -> list[Notification]:
        async with sessions() as session:
            rows = await session.exec(
                select(Notification)
                .where(Notification.case_ref == case_ref, col(Notification.template).in_(CHASES))
                .order_by(col(Notification.id))
            )
            return list(rows)

    reminder, chase = await eventually(lambda: _two(sent(late.case_ref)))
    by = f"{due.day} {due:%B %Y}"
    assert (reminder.template, reminder.recipient_role) == ("portal_reminder", "adviser")
    assert f"by {by}" in reminder.body and invitation["link"] in reminder.body
    assert (chase.template, chase.subject) == ("portal_chase", f"Overdue: case {late.case_ref}")
    assert f"which was due by {by}" in chase.body and invitation["link"] in chase.body
    assert await sent(prompt.case_ref) == []  # answered: the clock has nothing to remind anyone of


CHASES = ("portal_reminder", "portal_chase")


async def _two(rows: Awaitable[list[Notification]]) -> list[Notification] | None:
    found = await rows
    return found if len(found) == 2 else None


async def test_a_setting_sends_the_annual_review_report_once_the_meeting_is_held(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    officer = PlanOfficer(api, env)
    await officer.import_existing(f"REVIEW/{uuid.uuid4().hex[:8]}", issued_days_ago=300)
    assert (await invite_refused(api, officer.case_ref, "review-1")) == 409  # no review scheduled yet
    meeting = await officer.today() + timedelta(days=15)
    await officer.act_on_plan("review-notice", {"meeting_on": meeting.isoformat()})
    assert (await invite_refused(api, officer.case_ref, "review-2")) == 409  # not this cycle's review
    invitation = await invite(api, officer.case_ref, "setting", "review-1", address("head"))
    assert (invitation["due"], invitation["meeting_on"]) == (None, meeting.isoformat())
    letter = await newest_letter(sessions, officer.case_ref, "portal_invitation")
    assert f"within 2 weeks of the review meeting on {meeting.day} {meeting:%B %Y}" in letter.body

    token = await signed_in(api, sessions, officer.case_ref, invitation["link"])
    page = await api.get("/portal/request", headers=as_party(token))
    assert "The annual review report" in page.text and "Test Plan" in page.text
    assert f"2 weeks after the review meeting on {meeting.day} {meeting:%B %Y}" in page.text
    form = {"submission_id": await form_id(api, token), "text": "Attendance 96%; targets in section E met."}
    early = await api.post("/portal/request", data=form, headers=as_party(token))
    assert early.status_code == 422 and "govuk-error-summary" in early.text  # the meeting is not held yet
    assert (await api.get(f"/cases/{officer.case_ref}/submissions")).json() == []

    await officer.act_on_plan("review-advice", {})
    await officer.wait(days=15)
    await officer.act_on_plan("review-meeting", {})
    report = [("files", ("review.pdf", PDF, "application/pdf"))]
    sent = await api.post("/portal/request", data=form, files=report, headers=as_party(token))
    assert sent.status_code == 303, sent.text
    plan = await officer.plan()
    [line] = [h for h in plan["history"] if h["action"] == "review_report"]
    assert line["actor"].startswith("setting:") and line["on"] == (await officer.today()).isoformat()
    [submission] = (await api.get(f"/cases/{officer.case_ref}/submissions")).json()
    assert (submission["kind"], submission["item"], submission["files"][0]["filename"]) == (
        "review_report",
        "review-1",
        "review.pdf",
    )


async def invite_refused(api: httpx.AsyncClient, case_ref: str, item: str) -> int:
    body = {"party": "setting", "item": item, "email": address("head")}
    return (await api.post(f"/cases/{case_ref}/portal-invitations", json=body)).status_code


async def test_once_answered_or_no_longer_needed_the_page_shows_no_child_and_the_officer_can_withdraw_a_link(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    answered = await assessing_with_advice_asked(api, env)
    first = await invite(api, answered.case_ref, "adviser", "educational_psychologist", address("ep"))
    token = await signed_in(api, sessions, answered.case_ref, first["link"])
    form = {"submission_id": await form_id(api, token), "text": "Advice."}
    assert (await api.post("/portal/request", data=form, headers=as_party(token))).status_code == 303
    again = await api.get("/portal/request", headers=as_party(token))
    assert (
        "Recorded on" in again.text
        and CHILD_GIVEN not in again.text
        and '<form method="post" action="/portal/request"' not in again.text
    )
    # Sent again after it was recorded: said plainly, without the case's own words or dates.
    repeat = await api.post(
        "/portal/request", data={**form, "submission_id": uuid.uuid4().hex}, headers=as_party(token)
    )
    assert repeat.status_code in (404, 422) and "2026-" not in repeat.text

    withdrawn = await assessing_with_advice_asked(api, env)
    second = await invite(api, withdrawn.case_ref, "adviser", "educational_psychologist", address("ep"))
    token = await signed_in(api, sessions, withdrawn.case_ref, second["link"])
    await withdrawn.on("withdraw", await server_today(env), reason="request_withdrawn")
    closed = await api.get("/portal/request", headers=as_party(token))
    assert "The council no longer needs an answer" in closed.text and CHILD_GIVEN not in closed.text

    # The officer withdraws an invitation: its link and sign-in stop at once; a second withdrawal finds none.
    path = f"/cases/{answered.case_ref}/portal-invitations/adviser/educational_psychologist"
    assert (await api.delete(path)).status_code == 204
    assert (await api.delete(path)).status_code == 404
    landing = await api.get(first["link"].removeprefix("http://127.0.0.1:8000"), headers={"Authorization": ""})
    assert landing.status_code == 404 and "This link no longer works" in landing.text


async def test_a_setting_consulted_on_a_plans_amendment_reads_the_changes_and_answers_the_plan(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker
) -> None:
    officer = PlanOfficer(api, env)
    await officer.import_existing(f"AMEND/{uuid.uuid4().hex[:8]}", issued_days_ago=300)
    await officer.review()
    proposed = {**SECTIONS, "F": "Three hours a week of speech and language therapy.", "I": "Oak Primary School"}
    await officer.act_on_plan("review-decision", {"outcome": "amend", "proposed_sections": proposed})
    await officer.act_on_plan("setting-consultations", {"setting_urn": "100002"})
    consulted = await officer.today()
    invitation = await invite(api, officer.case_ref, "setting", "100002", address("senco"))
    assert invitation["due"] == (consulted + timedelta(days=15)).isoformat()  # 15 days, the day sent not counted

    token = await signed_in(api, sessions, officer.case_ref, invitation["link"])
    page = await api.get("/portal/request", headers=as_party(token))
    assert "Consultation on naming" in page.text and "Three hours a week of speech and language therapy." in page.text
    form = {"submission_id": await form_id(api, token), "agrees": "yes", "text": "We can."}
    assert (await api.post("/portal/request", data=form, headers=as_party(token))).status_code == 303
    [answered] = [c for c in (await officer.plan())["settings"] if c["setting_urn"] == "100002"]
    assert (answered["agrees"], answered["answered_on"]) == (True, (await officer.today()).isoformat())

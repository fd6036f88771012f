"""A family reads the draft plan served on its case and sends its comments through the portal's JSON routes, on the
time-skipping server and the database, the case driven by an officer (tests/driver.py); the family's time limits
count down on its case summary, and the advice asked for is listed there without anyone's name.

Family tokens are issued as the portal's sign-in issues them (tests/support/portal_family.py).
"""

import io
import re
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

from api.auth import SESSION_COOKIE
from core.config import Settings
from store.db import SessionMaker
from store.models import AuditEvent, PortalSubmission
from tests.conftest import eventually
from tests.driver import SECTIONS, Officer
from tests.factories import CHILD_FAMILY, CHILD_GIVEN, PARENT_NAME
from tests.support.gias import CSV_TYPE, sample
from tests.support.portal_family import COMMENTS, Family

GHOST = "202-ZZZZZZZZ"
NO_DRAFT = "The council has not sent you a draft plan on this case yet. When it does, you can read it here."
DRAFT_LAW = "SEND Regs 2014 reg 13(1)(a); CFA 2014 s.38(2)"


async def assessing(api: httpx.AsyncClient, env: WorkflowEnvironment) -> Officer:
    """A case opened today and decided, the same day, to be assessed, the educational psychologist asked."""
    officer = Officer(api, env)
    await officer.open()
    await officer.act("decide-to-assess", {"assess": True})
    await officer.act("advice-requests", {"adviser": "educational_psychologist"})
    return officer


async def drafted(api: httpx.AsyncClient, env: WorkflowEnvironment) -> Officer:
    """As `assessing`, then the decision to issue a plan and its draft served, all today."""
    officer = await assessing(api, env)
    await officer.act("decide-to-issue", {"issue": True})
    await officer.draft()
    return officer


async def submissions(sessions: SessionMaker, case_ref: str) -> list[PortalSubmission]:
    async with sessions() as session:
        return list((await session.exec(select(PortalSubmission).where(PortalSubmission.case_ref == case_ref))).all())


async def family_audit(sessions: SessionMaker, case_ref: str, actor: str) -> list[tuple[str, str]]:
    async with sessions() as session:
        rows = (
            await session.exec(
                select(AuditEvent)
                .where(AuditEvent.case_ref == case_ref, AuditEvent.actor == actor)
                .order_by(col(AuditEvent.id))
            )
        ).all()
    return [(row.action, row.summary) for row in rows]


def comments_of(case: dict[str, Any]) -> list[dict[str, Any]]:
    return [entry for entry in case["history"] if entry["action"] == "parent_comments"]


async def test_the_family_reads_its_own_draft_once_it_is_served_and_no_other(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> None:
    officer = await assessing(api, env)
    ours = officer.case_ref
    theirs = await Officer(api, env).open()
    family = Family(api, settings, ours)

    before = await family.get(f"{ours}/draft")
    assert (before.status_code, before.json()["detail"]) == (404, NO_DRAFT)
    assert before.headers["content-type"] == "application/problem+json"

    await officer.act("decide-to-issue", {"issue": True})
    served = await officer.today()
    await officer.draft(served)
    answer = await family.get(f"{ours}/draft")
    assert answer.status_code == 200, answer.text
    draft = answer.json()
    # Served today: the 15 days beginning with the day of service end 14 days on (reg 13(1)(a)).
    assert (draft["served_on"], draft["comments_until"], draft["days_left"], draft["open_for_comments"]) == (
        served.isoformat(),
        (served + timedelta(days=14)).isoformat(),
        14,
        True,
    )
    sections = {s["section"]: s for s in draft["sections"]}
    assert list(sections) == ["A", "B", "C", "D", "E", "F", "G", "H1", "H2", "J", "K"]  # no I in a draft
    assert sections["B"]["heading"] == "Section B: the child's special educational needs"
    assert sections["B"]["meaning"].startswith("What your child finds harder to learn or do")
    assert {key: sections[key]["text"] for key in SECTIONS} == SECTIONS
    assert sections["C"]["text"] == ""

    # Another family's case, and one that does not exist, answer alike: 404, nothing to probe.
    neighbour = Family(api, settings, theirs)
    for who, ref in ((family, theirs), (neighbour, ours)):
        foreign, ghost = await who.get(f"{ref}/draft"), await who.get(f"{GHOST}/draft")
        assert (foreign.status_code, ghost.status_code) == (404, 404)
        assert foreign.text.replace(ref, GHOST) == ghost.text
    # Staff read the case through their own routes, not the family's.
    assert (await api.get(f"/portal/cases/{ours}/draft")).status_code == 403

    # The one reading of the draft is in the case's audit trail under the family's pseudonym; the 404s are not.
    assert await family_audit(sessions, ours, family.sub) == [
        ("personal_data_viewed", "the family's draft plan in the portal")
    ]
    assert await family_audit(sessions, ours, neighbour.sub) == []


async def test_the_familys_comments_are_kept_and_recorded_once_under_its_pseudonym(
    api: httpx.AsyncClient,
    env: WorkflowEnvironment,
    sessions: SessionMaker,
    settings: Settings,
    json_logs: io.StringIO,
) -> None:
    officer = await drafted(api, env)
    case_ref = officer.case_ref
    family = Family(api, settings, case_ref)
    submission_id = uuid.uuid4().hex
    today = await officer.today()

    body = {"submission_id": submission_id, "preferred_setting_urn": "123456", "meeting_requested": True}
    answer = await family.comment(case_ref, **body)
    assert answer.status_code == 201, answer.text
    # 123456 is not in the settings directory: taken all the same (CFA 2014 s.38(3)), with no name, to be checked.
    assert answer.json() == {
        "submission_id": submission_id,
        "case_ref": case_ref,
        "sent_on": today.isoformat(),
        "preferred_setting_name": None,
    }

    # The same form sent again, even with other words, is the same submission: one row, one fact on the case.
    again = await family.comment(case_ref, **body, text="Sent twice by a double click.")
    assert (again.status_code, again.json()) == (201, answer.json())

    [row] = await submissions(sessions, case_ref)
    assert (row.id, row.party, row.kind, row.actor, row.on, row.text) == (
        submission_id,
        "family",
        "draft_comments",
        family.sub,
        today,
        COMMENTS,
    )
    case = await officer.case()
    [entry] = comments_of(case)
    assert (entry["actor"], entry["on"]) == (family.sub, today.isoformat())
    assert (case["preferred_setting_urn"], case["meeting_requested"], case["preferred_setting"]) == (
        "123456",
        True,
        None,
    )
    # The words are the family's, in the database only: the case's workflow carries the fact, not the text, and
    # no log line has them.
    assert COMMENTS not in str(case)
    assert json_logs.getvalue() and COMMENTS not in json_logs.getvalue()

    # The window is used: it no longer counts down on the family's summary.
    async def window_used() -> bool:
        return (await family.summary(case_ref))["windows"] == []

    assert await eventually(window_used)


async def test_a_setting_chosen_from_the_directory_reaches_the_officer_by_name_to_consult(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings
) -> None:
    loaded = await api.post("/settings-directory/import", content=sample(), headers={"content-type": CSV_TYPE})
    assert loaded.status_code == 200, loaded.text
    officer = Officer(api, env)
    await officer.open(la_code="342")
    await officer.act("decide-to-assess", {"assess": True})
    await officer.act("decide-to-issue", {"issue": True})
    await officer.draft()
    family = Family(api, settings, officer.case_ref)
    # Hawthorn Special School takes ages 2 to 19: on the child's list (born 4 May 2016) for years to come.
    offered = (await family.get(f"{officer.case_ref}/settings")).json()
    assert "990003" in [setting["urn"] for setting in offered["settings"]]

    answer = await family.comment(officer.case_ref, preferred_setting_urn="990003")
    assert answer.status_code == 201, answer.text
    assert answer.json()["preferred_setting_name"] == "Hawthorn Special School"
    case = await officer.case()
    assert case["preferred_setting_urn"] == "990003"
    assert {key: case["preferred_setting"][key] for key in ("urn", "name", "establishment_type", "open")} == {
        "urn": "990003",
        "name": "Hawthorn Special School",
        "establishment_type": "Community special school",
        "open": True,
    }
    # The next step is the officer's: consult the setting on being named (CFA 2014 s.39(2)), starting its 15 days.
    await officer.act("setting-consultations", {"setting_urn": "990003"})
    assert (await officer.deadlines())["assessment.setting_response:990003"]["kind"] == "window"


async def test_comments_refused_by_the_case_or_sent_to_another_leave_nothing(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> None:
    officer = await assessing(api, env)
    case_ref = officer.case_ref
    family = Family(api, settings, case_ref)

    # No draft yet: the case refuses comments (the stage is wrong), and nothing is kept.
    refused = await family.comment(case_ref)
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert "draft_issued" in refused.json()["detail"]
    assert await submissions(sessions, case_ref) == []
    assert comments_of(await officer.case()) == []

    # Another family's case answers as one that does not exist, even to a body it would refuse.
    neighbour = Family(api, settings, await Officer(api, env).open())
    for body in ({"text": COMMENTS}, {}):
        foreign = await neighbour.api.post(f"/portal/cases/{case_ref}/comments", json=body, headers=neighbour.headers)
        ghost = await neighbour.api.post(f"/portal/cases/{GHOST}/comments", json=body, headers=neighbour.headers)
        assert (foreign.status_code, ghost.status_code) == (404, 404)
        assert foreign.text.replace(case_ref, GHOST) == ghost.text
    assert await submissions(sessions, case_ref) == []


async def test_a_submission_id_is_one_familys_for_one_case(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> None:
    ours = (await drafted(api, env)).case_ref
    theirs = (await drafted(api, env)).case_ref
    family, neighbour = Family(api, settings, ours), Family(api, settings, theirs)
    submission_id = uuid.uuid4().hex
    assert (await family.comment(ours, submission_id=submission_id)).status_code == 201

    reused = await neighbour.comment(theirs, submission_id=submission_id, text="Another family's words.")
    assert reused.status_code == 409, reused.text
    assert reused.json()["type"] == "/problems/submission-used"
    assert await submissions(sessions, theirs) == []
    assert [row.text for row in await submissions(sessions, ours)] == [COMMENTS]


async def test_comments_out_of_bounds_are_refused_without_repeating_them(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> None:
    officer = await drafted(api, env)
    case_ref = officer.case_ref
    family = Family(api, settings, case_ref)
    long_text = "Quillfeather " * 770  # 10,010 characters: ten past the most a family's comments may be
    for body in (
        {"text": long_text},
        {"text": ""},
        {"text": "   "},
        {"text": "A NUL \x00 byte"},
        {"submission_id": "not-an-id-of-32-hex-digits-at-all"},
        {"preferred_setting_urn": "12345"},
        {"preferred_setting_urn": "9" * 100_000},
        {"meeting_requested": "yes"},
        {"unknown_field": "Quillfeather"},
    ):
        answer = await family.comment(case_ref, **body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert "Quillfeather" not in answer.text and "99999999" not in answer.text
        assert "not-an-id" not in answer.text and len(answer.text) < 2_000
    assert await submissions(sessions, case_ref) == []
    assert comments_of(await officer.case()) == []


async def test_the_familys_windows_count_down_and_close_and_the_advice_is_listed_by_kind(
    api: httpx.AsyncClient, env: WorkflowEnvironment, settings: Settings
) -> None:
    officer = await assessing(api, env)
    case_ref = officer.case_ref
    asked = await officer.today()
    await officer.act(
        "advice-requests", {"adviser": "other", "description": "Paediatrician at the child development centre"}
    )
    family = Family(api, settings, case_ref)

    received = await officer.wait(days=10)
    await officer.act("advice-received", {"advice_id": "educational_psychologist"})
    await officer.act("decide-to-issue", {"issue": True})
    served = await officer.draft()
    served_on = date.fromisoformat(served["history"][-1]["on"])
    assert served_on == received

    # Five days after the draft was served: 9 days left of the 15 beginning with the day of service.
    await officer.wait(days=5)

    async def counted_down() -> dict[str, Any] | None:
        summary = await family.summary(case_ref)
        return summary if summary["windows"] and len(summary["advice"]) == 2 else None

    summary = await eventually(counted_down)
    assert summary["windows"] == [
        {
            "step": "assessment.draft_comments",
            "what": "Your comments on the draft plan",
            "rule": "Parent's or young person's window to comment on the draft plan",
            "law": DRAFT_LAW,
            "due": (served_on + timedelta(days=14)).isoformat(),
            "days_left": 9,
            "closed": False,
        }
    ]
    # Asked on the day the case was decided; 6 weeks each (reg 8(1)). No one is named, only their kind.
    assert summary["advice"] == [
        {
            "adviser": "Educational psychologist",
            "asked_on": asked.isoformat(),
            "due": (asked + timedelta(weeks=6)).isoformat(),
            "status": "received",
            "received_on": received.isoformat(),
        },
        {
            "adviser": "Another adviser",
            "asked_on": asked.isoformat(),
            "due": (asked + timedelta(weeks=6)).isoformat(),
            "status": "waiting",
            "received_on": None,
        },
    ]
    for personal in (CHILD_GIVEN, CHILD_FAMILY, PARENT_NAME, "aediatrician"):
        assert personal not in str(summary)
    # The case's letters to the family, newest first: the draft's, then the decision to assess.
    assert [letter["subject"] for letter in summary["letters"]][:1] == ["Your draft EHC plan"]
    # What has happened, oldest first, each step on its legal date and in plain words.
    happened = [(step["what"], step["on"]) for step in summary["done"]]
    assert happened[-1] == ("The council sent you the draft plan", served_on.isoformat())
    assert ("Advice reached the council", received.isoformat()) in happened
    draft_letter = summary["letters"][0]
    assert (
        not draft_letter["by_post"]
        and f"served {served_on:%A} {served_on.day} {served_on:%B %Y}" in draft_letter["body"]
    )
    assert all("code" not in letter["subject"].lower() for letter in summary["letters"])

    # The window's last day passes unused: closed, never a negative count of days.
    await officer.wait(days=10)

    async def closed() -> dict[str, Any] | None:
        windows = (await family.summary(case_ref))["windows"]
        return windows[0] if windows and windows[0]["closed"] else None

    window = await eventually(closed)
    assert (window["due"], window["days_left"]) == ((served_on + timedelta(days=14)).isoformat(), None)


async def test_the_comments_form_is_taken_from_this_site_only_signed_in_and_within_its_bounds(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> None:
    case_ref = (await drafted(api, env)).case_ref
    family = Family(api, settings, case_ref)
    # As a browser sends a form: the session cookie, and the page's origin (without which the cookie is not taken).
    browser = {"Authorization": "", "Cookie": f"{SESSION_COOKIE}={family.token}", "Origin": "http://test"}
    page = f"/portal/cases/{case_ref}/draft/page"
    form = {"submission_id": uuid.uuid4().hex, "text": COMMENTS}

    elsewhere = await api.post(page, data=form, headers={**browser, "Origin": "https://elsewhere.example"})
    assert elsewhere.status_code == 403 and elsewhere.json()["type"] == "/problems/forbidden"
    signed_out = await api.post(page, data=form, headers={"Authorization": "", "Origin": "http://test"})
    assert (signed_out.status_code, signed_out.headers["location"]) == (303, "/portal")
    # A cookie without the page's origin (not a browser's form) is not taken either.
    no_origin = {k: v for k, v in browser.items() if k != "Origin"}
    signed_out = await api.post(page, data=form, headers=no_origin)
    assert (signed_out.status_code, signed_out.headers["location"]) == (303, "/portal")
    # The form has seven fields (api/routes/portal_pages.py COMMENT_FIELDS): eight are not its own.
    crowded = await api.post(page, data={**form, **dict.fromkeys("abcdef", "1")}, headers=browser)
    assert crowded.status_code == 422, crowded.text

    # Too long: the form again, saying so, with the family's words cut to the most it takes, so none is lost
    # unseen; nothing kept.
    long_text = "Quillfeather " * 770
    too_long = await api.post(page, data={**form, "text": long_text}, headers=browser)
    assert too_long.status_code == 422
    assert "Your comments must be 10,000 characters or fewer" in too_long.text
    [kept] = re.findall(r'<textarea[^>]*id="text"[^>]*>([^<]*)</textarea>', too_long.text)
    assert kept == long_text[:10_000]
    assert await submissions(sessions, case_ref) == []

    sent = await api.post(page, data=form, headers=browser)
    assert sent.status_code == 200 and "Comments sent" in sent.text
    assert [row.text for row in await submissions(sessions, case_ref)] == [COMMENTS]

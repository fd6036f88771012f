"""A family on a case with an EHC plan, through the portal's JSON routes on the time-skipping server and the database,
the plan driven by an officer (tests/driver.py): the annual review's dates on its case summary, its views for the
review meeting (SEND Regs 2014 reg 20(4)) taken while the meeting is scheduled and refused (nothing kept) at any
other time, the changes proposed after the review read section by section and commented on within their 15 days
(reg 22(2)(c)), and a re-assessment's draft (reg 27). Another family's plan answers as one that does not exist.
"""

import uuid
from datetime import timedelta
from typing import Any

import httpx
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from core.config import Settings
from store.db import SessionMaker
from store.models import PortalSubmission
from tests.conftest import eventually
from tests.driver import SECTIONS, Officer, PlanOfficer
from tests.support.dates import months_on
from tests.support.portal_family import COMMENTS, VIEWS, Family

GHOST = "202-ZZZZZZZZ"
REVIEW_LAW = "CFA 2014 s.44(1); Code of Practice 9.169"
NO_PROPOSAL = (
    "The council has not sent you any changes to your child's plan to comment on. When it does, you can read them here."
)
PROPOSED = {**SECTIONS, "F": "Three hours a week of speech and language therapy.", "I": "Oak Primary School"}
ORDER = ["A", "B", "C", "D", "E", "F", "G", "H1", "H2", "I", "J", "K"]


async def submissions(sessions: SessionMaker, case_ref: str) -> list[PortalSubmission]:
    async with sessions() as session:
        return list((await session.exec(select(PortalSubmission).where(PortalSubmission.case_ref == case_ref))).all())


def entries(plan: dict[str, Any], action: str) -> list[dict[str, Any]]:
    return [entry for entry in plan["history"] if entry["action"] == action]


async def issued_after_assessment(api: httpx.AsyncClient, env: WorkflowEnvironment) -> PlanOfficer:
    """A case assessed and its plan issued through this system (so the plan in force is held here): the draft
    served today, the final plan 15 days on, once the family's 15 days to comment are over (reg 13(1))."""
    officer = PlanOfficer(api, env)
    await officer.open()
    await officer.act("decide-to-assess", {"assess": True})
    await officer.act("decide-to-issue", {"issue": True})
    await officer.draft()
    await officer.wait(days=15)
    await officer.final(setting_type="Mainstream primary school")
    await officer.in_cycle(1)
    return officer


async def test_the_family_sends_views_for_the_review_then_comments_on_the_changes_proposed_after_it(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> None:
    officer = await issued_after_assessment(api, env)
    case_ref = officer.case_ref
    issued = await officer.today()
    family = Family(api, settings, case_ref)

    # The plan is issued: the first plan's draft is still there to read, without the form.
    first = (await family.get(f"{case_ref}/draft")).json()
    assert (first["kind"], first["open_for_comments"]) == ("draft_plan", False)
    assert "I" not in [section["section"] for section in first["sections"]]

    # The annual review: due 12 months from the plan's issue (CFA 2014 s.44(1)); no meeting set, no views taken.
    review = (await family.summary(case_ref))["review"]
    # (Whether the child moves school before then depends on today: that is the plan's own business, not this test's.)
    assert {key: value for key, value in review.items() if key != "phase_transfer_by"} == {
        "cycle": 1,
        "due": months_on(issued, 12).isoformat(),
        "law": REVIEW_LAW,
        "last_review_on": None,
        "meeting_on": None,
        "meeting_held": False,
        "advice_by": None,
        "advice_circulated_on": None,
        "views_open": False,
        "views_received": [],
    }

    # The notice of the meeting, 15 days ahead (at least 2 weeks, reg 20(3)): the family's views are taken now, and
    # are best in by 2 weeks before the meeting, when the advice gathered goes to all those invited (reg 20(4)).
    noticed = await officer.today()
    meeting = noticed + timedelta(days=15)
    noticed_plan = await officer.act_on_plan("review-notice", {"meeting_on": meeting.isoformat()})
    review = (await family.summary(case_ref))["review"]
    assert (review["meeting_on"], review["advice_by"], review["views_open"]) == (
        meeting.isoformat(),
        (noticed + timedelta(days=1)).isoformat(),
        True,
    )

    submission_id = uuid.uuid4().hex
    sent = await family.views(case_ref, submission_id=submission_id)
    assert sent.status_code == 201, sent.text
    assert sent.json() == {
        "submission_id": submission_id,
        "case_ref": case_ref,
        "sent_on": noticed.isoformat(),
        "meeting_on": meeting.isoformat(),
    }
    # The same form again is the same views: one row, one line in the plan's history.
    again = await family.views(case_ref, submission_id=submission_id, text="Sent twice.")
    assert (again.status_code, again.json()) == (201, sent.json())
    [row] = await submissions(sessions, case_ref)
    assert (row.kind, row.party, row.actor, row.on, row.text) == ("review_views", "family", family.sub, noticed, VIEWS)
    # Views that came by post, recorded by the officer.
    plan = await officer.act_on_plan("family-views", {})
    [portal, post] = entries(plan, "family_views")
    assert (portal["actor"], portal["on"], post["on"]) == (family.sub, noticed.isoformat(), noticed.isoformat())
    assert post["actor"] != family.sub
    assert VIEWS not in str(plan)  # the words stay in the database
    # They meet no deadline and open none: the plan's dates are as the notice left them.
    assert plan["deadlines"] == noticed_plan["deadlines"]
    await officer.act_on_plan("review-advice", {})
    review = (await family.summary(case_ref))["review"]
    assert (review["views_received"], review["advice_circulated_on"]) == (
        [noticed.isoformat(), noticed.isoformat()],
        noticed.isoformat(),
    )

    # The meeting, its report and the decision to amend, all on the meeting's day.
    await officer.wait(days=15)
    await officer.act_on_plan("review-meeting", {})
    await officer.act_on_plan("review-report", {})
    await officer.act_on_plan("review-decision", {"outcome": "amend", "proposed_sections": PROPOSED})

    # Once the meeting is held, views for it are refused and nothing is kept.
    late = await family.views(case_ref)
    assert late.status_code == 409, late.text
    assert "review_scheduled" in late.json()["detail"]
    assert [row.kind for row in await submissions(sessions, case_ref)] == ["review_views"]

    # The changes proposed: served today, the 15 days beginning with that day end 14 days on (reg 22(2)(c)).
    proposal = (await family.get(f"{case_ref}/draft")).json()
    assert (proposal["kind"], proposal["served_on"], proposal["comments_until"], proposal["days_left"]) == (
        "proposed_amendments",
        meeting.isoformat(),
        (meeting + timedelta(days=14)).isoformat(),
        14,
    )
    assert proposal["open_for_comments"] is True
    sections = {section["section"]: section for section in proposal["sections"]}
    assert list(sections) == ORDER  # an amended plan names its setting: section I is there
    assert sections["I"]["heading"] == "Section I: the name and type of the school or other institution"
    assert sections["F"]["text"] == PROPOSED["F"]
    assert {key for key, section in sections.items() if section["changed"]} == {"F"}
    assert all(section["changed"] is False for key, section in sections.items() if key != "F")

    summary = await family.summary(case_ref)
    # Beside the appeal against the plan as issued (its own windows), the family's 15 days are counted down.
    amendments = [window for window in summary["windows"] if window["step"] == "review.amendment_comments"]
    assert amendments == [
        {
            "step": "review.amendment_comments",
            "what": "Your comments on the proposed changes to the plan",
            "rule": "Parent's or young person's window to comment on the proposed amendments",
            "law": "SEND Regs 2014 reg 22(2)(c)",
            "due": (meeting + timedelta(days=14)).isoformat(),
            "days_left": 14,
            "closed": False,
        }
    ]
    assert (summary["review"]["meeting_held"], summary["review"]["last_review_on"]) == (True, meeting.isoformat())
    assert summary["review"]["views_open"] is False

    # The family's comments, with a school it asks for and a meeting: kept, and recorded on the plan.
    answer = await family.comment(case_ref, preferred_setting_urn="123456", meeting_requested=True)
    assert answer.status_code == 201, answer.text
    assert answer.json()["sent_on"] == meeting.isoformat()
    comments = [row for row in await submissions(sessions, case_ref) if row.kind != "review_views"]
    assert [(row.kind, row.actor, row.text) for row in comments] == [("amendment_comments", family.sub, COMMENTS)]
    plan = await officer.plan()
    [entry] = entries(plan, "family_comments")
    assert (entry["actor"], entry["on"]) == (family.sub, meeting.isoformat())
    assert entry["summary"] == "The family's comments received; setting requested: URN 123456; a meeting requested"
    assert plan["preferred_setting_urn"] == "123456"
    assert COMMENTS not in str(plan)

    async def window_used() -> bool:
        windows = (await family.summary(case_ref))["windows"]
        return not [window for window in windows if window["step"] == "review.amendment_comments"]

    assert await eventually(window_used)


async def test_the_family_comments_on_a_reassessments_draft_and_reaches_no_other_plan(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> None:
    officer = PlanOfficer(api, env)
    await officer.import_existing(f"FAMILY/{uuid.uuid4().hex[:8]}", issued_days_ago=100, year_group=4)
    case_ref = officer.case_ref
    issued = await officer.today() - timedelta(days=100)
    family = Family(api, settings, case_ref)

    review = (await family.summary(case_ref))["review"]
    assert (review["due"], review["law"], review["meeting_on"], review["views_open"]) == (
        months_on(issued, 12).isoformat(),
        REVIEW_LAW,
        None,
        False,
    )
    # No review meeting is scheduled: the plan refuses the views, and nothing is kept.
    refused = await family.views(case_ref)
    assert refused.status_code == 409, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert VIEWS not in refused.text
    assert await submissions(sessions, case_ref) == []
    assert entries(await officer.plan(), "family_views") == []
    # Nor may the officer record them before the notice (docs/statutory-choices.md row 66).
    await officer.act_on_plan("family-views", {}, expect=409)

    # A plan imported from the LA's records has no draft here, and nothing proposed yet.
    nothing = await family.get(f"{case_ref}/draft")
    assert (nothing.status_code, nothing.json()["detail"]) == (404, NO_PROPOSAL)

    await officer.act_on_plan("reassessment-request", {})
    await officer.act_on_plan("reassessment-decision", {"reassess": True})
    served = await officer.today()
    drafted = await api.post(
        f"/plans/{case_ref}/reassessment-draft", json={"served_on": served.isoformat(), "sections": SECTIONS}
    )
    assert drafted.status_code == 200, drafted.text

    draft = (await family.get(f"{case_ref}/draft")).json()
    assert (draft["kind"], draft["served_on"], draft["comments_until"], draft["open_for_comments"]) == (
        "reassessment_draft",
        served.isoformat(),
        (served + timedelta(days=14)).isoformat(),
        True,
    )
    sections = {section["section"]: section for section in draft["sections"]}
    assert list(sections) == [key for key in ORDER if key != "I"]  # a draft names no setting (CFA 2014 s.38(5))
    # The plan in force was imported: its words are not held here, so no section is said to change or not.
    assert {section["changed"] for section in draft["sections"]} == {None}
    windows = (await family.summary(case_ref))["windows"]
    assert [(w["step"], w["what"], w["due"]) for w in windows] == [
        ("assessment.draft_comments", "Your comments on the draft plan", (served + timedelta(days=14)).isoformat())
    ]

    # Another family's plan, and a case that does not exist, answer alike: 404, nothing to probe, nothing kept.
    neighbour = Family(api, settings, await Officer(api, env).open())
    for path in ("review-views", "comments"):
        foreign = await neighbour.api.post(
            f"/portal/cases/{case_ref}/{path}", json={"text": VIEWS}, headers=neighbour.headers
        )
        ghost = await neighbour.api.post(
            f"/portal/cases/{GHOST}/{path}", json={"text": VIEWS}, headers=neighbour.headers
        )
        assert (foreign.status_code, ghost.status_code) == (404, 404)
        assert foreign.text.replace(case_ref, GHOST) == ghost.text
    for path in (case_ref, f"{case_ref}/draft"):
        assert (await neighbour.get(path)).status_code == 404
    assert await submissions(sessions, case_ref) == []

    answer = await family.comment(case_ref)
    assert answer.status_code == 201, answer.text
    [row] = await submissions(sessions, case_ref)
    assert (row.kind, row.actor, row.on) == ("reassessment_draft_comments", family.sub, served)
    [entry] = entries(await officer.plan(), "family_comments")
    assert (entry["actor"], entry["on"]) == (family.sub, served.isoformat())


async def test_views_on_a_case_without_a_plan_or_out_of_bounds_are_refused_without_repeating_them(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> None:
    assessing = Officer(api, env)
    await assessing.open()
    family = Family(api, settings, assessing.case_ref)
    refused = await family.views(assessing.case_ref)
    assert (refused.status_code, refused.json()["detail"]) == (
        409,
        "This case has no EHC plan yet. Its annual review comes once the plan is issued.",
    )
    assert await submissions(sessions, assessing.case_ref) == []

    officer = PlanOfficer(api, env)
    await officer.import_existing(f"BOUNDS/{uuid.uuid4().hex[:8]}", issued_days_ago=100, year_group=4)
    meeting = await officer.today() + timedelta(days=20)
    await officer.act_on_plan("review-notice", {"meeting_on": meeting.isoformat()})
    family = Family(api, settings, officer.case_ref)
    for body in (
        {"text": "Quillfeather " * 770},  # 10,010 characters: ten past the most a family's views may be
        {"text": ""},
        {"text": "   "},
        {"text": "A NUL \x00 byte"},
        {"submission_id": "not-an-id-of-32-hex-digits-at-all"},
        {"unknown_field": "Quillfeather"},
        {"on": "2020-01-01"},  # the family cannot date its views: the legal date is the day they arrive
    ):
        answer = await family.views(officer.case_ref, **body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
        assert "Quillfeather" not in answer.text and "not-an-id" not in answer.text and len(answer.text) < 2_000
    assert await submissions(sessions, officer.case_ref) == []
    assert entries(await officer.plan(), "family_views") == []

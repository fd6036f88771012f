"""A family signs in to the portal through its pages and reads its case, at a phone's width, in Debian's Chromium
(tests/support/chromium.py) against the API served over HTTP, the case driven through Temporal and the database.

Then a family reads the draft plan served on its case and sends its comments through the form: the case page counts
its time down and lists the advice asked for, and the form's mistakes, its confirmation and a refusal by the case are
shown as GOV.UK shows them. And a family whose child has a plan sends its views for the annual review meeting, then
its comments on the changes proposed after it, each section marked with whether it would change. Every page on the
way (the email form, the code form, a form with an error, the case page, another family's case, the draft, its form
with errors, the confirmation, the refusal; the plan's case page, the views page, its error, confirmation and
closed form, the proposed changes and the comments sent on them; a plan's case page with its provision in section F,
at 375 px and on a desktop) is checked by axe-core against WCAG 2.2 AA and must
have no violations, and none may scroll sideways at 375 px. The code is read from the
outbox row the notifier wrote, as tests/api/test_portal_sign_in.py reads it.
"""

import re
import uuid
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Locator, expect
from sqlmodel import select
from temporalio.testing import WorkflowEnvironment

from api.auth import SESSION_COOKIE
from core.config import Settings
from store.db import SessionMaker
from store.models import PortalSubmission
from tests.conftest import eventually
from tests.driver import SECTIONS, Officer, PlanOfficer
from tests.factories import CHILD_FAMILY, CHILD_GIVEN, PARENT_NAME, bearer, case_request
from tests.support.chromium import signed_out
from tests.support.gias import CSV_TYPE, sample
from tests.support.govuk_pages import DESKTOP, PHONE, check
from tests.support.portal import address, newest_code
from tests.support.portal_browser import family_signs_in, uk
from tests.support.portal_family import VIEWS
from tests.support.provision import (
    IN_FULL,
    NAMES,
    OT,
    SALT,
    SCHOOL,
    awaited,
    confirmation,
    line,
    periods_from,
    short,
    until_after,
)
from tests.support.server_clock import server_today

COMMENTS = "Section F should say who gives the speech and language therapy, and how often."


async def open_case(api: httpx.AsyncClient, received: date, email: str) -> str:
    contact = {"role": "parent", "name": PARENT_NAME, "email": email, "phone": "020 7946 0000"}
    answer = await api.post("/cases", json=case_request(received, contacts=[contact]))
    assert answer.status_code == 201, answer.text
    return str(answer.json()["case_ref"])


@pytest.mark.slow
async def test_a_family_signs_in_through_the_pages_and_reads_its_case_on_a_phone(
    browser: Browser,
    served: str,
    env: WorkflowEnvironment,
    sessions: SessionMaker,
    settings: Settings,
    tmp_path: Path,
) -> None:
    base = served
    email, neighbour = address(), address()
    async with httpx.AsyncClient(base_url=base, headers=bearer(settings)) as api:
        received = await server_today(env) - timedelta(days=3)
        ours, theirs = await open_case(api, received, email), await open_case(api, received, neighbour)
        # Received three days ago: the decision whether to assess is due 6 weeks from receipt (reg 5(1)).
        decision_due = received + timedelta(weeks=6)

        context = await browser.new_context(viewport=PHONE, locale="en-GB")
        page = await context.new_page()

        # Not signed in: the case page sends the browser to the email form.
        await page.goto(f"{base}/portal/cases/{ours}/page")
        assert page.url == f"{base}/portal"
        await expect(page.get_by_role("heading", level=1)).to_have_text("What is your email address?")
        await expect(page.get_by_role("link", name="Skip to main content")).to_have_attribute("href", "#main-content")
        await expect(page.locator(".govuk-phase-banner")).to_contain_text("Beta")
        await check(page, tmp_path, "email-form")

        # No address: the error summary says so first, and links to the field.
        await page.get_by_role("button", name="Continue").click()
        await expect(page.get_by_role("alert")).to_contain_text("There is a problem")
        await expect(page.locator(".govuk-error-message")).to_have_text("Error: Enter your email address")
        assert (await page.title()).startswith("Error: ")
        await check(page, tmp_path, "email-form-error")
        await page.get_by_role("link", name="Enter your email address").click()
        await expect(page.get_by_label("What is your email address?")).to_be_focused()

        await page.get_by_label("What is your email address?").fill(email)
        await page.get_by_role("button", name="Continue").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
        await expect(page.locator("main")).to_contain_text(f"If {email} is a contact on a case")
        await check(page, tmp_path, "code-form")
        code = await newest_code(sessions, ours)

        # A code that is not 6 numbers, then a wrong one: the form again, saying why.
        await page.get_by_label("Code from the email").fill("12ab")
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.locator(".govuk-error-message")).to_have_text(
            "Error: Enter the code as 6 numbers, like 123456"
        )
        await check(page, tmp_path, "code-form-error")
        await page.get_by_label("Code from the email").fill(f"{(int(code) + 1) % 1_000_000:06d}")
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.get_by_role("alert")).to_contain_text("The code was not accepted")

        await page.get_by_label("Code from the email").fill(code)
        await page.get_by_role("button", name="Sign in").click()
        await page.wait_for_url(f"{base}/portal/cases/{ours}/page")
        (cookie,) = [c for c in await context.cookies() if c["name"] == SESSION_COOKIE]
        assert (cookie["httpOnly"], cookie["sameSite"]) == (True, "Strict")

        # The case in plain English: where it is, what it waits for and by when, and the law that says so.
        await expect(page.get_by_role("heading", level=1)).to_have_text("EHC needs assessment")
        await expect(page.locator(".govuk-caption-l")).to_have_text(f"Case {ours}")
        rows = page.locator(".govuk-summary-list").first.locator(".govuk-summary-list__row")
        await expect(rows).to_have_count(5)
        # What has happened so far: the request, on the day it was received.
        happened = page.locator("h2:has-text('What has happened') + dl .govuk-summary-list__row")
        await expect(happened).to_have_count(1)
        await expect(happened).to_contain_text("The council received the request for an EHC needs assessment")
        shown = {await row.locator("dt").inner_text(): await row.locator("dd").inner_text() for row in await rows.all()}
        assert shown == {
            "Where it is": "Request received: deciding whether to assess",
            "Open or closed": "Open",
            "Waiting for": "Decide whether to assess and notify the parent or young person",
            "By": f"{decision_due.day} {decision_due:%B %Y}",
            "The law": "The law that sets this date is SEND Regs 2014 reg 5(1).",
        }
        first = page.locator(".govuk-task-list__item").first
        await expect(first).to_contain_text("Decide whether to assess and notify the parent or young person")
        await expect(first.locator(".govuk-task-list__status")).to_have_text(
            f"Due by {decision_due.day} {decision_due:%B %Y}"
        )
        text = await page.locator("main").inner_text()
        assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
        for personal in (CHILD_GIVEN, CHILD_FAMILY, PARENT_NAME, email):
            assert personal not in text
        await check(page, tmp_path, "case-page")

        # Another family's case answers as one that does not exist.
        await page.goto(f"{base}/portal/cases/{theirs}/page")
        await expect(page.get_by_role("heading", level=1)).to_have_text("No such case")
        await check(page, tmp_path, "another-case")

        # Signing out forgets the sign-in: the case page sends the browser to the email form again.
        await signed_out(
            page, context, f"{base}/portal", f"{base}/portal/cases/{ours}/page", f"{base}/portal/signed-out"
        )
        await context.close()


@pytest.mark.slow
async def test_a_family_reads_its_draft_plan_and_sends_its_comments_through_the_form_on_a_phone(
    browser: Browser,
    served: str,
    env: WorkflowEnvironment,
    sessions: SessionMaker,
    settings: Settings,
    tmp_path: Path,
) -> None:
    base = served
    email = address()
    contact = {"role": "parent", "name": PARENT_NAME, "email": email, "phone": "020 7946 0000"}
    async with httpx.AsyncClient(base_url=base, headers=bearer(settings)) as api:
        # The council's settings directory, loaded from the register (the sample: schools of LA 342).
        loaded = await api.post("/settings-directory/import", content=sample(), headers={"content-type": CSV_TYPE})
        assert loaded.status_code == 200, loaded.text
        officer = Officer(api, env)
        asked = await officer.today()
        await officer.open(asked, contacts=[contact], la_code="342")
        await officer.act("decide-to-assess", {"assess": True})
        await officer.act("advice-requests", {"adviser": "educational_psychologist"})
        await officer.act("advice-requests", {"adviser": "health"})
        served_on = await officer.wait(days=10)
        await officer.act("advice-received", {"advice_id": "educational_psychologist"})
        await officer.act("decide-to-issue", {"issue": True})
        await officer.draft()
        # Five days on: 9 days left of the 15 beginning with the day the draft was served (reg 13(1)(a)).
        await officer.wait(days=5)
        last_day = served_on + timedelta(days=14)
        advice_due = asked + timedelta(weeks=6)  # 6 weeks from each request (reg 8(1))
        case_ref = officer.case_ref

        context = await browser.new_context(viewport=PHONE, locale="en-GB")
        page = await context.new_page()
        await family_signs_in(page, base, sessions, email, case_ref)

        # The family's own time counts down, with the law that gives it; the advice asked for, by kind.
        await expect(page.locator("#window-1")).to_contain_text(
            f"Your comments on the draft plan: 9 days left, until {uk(last_day)}"
        )
        await expect(page.locator("#window-1")).to_contain_text(
            "The law that gives you this time is SEND Regs 2014 reg 13(1)(a); CFA 2014 s.38(2)"
        )
        advice = page.locator("h2:has-text('Advice the council asked for') ~ ul.govuk-list--bullet > li")
        await expect(advice).to_have_text(
            [
                f"Educational psychologist: asked {uk(asked)}, due {uk(advice_due)}, received {uk(served_on)}",
                f"A health care professional: asked {uk(asked)}, due {uk(advice_due)}, not in yet",
            ]
        )
        await check(page, tmp_path, "case-page-with-draft")

        # The draft: sections A to K with what each is for, no section I.
        await page.get_by_role("link", name="Read the draft plan and send your comments").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Your child's draft EHC plan")
        headings = await page.get_by_role("heading", level=2).all_inner_texts()
        assert [h for h in headings if h.startswith("Section ")] == [
            "Section A: the views, interests and aspirations of the child and their parents",
            "Section B: the child's special educational needs",
            "Section C: the child's health needs related to their special educational needs",
            "Section D: the child's social care needs",
            "Section E: the outcomes sought for the child",
            "Section F: the special educational provision",
            "Section G: the health provision",
            "Section H1: social care provision under section 2 of the Chronically Sick and Disabled Persons Act 1970",
            "Section H2: other social care provision",
            "Section J: the personal budget",
            "Section K: the advice and information gathered",
        ]
        await expect(page.locator("#section-B + .govuk-hint + p")).to_have_text(SECTIONS["B"])
        await expect(page.locator(".govuk-inset-text")).to_contain_text(f"9 days left, until {uk(last_day)}")
        await check(page, tmp_path, "draft-page")

        # The schools and colleges the family may ask for, tailored to the child (born 4 May 2016): the special school
        # of ages 2 to 19 is among them for years to come, with what it is; then another school, or none.
        hawthorn = page.get_by_label("Hawthorn Special School")
        await expect(hawthorn).to_have_attribute("value", "990003")
        await expect(page.locator(".govuk-radios__hint", has_text="Newton-le-Willows")).to_have_text(
            "Community special school, ages 2 to 19, for autism, severe learning difficulty and profound and multiple "
            "learning difficulty, 120 places, Newton-le-Willows"
        )
        await expect(page.get_by_label("Another school or college")).to_be_visible()
        await expect(page.get_by_label("No preference for now")).to_be_visible()

        # No words, and another school chosen by a URN that is not one: both said in the error summary, each linking
        # to its field. The URN's field is shown under its answer without a script.
        await page.get_by_label("Another school or college").check()
        await page.get_by_label("Its unique reference number (URN)").fill("12ab")
        await page.get_by_role("button", name="Send comments").click()
        summary = page.locator(".govuk-error-summary__list li")
        await expect(summary).to_have_text(
            [
                "Enter your comments on the draft plan",
                "Enter the school or college's URN as 6 to 8 numbers, like 100000",
            ]
        )
        assert (await page.title()).startswith("Error: ")
        await expect(page.get_by_label("Another school or college")).to_be_checked()
        await check(page, tmp_path, "draft-page-errors")
        await page.get_by_role("link", name="Enter your comments on the draft plan").click()
        await expect(page.get_by_label("Your comments on the draft plan")).to_be_focused()

        # The words written, then the list searched by name: the form comes back with the words kept, nothing sent.
        await page.get_by_label("Your comments on the draft plan").fill(COMMENTS)
        await page.get_by_label("Search the list by name").fill("hawthorn")
        await page.get_by_role("button", name="Search the list").click()
        await expect(page.locator(".govuk-radios__item .govuk-radios__label")).to_have_text(
            ["Hawthorn Special School", "Another school or college", "No preference for now"]
        )
        await expect(page.get_by_label("Your comments on the draft plan")).to_have_value(COMMENTS)
        await check(page, tmp_path, "draft-page-searched")

        # The family chooses the special school from the list, and asks for a meeting.
        await page.get_by_label("Hawthorn Special School").check()
        await page.get_by_label("I would like a meeting about the draft plan").check()
        submission_id = await page.locator("input[name=submission_id]").get_attribute("value")
        await page.get_by_role("button", name="Send comments").click()
        await expect(page.locator(".govuk-panel__title")).to_have_text("Comments sent")
        await expect(page.locator("main")).to_contain_text(f"They were received on {uk(served_on + timedelta(days=5))}")
        await expect(page.locator("main")).to_contain_text(
            "You asked for Hawthorn Special School (URN 990003) to be named in the plan."
        )
        await check(page, tmp_path, "comments-sent")
        # The same form posted again (a double click, a resent page): the same submission, confirmed again.
        again = await page.request.post(
            f"{base}/portal/cases/{case_ref}/draft/page",
            form={"submission_id": str(submission_id), "text": "Sent twice."},
            headers={"Origin": base},
        )
        assert again.status == 200 and "Comments sent" in await again.text()

        async with sessions() as session:
            rows = (await session.exec(select(PortalSubmission).where(PortalSubmission.case_ref == case_ref))).all()
        assert [(row.kind, row.text) for row in rows] == [("draft_comments", COMMENTS)]
        case = await officer.case()
        [entry] = [entry for entry in case["history"] if entry["action"] == "parent_comments"]
        assert entry["actor"] == rows[0].actor and entry["actor"].startswith("family:")
        assert (case["preferred_setting_urn"], case["meeting_requested"]) == ("990003", True)
        # The officer sees the setting asked for by the directory's name: the one to consult next.
        assert case["preferred_setting"]["name"] == "Hawthorn Special School"

        # A school the directory does not hold is taken all the same (CFA 2014 s.38(3)); the page says it is checked.
        other = await page.request.post(
            f"{base}/portal/cases/{case_ref}/draft/page",
            form={
                "submission_id": uuid.uuid4().hex,
                "text": "And one more.",
                "preferred_setting": "other",
                "other_urn": "123456",
            },
            headers={"Origin": base},
        )
        assert other.status == 200
        assert (
            "You asked for the school or college with URN 123456 to be named in the plan. It is not in the "
            "council's list of schools and colleges, so the council will check it."
        ) in await other.text()

        # A fresh form, then the case is withdrawn before it is sent: the refusal is on the page, nothing kept.
        await page.goto(f"{base}/portal/cases/{case_ref}/draft/page")
        await page.get_by_label("Your comments on the draft plan").fill("One more thing.")
        await officer.act("withdraw", {"reason": "moved_away"})
        await page.get_by_role("button", name="Send comments").click()
        await expect(page.get_by_role("alert")).to_contain_text(
            "The council is not taking comments on a draft plan for this case now"
        )
        await expect(page.get_by_role("button", name="Send comments")).to_have_count(0)
        await check(page, tmp_path, "comments-refused")
        async with sessions() as session:
            rows = (await session.exec(select(PortalSubmission).where(PortalSubmission.case_ref == case_ref))).all()
        assert len(rows) == 2
        text = await page.locator("main").inner_text()
        for personal in (CHILD_GIVEN, CHILD_FAMILY, PARENT_NAME, email):
            assert personal not in text
        await context.close()


@pytest.mark.slow
async def test_a_family_sends_its_views_for_the_review_and_comments_on_the_proposed_changes_on_a_phone(
    browser: Browser,
    served: str,
    env: WorkflowEnvironment,
    sessions: SessionMaker,
    settings: Settings,
    tmp_path: Path,
) -> None:
    base = served
    email = address()
    contact = {"role": "parent", "name": PARENT_NAME, "email": email, "phone": "020 7946 0000"}
    async with httpx.AsyncClient(base_url=base, headers=bearer(settings)) as api:
        # A plan issued through the assessment (so the plan in force is held here), then the notice of its review
        # meeting, 15 days ahead (at least 2 weeks, SEND Regs 2014 reg 20(3)).
        officer = PlanOfficer(api, env)
        await officer.open(await officer.today(), contacts=[contact])
        await officer.act("decide-to-assess", {"assess": True})
        await officer.act("decide-to-issue", {"issue": True})
        await officer.draft()
        await officer.wait(days=15)
        await officer.final(setting_type="Mainstream primary school")
        await officer.in_cycle(1)
        noticed = await officer.today()
        meeting = noticed + timedelta(days=15)
        await officer.act_on_plan("review-notice", {"meeting_on": meeting.isoformat()})
        case_ref = officer.case_ref

        context = await browser.new_context(viewport=PHONE, locale="en-GB")
        page = await context.new_page()
        await family_signs_in(page, base, sessions, email, case_ref)

        # The case page: the annual review's dates, and the link to send the family's views while it is scheduled.
        await expect(page.get_by_role("heading", level=1)).to_have_text("EHC plan")
        await expect(page.get_by_role("heading", name="The annual review")).to_be_visible()
        review = page.locator("h2:has-text('The annual review') ~ dl.govuk-summary-list").first
        await expect(review.locator(".govuk-summary-list__row", has_text="Review meeting")).to_contain_text(uk(meeting))
        await expect(review.locator(".govuk-summary-list__row", has_text="Advice and information")).to_contain_text(
            f"To be sent out by {uk(noticed + timedelta(days=1))}"
        )
        await check(page, tmp_path, "plan-case-page")

        await page.get_by_role("link", name="Send your views for the annual review").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Your views for the annual review")
        await expect(page.locator(".govuk-inset-text")).to_contain_text(
            f"send them by {uk(noticed + timedelta(days=1))}"
        )
        await check(page, tmp_path, "review-views-page")

        # Nothing written: the error summary says so and links to the field.
        await page.get_by_role("button", name="Send your views").click()
        await expect(page.locator(".govuk-error-summary__list li")).to_have_text(
            ["Enter your views for the annual review"]
        )
        assert (await page.title()).startswith("Error: ")
        await check(page, tmp_path, "review-views-error")
        await page.get_by_role("link", name="Enter your views for the annual review").click()
        views = page.get_by_label("What would you like to tell the review about your child?")
        await expect(views).to_be_focused()

        await views.fill(VIEWS)
        await page.get_by_role("button", name="Send your views").click()
        await expect(page.locator(".govuk-panel__title")).to_have_text("Views sent")
        await expect(page.locator("main")).to_contain_text(f"They were received on {uk(noticed)}.")
        await expect(page.locator("main")).to_contain_text(f"The meeting is on {uk(meeting)}.")
        await check(page, tmp_path, "review-views-sent")
        await page.get_by_role("link", name="Back to your case").click()
        review = page.locator("h2:has-text('The annual review') ~ dl.govuk-summary-list").first
        await expect(review.locator(".govuk-summary-list__row", has_text="Your views")).to_contain_text(
            f"Received {uk(noticed)}"
        )

        # The meeting, its report and the decision to amend: the changes go to the family with 15 days to comment.
        await officer.act_on_plan("review-advice", {})
        await officer.wait(days=15)
        await officer.act_on_plan("review-meeting", {})
        await officer.act_on_plan("review-report", {})
        proposed = {**SECTIONS, "F": "Three hours a week of speech and language therapy.", "I": "Oak Primary School"}
        await officer.act_on_plan("review-decision", {"outcome": "amend", "proposed_sections": proposed})
        last_day = meeting + timedelta(days=14)

        # The browser's sign-in outlived by the wait, the family signs in again.
        await family_signs_in(page, base, sessions, email, case_ref)
        review = page.locator("h2:has-text('The annual review') ~ dl.govuk-summary-list").first
        await expect(review.locator(".govuk-summary-list__row", has_text="Review meeting")).to_contain_text(
            f"Held on {uk(meeting)}"
        )
        await expect(page.get_by_role("link", name="Send your views for the annual review")).to_have_count(0)
        await check(page, tmp_path, "plan-case-page-amendments")

        # No review meeting to come: the views page says so, without the form.
        await page.goto(f"{base}/portal/cases/{case_ref}/review-views/page")
        await expect(page.locator("main")).to_contain_text("The council is not asking for views for a review meeting")
        await expect(page.get_by_role("button", name="Send your views")).to_have_count(0)
        await check(page, tmp_path, "review-views-closed")

        await page.goto(f"{base}/portal/cases/{case_ref}/page")
        await page.get_by_role("link", name="Read the proposed changes to the plan and send your comments").click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("Proposed changes to your child's EHC plan")
        await expect(page.locator(".govuk-inset-text")).to_contain_text(
            f"Your comments on the proposed changes: 14 days left, until {uk(last_day)}"
        )
        await expect(page.locator(".govuk-inset-text")).to_contain_text("(SEND Regs 2014 reg 22(2)(c))")
        # Each section says whether it would change: only F does; section I names the setting.
        await expect(page.locator("#section-F ~ p .govuk-tag").first).to_have_text("Proposed change")
        await expect(page.locator("#section-B ~ p .govuk-tag").first).to_have_text("No change")
        await expect(page.locator("#section-I")).to_have_text(
            "Section I: the name and type of the school or other institution"
        )
        await check(page, tmp_path, "proposed-changes-page")

        await page.get_by_label("Your comments on the proposed changes").fill(COMMENTS)
        await page.get_by_label("I would like a meeting about the proposed changes").check()
        await page.get_by_role("button", name="Send comments").click()
        await expect(page.locator(".govuk-panel__title")).to_have_text("Comments sent")
        await expect(page.locator(".govuk-panel__body")).to_have_text(
            "The council has your comments on the proposed changes"
        )
        await expect(page.locator("main")).to_contain_text(f"They were received on {uk(meeting)}.")
        await check(page, tmp_path, "proposed-changes-comments-sent")

        async with sessions() as session:
            rows = (await session.exec(select(PortalSubmission).where(PortalSubmission.case_ref == case_ref))).all()
        assert sorted((row.kind, row.text) for row in rows) == [
            ("amendment_comments", COMMENTS),
            ("review_views", VIEWS),
        ]
        plan = await officer.plan()
        recorded = {entry["action"]: entry for entry in plan["history"]}
        assert recorded["family_views"]["actor"] == recorded["family_comments"]["actor"] == rows[0].actor
        assert rows[0].actor.startswith("family:")
        text = await page.locator("main").inner_text()
        for personal in (CHILD_GIVEN, CHILD_FAMILY, PARENT_NAME, email):
            assert personal not in text
        await context.close()


@pytest.mark.slow
async def test_a_family_reads_the_provision_in_its_childs_plan_on_a_phone_and_a_desktop(
    browser: Browser,
    served: str,
    env: WorkflowEnvironment,
    sessions: SessionMaker,
    settings: Settings,
    tmp_path: Path,
) -> None:
    base = served
    email = address()
    contact = {"role": "parent", "name": PARENT_NAME, "email": email, "phone": "020 7946 0000"}
    async with httpx.AsyncClient(base_url=base, headers=bearer(settings)) as api:
        # A plan issued after its assessment with three lines in section F; the half term it was issued in ends, and
        # the providers answer: the therapy short by 3 sessions (staff absence), the support delivered in full; the
        # occupational therapist says nothing.
        officer = PlanOfficer(api, env)
        await officer.open(await officer.today(), contacts=[contact])
        await officer.act("decide-to-assess", {"assess": True})
        await officer.act("decide-to-issue", {"issue": True})
        await officer.draft()
        await officer.wait(days=15)
        lines = [
            line("F1", "speech_and_language_therapy", SALT, location="At school, in the therapy room"),
            line("F2", "teaching_assistant", SCHOOL, minutes=300),
            line("F3", "occupational_therapy", OT, sessions=1, minutes=45),
        ]
        await officer.final(setting_type="Mainstream primary school", provision=lines)
        await officer.in_cycle(1)
        case_ref = officer.case_ref
        period, end, _ = periods_from(await officer.today())[0]
        await until_after(env, end)
        await eventually(lambda: awaited(api, case_ref, 3))
        on = await officer.today()
        for account in (
            confirmation(period, SALT, short("F1", 3, "staff_absence"), on=on),
            confirmation(period, SCHOOL, {"ref": "F2", **IN_FULL}, on=on),
        ):
            await officer.act_on_plan("provision-confirmations", account)

        context = await browser.new_context(viewport=PHONE, locale="en-GB")
        page = await context.new_page()
        await family_signs_in(page, base, sessions, email, case_ref)

        # Each line of section F as a summary card: what, how much and how often, who, where, and the latest check.
        await expect(page.get_by_role("heading", name="Provision in the plan")).to_be_visible()
        cards = page.locator(".govuk-summary-card")
        await expect(cards).to_have_count(3)
        await expect(cards.locator("h3")).to_have_text(
            ["F1: Speech and language therapy", "F2: Teaching assistant", "F3: Occupational therapy"]
        )

        def row(ref: str, key: str) -> Locator:
            return page.locator(f"#provision-{ref} .govuk-summary-list__row", has=page.locator("dt", has_text=key))

        for ref, key, words in (
            ("F1", "What", "Speech and language therapy, individual"),
            ("F1", "How much and how often", "2 sessions of 30 minutes a week"),
            ("F1", "Who gives it", NAMES[SALT]),
            ("F1", "Where", "At school, in the therapy room"),
            ("F1", "Latest check", "3 sessions missed: the council must make this good"),
            ("F2", "How much and how often", "2 sessions of 300 minutes a week"),
            ("F2", "Latest check", "Delivered in full"),
            ("F3", "Who gives it", NAMES[OT]),
            ("F3", "How much and how often", "1 session of 45 minutes a week"),
            ("F3", "Latest check", "Not yet confirmed by the provider"),
        ):
            await expect(row(ref, key)).to_contain_text(words)
        await expect(row("F1", "Latest check")).to_contain_text(f"to {uk(end)}")
        await expect(page.locator("#provision-F2 dt", has_text="Where")).to_have_count(0)
        await check(page, tmp_path, "plan-provision-phone")
        await page.set_viewport_size(DESKTOP)
        await check(page, tmp_path, "plan-provision-desktop")
        text = await page.locator("main").inner_text()
        assert not re.search(r"\d{4}-\d{2}-\d{2}", text)
        for personal in (CHILD_GIVEN, CHILD_FAMILY, PARENT_NAME, email, "salt@nhs.example"):
            assert personal not in text
        await context.close()

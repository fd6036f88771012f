"""The SEN2 return built from cases driven through the API: every count checked against the cases that made it.

Cases are driven on past business dates (the workflows accept any date up to today), so a whole
collection year of activity is recorded in seconds; the redress flags need an appeal window still
open, so that test runs in the year in progress.
"""

import csv
import io
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
from sqlmodel import col, select
from temporalio.testing import WorkflowEnvironment

import statutory
from api.auth import Role
from core.config import Settings
from reports.sen2 import COLUMNS, census_date, collection, latest_collection_year
from store.db import SessionMaker
from store.models import AuditEvent, Case
from tests.conftest import eventually
from tests.driver import Driver, Redress
from tests.factories import CHILD_FAMILY, CHILD_GIVEN, bearer

# The neighbour is a real LA (943, Westmorland and Furness): a plan moves only to one of England's LAs.
LA, NEIGHBOUR, LIVE_LA = "S2A", "943", "S2C"
URN = "100001"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "returns.md"


def export_headers(settings: Settings, *las: str) -> dict[str, str]:
    return bearer(settings, Role.MANAGER, list(las), sub="manager.sen2")


async def export(api: httpx.AsyncClient, year: int, la_code: str) -> list[dict[str, str]]:
    answer = await api.get("/returns/sen2", params={"year": year, "la_code": la_code})
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.headers["content-disposition"] == f'attachment; filename="sen2-{year}-{la_code}.csv"'
    reader = csv.DictReader(io.StringIO(answer.text))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    return list(reader)


async def rows_settled(sessions: SessionMaker, expected: dict[str, tuple[str, str, str | None]]) -> None:
    """Wait until each case's row shows its process, LA and outcome: plans start and cease on their own."""

    async def settled() -> bool:
        async with sessions() as session:
            cases = (await session.exec(select(Case).where(col(Case.case_ref).in_(expected)))).all()
        return {c.case_ref: (c.process, c.la_code, c.outcome) for c in cases} == expected

    await eventually(settled)


async def test_sen2_return_counts_each_case_of_the_collection_year(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> None:
    api.headers.update(export_headers(settings, LA, NEIGHBOUR))
    today = statutory.business_date(await env.get_current_time())  # the cases' clock
    # Reporting year 2026: 2025's activity, the caseload at the census of 15 Jan 2026. A fixed year, so every
    # legal date below is one written by hand.
    year = 2026
    period = collection(year)
    p, before = 2025, 2024

    def d(month: int, day: int, in_year: int = p) -> date:
        return date(in_year, month, day)

    officer = Driver(api, env, la_code=LA)
    refs: dict[str, str] = {}

    await officer.open(d(2, 3), la_code=LA)
    await officer.on("decide-to-assess", d(3, 10), assess=False, reasons="Needs met by the school's SEN support.")
    refs["refused"] = officer.case_ref

    # Within 20 weeks (3 Feb + 20 weeks = 23 Jun), with the setting named.
    await officer.open(d(2, 3), la_code=LA, request_source="school")
    await officer.on("decide-to-assess", d(3, 3), assess=True)
    await officer.on("decide-to-issue", d(5, 1), issue=True)
    await officer.draft(d(5, 5))
    await officer.on("setting-consultations", d(5, 6), setting_urn=URN)
    await officer.on("setting-answers", d(5, 10), setting_urn=URN, agrees=True)
    await officer.final(d(6, 2), named_setting_urn=URN)
    refs["on_time"] = officer.case_ref

    # Late (3 Mar + 20 weeks = 21 Jul), but the family was away: a statutory exception (reg 13(3)).
    await officer.open(d(3, 3), la_code=LA, request_source="health")
    await officer.on(
        "exceptions",
        d(4, 1),
        code="absence_4_weeks",
        reason="Family abroad",
        start=d(4, 1).isoformat(),
        end=d(5, 15).isoformat(),
        steps=["assessment.final_plan"],
    )
    await officer.on("decide-to-assess", d(4, 7), assess=True)
    await officer.on("decide-to-issue", d(7, 1), issue=True)
    await officer.draft(d(7, 7))
    await officer.final(d(8, 20), setting_type="Special school")
    refs["excepted"] = officer.case_ref

    # Late with no exception (6 Jan + 20 weeks = 26 May).
    refs["late"] = await officer.assessed_and_issued(d(1, 6), d(2, 10), d(4, 20), d(5, 1), d(7, 1))

    await officer.open(d(4, 1), la_code=LA, request_source="social_care")
    await officer.on("decide-to-assess", d(5, 1), assess=True)
    await officer.on("decide-to-issue", d(7, 1), issue=False, reasons="Provision can be made from SEN support.")
    refs["no_plan"] = officer.case_ref

    await officer.open(d(9, 1), la_code=LA, request_source="other")
    await officer.on("withdraw", d(9, 20), reason="moved_away")
    refs["withdrawn"] = officer.case_ref

    refs["undecided"] = await officer.open(d(11, 3), la_code=LA)
    refs["last_day"] = await officer.open(period.period_end, la_code=LA)
    day_after = await officer.open(period.period_end + timedelta(days=1), la_code=LA)

    # Asked for the year before, issued in this one (1 Nov + 20 weeks = 21 Mar).
    refs["from_before"] = await officer.assessed_and_issued(
        d(11, 1, before), d(12, 1, before), d(1, 20), d(1, 27), d(3, 10)
    )
    # Refused the year before: no activity this year, no plan.
    old = await officer.open(d(3, 1, before), la_code=LA)
    await officer.on("decide-to-assess", d(4, 1, before), assess=False, reasons="Needs met by the school.")

    # An imported plan, reviewed in the year and maintained.
    refs["imported"] = await officer.imported("SEN2/1", d(6, 1, before - 1))
    await officer.plan_on("review-notice", d(4, 1), meeting_on=d(5, 1).isoformat())
    await officer.plan_on("review-advice", d(4, 10))
    await officer.plan_on("review-meeting", d(5, 1))
    await officer.plan_on("review-report", d(5, 8))
    await officer.plan_on("review-decision", d(5, 20), outcome="maintain")

    # An imported plan the LA decided to cease: it ceases when the appeal window closes (CFA 2014 s.45).
    refs["ceased"] = await officer.imported("SEN2/2", d(9, 1, before - 1))
    await officer.plan_on("cease-consultation", d(2, 16))  # reg 31(1)
    await officer.plan_on("cease", d(3, 2), reasons="Needs now met without a plan.")
    # Sun 2 Mar 2025 + 2 months = Fri 2 May 2025, a working day outside August and Christmas (HESC r.20, r.12).
    cease_on = date(2025, 5, 2)
    # Its redress route was entered after the time for appealing: confirmed, it ends, and the plan ceases.
    route = f"/redress/redress-{officer.case_ref}-cease-{d(3, 2):%Y%m%d}"
    await eventually(lambda: _status_ok(api, route))
    confirmed = await api.post(f"{route}/backlog-confirmed", json={"on": today.isoformat()})
    assert confirmed.status_code == 200, confirmed.text

    # A plan that moved to the neighbouring LA in the year (SEND Regs 2014 reg 15).
    refs["moved"] = await officer.imported("SEN2/3", d(1, 10, before - 1))
    await officer.plan_on("transfer", d(6, 15), from_la_code=LA, to_la_code=NEIGHBOUR)

    # The neighbour's own request.
    foreign = await officer.open(d(2, 1), la_code=NEIGHBOUR)

    issued = ("on_time", "excepted", "late", "from_before", "imported")
    await rows_settled(
        sessions,
        {refs[k]: ("plan", LA, None) for k in issued}
        | {refs["ceased"]: ("plan", LA, "ceased"), refs["moved"]: ("plan", NEIGHBOUR, None)},
    )

    rows = await export(api, year, LA)
    by_ref = {r["PersonID"]: r for r in rows}
    assert set(by_ref) == set(refs.values()), "exactly the cases of this LA with activity or a plan at census"
    assert not {day_after, old, foreign} & set(by_ref)
    assert [r["PersonID"] for r in rows] == sorted(by_ref)
    assert {r["LA"] for r in rows} == {LA}
    row = {k: by_ref[ref] for k, ref in refs.items()}

    # Module 1: the person, from the child's record.
    assert (row["refused"]["Surname"], row["refused"]["Forename"]) == (CHILD_FAMILY, CHILD_GIVEN)
    assert row["refused"]["PersonBirthDate"] == "2016-05-04" and row["refused"]["PostCode"] == "NW1 8AB"
    assert {r["Sex"] + r["Ethnicity"] + r["UniqueLearnerNumber"] + r["RYA"] for r in rows} == {""}

    # Module 2: requests received in the year, by hand: 8 (the refusal, four assessed, the withdrawal,
    # the undecided one and the last day's); the day after's and the year before's are not this year's.
    received = [
        r for r in rows if period.period_start.isoformat() <= r["ReceivedDate"] <= period.period_end.isoformat()
    ]
    assert len(received) == 8
    assert row["last_day"]["ReceivedDate"] == period.period_end.isoformat()
    outcomes = {k: (row[k]["RequestOutcome"], row[k]["RequestOutcomeDate"]) for k in refs}
    assert outcomes == {
        "refused": ("refused", d(3, 10).isoformat()),
        "on_time": ("assess", d(3, 3).isoformat()),
        "excepted": ("assess", d(4, 7).isoformat()),
        "late": ("assess", d(2, 10).isoformat()),
        "no_plan": ("assess", d(5, 1).isoformat()),
        "withdrawn": ("withdrawn", d(9, 20).isoformat()),
        "undecided": ("", ""),
        "last_day": ("", ""),
        "from_before": ("assess", d(12, 1, before).isoformat()),
        "imported": ("", ""),
        "ceased": ("", ""),
        "moved": ("", ""),
    }
    sources = {k: row[k]["RequestSource"] for k in ("refused", "on_time", "excepted", "no_plan", "withdrawn")}
    assert sources == {"refused": "1", "on_time": "2", "excepted": "3", "no_plan": "4", "withdrawn": "5"}
    assert (row["refused"]["RequestMediation"], row["refused"]["RequestTribunal"]) == ("0", "0")
    assert row["on_time"]["RequestMediation"] == "" and row["imported"]["ReceivedDate"] == ""

    # Module 3: assessments and the 20-week measure, including and excluding exceptions.
    assessed = {k: (row[k]["AssessmentOutcome"], row[k]["AssessmentOutcomeDate"], row[k]["Week20"]) for k in refs}
    assert {k: v for k, v in assessed.items() if v[0]} == {
        "on_time": ("plan_issued", d(6, 2).isoformat(), "Y"),
        "excepted": ("plan_issued", d(8, 20).isoformat(), "E"),
        "late": ("plan_issued", d(7, 1).isoformat(), "N"),
        "no_plan": ("no_plan", d(7, 1).isoformat(), ""),
        "from_before": ("plan_issued", d(3, 10).isoformat(), "Y"),
    }
    new_plans = [r for r in rows if r["AssessmentOutcome"] == "plan_issued"]
    assert len(new_plans) == 4
    assert sum(r["Week20"] == "Y" for r in new_plans) == 2  # within 20 weeks, exceptions counted as late
    assert sum(r["Week20"] in ("Y", "E") for r in new_plans) == 3  # excluding exceptions

    # Module 4: named plans, ceased plans.
    assert row["on_time"]["StartDate"] == d(6, 2).isoformat()
    assert (row["on_time"]["URN"], row["on_time"]["PlacementRank"]) == (URN, "1")
    assert row["late"]["URN"] == "" and row["late"]["PlacementRank"] == ""
    assert row["imported"]["StartDate"] == d(6, 1, before - 1).isoformat()
    assert (row["ceased"]["CeaseDate"], row["ceased"]["CeaseReason"]) == (cease_on.isoformat(), "")
    assert (row["moved"]["CeaseDate"], row["moved"]["CeaseReason"]) == (d(6, 15).isoformat(), "5")
    assert [k for k in refs if row[k]["CeaseDate"]] == ["ceased", "moved"]

    # Module 5: the caseload at the census date: the four plans issued and the imported one still held.
    active = [k for k in refs if row[k]["StartDate"] and not row[k]["CeaseDate"]]
    assert sorted(active) == sorted(issued)
    review = (row["imported"]["ReviewMeeting"], row["imported"]["ReviewOutcome"], row["imported"]["LastReview"])
    assert review == (d(5, 1).isoformat(), "maintain", d(5, 1).isoformat())

    # The neighbour's return: its own request, and the plan it took over, with where it came from.
    theirs = {r["PersonID"]: r for r in await export(api, year, NEIGHBOUR)}
    assert set(theirs) == {foreign, refs["moved"]}
    moved = theirs[refs["moved"]]
    assert (moved["TransferLA"], moved["CeaseDate"], moved["ReceivedDate"]) == (LA, "", "")
    assert moved["StartDate"] == d(1, 10, before - 1).isoformat()

    # One audit line per export, with the count and no name.
    async with sessions() as session:
        audits = (
            await session.exec(
                select(AuditEvent)
                .where(AuditEvent.action == "statutory_return_exported", AuditEvent.actor == "manager.sen2")
                .order_by(col(AuditEvent.id))
            )
        ).all()
    assert [(a.case_ref, a.summary.split(" (")[0]) for a in audits] == [
        (f"sen2-{LA}-{year}", f"SEN2 {year} for LA {LA}: 12 person records"),
        (f"sen2-{NEIGHBOUR}-{year}", f"SEN2 {year} for LA {NEIGHBOUR}: 2 person records"),
    ]
    assert not any(CHILD_GIVEN in a.summary or CHILD_FAMILY in a.summary for a in audits)


async def test_mediation_and_appeals_flag_the_decision_they_were_about(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> None:
    """In the year in progress: a refusal taken to mediation and then appealed, and a plan's cease appealed."""
    api.headers.update(export_headers(settings, LIVE_LA))
    officer = Redress(api, env)
    today = await officer.today()
    await officer.open(today, la_code=LIVE_LA)
    route, _ = await officer.refused_case(wait=False)
    await officer.redress(route, "adviser-contact", {"wants_mediation": True})
    await officer.redress(route, "mediation-arranged", {"mediation_on": today.isoformat()})
    await officer.redress(route, "mediation-held", {"outcome": "none"})
    await officer.redress(route, "certificate", {})
    await officer.redress(route, "appeal", {})
    refused = officer.case_ref

    plan = await officer.import_plan(
        {
            "la_code": LIVE_LA,
            "la_reference": "SEN2/LIVE",
            "given_name": CHILD_GIVEN,
            "family_name": "Imported",
            "date_of_birth": "2016-10-02",
            "plan_issued_on": (today - timedelta(days=300)).isoformat(),
        }
    )
    await eventually(lambda: _status_ok(api, f"/plans/{plan}"))
    await officer.act_on_plan("cease-consultation", {})
    await officer.act_on_plan("cease", {"reasons": "Moved to independent provision."})
    cease_route = await officer.route(f"cease-{today:%Y%m%d}")
    await officer.redress(cease_route, "adviser-contact", {"wants_mediation": False})
    await officer.redress(cease_route, "certificate", {})
    await officer.redress(cease_route, "appeal", {})

    async def appeals_recorded() -> bool:
        async with sessions() as session:
            lodged = (
                await session.exec(
                    select(AuditEvent).where(
                        col(AuditEvent.case_ref).in_([refused, plan]),
                        AuditEvent.action == "appeal_lodged",
                        col(AuditEvent.event_key).startswith("redress-"),
                    )
                )
            ).all()
        return len(lodged) == 2

    await eventually(appeals_recorded)
    rows = {r["PersonID"]: r for r in await export(api, today.year + 1, LIVE_LA)}
    assert set(rows) == {refused, plan}
    flags = ("RequestMediation", "RequestTribunal", "AssessmentMediation", "AssessmentTribunal")
    assert [rows[refused][f] for f in (*flags, "OtherMediation", "OtherTribunal")] == ["1", "1", "", "", "0", "0"]
    assert [rows[plan][f] for f in (*flags, "OtherMediation", "OtherTribunal")] == ["", "", "", "", "0", "1"]
    assert rows[plan]["CeaseDate"] == ""  # in force while the appeal is decided (CFA 2014 s.45)


async def _status_ok(api: httpx.AsyncClient, path: str) -> bool:
    return (await api.get(path)).status_code == 200


async def test_only_a_manager_of_the_la_may_export_and_bad_years_are_refused(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    today = statutory.business_date(datetime.now(UTC))
    for role in (Role.CASE_OFFICER, Role.OPS):
        answer = await api.get(
            "/returns/sen2", params={"la_code": LA}, headers=bearer(settings, role, [LA], sub=f"x.{role}")
        )
        assert answer.status_code == 403 and answer.headers["content-type"] == "application/problem+json"
    foreign = await api.get("/returns/sen2", params={"la_code": LA}, headers=export_headers(settings, NEIGHBOUR))
    assert foreign.status_code == 403 and LA in foreign.json()["detail"]
    for year in ("1999", "2014", "3000", str(today.year + 2), "abc", "2025.5"):
        answer = await api.get("/returns/sen2", params={"year": year, "la_code": "202"})
        assert answer.status_code == 422, (year, answer.text)
        assert answer.headers["content-type"] == "application/problem+json"
    missing = await api.get("/returns/sen2", params={"year": today.year})
    assert missing.status_code == 422 and "la_code" in missing.text

    # With no year: the newest year whose census has passed; an empty LA gives the header alone.
    empty = await api.get("/returns/sen2", params={"la_code": "202"}, headers=export_headers(settings, "S2E"))
    assert empty.status_code == 403
    answer = await api.get("/returns/sen2", params={"la_code": "S2E"}, headers=export_headers(settings, "S2E"))
    assert answer.status_code == 200
    assert answer.text == ",".join(COLUMNS) + "\r\n"
    assert f"sen2-{latest_collection_year(today)}-S2E.csv" in answer.headers["content-disposition"]


def test_the_collection_periods_follow_the_reporting_year() -> None:
    # docs/statutory-choices.md row 29: reporting year 2023 = January 2023 caseload and 2022 activity.
    period = collection(2023)
    assert (period.period_start, period.period_end) == (date(2022, 1, 1), date(2022, 12, 31))
    # The third Thursday of January (DESIGN CHOICE, docs/statutory-choices.md row 29).
    assert [census_date(y) for y in (2023, 2024, 2025, 2026)] == [
        date(2023, 1, 19),
        date(2024, 1, 18),
        date(2025, 1, 16),
        date(2026, 1, 15),
    ]
    assert latest_collection_year(date(2026, 1, 15)) == 2025
    assert latest_collection_year(date(2026, 1, 16)) == 2026


def test_the_documented_columns_are_the_csv_header() -> None:
    documented = re.findall(r"^\| `(\w+)` \|", DOCS.read_text(), flags=re.MULTILINE)
    assert tuple(documented) == COLUMNS

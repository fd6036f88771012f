"""The one-off restatement of records made under the old rules (workflows/restatement.py) and its command
(python -m cli.restate): each rule at its boundaries, nothing else touched, and nothing changed twice."""

import json
import uuid
from datetime import date, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import col, select
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from cli.restate import Restater
from core.config import Settings
from store.db import SessionMaker
from store.models import Case, CaseDeadline
from tests.conftest import eventually
from tests.factories import bearer, case_request
from tests.support.commands import command_environment, run_command
from workflows.case_state import Deadline, DeadlineKind, DeadlineStatus
from workflows.restatement import restate, restate_row

DUTY, WINDOW, TARGET = DeadlineKind.DUTY, DeadlineKind.WINDOW, DeadlineKind.TARGET
OPEN, MET, BREACHED = DeadlineStatus.OPEN, DeadlineStatus.MET, DeadlineStatus.BREACHED
EXCEPTED, USED, LAPSED = DeadlineStatus.EXCEPTED, DeadlineStatus.USED, DeadlineStatus.LAPSED
ON_TRACK, AT_RISK, PASSED = DeadlineStatus.ON_TRACK, DeadlineStatus.AT_RISK, DeadlineStatus.PASSED

START = date(2025, 3, 3)  # a Monday: the draft served
DUE = date(2025, 3, 17)  # the 15th day beginning with it
LATE = date(2025, 3, 18)

DRAFT_COMMENTS = "assessment.draft_comments"
SETTING = "assessment.setting_response"
CERTIFICATE = "mediation.certificate"
DEEMED = "mediation.deemed_certificate"
UNDER_FIVE = "review.under_five"
DECIDE_TO_ISSUE = "assessment.notify_no_plan"


def deadline(
    step: str,
    kind: DeadlineKind,
    status: DeadlineStatus,
    done_on: date | None = None,
    *,
    key: str | None = None,
    breach_recorded: bool = False,
) -> Deadline:
    return Deadline(
        key=key or f"{step}@c1",
        step=step,
        label="A label",
        reference="A reference",
        kind=kind,
        start=START,
        due=DUE,
        status=status,
        done_on=done_on,
        reminded=True,
        breach_recorded=breach_recorded,
    )


# (step, kind, status, done_on, outcome) -> (kind, status): rules 1 to 4 at their boundaries.
CASES: list[tuple[str, DeadlineKind, DeadlineStatus, date | None, str | None, DeadlineKind, DeadlineStatus]] = [
    # 1. A window the old rules closed as "met" or "breached": used by its due date, else lapsed.
    (DRAFT_COMMENTS, WINDOW, MET, DUE, None, WINDOW, USED),
    (DRAFT_COMMENTS, WINDOW, MET, LATE, None, WINDOW, LAPSED),
    (DRAFT_COMMENTS, WINDOW, MET, None, None, WINDOW, LAPSED),
    (DRAFT_COMMENTS, WINDOW, MET, START, None, WINDOW, USED),
    (DRAFT_COMMENTS, WINDOW, BREACHED, DUE, None, WINDOW, USED),
    (DRAFT_COMMENTS, WINDOW, BREACHED, LATE, None, WINDOW, LAPSED),
    (DRAFT_COMMENTS, WINDOW, BREACHED, None, None, WINDOW, LAPSED),
    (DRAFT_COMMENTS, WINDOW, OPEN, None, None, WINDOW, OPEN),
    (DRAFT_COMMENTS, WINDOW, USED, DUE, None, WINDOW, USED),
    (DRAFT_COMMENTS, WINDOW, LAPSED, None, None, WINDOW, LAPSED),
    ("appeal.from_decision", WINDOW, MET, None, "no_plan", WINDOW, LAPSED),
    # 2. Another party's time kept as a duty: a window, judged as in 1; still open stays open.
    *[
        row
        for step in (SETTING, CERTIFICATE, DEEMED)
        for row in (
            (step, DUTY, MET, DUE, None, WINDOW, USED),
            (step, DUTY, MET, LATE, None, WINDOW, LAPSED),
            (step, DUTY, BREACHED, LATE, None, WINDOW, LAPSED),
            (step, DUTY, BREACHED, None, None, WINDOW, LAPSED),
            (step, DUTY, OPEN, None, None, WINDOW, OPEN),
        )
    ],
    # 3. The under-5 review is guidance: a target.
    (UNDER_FIVE, DUTY, MET, DUE, None, TARGET, MET),
    (UNDER_FIVE, DUTY, BREACHED, LATE, None, TARGET, PASSED),
    (UNDER_FIVE, DUTY, BREACHED, None, None, TARGET, PASSED),
    (UNDER_FIVE, DUTY, OPEN, None, None, TARGET, ON_TRACK),
    (UNDER_FIVE, TARGET, AT_RISK, None, None, TARGET, AT_RISK),
    # 4. Reg 10(1) binds only a decision not to issue.
    (DECIDE_TO_ISSUE, DUTY, BREACHED, LATE, "no_plan", DUTY, BREACHED),
    (DECIDE_TO_ISSUE, DUTY, MET, DUE, "no_plan", DUTY, MET),
    (DECIDE_TO_ISSUE, DUTY, OPEN, None, "no_plan", DUTY, OPEN),
    (DECIDE_TO_ISSUE, DUTY, MET, DUE, "final_issued", TARGET, MET),
    (DECIDE_TO_ISSUE, DUTY, BREACHED, LATE, "final_issued", TARGET, PASSED),
    (DECIDE_TO_ISSUE, DUTY, BREACHED, None, "withdrawn", TARGET, PASSED),
    (DECIDE_TO_ISSUE, DUTY, OPEN, None, None, TARGET, ON_TRACK),
    (DECIDE_TO_ISSUE, DUTY, EXCEPTED, None, None, TARGET, PASSED),
    # Nothing else: the LA's duties, and records already in the current words.
    ("assessment.decide_to_assess", DUTY, BREACHED, None, None, DUTY, BREACHED),
    ("assessment.final_plan", DUTY, EXCEPTED, LATE, "final_issued", DUTY, EXCEPTED),
    ("assessment.final_plan", DUTY, MET, DUE, "final_issued", DUTY, MET),
    ("review.phase_transfer_meeting", TARGET, PASSED, None, None, TARGET, PASSED),
    ("mediation.health_notify", DUTY, BREACHED, None, None, DUTY, BREACHED),
]


@pytest.mark.parametrize(("step", "kind", "status", "done_on", "outcome", "new_kind", "new_status"), CASES)
def test_each_rule_at_its_boundaries(
    step: str,
    kind: DeadlineKind,
    status: DeadlineStatus,
    done_on: date | None,
    outcome: str | None,
    new_kind: DeadlineKind,
    new_status: DeadlineStatus,
) -> None:
    record = deadline(step, kind, status, done_on)
    lines = restate([record], outcome=outcome)
    assert (record.kind, record.status) == (new_kind, new_status)
    changed = (new_kind, new_status) != (kind, status)
    assert len(lines) == int(changed)
    # The read model's rows are restated by the same rules.
    row = restate_row(step, kind.value, status.value, DUE, done_on, outcome)
    assert row == ((new_kind.value, new_status.value) if changed else None)


def test_lines_name_the_key_and_the_change_only() -> None:
    records = [
        deadline(DRAFT_COMMENTS, WINDOW, MET, DUE),
        deadline(SETTING, DUTY, BREACHED, None, key=f"{SETTING}:100001"),
        deadline("assessment.final_plan", DUTY, MET, DUE, breach_recorded=True),
    ]
    assert restate(records, outcome="final_issued") == [
        "assessment.draft_comments@c1: window met -> used",
        "assessment.setting_response:100001: duty breached -> window lapsed",
        "assessment.final_plan@c1: duty met: breach record withdrawn",
    ]


def test_a_duty_met_in_time_loses_the_breach_the_clock_recorded_first() -> None:
    """Rule 5: the clock escalated before the in-time fact was entered; a breach still standing stays."""
    met = deadline("assessment.decide_to_assess", DUTY, MET, DUE, breach_recorded=True)
    breached = deadline("assessment.final_plan", DUTY, BREACHED, LATE, breach_recorded=True)
    excepted = deadline("assessment.advice", DUTY, EXCEPTED, None, breach_recorded=True)
    # A window's or target's own end also sets the flag: it is the clock's, not a breach, and stays.
    lapsed = deadline(DRAFT_COMMENTS, WINDOW, LAPSED, None, breach_recorded=True)
    assert len(restate([met, breached, excepted, lapsed], outcome=None)) == 1
    assert (met.status, met.breach_recorded) == (MET, False)
    assert breached.breach_recorded and excepted.breach_recorded and lapsed.breach_recorded
    # The read model has no such column: its row stands.
    assert restate_row("assessment.decide_to_assess", "duty", "met", DUE, DUE, None) is None


def test_only_kind_status_and_breach_record_change_and_a_second_run_changes_nothing() -> None:
    records = [deadline(step, kind, status, done_on) for step, kind, status, done_on, *_ in CASES]
    records.append(deadline("assessment.final_plan", DUTY, MET, DUE, key="final@c2", breach_recorded=True))
    before = [r.model_dump() for r in records]
    lines = restate(records, outcome="final_issued")
    assert len(lines) == sum(b != a for b, a in zip(before, (r.model_dump() for r in records), strict=True)) > 20
    moved = {"kind", "status", "breach_recorded"}
    for old, new in zip(before, records, strict=True):
        assert {k: v for k, v in old.items() if k not in moved} == {
            k: v for k, v in new.model_dump().items() if k not in moved
        }
    after = [r.model_dump() for r in records]
    assert restate(records, outcome="final_issued") == []
    assert [r.model_dump() for r in records] == after
    for record in records:
        assert restate_row(record.step, record.kind, record.status, record.due, record.done_on, "final_issued") is None


def test_restate_row_leaves_words_no_rule_knows() -> None:
    assert restate_row(SETTING, "duty", "some_status", DUE, None, None) is None
    assert restate_row(SETTING, "some_kind", "met", DUE, DUE, None) is None


# The command ---------------------------------------------------------------------------------------


async def restate_cli(settings: Settings, la: str, *args: str) -> tuple[dict[str, Any], str]:
    """The command as ops run it, and its report and log. Temporal's address answers nothing: closed cases must
    not need it."""
    environment = command_environment(settings, "127.0.0.1:9")
    ran = await run_command("cli.restate", "--la", la, *args, environment=environment)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    return json.loads(ran.stdout), ran.stderr


def closed_case(la: str, outcome: str) -> Case:
    ref = f"RST-{uuid.uuid4().hex[:12]}"
    return Case(
        case_ref=ref,
        la_code=la,
        process="assessment",
        stage=outcome,
        policy="send-regs-2014",
        workflow_id=f"assessment-{ref}",
        received_date=START - timedelta(weeks=20),
        request_source="parent",
        closed=True,
        outcome=outcome,
    )


def row(case: Case, key: str, step: str, kind: str, status: str, done_on: date | None) -> CaseDeadline:
    """The read model's row of that deadline of `case`, in the words it stores."""
    held = deadline(step, DeadlineKind(kind), DeadlineStatus(status), done_on, key=key)
    columns = held.model_dump(include={"key", "step", "kind", "start", "due", "status", "done_on"})
    return CaseDeadline(case_ref=case.case_ref, la_code=case.la_code, **columns)


async def rows_of(sessions: SessionMaker, refs: list[str]) -> dict[tuple[str, str], tuple[str, str]]:
    async with sessions() as session:
        found = await session.exec(select(CaseDeadline).where(col(CaseDeadline.case_ref).in_(refs)))
        return {(d.case_ref, d.key): (d.kind, d.status) for d in found}


async def test_cli_restates_closed_cases_in_the_read_model_once(sessions: SessionMaker, settings: Settings) -> None:
    la = f"R{uuid.uuid4().hex[:6].upper()}"
    issued, refused = closed_case(la, "final_issued"), closed_case(la, "no_plan")
    rows = [
        row(issued, "assessment.decide_to_assess", "assessment.decide_to_assess", "duty", "met", START),
        row(issued, DECIDE_TO_ISSUE, DECIDE_TO_ISSUE, "duty", "met", DUE),
        row(issued, "assessment.final_plan", "assessment.final_plan", "duty", "breached", LATE),
        row(issued, DRAFT_COMMENTS, DRAFT_COMMENTS, "window", "met", None),
        row(issued, f"{SETTING}:100001", SETTING, "duty", "met", DUE),
        row(issued, f"{SETTING}:100002", SETTING, "duty", "breached", None),
        row(refused, DECIDE_TO_ISSUE, DECIDE_TO_ISSUE, "duty", "breached", LATE),
        row(refused, f"{CERTIFICATE}@r1", CERTIFICATE, "duty", "met", DUE),
        row(refused, "appeal.from_decision@r1", "appeal.from_decision", "window", "breached", None),
    ]
    async with sessions() as session, session.begin():
        session.add_all([issued, refused])
    async with sessions() as session, session.begin():
        session.add_all(rows)
    refs = [issued.case_ref, refused.case_ref]
    before = await rows_of(sessions, refs)
    expected_changes = {
        "duty met -> target met": 1,
        "duty met -> window used": 2,
        "duty breached -> window lapsed": 1,
        "window met -> lapsed": 1,
        "window breached -> lapsed": 1,
    }

    dry, dry_log = await restate_cli(settings, la)
    assert dry == {
        "applied": False,
        "cases": 2,
        "changes": expected_changes,
        "total_changes": 6,
        "cases_touched": 2,
        "running_workflows": 0,
        "workflows_restated": 0,
        "rows_restated": 6,
        "failures": [],
    }
    assert "dry run" in dry_log
    assert await rows_of(sessions, refs) == before

    applied, applied_log = await restate_cli(settings, la, "--apply")
    assert applied == {**dry, "applied": True}
    assert "window met -> lapsed: 1" in applied_log
    assert await rows_of(sessions, refs) == {
        **before,
        (issued.case_ref, DECIDE_TO_ISSUE): ("target", "met"),
        (issued.case_ref, DRAFT_COMMENTS): ("window", "lapsed"),
        (issued.case_ref, f"{SETTING}:100001"): ("window", "used"),
        (issued.case_ref, f"{SETTING}:100002"): ("window", "lapsed"),
        (refused.case_ref, f"{CERTIFICATE}@r1"): ("window", "used"),
        (refused.case_ref, "appeal.from_decision@r1"): ("window", "lapsed"),
    }
    async with sessions() as session:  # dates and done_on never change
        kept = await session.exec(select(CaseDeadline).where(col(CaseDeadline.case_ref).in_(refs)))
        assert {(d.key, d.start, d.due, d.done_on) for d in kept} == {(r.key, r.start, r.due, r.done_on) for r in rows}
    restated = await rows_of(sessions, refs)

    again, _ = await restate_cli(settings, la, "--apply")
    assert again["changes"] == {} and again["cases_touched"] == 0 and again["failures"] == []
    assert await rows_of(sessions, refs) == restated


async def test_running_workflows_are_asked_and_other_rows_restated_in_the_read_model(
    api: httpx.AsyncClient, env: WorkflowEnvironment, sessions: SessionMaker, settings: Settings
) -> None:
    """A running case is sent the update; a row its workflow does not hold (an earlier run's) and a case whose
    workflow the server does not know are restated in the read model instead."""
    la = f"W{uuid.uuid4().hex[:6].upper()}"
    received = (await env.get_current_time()).date() - timedelta(weeks=1)
    answer = await api.post("/cases", json=case_request(received, la_code=la), headers=bearer(settings, las=[la]))
    assert answer.status_code == 201, answer.text
    running = answer.json()["case_ref"]

    async def synced() -> Case | None:
        async with sessions() as session:
            return await session.get(Case, running)

    case = await eventually(synced)
    assert not case.closed
    unknown = closed_case(la, "final_issued")
    unknown.closed, unknown.outcome = False, None
    async with sessions() as session, session.begin():
        session.add(unknown)
    async with sessions() as session, session.begin():
        session.add(row(case, f"{DRAFT_COMMENTS}@old", DRAFT_COMMENTS, "window", "met", None))
        session.add(row(unknown, DRAFT_COMMENTS, DRAFT_COMMENTS, "window", "met", DUE))

    async def connect() -> Client:
        return env.client

    restater = Restater(sessions, connect)
    dry = (await restater.run([la])).as_dict()
    assert dry["running_workflows"] == 1 and dry["failures"] == []
    assert dry["changes"] == {"window met -> lapsed": 1, "window met -> used": 1}

    applied = (await restater.run([la], apply=True)).as_dict()
    assert {**applied, "applied": False} == dry
    restated = await rows_of(sessions, [running, unknown.case_ref])
    assert restated[(running, f"{DRAFT_COMMENTS}@old")] == ("window", "lapsed")
    assert restated[(unknown.case_ref, DRAFT_COMMENTS)] == ("window", "used")
    again = (await restater.run([la], apply=True)).as_dict()
    assert again["changes"] == {} and again["running_workflows"] == 1 and again["failures"] == []

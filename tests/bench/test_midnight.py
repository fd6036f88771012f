"""The midnight phase's arithmetic (bench/midnight.py), with numbers worked by hand: the instant made midnight,
one case's firing read from its history, the night's figures and the national projection. Nothing is timed."""

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent

import statutory
from bench.midnight import Firing, firing_figures, midnight_at, national_night, read_firing

AT = datetime(2026, 12, 7, 11, 39, 16, tzinfo=UTC)


def test_the_instant_ends_the_day_the_duty_is_due_in_a_zone_of_its_own() -> None:
    midnight = midnight_at(AT + timedelta(microseconds=400_000))
    assert midnight.at == AT  # to the second
    assert midnight.offset == timedelta(hours=12, minutes=20, seconds=44)  # 11:39:16 + 12:20:44 = 24:00
    assert midnight.due == date(2026, 12, 7)
    assert midnight.received == date(2026, 10, 26)  # six weeks before: reg 5(1)
    assert statutory.due_date("assessment.decide_to_assess", midnight.received) == midnight.due
    # The day after the due day begins at the instant, as statutory.breach_at counts it in that zone.
    assert datetime.combine(date(2026, 12, 8), time(), timezone(midnight.offset)) == AT


def test_an_instant_at_utc_midnight_needs_no_offset() -> None:
    midnight = midnight_at(datetime(2026, 12, 8, tzinfo=UTC))
    assert midnight.offset == timedelta(0)
    assert midnight.due == date(2026, 12, 7)


def event(kind: EventType.ValueType, seconds_after: float) -> HistoryEvent:
    made = HistoryEvent(event_type=kind)
    made.event_time.FromDatetime(AT + timedelta(seconds=seconds_after))
    return made


def test_a_firing_is_read_from_the_timer_on() -> None:
    before = [
        event(EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, -60),
        event(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, -59),
        event(EventType.EVENT_TYPE_TIMER_STARTED, -59),
    ]
    after = [
        event(EventType.EVENT_TYPE_TIMER_FIRED, 0.5),
        event(EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT, 5.0),
        event(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, 6.0),
        event(EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, 6.5),
        event(EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED, 7.25),
    ]
    assert read_firing(before + after, AT) == Firing(
        replayed=3, events=5, workflow_tasks=2, task_timeouts=1, fired_after=0.5, done_after=7.25
    )


def test_the_nights_figures() -> None:
    firings = [
        Firing(replayed=13, events=19, workflow_tasks=3, task_timeouts=0, fired_after=0.1, done_after=2.0),
        Firing(replayed=13, events=21, workflow_tasks=3, task_timeouts=1, fired_after=0.3, done_after=4.0),
    ]
    figures = firing_figures(firings, {"worker": 0.05, "temporal_server": 0.04})
    assert figures["drain_seconds"] == 4.0
    assert figures["timers_fired_within_seconds"] == 0.3
    assert figures["firings_per_second"] == 0.5  # 2 firings in 4 s
    assert figures["workflow_tasks_per_second"] == 1.5  # 6 tasks in 4 s
    assert figures["per_firing"] == {
        "history_events": 20,
        "workflow_tasks": 3,
        "workflow_task_timeouts": 0.5,
        "events_before_it_replayed_if_not_cached": 13,
    }
    assert figures["cpu_ms_per_firing"] == {"worker": 25.0, "temporal_server": 20.0}


REPLAY = {"night": {"cpu_ms": 5.0}, "beyond_night_ms": 20.0, "longest_beyond_night_ms": 50.0}


def test_the_national_night_from_the_cost_of_a_firing() -> None:
    cold = {"worker": 30.0, "temporal_server": 27.0}
    warm = {"worker": 20.0, "temporal_server": 21.0}
    night = national_night(cold, warm, 36_000, REPLAY, workers=3)
    # Live, the worker's replay cost 30 - 20 = 10 ms against 5 ms in process: the older cases' extra is doubled.
    assert night["live_to_in_process_replay"] == 2.0
    assert night["worker_ms_per_firing"] == 70.0  # 30 + 20 x 2
    assert night["minutes_on_workers"] == 14.0  # 36,000 x 0.070 s / 3 cores / 60
    assert night["minutes_on_workers_as_measured_cold"] == 6.0  # 36,000 x 0.030 / 3 / 60
    assert night["minutes_on_workers_as_measured_warm"] == 4.0  # 36,000 x 0.020 / 3 / 60
    assert night["minutes_on_workers_longest_history"] == 26.0  # 36,000 x (30 + 50 x 2) ms / 3 / 60
    assert night["workers_for_the_goal_longest_history"] == 6  # 4,680 CPU-s / 900 s = 5.2
    assert night["minutes_on_temporal"] == 3.6  # 36,000 x 0.027 / 4.5 cores / 60
    assert night["minutes"] == 14.0  # the slower side
    assert night["workers_for_the_goal"] == 3  # 2,520 CPU-s / 900 s = 2.8
    assert night["timers"] == 36_000
    assert night["workers"] == 3


def test_a_live_replay_cheaper_than_in_process_does_not_shrink_the_older_cases() -> None:
    cold = {"worker": 22.0, "temporal_server": 27.0}
    warm = {"worker": 20.0, "temporal_server": 21.0}
    night = national_night(cold, warm, 36_000, REPLAY, workers=4)
    assert night["live_to_in_process_replay"] == 1.0
    assert night["worker_ms_per_firing"] == 42.0  # 22 + 20
    assert night["minutes_on_workers"] == pytest.approx(6.3)  # 36,000 x 0.042 / 4 / 60

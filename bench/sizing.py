"""The national sizing in docs/deploy.md, computed from the measured per-case costs (bench/case_costs.py).

    .venv/bin/python -m bench.sizing bench/results/case-costs-2026-12-02.json

Every figure the document quotes comes out of this arithmetic; the volumes and assumptions are the
constants below, each with its source or reason, so a different caseload is one edit away. It prints
Markdown.
"""

import argparse
import json
from pathlib import Path
from typing import Any

# --- the caseload (DfE and MoJ published figures; docs/deploy.md, Sizing, names each source) ---
PLANS = 640_000  # live EHC plans, January 2025: 638,745
REQUESTS = 150_000  # initial requests a year, 2024: 154,489
APPEALS = 25_000  # SEND Tribunal appeals registered, 2024/25
TRIBUNAL_OPEN = 15_000  # the Tribunal's open caseload, end of September 2025
# Every request is costed as if it went the whole way to a final plan (about a quarter are refused, which
# costs less): an upper bound. Half the annual reviews amend the plan (an assumption: not published).
AMENDED_SHARE = 0.5
# --- how long workflows stay open ---
ASSESSMENT_WEEKS = 26  # 20 statutory weeks; fewer than half are on time (46.4% in 2024)
REDRESS_WEEKS = 10  # a decision's redress route: the two-month appeal window and the notice (measured path)
# --- seasonality (assumptions, stated in docs/deploy.md) ---
PEAK_MONTH = 2.0  # Sept-Feb: requests after term starts, phase-transfer reviews due 15 Feb / 31 Mar (reg 18)
OFFICE_HOURS = 8_760 / (252 * 8)  # officers act on 252 working days, 8 hours each
PEAK_HOUR = 1.5  # the busiest hour of a working day against its average hour
PEAK = PEAK_MONTH * OFFICE_HOURS * PEAK_HOUR
# --- storage ---
RETENTION_DAYS = 30  # the namespace's retention of closed runs (deploy/helm/temporal-values.yaml)
POSTGRES_OVERHEAD = 1.5  # row headers, indexes and dead tuples against SQLite's packed pages (an assumption)
MUTABLE_STATE_GROWTH = 3  # mutable state was measured on new workflows; it grows with pending work
# --- the worker ---
CACHE = 10_000  # WORKER_MAX_CACHED_WORKFLOWS (core/config.py)
WORKERS = 3  # deploy/k8s/worker.yaml
READS_PER_ACTION = 10  # an assumption: officers look at a case and their queue around each action
# What encryption adds to history bytes, bench/results/case-costs-clear-2026-12-02.json against the run
# with it on: an assessment 68,352 -> 80,022 B (x1.17), a plan year 34,204 -> 41,030 B (x1.20). Applied
# to recorded histories that were recorded before payloads were encrypted.
ENCRYPTION_GROWTH = 1.2
SECONDS_A_YEAR = 365 * 24 * 3600
GB = 1e9


def load(path: Path) -> dict[str, Any]:
    """The measured costs, with recorded histories' bytes as if their payloads were encrypted."""
    costs = json.loads(path.read_text())
    for route in costs["recorded"].values():
        if not route["payloads_encrypted"]:
            route["bytes"] *= ENCRYPTION_GROWTH
    return costs


def yearly(costs: dict[str, Any], key: str) -> float:
    """A history figure summed over the nation's year."""
    assessment = costs["assessment_to_final_plan"]["temporal"][key]
    plan = costs["plan_year_maintained"]
    amended = costs["recorded"]["plan_cycle_amended"][key] - plan["temporal_plan_run"][key]
    appeal = costs["recorded"]["refusal_appealed_to_tribunal_order"][key]
    return REQUESTS * assessment + PLANS * (plan["temporal"][key] + AMENDED_SHARE * max(amended, 0)) + APPEALS * appeal


def midnight_timers(costs: dict[str, Any]) -> float:
    """The timers that fall due together at 00:00 London on a peak working day: the busiest month's daily
    share of a year's timers, with weekend days' moved onto working days."""
    return yearly(costs, "timers_fired") / 365 * PEAK_MONTH * 7 / 5


def latest_costs() -> Path:
    """The newest committed measurement of what a case costs (bench/case_costs.py)."""
    return sorted((Path(__file__).parent / "results").glob("case-costs-2*.json"))[-1]


def open_workflows() -> dict[str, float]:
    return {
        "plans (one run each)": PLANS,
        "assessments": REQUESTS * ASSESSMENT_WEEKS / 52,
        "redress routes": (REQUESTS + PLANS) * REDRESS_WEEKS / 52,
        "Tribunal appeals": TRIBUNAL_OPEN,
    }


def report(costs: dict[str, Any]) -> str:
    out: list[str] = []
    say = out.append
    assessment = costs["assessment_to_final_plan"]
    plan = costs["plan_year_maintained"]
    storage = costs["open_workflow_storage"]

    say("### Per case (measured)\n")
    say("| | events | history bytes | workflow tasks | activities | timers fired | updates | transitions | actions |")
    say("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    rows = {
        "assessment to final plan (2 workflows)": assessment["temporal"],
        "plan year, maintained (plan run + its review's redress route)": plan["temporal"],
        "  of which the plan's run": plan["temporal_plan_run"],
        "plan cycle amended (recorded)": costs["recorded"]["plan_cycle_amended"],
        "refusal appealed, Tribunal orders (recorded)": costs["recorded"]["refusal_appealed_to_tribunal_order"],
    }
    for name, c in rows.items():
        say(
            f"| {name} | {c['events']:,.0f} | {c['bytes']:,.0f} | {c['workflow_tasks']:,.0f} | {c['activities']:,.0f}"
            f" | {c['timers_fired']:,.0f} | {c['updates']:,.0f} | {c['state_transitions']:,.0f}"
            f" | {c['cloud_actions']:,.0f} |"
        )

    say("\n### A year, nationally\n")
    say(
        f"Per year = {REQUESTS:,} x assessment + {PLANS:,} x (plan year + {AMENDED_SHARE:.0%} x (amended cycle - "
        f"plan run)) + {APPEALS:,} x appeal route.\n"
    )
    say(f"| | per year | average per second | daytime peak per second (x{PEAK:.1f}) |")
    say("| --- | ---: | ---: | ---: |")
    totals = {key: yearly(costs, key) for key in ("events", "bytes", "state_transitions", "cloud_actions")}
    for key, label in (("events", "history events"), ("state_transitions", "state transitions")):
        per_second = totals[key] / SECONDS_A_YEAR
        say(f"| {label} | {totals[key] / 1e6:,.1f} M | {per_second:.2f} | {per_second * PEAK:.0f} |")
    actions = totals["cloud_actions"]
    say(
        f"| actions (Temporal Cloud's unit) | {actions / 1e6:,.1f} M | {actions / SECONDS_A_YEAR:.2f} |"
        f" {actions / SECONDS_A_YEAR * PEAK:.0f} |"
    )
    say(f"| history written | {totals['bytes'] / GB:,.1f} GB | | |")

    fired = yearly(costs, "timers_fired")
    wakes = assessment["temporal"]["timers_fired"] + assessment["temporal"]["updates"] + 2
    per_wake = assessment["temporal"]["state_transitions"] / wakes
    burst = midnight_timers(costs)
    say(
        f"\nMidnight: {fired / 1e6:.2f} M timers fire a year, all at 00:00 London time of their day; a peak"
        f" working day's share is {fired:,.0f} / 365 x {PEAK_MONTH} x 7/5 = **{burst:,.0f} timers at once**, each"
        f" waking its workflow for ~{per_wake:.1f} transitions (an assessment's"
        f" {assessment['temporal']['state_transitions']:.0f} transitions over its {wakes:.0f} wakes):"
        f" **{burst * per_wake:,.0f} transitions** queued at midnight.\n"
    )

    opened = open_workflows()
    total_open = sum(opened.values())
    say("### Open workflows and history shards\n")
    say("| | open at any time |")
    say("| --- | ---: |")
    for name, n in opened.items():
        say(f"| {name} | {n:,.0f} |")
    say(f"| **total** | **{total_open:,.0f}** |\n")
    say("| shards | open workflows a shard | daytime peak transitions a shard per second | midnight burst a shard |")
    say("| ---: | ---: | ---: | ---: |")
    peak_transitions = totals["state_transitions"] / SECONDS_A_YEAR * PEAK
    for shards in (128, 512, 1024, 2048):
        say(
            f"| {shards:,} | {total_open / shards:,.0f} | {peak_transitions / shards:.3f}"
            f" | {burst * per_wake / shards:,.0f} transitions |"
        )

    say("\n### Temporal's database\n")
    per_open = storage["bytes_per_open_workflow"]
    state = (per_open["executions"] * MUTABLE_STATE_GROWTH) + sum(
        per_open[t] for t in ("current_executions", "history_tree", "timer_tasks")
    )
    history_overhead = per_open["history_node"] / storage["blob_bytes_per_open_workflow"]["history"]
    redress_bytes = plan["temporal"]["bytes"] - plan["temporal_plan_run"]["bytes"]
    appeal_bytes = costs["recorded"]["refusal_appealed_to_tribunal_order"]["bytes"]
    open_history = (
        PLANS * plan["temporal_plan_run"]["bytes"] / 2
        + opened["assessments"] * assessment["temporal"]["bytes"] / 2
        + opened["redress routes"] * redress_bytes / 2
        + opened["Tribunal appeals"] * appeal_bytes / 2
    ) * history_overhead
    retained = totals["bytes"] * RETENTION_DAYS / 365 * history_overhead
    mutable = total_open * state
    persistence = (open_history + retained + mutable) * POSTGRES_OVERHEAD
    closed_runs = (REQUESTS * 2 + PLANS * 2 + APPEALS * 2) * RETENTION_DAYS / 365
    visibility = (total_open + closed_runs) * per_open["executions_visibility (with its full-text tables)"]
    say("| part | arithmetic | size |")
    say("| --- | --- | ---: |")
    say(
        f"| histories of open runs | half a run's history each (plan run {plan['temporal_plan_run']['bytes']:,.0f} B,"
        f" assessment {assessment['temporal']['bytes']:,.0f} B, redress route {redress_bytes:,.0f} B, appeal"
        f" {appeal_bytes:,.0f} B) x {history_overhead:.2f} storage overhead (SQLite's pages over its blobs)"
        f" | {open_history / GB:.1f} GB |"
    )
    say(
        f"| closed runs within retention | {totals['bytes'] / GB:.1f} GB a year x {RETENTION_DAYS}/365 x"
        f" {history_overhead:.2f} | {retained / GB:.1f} GB |"
    )
    say(
        f"| mutable state, current runs, timers | {total_open:,.0f} x ({per_open['executions']:,} B x "
        f"{MUTABLE_STATE_GROWTH} + {state - per_open['executions'] * MUTABLE_STATE_GROWTH:,.0f} B) |"
        f" {mutable / GB:.1f} GB |"
    )
    say(
        f"| **persistence (`temporal`)** | the sum x {POSTGRES_OVERHEAD} for PostgreSQL's rows, indexes and dead"
        f" tuples | **{persistence / GB:.0f} GB** |"
    )
    say(
        f"| **visibility (`temporal_visibility`)** | ({total_open:,.0f} open + {closed_runs:,.0f} closed within"
        f" retention) x {per_open['executions_visibility (with its full-text tables)']:,} B |"
        f" **{visibility / GB:.0f} GB** |"
    )

    say("\n### The engine's database (read model, people, audit, outbox, plan documents)\n")
    case_bytes = assessment["database_bytes"]["total"]
    year_bytes = plan["database_bytes"]["total"]
    initial = PLANS * case_bytes
    growth = REQUESTS * case_bytes + PLANS * year_bytes
    say(
        f"Each case's rows after its assessment: {case_bytes:,} B; each plan-year adds {year_bytes:,} B (measured,"
        f" tables with their indexes). Live plans imported or assessed: {PLANS:,} x {case_bytes:,} B ="
        f" **{initial / GB:.0f} GB**; a year adds {REQUESTS:,} x {case_bytes:,} + {PLANS:,} x {year_bytes:,} ="
        f" **{growth / GB:.0f} GB** (audit and notifications are kept: nothing is pruned), so"
        f" {(initial + 5 * growth) / GB:.0f} GB after five years.\n"
    )

    say("### Workers and the API\n")
    memory = storage["worker_memory_bytes_per_cached_workflow"]
    base = storage["process_resident_bytes_after_warm_up"]
    cpu_year = REQUESTS * assessment["engine_cpu_seconds"] + PLANS * plan["engine_cpu_seconds"]
    cpu = cpu_year / SECONDS_A_YEAR
    cpu_per_wake = assessment["engine_cpu_seconds"] / wakes
    actions = yearly(costs, "updates")
    woken = (fired + actions) / 365
    say(
        f"- CPU (API and worker together, measured per case): {REQUESTS:,} x {assessment['engine_cpu_seconds']} s"
        f" + {PLANS:,} x {plan['engine_cpu_seconds']} s = {cpu_year / 3600:,.0f} CPU-hours a year:"
        f" {cpu:.3f} cores on average, {cpu * PEAK:.2f} at the daytime peak.\n"
        f"- The midnight burst: {burst:,.0f} wakes x {cpu_per_wake * 1e3:.0f} ms (an assessment's"
        f" {assessment['engine_cpu_seconds']} s over its {wakes:.0f} wakes) = {burst * cpu_per_wake:,.0f} CPU-seconds:"
        f" {burst * cpu_per_wake / 60 / WORKERS:.0f} minutes on {WORKERS} workers of one core, before the replay"
        f" of each woken workflow that is not cached (not measured here).\n"
        f"- Memory: {CACHE:,} cached workflows x {memory / 1e3:.0f} KB + {base / 1e6:.0f} MB for the process ="
        f" {(CACHE * memory + base) / 1e9:.2f} GB a worker.\n"
        f"- Workflows woken a day (timers and officers' actions): {woken:,.0f} on average; {WORKERS} workers"
        f" cache {WORKERS * CACHE:,}.\n"
        f"- The API: {actions / 1e6:.1f} M officers' actions a year (updates) = {actions / SECONDS_A_YEAR * PEAK:.1f}"
        f" a second at the daytime peak; with {READS_PER_ACTION} reads (case views, work queues) for each,"
        f" {actions / SECONDS_A_YEAR * PEAK * (1 + READS_PER_ACTION):.0f} requests a second.\n"
    )
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("costs", type=Path, help="the JSON bench/case_costs.py wrote")
    print(report(load(parser.parse_args().costs)))  # noqa: T201 - the tool's output


if __name__ == "__main__":
    main()

"""The forecast's back-test on generated histories: the forecast beats the statutory date alone at every checkpoint
and gets closer as the assessment goes on, and the command writes its figures into the doc between its markers."""

from datetime import date, timedelta
from pathlib import Path

import pytest

from bench.forecast_backtest import CHECKPOINTS, MARK_END, MARK_START, back_test, generated, main


@pytest.mark.slow
def test_on_known_durations_the_forecast_beats_the_statutory_date_and_improves(tmp_path: Path) -> None:
    first = date(2024, 1, 1)
    results = back_test(generated(seed=3, first=first), first + timedelta(days=365))
    errors = [results[f"{weeks} weeks"]["forecast"]["mean_absolute"] for weeks in CHECKPOINTS]
    statutory = [results[f"{weeks} weeks"]["statutory_date_alone"]["mean_absolute"] for weeks in CHECKPOINTS]
    assert all(e < s for e, s in zip(errors, statutory, strict=True)), (errors, statutory)
    assert errors == sorted(errors, reverse=True), errors
    assert all(results[f"{weeks} weeks"]["cases"] > 1000 for weeks in CHECKPOINTS)

    doc = tmp_path / "forecast.md"
    doc.write_text(f"# Before\n\n{MARK_START}\nold figures\n{MARK_END}\n\nAfter.\n")
    main(["--seed", "3", "--docs", str(doc), "--out", str(tmp_path / "figures.json")])
    text = doc.read_text()
    assert text.startswith("# Before\n\n" + MARK_START) and text.endswith(MARK_END + "\n\nAfter.\n")
    assert "old figures" not in text and "| 16 weeks |" in text and (tmp_path / "figures.json").exists()

"""Bar charts as inline SVG, drawn in Python: no script, nothing fetched, readable by a screen reader.

Each chart is an image with a title and a description (role="img", aria-labelledby), every bar carries
its value as text (colour is never the only way to read it), and the page puts the same figures in a
table under each chart.
"""

from dataclasses import dataclass
from html import escape

BLUE, GREEN, ORANGE, RED, GREY, PURPLE = "#1d70b8", "#00703c", "#f47738", "#d4351c", "#505a5f", "#4c2c92"
WIDTH = 760
LABEL_WIDTH = 350
VALUE_WIDTH = 70
ROW = 30
BAR = 20
LABEL_CHARS = 46


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str = ""  # the value as printed next to the bar; the number itself if empty
    colour: str = BLUE


@dataclass(frozen=True)
class Segment:
    label: str
    value: int
    colour: str


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1].rstrip() + "\u2026"


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def bar_chart(chart_id: str, title: str, description: str, bars: list[Bar], maximum: float | None = None) -> str:
    """Horizontal bars, one row each, longest scale `maximum` (the largest value if not given)."""
    if not bars:
        return f'<p class="note" id="{_e(chart_id)}">Nothing to show: {_e(description)}</p>'
    top = maximum if maximum is not None else max(b.value for b in bars)
    scale = (WIDTH - LABEL_WIDTH - VALUE_WIDTH) / top if top > 0 else 0
    height = ROW * len(bars) + 10
    rows = []
    for index, bar in enumerate(bars):
        y = 5 + index * ROW
        length = max(bar.value * scale, 0)
        shown = bar.shown or _number(bar.value)
        rows.append(
            f'<g class="bar"><title>{_e(bar.label)}: {_e(shown)}</title>'
            f'<text x="{LABEL_WIDTH - 8}" y="{y + BAR - 5}" text-anchor="end" font-size="13" fill="#0b0c0c">'
            f"{_e(_short(bar.label))}</text>"
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR}" fill="{_e(bar.colour)}"></rect>'
            f'<text x="{LABEL_WIDTH + length + 6:.1f}" y="{y + BAR - 5}" font-size="13" font-weight="700" '
            f'fill="#0b0c0c">{_e(shown)}</text></g>'
        )
    return (
        f'<svg id="{_e(chart_id)}" role="img" aria-labelledby="{_e(chart_id)}-title {_e(chart_id)}-desc" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{_e(chart_id)}-title">{_e(title)}</title><desc id="{_e(chart_id)}-desc">{_e(description)}</desc>'
        f'<line x1="{LABEL_WIDTH}" y1="0" x2="{LABEL_WIDTH}" y2="{height}" stroke="#0b0c0c"></line>'
        f"{''.join(rows)}</svg>"
    )


def stacked_bar(chart_id: str, title: str, description: str, segments: list[Segment]) -> str:
    """One bar split into its parts (e.g. plans on time, late with an exception, late without), with a legend."""
    total = sum(s.value for s in segments)
    if total == 0:
        return f'<p class="note" id="{_e(chart_id)}">Nothing to show: {_e(description)}</p>'
    x = 0.0
    parts = []
    for segment in segments:
        if segment.value == 0:
            continue
        length = segment.value / total * WIDTH
        share = f"{100 * segment.value / total:.1f}%"
        parts.append(
            f'<g class="segment"><title>{_e(segment.label)}: {segment.value:,} ({share})</title>'
            f'<rect x="{x:.1f}" y="0" width="{length:.1f}" height="40" fill="{_e(segment.colour)}"></rect>'
            + (
                f'<text x="{x + length / 2:.1f}" y="26" text-anchor="middle" font-size="14" font-weight="700" '
                f'fill="#ffffff">{segment.value:,}</text>'
                if length > 40
                else ""
            )
            + "</g>"
        )
        x += length
    legend = "".join(
        f'<li><span class="swatch" style="background:{_e(s.colour)}"></span>{_e(s.label)}: <strong>{s.value:,}'
        f"</strong></li>"
        for s in segments
    )
    return (
        f'<svg id="{_e(chart_id)}" role="img" aria-labelledby="{_e(chart_id)}-title {_e(chart_id)}-desc" '
        f'viewBox="0 0 {WIDTH} 40" width="{WIDTH}" height="40" xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{_e(chart_id)}-title">{_e(title)}</title><desc id="{_e(chart_id)}-desc">{_e(description)}</desc>'
        f"{''.join(parts)}</svg>"
        f'<ul class="legend" aria-hidden="true">{legend}</ul>'
    )

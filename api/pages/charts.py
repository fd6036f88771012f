"""Bar charts as inline SVG, drawn in Python: no script, nothing fetched, readable by a screen reader.

Each chart is an image named by its title and described by its description (role="img", aria-labelledby,
aria-describedby: a screen reader reads the name, then the summary of the figures), every bar carries
its value as text (colour is never the only way to read it), and the page puts the same figures in a
table under each chart.
"""

from dataclasses import dataclass
from html import escape

BLUE, GREEN, ORANGE, RED, GREY, PURPLE = "#1d70b8", "#00703c", "#f47738", "#d4351c", "#505a5f", "#4c2c92"
# The width of a panel on a desktop screen, so that text is drawn at its own size there; narrower screens scale it.
WIDTH = 1000
LABEL_WIDTH = 420
VALUE_WIDTH = 110
LINE = 17
BAR = 22
GAP = 12
# Characters of a label line at 14px in LABEL_WIDTH; a longer label wraps onto a second line, then is cut.
LABEL_CHARS = 52
FONT = 'font-family="system-ui, -apple-system, Segoe UI, Arial, sans-serif"'


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    shown: str = ""  # the value as printed next to the bar; the number itself if empty
    colour: str = BLUE
    href: str = ""  # the cases the bar counts, if it counts cases


@dataclass(frozen=True)
class Segment:
    label: str
    value: int
    colour: str
    href: str = ""


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _lines(label: str) -> list[str]:
    """The label on one line, or two broken at a space; what does not fit is cut with an ellipsis (the bar's
    tooltip and the table under the chart keep it whole)."""
    if len(label) <= LABEL_CHARS:
        return [label]
    cut = label.rfind(" ", 0, LABEL_CHARS + 1)
    first, rest = (label[:cut], label[cut + 1 :]) if cut > 0 else (label[:LABEL_CHARS], label[LABEL_CHARS:])
    if len(rest) > LABEL_CHARS:
        rest = rest[: LABEL_CHARS - 1].rstrip() + "\u2026"
    return [first, rest]


def _linked(href: str, content: str) -> str:
    """An SVG part as a link to the cases it counts (a link in SVG is focusable and followed as any other)."""
    return f'<a href="{_e(href)}">{content}</a>' if href else content


def _number(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def _nothing(chart_id: str, title: str) -> str:
    return f'<p class="note empty" id="{_e(chart_id)}">{_e(title)}: none.</p>'


def _open_svg(chart_id: str, title: str, description: str, height: int) -> str:
    ref = _e(chart_id)
    return (
        f'<svg id="{ref}" role="img" aria-labelledby="{ref}-title" aria-describedby="{ref}-desc" '
        f'viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" height="{height}" {FONT} xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{ref}-title">{_e(title)}</title><desc id="{ref}-desc">{_e(description)}</desc>'
    )


def bar_chart(
    chart_id: str,
    title: str,
    description: str,
    bars: list[Bar],
    maximum: float | None = None,
    *,
    keep_zero: bool = False,
) -> str:
    """Horizontal bars, one row each, longest scale `maximum` (the largest value if not given).

    Bars of nought are left out unless `keep_zero` (a rate of 0% says something; a count of none is in the
    table under the chart): a chart of empty rows is harder to read than a line saying there is nothing."""
    if not keep_zero:
        bars = [b for b in bars if b.value]
    if not bars:
        return _nothing(chart_id, title)
    top = maximum if maximum is not None else max(b.value for b in bars)
    scale = (WIDTH - LABEL_WIDTH - VALUE_WIDTH) / top if top > 0 else 0
    rows = []
    y = GAP / 2
    for bar in bars:
        lines = _lines(bar.label)
        row = max(BAR, LINE * len(lines))
        bar_y = y + (row - BAR) / 2
        length = max(bar.value * scale, 0)
        shown = bar.shown or _number(bar.value)
        first_line = y + row / 2 - LINE * (len(lines) - 1) / 2 + 5
        label = "".join(
            f'<tspan x="{LABEL_WIDTH - 10}" y="{first_line + i * LINE:.1f}">{_e(line)}</tspan>'
            for i, line in enumerate(lines)
        )
        rows.append(
            _linked(
                bar.href,
                f'<g class="bar"><title>{_e(bar.label)}: {_e(shown)}</title>'
                f'<text text-anchor="end" font-size="14" fill="#0b0c0c">{label}</text>'
                f'<rect x="{LABEL_WIDTH}" y="{bar_y:.1f}" width="{length:.1f}" height="{BAR}" '
                f'fill="{_e(bar.colour)}"></rect>'
                f'<text x="{LABEL_WIDTH + length + 8:.1f}" y="{bar_y + BAR / 2 + 5:.1f}" font-size="15" '
                f'font-weight="700" fill="#0b0c0c">{_e(shown)}</text></g>',
            )
        )
        y += row + GAP
    height = round(y + GAP / 2)
    return (
        _open_svg(chart_id, title, description, height)
        + f'<line x1="{LABEL_WIDTH}" y1="0" x2="{LABEL_WIDTH}" y2="{height}" stroke="#0b0c0c"></line>'
        f"{''.join(rows)}</svg>"
    )


def stacked_bar(chart_id: str, title: str, description: str, segments: list[Segment]) -> str:
    """One bar split into its parts (e.g. plans on time, late with an exception, late without), with a legend."""
    total = sum(s.value for s in segments)
    if total == 0:
        return _nothing(chart_id, title)
    x = 0.0
    parts = []
    for segment in segments:
        if segment.value == 0:
            continue
        length = segment.value / total * WIDTH
        share = f"{100 * segment.value / total:.1f}%"
        parts.append(
            _linked(
                segment.href,
                f'<g class="segment"><title>{_e(segment.label)}: {segment.value:,} ({share})</title>'
                f'<rect x="{x:.1f}" y="0" width="{length:.1f}" height="40" fill="{_e(segment.colour)}"></rect>'
                + (
                    f'<text x="{x + length / 2:.1f}" y="26" text-anchor="middle" font-size="15" font-weight="700" '
                    f'fill="{"#0b0c0c" if segment.colour == ORANGE else "#ffffff"}">{segment.value:,} ({share})</text>'
                    if length > 110
                    else ""
                )
                + "</g>",
            )
        )
        x += length
    legend = "".join(
        f'<li><span class="swatch" style="background:{_e(s.colour)}"></span>{_e(s.label)}: <strong>{s.value:,}'
        f"</strong></li>"
        for s in segments
    )
    return (
        _open_svg(chart_id, title, description, 40) + f"{''.join(parts)}</svg>"
        f'<ul class="legend" aria-hidden="true">{legend}</ul>'
    )

"""Accessible bar charts as server-rendered SVG, for the dashboard and the PDF.

Each chart is an `<svg role="img">` with a `<title>` that states its main message and a
`<desc>` that puts the trend in words; every bar is labelled with its number, so nothing
is carried by colour alone; and the same numbers are in a table beside it. A count shown
as "fewer than 5" draws no bar (its length would tell the number) and says so in words.
No style attributes (the pages' CSP forbids them): presentation attributes only.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

from django.utils.safestring import SafeString, mark_safe

from .statistics import Row

BAR = "#1d70b8"  # GOV.UK blue
TEXT = "#0b0c0c"
AXIS = "#505a5f"
FONT = 'font-family="Arial, Helvetica, sans-serif"'


@dataclass(frozen=True)
class Chart:
    id: str
    title: str  # the main message
    description: str  # the trend, in words
    svg: SafeString


def _n(row: Row) -> str:
    return str(row.count)


def headline(rows: list[Row], what: str, *, empty: str) -> str:
    """The main message: which has the most, or that there is nothing to show."""
    plotted = [r for r in rows if r.count.plotted]
    if not any(r.count.value for r in rows):
        return empty
    if not plotted:
        return f"{what}: every count is fewer than {rows[0].count.threshold}"
    peak = max(r.count.value for r in plotted)
    tops = [r.label for r in plotted if r.count.value == peak]
    if len(tops) == 1:
        return f"{what}: most were {tops[0]} ({peak})"
    names = ", ".join(tops[:-1]) + f" and {tops[-1]}"
    return f"{what}: most were {names} ({peak} each)"


def trend_in_words(rows: list[Row]) -> str:
    """For months: compare the first half of the period with the second."""
    if len(rows) < 2:
        return ""
    if any(r.count.suppressed for r in rows):
        return (
            "Some months had too few incidents to show the number, so no trend is given. "
            + _listing(rows)
        )
    half = len(rows) // 2
    first = sum(r.count.value for r in rows[:half])
    second = sum(r.count.value for r in rows[half:])
    first_label = _span(rows[0].label, rows[half - 1].label)
    second_label = _span(rows[half].label, rows[-1].label)
    if first == second:
        change = f"stayed the same ({first} in {first_label} and in {second_label})"
    elif second > first:
        change = f"rose from {first} in {first_label} to {second} in {second_label}"
    else:
        change = f"fell from {first} in {first_label} to {second} in {second_label}"
    return f"Reports {change}. " + _listing(rows)


def _span(first: str, last: str) -> str:
    return first if first == last else f"{first} to {last}"


def _short(row: Row) -> str:
    """A bar's label where there is little room: "<5" for "fewer than 5"."""
    if not row.count.suppressed:
        return str(row.count.value)
    return f"<{row.count.threshold}" if row.count.value < row.count.threshold else "–"


def _listing(rows: list[Row]) -> str:
    return "; ".join(f"{r.label}: {_n(r)}" for r in rows) + "."


def column_chart(chart_id: str, title: str, description: str, rows: list[Row]) -> Chart:
    """Vertical bars, one per month."""
    width, height, top, bottom, left = 640, 260, 24, 48, 8
    plot_h = height - top - bottom
    peak = max([r.count.value for r in rows if r.count.plotted] + [1])
    step = (width - left * 2) / max(len(rows), 1)
    bar_w = max(step * 0.7, 2)
    parts = _open(chart_id, title, description, width, height)
    baseline = top + plot_h
    parts.append(
        f'<line x1="{left}" y1="{baseline}" x2="{width - left}" y2="{baseline}" '
        f'stroke="{AXIS}" stroke-width="1"/>'
    )
    for i, row in enumerate(rows):
        x = left + i * step + (step - bar_w) / 2
        cx = x + bar_w / 2
        if row.count.plotted:
            h = plot_h * row.count.value / peak
            parts.append(
                f'<rect x="{x:.1f}" y="{baseline - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" '
                f'fill="{BAR}"/>'
            )
            label, y = str(row.count.value), baseline - h - 4
        else:
            label, y = _short(row), baseline - 4
        parts.append(
            f'<text x="{cx:.1f}" y="{y:.1f}" text-anchor="middle" font-size="12" '
            f'fill="{TEXT}" {FONT}>{escape(label)}</text>'
        )
        month, _, year = row.label.partition(" ")
        parts.append(
            f'<text x="{cx:.1f}" y="{baseline + 16}" text-anchor="middle" font-size="11" '
            f'fill="{TEXT}" {FONT}>{escape(month)}</text>'
        )
        if i == 0 or month == "Jan":
            parts.append(
                f'<text x="{cx:.1f}" y="{baseline + 30}" text-anchor="middle" font-size="11" '
                f'fill="{AXIS}" {FONT}>{escape(year)}</text>'
            )
    parts.append("</svg>")
    return Chart(chart_id, title, description, mark_safe("".join(parts)))  # noqa: S308 - escaped


def bar_chart(chart_id: str, title: str, description: str, rows: list[Row]) -> Chart:
    """Horizontal bars, one per category, each labelled with its name and number."""
    row_h, label_w, width = 28, 260, 640
    height = max(len(rows), 1) * row_h + 8
    peak = max([r.count.value for r in rows if r.count.plotted] + [1])
    plot_w = width - label_w - 90
    parts = _open(chart_id, title, description, width, height)
    for i, row in enumerate(rows):
        y = 4 + i * row_h
        name = row.label if len(row.label) <= 38 else row.label[:36] + "…"
        parts.append(
            f'<text x="{label_w - 8}" y="{y + 18}" text-anchor="end" font-size="13" '
            f'fill="{TEXT}" {FONT}>{escape(name)}</text>'
        )
        w = plot_w * row.count.value / peak if row.count.plotted else 0
        if w:
            parts.append(
                f'<rect x="{label_w}" y="{y + 4}" width="{w:.1f}" height="{row_h - 10}" '
                f'fill="{BAR}"/>'
            )
        parts.append(
            f'<text x="{label_w + w + 6:.1f}" y="{y + 18}" font-size="13" fill="{TEXT}" '
            f"{FONT}>{escape(_n(row))}</text>"
        )
    parts.append("</svg>")
    return Chart(chart_id, title, description, mark_safe("".join(parts)))  # noqa: S308 - escaped


def _open(chart_id: str, title: str, description: str, width: int, height: int) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" class="app-chart" '
        f'viewBox="0 0 {width} {height}" width="100%" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc">',
        f'<title id="{chart_id}-title">{escape(title)}</title>',
        f'<desc id="{chart_id}-desc">{escape(description)}</desc>',
    ]


def dashboard_charts(stats) -> dict[str, Chart]:
    """The dashboard's charts, each with its message and trend in words."""
    charts: dict[str, Chart] = {}
    if any(r.count.plotted for r in stats.by_month):
        charts["month"] = column_chart(
            "chart-month",
            headline(stats.by_month, "Incidents by month", empty="No incidents in the period"),
            trend_in_words(stats.by_month),
            stats.by_month,
        )
    for key, rows, what in [
        ("kind", stats.by_kind, "Incidents by kind"),
        ("category", stats.by_category, "Incidents by category"),
        ("severity", stats.by_severity, "Incidents by severity"),
        ("policy", stats.by_policy, "Policies breached"),
        ("school", stats.by_school, "Incidents by school"),
    ]:
        if not any(r.count.plotted for r in rows):
            # Nothing may be drawn (every count is small or zero): the table says it all.
            continue
        charts[key] = bar_chart(
            f"chart-{key}",
            headline(rows, what, empty=f"{what}: none in the period"),
            _listing(rows),
            rows,
        )
    return charts

"""The coverage trend across runs as an inline SVG line chart (no script, no external file).

    svg = trend_svg([TrendPoint("20260101T...", 81.2, "passed"), TrendPoint("20260102T...", 84.0, "failed")])

The y axis runs from 0 to 100%, gridlines every 25 points; runs are evenly
spaced left to right, oldest first. Each run is a dot coloured by its gate
(green passed, red failed, grey otherwise) with a tooltip naming the run;
the first and last runs' dates label the x axis.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 16, 36
COLOURS = {"passed": "#1a7f37", "failed": "#cf222e"}
OTHER_COLOUR = "#6e7781"


@dataclass(frozen=True)
class TrendPoint:
    """One run on the chart: its id, its suite coverage (percent) and its gate ('passed', 'failed' or other)."""

    run_id: str
    percent: float
    gate: str | None = None


def _x(index: int, count: int) -> float:
    span = WIDTH - LEFT - RIGHT
    return LEFT + (span / 2 if count == 1 else span * index / (count - 1))


def _y(percent: float) -> float:
    return TOP + (HEIGHT - TOP - BOTTOM) * (1 - max(0.0, min(100.0, percent)) / 100)


def _date(run_id: str) -> str:
    """'2026-01-01' from a run id starting with a UTC timestamp (else the id's start)."""
    stamp = run_id[:8]
    return f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}" if stamp.isdigit() else run_id[:10]


def trend_svg(points: list[TrendPoint]) -> str:
    """The chart as one `<svg>` element."""
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}" '
        'role="img" aria-label="coverage per run">'
    ]
    for level in (0, 25, 50, 75, 100):
        y = _y(level)
        parts.append(f'<line x1="{LEFT}" y1="{y:.1f}" x2="{WIDTH - RIGHT}" y2="{y:.1f}" stroke="#d0d7de"/>')
        parts.append(f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{level}%</text>')
    if not points:
        parts.append(f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">no runs yet</text></svg>')
        return "".join(parts)
    coords = [(_x(i, len(points)), _y(p.percent)) for i, p in enumerate(points)]
    if len(points) > 1:
        line = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
        parts.append(f'<polyline points="{line}" fill="none" stroke="#0969da" stroke-width="2"/>')
    for point, (x, y) in zip(points, coords, strict=True):
        colour = COLOURS.get(point.gate or "", OTHER_COLOUR)
        tip = escape(f"{point.run_id}: {point.percent:.1f}% ({point.gate or 'no verdict'})")
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{colour}"><title>{tip}</title></circle>')
    baseline = HEIGHT - BOTTOM + 18
    parts.append(f'<text x="{coords[0][0]:.1f}" y="{baseline}" font-size="11">{escape(_date(points[0].run_id))}</text>')
    if len(points) > 1:
        last = escape(_date(points[-1].run_id))
        parts.append(f'<text x="{coords[-1][0]:.1f}" y="{baseline}" text-anchor="end" font-size="11">{last}</text>')
    parts.append("</svg>")
    return "".join(parts)

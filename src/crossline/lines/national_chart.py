"""The trends chart of the national picture, drawn on the server as SVG.

The content security policy refuses inline styles and scripts, so the chart
is plain SVG geometry (attributes) coloured by CSS classes in crossline.css.
The table beside it on the page is its text alternative.
"""

from __future__ import annotations

from dataclasses import dataclass

from crossline.lines.national_schemas import WeekCount

# The series drawn, as the brief of the national picture names them (issue 6).
SERIES = (("opened", "Opened"), ("disrupted", "Disrupted"), ("closed", "Closed"))
WIDTH, HEIGHT = 720, 260
LEFT, RIGHT, TOP, BOTTOM = 40, 10, 10, 40  # room for the axis labels
TICKS = 4


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: str  # the CSS modifier: opened, disrupted, closed
    title: str  # what a pointer over the bar shows


@dataclass(frozen=True)
class Tick:
    y: float
    label: str


@dataclass(frozen=True)
class WeekLabel:
    x: float
    label: str


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    left: int
    plot_right: int
    baseline: float
    bars: list[Bar]
    ticks: list[Tick]
    weeks: list[WeekLabel]
    series: tuple[tuple[str, str], ...]
    description: str


def trend_chart(trends: list[WeekCount]) -> TrendChart:
    """Grouped bars, one group a week, one bar for each of SERIES."""
    top = max((getattr(w.measures, s) for w in trends for s, _ in SERIES), default=0)
    scale_max = _nice_ceiling(top)
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    group = plot_width / max(len(trends), 1)
    bar_width = group * 0.8 / len(SERIES)
    baseline = TOP + plot_height
    bars = []
    labels = []
    every = max(1, len(trends) // 12)  # at most about 12 week labels fit under the bars
    for i, week in enumerate(trends):
        start = LEFT + i * group + group * 0.1
        for j, (series, name) in enumerate(SERIES):
            value = getattr(week.measures, series)
            height = plot_height * value / scale_max
            bars.append(
                Bar(
                    x=round(start + j * bar_width, 1),
                    y=round(baseline - height, 1),
                    width=round(bar_width, 1),
                    height=round(height, 1),
                    series=series,
                    title=f"Week starting {week.week_starting:%-d %b %Y}: {value} {name.lower()}",
                )
            )
        if i % every == 0:
            labels.append(
                WeekLabel(
                    x=round(LEFT + (i + 0.5) * group, 1), label=f"{week.week_starting:%-d %b}"
                )
            )
    ticks = [
        Tick(y=round(baseline - plot_height * k / TICKS, 1), label=str(scale_max * k // TICKS))
        for k in range(TICKS + 1)
    ]
    return TrendChart(
        width=WIDTH,
        height=HEIGHT,
        left=LEFT,
        plot_right=WIDTH - RIGHT,
        baseline=baseline,
        bars=bars,
        ticks=ticks,
        weeks=labels,
        series=SERIES,
        description=_describe(trends),
    )


def _nice_ceiling(value: int) -> int:
    """The smallest multiple of TICKS at or above ``value`` (at least TICKS), so that
    every tick is a whole number of lines."""
    return max(TICKS, -(-value // TICKS) * TICKS)


def _describe(trends: list[WeekCount]) -> str:
    if not trends:
        return "No weeks to show."
    totals = {name: sum(getattr(w.measures, s) for w in trends) for s, name in SERIES}
    counts = ", ".join(f"{total} {name.lower()}" for name, total in totals.items())
    return (
        f"Lines opened, disrupted and closed in each of {len(trends)} weeks from "
        f"{trends[0].week_starting:%-d %B %Y}: {counts} in all. "
        "The table below gives every week's figures."
    )

"""What the outcome charts draw: bars with an overall line, one outcome's trend, the
gaps heatmap. Plain values for the templates (``outcomes/_charts.html``).

Text is never drawn inside a scaled SVG: labels and numbers are HTML, so they keep
their size on a phone; SVG draws only the shapes (a bar, a line), whose geometry the
Content Security Policy allows as attributes where an inline style would not be.
Groups under ``reports.MIN_GROUP`` students are listed but neither drawn nor given a
rate (small-cell suppression).
"""

from __future__ import annotations

from dataclasses import dataclass

from marketplace.blueprints.outcomes.reports import MIN_GROUP, Summary
from marketplace.core.reference import OUTCOMES


@dataclass
class Bar:
    label: str
    rate: float | None  # None: suppressed, too few students
    students: int | None = None
    value: str = ""  # the group's value, for drill-down links

    @property
    def suppressed(self) -> bool:
        return self.rate is None

    @property
    def width(self) -> str:
        """The bar's length on a 0-100 scale (a sliver for 0 %, so the row reads)."""
        return f"{max((self.rate or 0) * 100, 0.4):.1f}"


@dataclass
class BarChart:
    title: str
    bars: list[Bar]
    reference: float | None = None  # the overall rate, drawn across the bars
    reference_label: str = "Overall"

    @property
    def reference_x(self) -> str:
        return f"{(self.reference or 0) * 100:.1f}"

    @property
    def suppressed(self) -> int:
        return sum(bar.suppressed for bar in self.bars)


def outcome_bars(summary: Summary, title: str) -> BarChart:
    """The cohort's rate for each outcome."""
    return BarChart(title, [Bar(o.label, o.rate, o.students, o.key) for o in summary.outcomes])


def group_bars(summary: Summary, outcome: str, title: str) -> BarChart:
    """One outcome's rate per group, with the overall rate as the reference line."""
    return BarChart(title, [
        Bar(group.label, None if group.suppressed else group.outcomes[outcome].rate,
            group.students, group.value) for group in summary.groups],
        reference=summary.overall(outcome).rate)


MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
               "Dec"]


@dataclass
class TrendChart:
    """One outcome over the months. The SVG stretches to any width (its shapes only);
    the months are an HTML grid of as many equal columns, each point at a column's
    centre, so the labels line up at every width."""

    title: str
    key: str
    months: list[str]  # "YYYY-MM"
    values: list[float]
    width: int = 1200
    height: int = 200

    def _x(self, index: int) -> float:
        return (index + 0.5) * self.width / max(len(self.values), 1)

    def _y(self, value: float) -> float:
        return self.height * (1 - value)

    @property
    def points(self) -> str:
        return " ".join(f"{self._x(i):.1f},{self._y(v):.1f}" for i, v in enumerate(self.values))

    @property
    def dots(self) -> list[tuple[str, str]]:
        return [(f"{self._x(i):.1f}", f"{self._y(v):.1f}") for i, v in enumerate(self.values)]

    @property
    def gridlines(self) -> list[str]:
        return [f"{self._y(t / 100):.1f}" for t in (100, 75, 50, 25, 0)]

    @property
    def month_labels(self) -> list[tuple[str, str]]:
        """(short month, the year under January and the first month, else "")."""
        labels = []
        for index, month in enumerate(self.months):
            year, number = month.split("-")
            labels.append((MONTH_NAMES[int(number) - 1],
                           year if index == 0 or number == "01" else ""))
        return labels

    @property
    def first(self) -> float:
        return self.values[0] if self.values else 0.0

    @property
    def last(self) -> float:
        return self.values[-1] if self.values else 0.0

    @property
    def label(self) -> str:
        return OUTCOMES[self.key]


def trend_chart(months: list[str], series: dict[str, list[float]], key: str,
                title: str) -> TrendChart:
    """One outcome's share over the months, drawn alone (six lines overlap)."""
    return TrendChart(title, key, months, series[key])


# How far below the overall rate a cell is, in points: the heatmap's shades. Colour is
# never the only cue: every cell also says its gap in words and numbers.
SHADES = [
    (0, "at or above overall"),
    (-5, "up to 5 points below"),
    (-10, "5 to 10 points below"),
    (-20, "10 to 20 points below"),
    (None, "20 or more points below"),
]


def shade(gap: float) -> int:
    """0 (at or above the overall rate) to 4 (20 or more points below)."""
    if gap >= 0:
        return 0
    if gap > -5:
        return 1
    if gap > -10:
        return 2
    if gap > -20:
        return 3
    return 4


@dataclass
class HeatCell:
    key: str
    rate: float | None  # None: suppressed
    gap: float | None
    shade: int | None

    @property
    def suppressed(self) -> bool:
        return self.rate is None


@dataclass
class HeatRow:
    label: str
    value: str
    students: int
    cells: list[HeatCell]

    @property
    def suppressed(self) -> bool:
        return self.students < MIN_GROUP


@dataclass
class Heatmap:
    group_by: str
    overall: list[HeatCell]
    rows: list[HeatRow]

    @property
    def suppressed(self) -> int:
        return sum(row.suppressed for row in self.rows)

    @property
    def outcomes(self) -> list[tuple[str, str]]:
        return list(OUTCOMES.items())


def heatmap(summary: Summary) -> Heatmap:
    """Groups × outcomes: each cell the group's rate and its gap to the overall rate."""
    rows = []
    for group in summary.groups:
        cells = []
        for key in OUTCOMES:
            if group.suppressed:
                cells.append(HeatCell(key, None, None, None))
            else:
                gap = summary.gap(group, key)
                cells.append(HeatCell(key, group.outcomes[key].rate, gap, shade(gap)))
        rows.append(HeatRow(group.label, group.value, group.students, cells))
    overall = [HeatCell(o.key, o.rate, 0.0, 0) for o in summary.outcomes]
    return Heatmap(summary.group_by or "", overall, rows)

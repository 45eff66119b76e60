"""Inline SVG charts drawn in Python: no JavaScript, no CDN, prints as vectors.

Every chart takes already-aggregated numbers (a few hundred points at most)
and returns `Markup`. Every text that could come from a workload (operation
names, run names) goes through `escape`, so it cannot open a tag.

Example::

    line_chart([Line("RU/s", xs, ys)], x_label="seconds", y_label="RU/s",
               reference=Reference(4000, "provisioned 4,000 RU/s"))
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from markupsafe import Markup, escape

from bench.formatting import significant

# Okabe-Ito: distinguishable with colour-blindness and in greyscale print.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#F0E442")
HOT = "#D55E00"
WARN = "#C0392B"
WIDTH = 760
FONT = 12
DASH, TIMES = "\u2013", "\u00d7"
CHAR_WIDTH = 6.8  # average width of a 12px sans-serif character, for label room


def color(index: int) -> str:
    return PALETTE[index % len(PALETTE)]


class Canvas:
    """Collects SVG elements; attribute values are numbers or escaped strings."""

    def __init__(self, width: float, height: float, title: str) -> None:
        self.width, self.height, self.title = width, height, title
        self.parts: list[str] = []

    def element(self, tag: str, text: str | None = None, **attrs: object) -> None:
        self.parts.append(self.markup(tag, text, **attrs))

    @staticmethod
    def markup(tag: str, text: str | None = None, **attrs: object) -> str:
        rendered = " ".join(
            f'{name.rstrip("_").replace("_", "-")}="{_attr(value)}"'
            for name, value in attrs.items()
            if value is not None
        )
        if text is None:
            return f"<{tag} {rendered}/>"
        return f"<{tag} {rendered}>{escape(text)}</{tag}>"

    def group(self, tooltip: str, *elements: str) -> None:
        """Elements sharing a hover tooltip (SVG <title>, no script needed)."""
        self.parts.append(f"<g><title>{escape(tooltip)}</title>{''.join(elements)}</g>")

    def text(self, x: float, y: float, text: str, **attrs: object) -> None:
        self.element("text", text, x=x, y=y, font_size=FONT, **attrs)

    def render(self) -> Markup:
        return Markup(
            f'<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg" role="img" '
            f'viewBox="0 0 {self.width:.0f} {self.height:.0f}" '
            f'width="{self.width:.0f}" height="{self.height:.0f}" '
            f'aria-label="{escape(self.title)}"><title>{escape(self.title)}</title>'
            + "".join(self.parts)
            + "</svg>"
        )


def _attr(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.1f}".rstrip("0").rstrip(".") if math.isfinite(value) else "0"
    return str(escape(str(value)))


@dataclass(frozen=True)
class Scale:
    """Maps data values onto pixels, linear or logarithmic."""

    lo: float
    hi: float
    start: float
    end: float
    log: bool = False

    def __call__(self, value: float) -> float:
        lo, hi, v = self.lo, self.hi, value
        if self.log:
            lo, hi, v = math.log10(lo), math.log10(hi), math.log10(max(value, self.lo))
        fraction = (v - lo) / (hi - lo) if hi > lo else 0.0
        return self.start + fraction * (self.end - self.start)

    def ticks(self) -> list[float]:
        return log_ticks(self.lo, self.hi) if self.log else linear_ticks(self.lo, self.hi)


def linear_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    """Round tick values (1, 2, 5 x 10^n steps) covering lo..hi."""
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.ceil(lo / step) * step
    return [first + i * step for i in range(int((hi - first) / step + 1e-9) + 1)]


def log_ticks(lo: float, hi: float) -> list[float]:
    """1, 2, 5 x 10^n between lo and hi (thinned to powers of ten on wide ranges)."""
    ticks = []
    for exponent in range(math.floor(math.log10(lo)), math.ceil(math.log10(hi)) + 1):
        for mantissa in (1, 2, 5):
            value = mantissa * 10**exponent
            if lo <= value <= hi:
                ticks.append(value)
    if len(ticks) > 10:
        ticks = [t for t in ticks if f"{t:g}".lstrip("0.").startswith("1")]
    return ticks


def tick_label(value: float) -> str:
    """Axis labels without spurious decimals: 20, 2,500, 0.5."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:g}"


def nice_max(value: float) -> float:
    """The next round number above value, so the top tick closes the axis."""
    if value <= 0:
        return 1.0
    ticks = linear_ticks(0, value * 1.05)
    step = ticks[1] - ticks[0] if len(ticks) > 1 else value
    return ticks[-1] + (step if ticks[-1] < value * 1.05 else 0)


def empty_chart(title: str, message: str) -> Markup:
    """A chart-sized box saying why there is nothing to draw."""
    canvas = Canvas(WIDTH, 80, title)
    canvas.element("rect", x=0.5, y=0.5, width=WIDTH - 1, height=79, fill="none", stroke="#ccc")
    canvas.text(WIDTH / 2, 45, message, text_anchor="middle", fill="#666")
    return canvas.render()


# ---------------------------------------------------------------- row charts


@dataclass(frozen=True)
class RowSeries:
    """One run's figures per row (operation): {row: {figure name: value}}."""

    label: str
    values: Mapping[str, Mapping[str, float]]
    color: str = PALETTE[0]


@dataclass
class _Rows:
    """Vertical layout shared by the percentile ladder and the box plot."""

    rows: Sequence[str]
    series: Sequence[RowSeries]
    left: float = 0
    top: float = 34
    lane: float = 16
    gap: float = 12
    right: float = 170
    bottom: float = 30
    lanes: int = field(init=False)

    def __post_init__(self) -> None:
        self.lanes = len(self.series)
        longest = max((len(r) for r in self.rows), default=4)
        self.left = min(230, 12 + CHAR_WIDTH * longest)

    @property
    def height(self) -> float:
        return self.top + len(self.rows) * self.row_height + self.bottom

    @property
    def row_height(self) -> float:
        return self.lanes * self.lane + self.gap

    def y(self, row: int, lane: int) -> float:
        return self.top + row * self.row_height + self.gap / 2 + (lane + 0.5) * self.lane

    def frame(self, canvas: Canvas, scale: Scale, unit: str) -> None:
        """Row labels, zebra bands, vertical grid and the x axis."""
        plot_bottom = self.height - self.bottom
        for index, row in enumerate(self.rows):
            y0 = self.top + index * self.row_height
            if index % 2 == 0:
                canvas.element(
                    "rect", x=0, y=y0, width=WIDTH, height=self.row_height, fill="#f5f7fa"
                )
            canvas.text(
                self.left - 8,
                y0 + self.row_height / 2 + 4,
                _clip(row, int((self.left - 12) / CHAR_WIDTH)),
                text_anchor="end",
            )
        for tick in scale.ticks():
            x = scale(tick)
            canvas.element(
                "line", x1=x, x2=x, y1=self.top, y2=plot_bottom, stroke="#d0d4da", stroke_width=1
            )
            canvas.text(x, plot_bottom + 16, tick_label(tick), text_anchor="middle")
        # Clear of the first tick label, which is centred on the axis start.
        canvas.text(self.left - 18, plot_bottom + 16, unit, text_anchor="end", fill="#555")

    def legend(self, canvas: Canvas) -> None:
        """Run colours along the top, when there is more than one run."""
        x = self.left
        if len(self.series) > 1:
            for item in self.series:
                canvas.element("rect", x=x, y=0, width=12, height=12, fill=item.color)
                canvas.text(x + 16, 10, _clip(item.label, 40))
                x += 28 + CHAR_WIDTH * min(len(item.label), 40)


LADDER_GLYPHS = {
    "p50": '<circle cx="{x}" cy="{y}" r="5" fill="{color}"/>',
    "p90": '<circle cx="{x}" cy="{y}" r="3" fill="{color}"/>',
    "p95": '<circle cx="{x}" cy="{y}" r="3" fill="{color}"/>',
    "p99": '<circle cx="{x}" cy="{y}" r="4.5" fill="#fff" stroke="{color}" stroke-width="2"/>',
    "p99.9": (
        '<rect x="{x0}" y="{y0}" width="8" height="8" fill="#fff" stroke="{color}" '
        'stroke-width="2"/>'
    ),
    "max": '<line x1="{x}" x2="{x}" y1="{y0}" y2="{y1}" stroke="{color}" stroke-width="2"/>',
}


def _glyph(name: str, x: float, y: float, fill: str) -> str:
    return LADDER_GLYPHS[name].format(
        x=f"{x:.1f}", y=f"{y:.1f}", x0=f"{x - 4:.1f}", y0=f"{y - 4:.1f}", y1=f"{y + 4:.1f}",
        color=fill,
    )  # fmt: skip


def percentile_ladder(
    title: str, rows: Sequence[str], series: Sequence[RowSeries], unit: str = "ms"
) -> Markup:
    """Latency percentiles per operation on a log axis: p50 dot to max bar, one lane
    per run. Long tails show as long ladders; the p50 and p99 values are printed."""
    names = list(LADDER_GLYPHS)
    values = [
        v for s in series for r in rows for v in (s.values.get(r) or {}).values() if v and v > 0
    ]
    if not rows or not values:
        return empty_chart(title, "no latency samples")
    layout = _Rows(rows, series)
    lo, hi = min(values), max(values)
    lo, hi = 10 ** math.floor(math.log10(lo)), 10 ** math.ceil(math.log10(hi * 1.0001))
    scale = Scale(lo, hi, layout.left, WIDTH - layout.right, log=True)
    canvas = Canvas(WIDTH, layout.height, title)
    layout.frame(canvas, scale, unit)
    layout.legend(canvas)
    x, y = layout.left, 24 if len(series) > 1 else 14
    for name in names:
        canvas.parts.append(_glyph(name, x + 5, y, "#333"))
        canvas.text(x + 13, y + 4, name, fill="#333")
        x += 24 + CHAR_WIDTH * len(name)
    for row_index, row in enumerate(rows):
        for lane, item in enumerate(series):
            figures = item.values.get(row)
            if not figures:
                continue
            y = layout.y(row_index, lane)
            present = [(n, figures[n]) for n in names if figures.get(n) is not None]
            xs = [scale(v) for _, v in present]
            canvas.element(
                "line", x1=min(xs), x2=max(xs), y1=y, y2=y, stroke=item.color, stroke_width=1.5
            )
            for (name, value), gx in zip(present, xs, strict=True):
                canvas.group(
                    f"{row} · {item.label}: {name} {significant(value)} {unit}",
                    _glyph(name, gx, y, item.color),
                )
            summary = "  ".join(
                f"{n} {significant(figures[n])}" for n in ("p50", "p99") if n in figures
            )
            summary += f" {unit}" if summary else ""
            canvas.text(WIDTH - layout.right + 8, y + 4, summary, fill="#333")
    return canvas.render()


BOX_FIGURES = ("p5", "p25", "p50", "p75", "p95", "max")


def box_plot(
    title: str, rows: Sequence[str], series: Sequence[RowSeries], unit: str = "RU"
) -> Markup:
    """A distribution per operation: box p25-p75, whiskers p5-p95, median line, max
    cross. A constant charge collapses to a single line, which is itself a finding."""
    values = [v for s in series for r in rows for v in (s.values.get(r) or {}).values()]
    if not rows or not values:
        return empty_chart(title, "no request charges")
    layout = _Rows(rows, series)
    scale = Scale(0.0, nice_max(max(values)), layout.left, WIDTH - layout.right)
    canvas = Canvas(WIDTH, layout.height, title)
    layout.frame(canvas, scale, unit)
    layout.legend(canvas)
    y = 28 if len(series) > 1 else 18
    legend = f"box p25{DASH}p75 · whiskers p5{DASH}p95 · {TIMES} max"
    canvas.text(layout.left, y, legend, fill="#555")
    for row_index, row in enumerate(rows):
        for lane, item in enumerate(series):
            f = item.values.get(row)
            if not f:
                continue
            y = layout.y(row_index, lane)
            half = layout.lane / 2 - 2
            x25, x50, x75 = scale(f["p25"]), scale(f["p50"]), scale(f["p75"])
            elements = [
                Canvas.markup(
                    "line", x1=scale(f["p5"]), x2=scale(f["p95"]), y1=y, y2=y,
                    stroke=item.color, stroke_width=1.5,
                ),
                Canvas.markup(
                    "rect", x=x25, y=y - half, width=max(x75 - x25, 1.5), height=2 * half,
                    fill=item.color, fill_opacity=0.35, stroke=item.color,
                ),
                Canvas.markup(
                    "line", x1=x50, x2=x50, y1=y - half, y2=y + half,
                    stroke=item.color, stroke_width=3,
                ),
                Canvas.markup(
                    "text", TIMES, x=scale(f["max"]), y=y + 4, text_anchor="middle",
                    font_size=FONT, fill=item.color,
                ),
            ]  # fmt: skip
            tooltip = f"{row} · {item.label}: " + ", ".join(
                f"{n} {significant(f[n])}" for n in BOX_FIGURES
            )
            canvas.group(tooltip, *elements)
            canvas.text(
                WIDTH - layout.right + 8, y + 4, f"p50 {significant(f['p50'])} {unit}", fill="#333"
            )
    return canvas.render()


# ------------------------------------------------------------ time and bars


@dataclass(frozen=True)
class Line:
    label: str
    x: Sequence[float]
    y: Sequence[float]
    color: str = PALETTE[0]
    dashed: bool = False


@dataclass(frozen=True)
class Reference:
    """A horizontal line such as the provisioned RU/s."""

    value: float
    label: str


def line_chart(
    title: str,
    lines: Sequence[Line],
    *,
    x_label: str,
    y_label: str,
    reference: Reference | None = None,
    height: float = 240,
) -> Markup:
    """Series over time (already bucketed), with an optional reference line."""
    points = [(x, y) for line in lines for x, y in zip(line.x, line.y, strict=True)]
    if not points:
        return empty_chart(title, "no data in the measured window")
    left, right, bottom = 64, 16, 36
    legend = _legend_layout([line.label for line in lines], _legend_start(left, y_label), WIDTH)
    top = 30 + LEGEND_ROW * (legend[-1][1] if len(lines) > 1 else 0)
    height += top - 30
    x_max = max(x for x, _ in points) or 1.0
    y_top = max([y for _, y in points] + ([reference.value] if reference else []))
    x_scale = Scale(0.0, x_max, left, WIDTH - right)
    y_scale = Scale(0.0, nice_max(y_top), height - bottom, top)
    canvas = Canvas(WIDTH, height, title)
    for tick in y_scale.ticks():
        y = y_scale(tick)
        canvas.element("line", x1=left, x2=WIDTH - right, y1=y, y2=y, stroke="#e1e4e8")
        canvas.text(left - 6, y + 4, tick_label(tick), text_anchor="end")
    for tick in x_scale.ticks():
        canvas.text(x_scale(tick), height - bottom + 16, tick_label(tick), text_anchor="middle")
    canvas.text(WIDTH - right, height - 4, x_label, text_anchor="end", fill="#555")
    canvas.text(4, 16, y_label, fill="#555")
    if reference:
        y = y_scale(reference.value)
        canvas.element(
            "line", x1=left, x2=WIDTH - right, y1=y, y2=y, stroke=WARN, stroke_width=1.5,
            stroke_dasharray="6 4",
        )  # fmt: skip
        canvas.text(WIDTH - right, y - 5, reference.label, text_anchor="end", fill=WARN)
    for line, (legend_x, legend_row) in zip(lines, legend, strict=True):
        coordinates = " ".join(
            f"{x_scale(x):.1f},{y_scale(y):.1f}" for x, y in zip(line.x, line.y, strict=True)
        )
        canvas.group(
            line.label,
            Canvas.markup(
                "polyline", points=coordinates, fill="none", stroke=line.color, stroke_width=1.6,
                stroke_dasharray="5 3" if line.dashed else None, stroke_linejoin="round",
            ),
        )  # fmt: skip
        if len(lines) > 1:
            y = 12 + legend_row * LEGEND_ROW
            canvas.element(
                "line", x1=legend_x, x2=legend_x + 14, y1=y - 4, y2=y - 4,
                stroke=line.color, stroke_width=2.5,
                stroke_dasharray="4 2" if line.dashed else None,
            )  # fmt: skip
            canvas.text(legend_x + 18, y, _clip(line.label, LEGEND_CHARS))
    return canvas.render()


@dataclass(frozen=True)
class Bars:
    label: str
    values: Sequence[float]
    color: str = PALETTE[0]


def bar_chart(
    title: str,
    categories: Sequence[str],
    bars: Sequence[Bars],
    *,
    y_label: str,
    highlight: Sequence[str] = (),
    height: float = 240,
    width: float = WIDTH,
) -> Markup:
    """Grouped vertical bars per category (physical partition); highlighted categories
    (hot partitions) get a marker above their bars."""
    if not categories or not bars:
        return empty_chart(title, "no partition figures")
    left, right, top, bottom = 64, 16, 34, 40
    y_top = max([v for b in bars for v in b.values] + [0.0])
    y_scale = Scale(0.0, nice_max(y_top), height - bottom, top)
    canvas = Canvas(width, height, title)
    for tick in y_scale.ticks():
        y = y_scale(tick)
        canvas.element("line", x1=left, x2=width - right, y1=y, y2=y, stroke="#e1e4e8")
        canvas.text(left - 6, y + 4, tick_label(tick), text_anchor="end")
    canvas.text(4, 16, y_label, fill="#555")
    slot = (width - left - right) / len(categories)
    bar_width = max(1.0, slot * 0.8 / len(bars))
    legend_x = _legend_start(left, y_label)
    for index, category in enumerate(categories):
        x0 = left + index * slot + slot * 0.1
        hot = category in highlight
        for b_index, item in enumerate(bars):
            value = item.values[index]
            y = y_scale(value)
            canvas.group(
                f"{item.label} · partition {category}: {significant(value)}",
                Canvas.markup(
                    "rect", x=x0 + b_index * bar_width, y=y, width=bar_width, height=y_scale(0) - y,
                    fill=HOT if hot and len(bars) == 1 else item.color,
                ),
            )  # fmt: skip
        if hot:
            canvas.text(x0 + slot * 0.4, top - 4, "hot", text_anchor="middle", fill=HOT)
        if len(categories) <= 40 or index % math.ceil(len(categories) / 40) == 0:
            canvas.text(
                x0 + slot * 0.4, height - bottom + 16, _clip(category, 10), text_anchor="middle"
            )
    canvas.text(width - right, height - 6, "physical partition", text_anchor="end", fill="#555")
    if len(bars) > 1:
        for item in bars:
            canvas.element("rect", x=legend_x, y=6, width=12, height=12, fill=item.color)
            canvas.text(legend_x + 16, 16, _clip(item.label, 36))
            legend_x += 30 + CHAR_WIDTH * min(len(item.label), 36)
    return canvas.render()


LEGEND_ROW = 16
LEGEND_CHARS = 36


def _legend_layout(labels: Sequence[str], start: float, width: float) -> list[tuple[float, int]]:
    """(x, row) of each legend entry, wrapping onto a new row at the chart's right edge."""
    positions: list[tuple[float, int]] = []
    x, row = start, 0
    for label in labels:
        needed = 30 + CHAR_WIDTH * min(len(label), LEGEND_CHARS)
        if x + needed > width and x > start:
            x, row = start, row + 1
        positions.append((x, row))
        x += needed
    return positions or [(start, 0)]


def _legend_start(left: float, y_label: str) -> float:
    """Legends start right of the y-axis label printed in the top-left corner."""
    return max(left + 8, 4 + CHAR_WIDTH * len(y_label) + 16)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(1, limit - 1)] + "…"

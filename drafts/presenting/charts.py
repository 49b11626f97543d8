"""Server-side SVG charts: a stacked bar, horizontal bars, a line chart and a heatmap, with no JavaScript.

Each function returns one ``<svg>`` element as a ``SafeString``, built with ``format_html`` so every
label (section headings, user names) is escaped. The site's Content-Security-Policy forbids inline
styles, so the SVG carries geometry as attributes and colour as classes styled in ``site.css``
(``.chart-svg ...``). The figures are also in an HTML table on the page; the ``<desc>`` summarises.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

_ID_PREFIX = re.compile(r"[a-z][a-z0-9-]*")
_CSS_CLASS = re.compile(r"[a-z0-9-]+")

# Geometry in viewBox units. The SVG scales to its container's width, so text scales with it.
_WIDTH = 720
_MARGIN = 8
_FONT = 13  # set on the root as an attribute so the width estimates below match what is drawn
_LEGEND_ROW = 22
_LABEL_CHARS = 40  # bar labels longer than this are cut with an ellipsis (the full label is in a <title>)
_X_LABEL_CHARS = 24
# Later series of a line chart are dashed, so lines are told apart without colour.
_DASHES = ("", "8 4", "2 3", "12 3 2 3")
# The fill and stroke attributes written on shapes are fallbacks that keep a chart legible where site.css
# does not reach (an SVG saved on its own); the stylesheet's classes override them.
# A heatmap's rows are this tall (its cells 2 less), so 200 sections make a chart about 4,000 units high.
_ROW_HEIGHT = 20
_MAX_CELL = 88  # with few columns the cells stop widening here rather than stretch across the chart
_ROW_LABEL_ROOM = _WIDTH * 0.45  # at most, so the grid keeps over half the width (wide East Asian labels are cut)
_COLUMN_LABEL_ROOM = 180
# The fallback fills of heat-0 to heat-5 (site.css sets the same): one blue from near white to dark. Their
# figures are ink up to heat-3 and white from heat-4, each 5:1 or more against its cell.
_HEAT_FILLS = ("#f8fafc", "#dbeafe", "#a9cdf5", "#6fa8e8", "#2f6fc4", "#163a73")
_HEAT_LIGHT_TEXT = 4


@dataclass(frozen=True)
class Series:
    """One named series of a line chart: a value for each x label, coloured by ``css_class``."""

    name: str
    values: tuple[int, ...]
    css_class: str

    def __post_init__(self) -> None:
        _check_css_class(self.css_class)
        object.__setattr__(self, "values", tuple(self.values))
        for value in self.values:
            _check_value(value)


def stacked_bar(*, id_prefix: str, title: str, description: str, segments: list[tuple[str, int, str]]) -> SafeString:
    """One horizontal bar split into segments ``(label, value, css_class)``, in the order given.

    Each segment wide enough carries its value inside, a narrow one below the bar with a leader line.
    Segments worth 0 are not drawn but keep their place in the legend, which reads "label (value)".
    Raises ``ValueError`` for a bad ``id_prefix`` or ``css_class`` or a negative value.
    """
    _check_id_prefix(id_prefix)
    for _label, value, css_class in segments:
        _check_value(value)
        _check_css_class(css_class)
    if not segments:
        return _no_data(id_prefix, title, description)

    bar_top, bar_height = _MARGIN, 32
    bar_width = _WIDTH - 2 * _MARGIN
    total = sum(value for _label, value, _css in segments)
    parts = [
        format_html(
            '<rect class="track" x="{}" y="{}" width="{}" height="{}" fill="none" stroke="#d5dbe3"/>',
            _MARGIN,
            bar_top,
            bar_width,
            bar_height,
        )
    ]
    below: list[SafeString] = []
    row_ends: list[float] = []  # for each row of labels under the bar, where its last label ends
    x = float(_MARGIN)
    for label, value, css_class in segments:
        if not value:
            continue
        width = value / total * bar_width
        text = _integer(value)
        text_width = _text_width(text)
        middle = x + width / 2
        if text_width + 8 <= width:
            inside = format_html(
                '<text class="value value-inside" x="{}" y="{}" text-anchor="middle" fill="#ffffff">{}</text>',
                _n(middle),
                _n(bar_top + bar_height / 2 + _FONT * 0.35),
                text,
            )
        else:
            # Too narrow to hold its figure: put it under the bar, in the first row where it fits.
            inside = SafeString()
            start = max(middle - text_width / 2, float(_MARGIN))
            row = next((i for i, end in enumerate(row_ends) if start >= end + 6), len(row_ends))
            if row == len(row_ends):
                row_ends.append(0.0)
            row_ends[row] = start + text_width
            label_y = bar_top + bar_height + 6 + (row + 1) * (_FONT + 4)
            below.append(
                format_html(
                    '<line class="leader" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#5a6472"/>'
                    '<text class="value" x="{}" y="{}">{}</text>',
                    _n(middle),
                    bar_top + bar_height,
                    _n(middle),
                    _n(label_y - _FONT),
                    _n(start),
                    _n(label_y),
                    text,
                )
            )
        parts.append(
            format_html(
                '<g class="segment-group"><title>{}</title>'
                '<rect class="segment {}" x="{}" y="{}" width="{}" height="{}" fill="#5a6472"/>{}</g>',
                _legend_text(label, value),
                css_class,
                _n(x),
                bar_top,
                _n(max(width, 1.0)),
                bar_height,
                inside,
            )
        )
        x += width
    parts.extend(below)
    legend_top = bar_top + bar_height + 12 + len(row_ends) * (_FONT + 4)
    legend, legend_height = _legend(
        [(_legend_text(label, value), css_class, None) for label, value, css_class in segments], legend_top
    )
    parts.append(legend)
    return _svg(id_prefix, title, description, "chart-stacked", legend_top + legend_height, parts)


def bar_chart(
    *,
    id_prefix: str,
    title: str,
    description: str,
    bars: list[tuple[str, int]],
    css_class: str = "bar",
    max_bars: int = 400,
) -> SafeString:
    """Horizontal bars, one per ``(label, value)`` in the order given, the value written at the bar's end.

    The chart grows one row per bar. Labels past 40 characters are cut with an ellipsis; each bar's
    group has a ``<title>`` with the full label. Beyond ``max_bars`` bars the rest are counted in a
    last line instead of drawn. Raises ``ValueError`` for a bad ``id_prefix`` or ``css_class``, a
    negative value or a ``max_bars`` below 1.
    """
    _check_id_prefix(id_prefix)
    _check_css_class(css_class)
    if max_bars < 1:
        raise ValueError(f"max_bars must be at least 1, not {max_bars}.")
    for _label, value in bars:
        _check_value(value)
    if not bars:
        return _no_data(id_prefix, title, description)

    shown, hidden = bars[:max_bars], len(bars) - max_bars
    row_height, bar_height = 24, 16
    labels = [_truncate(label, _LABEL_CHARS) for label, _value in shown]
    top = max(value for _label, value in shown)
    label_room = max(_text_width(label) for label in labels) + 10
    value_room = _text_width(_integer(top)) + 10
    plot_left = _MARGIN + label_room
    plot_width = _WIDTH - plot_left - value_room - _MARGIN
    parts = []
    for i, ((label, value), short) in enumerate(zip(shown, labels, strict=True)):
        y = _MARGIN + i * row_height
        text_y = _n(y + row_height / 2 + _FONT * 0.35)
        width = value / top * plot_width if top else 0.0
        rect = (
            format_html(
                '<rect class="{}" x="{}" y="{}" width="{}" height="{}" fill="#5a6472"/>',
                css_class,
                plot_left,
                _n(y + (row_height - bar_height) / 2),
                _n(max(width, 1.0)),
                bar_height,
            )
            if value
            else SafeString()
        )
        parts.append(
            format_html(
                '<g class="bar-row"><title>{}</title><text class="label" x="{}" y="{}" text-anchor="end">{}</text>{}'
                '<text class="value" x="{}" y="{}">{}</text></g>',
                f"{label}: {_integer(value)}",
                plot_left - 8,
                text_y,
                short,
                rect,
                _n(plot_left + width + 6),
                text_y,
                _integer(value),
            )
        )
    bottom = _MARGIN + len(shown) * row_height
    parts.append(
        format_html(
            '<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#5a6472"/>',
            plot_left,
            _MARGIN,
            plot_left,
            bottom,
        )
    )
    if hidden > 0:
        bottom += row_height
        parts.append(
            format_html(
                '<text class="more" x="{}" y="{}">{}</text>',
                plot_left,
                _n(bottom - row_height / 2 + _FONT * 0.35),
                ngettext("%(n)d more not shown", "%(n)d more not shown", hidden) % {"n": hidden},
            )
        )
    return _svg(id_prefix, title, description, "chart-bars", bottom + _MARGIN, parts)


def line_chart(
    *, id_prefix: str, title: str, description: str, x_labels: list[str], series: list[Series]
) -> SafeString:
    """Lines over ``x_labels``, one per ``Series``, each point a circle with its value above it.

    The y axis starts at 0 with a few round ticks; a legend names the series (later ones dashed).
    A single x label is one column of points in the middle. Raises ``ValueError`` for a bad
    ``id_prefix`` or a series whose values do not match ``x_labels`` one for one.
    """
    _check_id_prefix(id_prefix)
    for one in series:
        if len(one.values) != len(x_labels):
            raise ValueError(f"Series {one.name!r} has {len(one.values)} values for {len(x_labels)} x labels.")
    if not x_labels or not series:
        return _no_data(id_prefix, title, description)

    step, y_max = _ticks(max(max(one.values) for one in series))
    labels = [_truncate(label, _X_LABEL_CHARS) for label in x_labels]
    label_widths = [_text_width(label) for label in labels]
    tick_room = _text_width(_integer(y_max)) + 10
    pad = 28  # between the y axis and the first column, and after the last one
    plot_left, plot_top, plot_height = _MARGIN + tick_room, _MARGIN + _FONT + 8, 220
    plot_right = _WIDTH - _MARGIN - max(_text_width(_integer(y_max)) / 2, label_widths[-1] / 2 - pad, 0)
    plot_left = max(plot_left, _MARGIN + label_widths[0] / 2 - pad)  # the first label, centred, stays inside
    span = plot_right - plot_left - 2 * pad
    spacing = span / (len(x_labels) - 1) if len(x_labels) > 1 else math.inf
    # When the x labels do not fit side by side they are slanted, and the plot moves right to hold the first.
    slanted = max(label_widths) + 8 > spacing
    if slanted:
        plot_left = max(plot_left, _MARGIN + label_widths[0] * 0.71 - pad + 4)
        span = plot_right - plot_left - 2 * pad
        spacing = span / (len(x_labels) - 1) if len(x_labels) > 1 else math.inf
    plot_bottom = plot_top + plot_height
    xs = (
        [plot_left + pad + i * spacing for i in range(len(x_labels))]
        if len(x_labels) > 1
        else [(plot_left + plot_right) / 2]
    )

    def y_of(value: int) -> float:
        return plot_bottom - value / y_max * plot_height

    parts = []
    for tick in range(0, y_max + 1, step):
        y = _n(y_of(tick))
        parts.append(
            format_html(
                '<line class="{}" x1="{}" y1="{}" x2="{}" y2="{}" stroke="#d5dbe3"/>'
                '<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>',
                "axis" if tick == 0 else "grid",
                _n(plot_left),
                y,
                _n(plot_right),
                y,
                _n(plot_left - 6),
                _n(y_of(tick) + _FONT * 0.35),
                _integer(tick),
            )
        )
    for x, label, full in zip(xs, labels, x_labels, strict=True):
        if slanted:
            label_y = plot_bottom + 14
            parts.append(
                format_html(
                    '<text class="x-label" x="{}" y="{}" text-anchor="end" transform="rotate(-45 {} {})">'
                    "<title>{}</title>{}</text>",
                    _n(x),
                    label_y,
                    _n(x),
                    label_y,
                    full,
                    label,
                )
            )
        else:
            parts.append(
                format_html(
                    '<text class="x-label" x="{}" y="{}" text-anchor="middle"><title>{}</title>{}</text>',
                    _n(x),
                    plot_bottom + _FONT + 8,
                    full,
                    label,
                )
            )
    for index, one in enumerate(series):
        points = " ".join(f"{_n(x)},{_n(y_of(v))}" for x, v in zip(xs, one.values, strict=True))
        parts.append(
            format_html(
                '<polyline class="line {}" points="{}" fill="none" stroke="#5a6472"{}/>',
                one.css_class,
                points,
                _dash(_DASHES[index % len(_DASHES)]),
            )
        )
        parts.append(
            format_html_join(
                "",
                '<circle class="point {}" cx="{}" cy="{}" r="4" fill="#5a6472"/>',
                ((one.css_class, _n(x), _n(y_of(v))) for x, v in zip(xs, one.values, strict=True)),
            )
        )
    parts.append(_point_values(xs, series, y_of))

    axis_bottom = plot_bottom + (max(label_widths) * 0.71 + 26 if slanted else _FONT + 20)
    legend, legend_height = _legend(
        [(one.name, one.css_class, _DASHES[i % len(_DASHES)]) for i, one in enumerate(series)], axis_bottom
    )
    parts.append(legend)
    return _svg(id_prefix, title, description, "chart-line", axis_bottom + legend_height, parts)


def heatmap(
    *,
    id_prefix: str,
    title: str,
    description: str,
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[int]],
    row_links: Sequence[str] | None = None,
) -> SafeString:
    """A grid of counts, a row per label in ``rows`` and a column per label in ``columns``: ``values[r][c]``.

    Each cell is shaded ``heat-0`` (zero) to ``heat-5`` on a scale relative to the largest value (see
    ``_heat_level``), has its value written inside when it is not zero and fits, and a ``<title>`` such as
    "7.3 Detention, Member State: 12 comments". A legend above the grid gives the values of each shade.
    Row labels are on the left, cut past 40 characters; column labels are on top, cut past 24 and slanted
    (with many columns, upright) when they do not fit side by side; a cut label keeps its full text in a
    ``<title>``. ``row_links`` gives an href per row, making its label a link. The chart grows one row per
    label and draws no totals. With no rows, no columns or only zeros it says there is no data. Raises
    ``ValueError`` for a bad ``id_prefix``, a negative value, ``values`` that are not one sequence of
    ``len(columns)`` values per row, or ``row_links`` that are not one per row.
    """
    _check_id_prefix(id_prefix)
    if len(values) != len(rows) or any(len(row_values) != len(columns) for row_values in values):
        raise ValueError(f"values must be {len(rows)} rows of {len(columns)} values, one per row and column.")
    for row_values in values:
        for value in row_values:
            _check_value(value)
    if row_links is not None and len(row_links) != len(rows):
        raise ValueError(f"row_links has {len(row_links)} links for {len(rows)} rows.")
    maximum = max((max(row_values, default=0) for row_values in values), default=0)
    if not maximum:
        return _no_data(id_prefix, title, description)

    ranges = _heat_ranges(maximum)
    legend, legend_height = _legend(
        [(text, f"heat-{level}", None) for level, text in ranges],
        _MARGIN,
        fills=[_HEAT_FILLS[level] for level, _text in ranges],
    )
    row_labels = [_truncate_to_width(label, _LABEL_CHARS, _ROW_LABEL_ROOM) for label in rows]
    column_labels = [_truncate_to_width(label, _X_LABEL_CHARS, _COLUMN_LABEL_ROOM) for label in columns]
    column_widths = [_text_width(label) for label in column_labels]
    grid_left = _MARGIN + max(_text_width(label) for label in row_labels) + 10
    room = _WIDTH - _MARGIN - grid_left
    cell = min(room / len(columns), _MAX_CELL)
    # Column labels lie level when they fit side by side. Otherwise they are slanted, rising to the right
    # from the middle of their column, and the cells narrow until the last ones end inside the chart; when
    # that leaves slanted labels too close to clear each other (a line apart), they stand upright instead.
    angle = 0
    if max(column_widths) + 6 > cell:
        slanted_cell = min(cell, *((room - 0.71 * w - _FONT / 2) / (i + 0.5) for i, w in enumerate(column_widths)))
        angle = 45 if slanted_cell * 0.71 >= _FONT + 2 else 90
        cell = slanted_cell if angle == 45 else cell
    # The height the labels take above the grid: their rise, and the letters standing off the baseline.
    rise, letters = {0: (0.0, _FONT + 10), 45: (0.71, 14), 90: (1.0, 8)}[angle]
    header = max(column_widths) * rise + letters
    grid_top = _MARGIN + legend_height + 6 + header

    parts = [legend]
    for i, (label, short) in enumerate(zip(columns, column_labels, strict=True)):
        middle = grid_left + (i + 0.5) * cell
        if angle:
            # The letters of a turned label stand to the left of its baseline: start a little right to centre them.
            x, y = _n(middle + _FONT * (0.25 if angle == 45 else 0.35)), _n(grid_top - 6)
            parts.append(
                format_html(
                    '<text class="column-label" x="{}" y="{}" transform="rotate(-{} {} {})"><title>{}</title>{}</text>',
                    x,
                    y,
                    angle,
                    x,
                    y,
                    label,
                    short,
                )
            )
        else:
            parts.append(
                format_html(
                    '<text class="column-label" x="{}" y="{}" text-anchor="middle"><title>{}</title>{}</text>',
                    _n(middle),
                    _n(grid_top - 8),
                    label,
                    short,
                )
            )
    for r, (label, short, row_values) in enumerate(zip(rows, row_labels, values, strict=True)):
        top = grid_top + r * _ROW_HEIGHT
        text_y = _n(top + _ROW_HEIGHT / 2 + _FONT * 0.35)
        row_label = format_html(
            '<text class="label" x="{}" y="{}" text-anchor="end"><title>{}</title>{}</text>',
            _n(grid_left - 8),
            text_y,
            label,
            short,
        )
        if row_links is not None:
            row_label = format_html('<a class="row-link" href="{}">{}</a>', row_links[r], row_label)
        parts.append(row_label)
        for c, (column, value) in enumerate(zip(columns, row_values, strict=True)):
            parts.append(_heat_cell(label, column, value, _heat_level(value, maximum), grid_left + c * cell, top, cell))
    return _svg(id_prefix, title, description, "chart-heatmap", grid_top + len(rows) * _ROW_HEIGHT + _MARGIN, parts)


def _heat_cell(row: str, column: str, value: int, level: int, x: float, top: float, width: float) -> SafeString:
    """One cell of a heatmap: its shaded square, its value when not zero and there is room, and its ``<title>``."""
    text = _integer(value)
    figure = SafeString()
    if value and _text_width(text) + 4 <= width - 2:
        light = level >= _HEAT_LIGHT_TEXT
        figure = format_html(
            '<text class="cell-value {}" x="{}" y="{}" text-anchor="middle" fill="{}">{}</text>',
            "heat-text-light" if light else "heat-text-dark",
            _n(x + width / 2),
            _n(top + _ROW_HEIGHT / 2 + _FONT * 0.35),
            "#ffffff" if light else "#1d2530",
            text,
        )
    hover = ngettext("%(row)s, %(column)s: %(count)d comment", "%(row)s, %(column)s: %(count)d comments", value) % {
        "row": row,
        "column": column,
        "count": value,
    }
    return format_html(
        '<g class="heat-cell"><title>{}</title>'
        '<rect class="cell heat-{}" x="{}" y="{}" width="{}" height="{}" fill="{}"{}/>{}</g>',
        hover,
        level,
        _n(x + 1),
        _n(top + 1),
        _n(max(width - 2, 1.0)),
        _ROW_HEIGHT - 2,
        _HEAT_FILLS[level],
        format_html(' stroke="{}"', "#d5dbe3") if level == 0 else SafeString(),
        figure,
    )


def _heat_level(value: int, maximum: int) -> int:
    """The shade of ``value`` on a heatmap whose largest value is ``maximum``: 0 for zero, else 1 to 5.

    Shade k holds the values above (k - 1)/5 and at most k/5 of the maximum, so the maximum is always 5
    and any value above zero at least 1. With a maximum of 15: 0 is 0, 1-3 is 1, 4-6 is 2, ..., 13-15 is 5.
    Below a maximum of 5 some shades hold no whole number and are left out of the legend.
    """
    return -(-5 * value // maximum)  # the ceiling of 5 * value / maximum, in integers so no count is rounded


def _heat_ranges(maximum: int) -> list[tuple[int, str]]:
    """Each shade a value can take under ``maximum``, with the values it holds: "0", "1–3", "4–6", ..., "13–15"."""
    ranges = [(0, "0")]
    for level in range(1, len(_HEAT_FILLS)):
        low, high = (level - 1) * maximum // 5 + 1, level * maximum // 5
        if low <= high:
            ranges.append((level, _integer(low) if low == high else f"{_integer(low)}–{_integer(high)}"))
    return ranges


def _point_values(xs: list[float], series: list[Series], y_of: Callable[[int], float]) -> SafeString:
    """Each point's value above it or, where that spot is taken by another series' value, beside or below it."""
    # The boxes of the points, then of each value as it is written: a value goes where it hides neither.
    placed = [(x - 5, y_of(v) - 5, x + 5, y_of(v) + 5) for one in series for x, v in zip(xs, one.values, strict=True)]
    labels = []
    for i, x in enumerate(xs):
        for value in sorted({one.values[i] for one in series}, reverse=True):  # one label for points that coincide
            text, y = _integer(value), y_of(value)
            width = _text_width(text)
            # (x of the text's middle, baseline): above, to the right, to the left, below.
            spots = [
                (x, y - 8),
                (x + 8 + width / 2, y + _FONT * 0.35),
                (x - 8 - width / 2, y + _FONT * 0.35),
                (x, y + _FONT + 6),
            ]
            boxes = [(cx - width / 2, base - _FONT, cx + width / 2, base) for cx, base in spots]
            free = next((k for k, box in enumerate(boxes) if not any(_overlap(box, other) for other in placed)), 0)
            placed.append(boxes[free])
            labels.append((_n(spots[free][0]), _n(spots[free][1]), text))
    return format_html_join("", '<text class="value" x="{}" y="{}" text-anchor="middle">{}</text>', labels)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _svg(
    id_prefix: str, title: str, description: str, kind: str, height: float, parts: Iterable[SafeString]
) -> SafeString:
    # direction="ltr": on a right-to-left page the drawing keeps its geometry (labels stay left of their bars).
    return format_html(
        '<svg xmlns="http://www.w3.org/2000/svg" class="chart-svg {kind}" viewBox="0 0 {width} {height}" width="100%"'
        ' role="img" aria-labelledby="{p}-title {p}-desc" focusable="false" font-size="{font}" direction="ltr">'
        '<title id="{p}-title">{title}</title><desc id="{p}-desc">{description}</desc>{body}</svg>',
        kind=kind,
        width=_WIDTH,
        height=_n(math.ceil(height)),
        p=id_prefix,
        font=_FONT,
        title=title,
        description=description,
        body=_join(parts),
    )


def _no_data(id_prefix: str, title: str, description: str) -> SafeString:
    no_data = _("No data.")
    text = format_html('<text class="no-data" x="{}" y="28" text-anchor="middle">{}</text>', _WIDTH // 2, no_data)
    return _svg(id_prefix, title, " ".join(p for p in (description, no_data) if p), "chart-empty", 44, [text])


def _legend(
    entries: Sequence[tuple[str, str, str | None]], top: float, *, fills: Sequence[str] = ()
) -> tuple[SafeString, float]:
    """The legend's items ``(text, css_class, dash)`` flowed in rows from ``top``, and the height they take.

    A ``dash`` of ``None`` draws a square swatch; a string draws a short line with a point, dashed so.
    ``fills`` gives the swatches' fallback fills, one per entry, where grey would not tell them apart.
    """
    items = []
    x, row = float(_MARGIN), 0
    for index, (text, css_class, dash) in enumerate(entries):
        text = _truncate(text, _LABEL_CHARS)
        mark_width = 14 if dash is None else 28
        width = mark_width + 6 + _text_width(text)
        if x > _MARGIN and x + width > _WIDTH - _MARGIN:
            x, row = float(_MARGIN), row + 1
        y = top + row * _LEGEND_ROW
        if dash is None:
            mark = format_html(
                '<rect class="swatch {}" x="{}" y="{}" width="14" height="14" fill="{}"/>',
                css_class,
                _n(x),
                _n(y + 3),
                fills[index] if fills else "#5a6472",
            )
        else:
            mark = format_html(
                '<line class="line {c}" x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" stroke="#5a6472"{dash}/>'
                '<circle class="point {c}" cx="{cx}" cy="{y}" r="4" fill="#5a6472"/>',
                c=css_class,
                x1=_n(x),
                x2=_n(x + mark_width),
                cx=_n(x + mark_width / 2),
                y=_n(y + 10),
                dash=_dash(dash),
            )
        items.append(
            format_html(
                '<g class="legend-item">{}<text x="{}" y="{}">{}</text></g>',
                mark,
                _n(x + mark_width + 6),
                _n(y + 10 + _FONT * 0.35),
                text,
            )
        )
        x += width + 18
    return format_html('<g class="legend">{}</g>', _join(items)), (row + 1) * _LEGEND_ROW


def _legend_text(label: str, value: int) -> str:
    return f"{label} ({_integer(value)})"


def _dash(dash: str) -> SafeString:
    return format_html(' stroke-dasharray="{}"', dash) if dash else SafeString()


def _ticks(top_value: int) -> tuple[int, int]:
    """A round integer step giving about four ticks over ``top_value``, and the axis top (a multiple of it)."""
    raw = max(top_value, 1) / 4
    magnitude = 10 ** max(math.floor(math.log10(raw)), 0) if raw >= 1 else 1
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    return step, max(-(-top_value // step) * step, step)


def _join(parts: Iterable[SafeString]) -> SafeString:
    return format_html_join("", "{}", ((part,) for part in parts))


def _integer(value: int) -> str:
    return str(int(value))


def _n(value: float) -> str:
    """A coordinate written short: at most two decimals, no trailing zeros."""
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _text_width(text: str) -> float:
    """About how wide ``text`` is drawn at the chart's font size (wide East Asian characters count double)."""
    return sum(_FONT * (1.0 if unicodedata.east_asian_width(c) in "WF" else 0.6) for c in text)


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _truncate_to_width(text: str, limit: int, room: float) -> str:
    """``text`` cut at ``limit`` characters, and shorter while it is drawn wider than ``room``."""
    short = _truncate(text, limit)
    while len(short) > 1 and _text_width(short) > room:
        short = _truncate(text, len(short) - 1)
    return short


def _check_id_prefix(id_prefix: str) -> None:
    if not _ID_PREFIX.fullmatch(id_prefix):
        raise ValueError(f"id_prefix must match [a-z][a-z0-9-]*, not {id_prefix!r}.")


def _check_css_class(css_class: str) -> None:
    if not _CSS_CLASS.fullmatch(css_class):
        raise ValueError(f"css_class must match [a-z0-9-]+, not {css_class!r}.")


def _check_value(value: int) -> None:
    if not isinstance(value, int) or value < 0:
        raise ValueError(f"A chart's values are counts (integers from 0), not {value!r}.")

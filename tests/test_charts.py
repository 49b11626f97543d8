"""Tests for drafts.presenting.charts: well-formed, accessible, escaped SVG whose shapes follow the figures.

Pure: no database. Each chart is parsed with ElementTree, so a chart that is not well-formed XML fails.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from itertools import pairwise

import pytest
from django.utils.safestring import SafeString

from drafts.presenting.charts import Series, bar_chart, heatmap, line_chart, stacked_bar

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert(1)</script> "q" & a'  # short enough not to be cut


def parse(svg: SafeString) -> ET.Element:
    assert isinstance(svg, SafeString)
    root = ET.fromstring(str(svg))  # noqa: S314 - the output of the code under test
    assert root.tag == f"{SVG}svg"
    return root


def find_all(root: ET.Element, tag: str, css_class: str | None = None) -> list[ET.Element]:
    """Every ``tag`` element under ``root``, only those carrying ``css_class`` when one is given."""
    found = root.iter(f"{SVG}{tag}")
    return [e for e in found if css_class is None or css_class in e.get("class", "").split()]


def texts(root: ET.Element) -> list[str]:
    """What each ``<text>`` element shows, its hover ``<title>`` left out."""
    return [
        "".join(t.itertext()) if t.find(f"{SVG}title") is None else (t.find(f"{SVG}title").tail or "")
        for t in find_all(root, "text")
    ]


def values(root: ET.Element) -> list[str]:
    """The figures written on the chart's bars, segments and points (not its axis ticks or legend)."""
    return [t.text or "" for t in find_all(root, "text", "value")]


def widths(rects: list[ET.Element]) -> list[float]:
    return [float(r.get("width", "nan")) for r in rects]


def assert_accessible(root: ET.Element, id_prefix: str, title: str, description: str) -> None:
    """role="img", labelled by its own <title> and <desc>, scaling to its container, out of the tab order."""
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == f"{id_prefix}-title {id_prefix}-desc"
    assert root.get("width") == "100%"
    assert root.get("focusable") == "false"
    assert re.fullmatch(r"0 0 \d+ \d+", root.get("viewBox", ""))
    title_el, desc_el = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title_el is not None and title_el.get("id") == f"{id_prefix}-title" and title_el.text == title
    assert desc_el is not None and desc_el.get("id") == f"{id_prefix}-desc"
    assert description in (desc_el.text or "")


def assert_no_inline_style(svg: SafeString, root: ET.Element) -> None:
    """The site's CSP has no 'unsafe-inline' for styles: no style attribute, no <style> element."""
    assert all("style" not in element.attrib for element in root.iter())
    assert not find_all(root, "style")
    assert "style=" not in svg


def assert_no_data(svg: SafeString, id_prefix: str) -> None:
    root = parse(svg)
    assert_accessible(root, id_prefix, "Chart", "Nothing yet.")
    assert "No data" in (root.find(f"{SVG}desc").text or "")
    assert any("No data" in text for text in texts(root))
    assert not find_all(root, "rect") and not find_all(root, "circle")


def status_segments(**values: int) -> list[tuple[str, int, str]]:
    return [(name.replace("_", " ").capitalize(), n, f"status-{name.replace('_', '-')}") for name, n in values.items()]


def sample_stacked(**overrides: object) -> SafeString:
    arguments: dict = {
        "id_prefix": "chart-status",
        "title": "Sections by status",
        "description": "100 sections.",
        "segments": status_segments(drafting=40, in_review=30, agreed_ad_ref=0, agreed=30),
    }
    return stacked_bar(**(arguments | overrides))


def sample_bars(**overrides: object) -> SafeString:
    arguments: dict = {
        "id_prefix": "chart-brackets",
        "title": "Brackets open per section",
        "description": "3 sections have brackets open.",
        "bars": [("1 Scope", 30), ("2 Definitions", 60), ("3 Roles", 15)],
        "css_class": "bar-brackets",
    }
    return bar_chart(**(arguments | overrides))


def sample_line(**overrides: object) -> SafeString:
    arguments: dict = {
        "id_prefix": "chart-trend",
        "title": "Brackets open, draft by draft",
        "description": "Draft 1 40; Draft 2 31; Working copy 12",
        "x_labels": ["Draft 1", "Draft 2", "Working copy"],
        "series": [
            Series(name="Brackets open", values=(40, 31, 12), css_class="trend"),
            Series(name="Options", values=(10, 30, 0), css_class="bar-pending"),
        ],
    }
    return line_chart(**(arguments | overrides))


CATEGORIES = ["Member State", "UN entity", "NGO / civil society"]


def sample_heatmap(**overrides: object) -> SafeString:
    arguments: dict = {
        "id_prefix": "chart-comments",
        "title": "Comments by section and stakeholder",
        "description": "3 sections, 3 categories.",
        "rows": ["1 Scope", "2 Definitions", "7.3 Protection from arbitrary detention"],
        "columns": CATEGORIES,
        "values": [[15, 0, 1], [3, 4, 6], [13, 12, 0]],
    }
    return heatmap(**(arguments | overrides))


SAMPLES: dict[str, Callable[..., SafeString]] = {
    "stacked": sample_stacked,
    "bars": sample_bars,
    "line": sample_line,
    "heatmap": sample_heatmap,
}


# Every chart


@pytest.mark.parametrize("make", SAMPLES.values(), ids=SAMPLES.keys())
def test_a_chart_is_one_accessible_svg(make):
    svg = make(id_prefix="p-1", title="A chart", description="What it shows.")
    assert_accessible(parse(svg), "p-1", "A chart", "What it shows.")


@pytest.mark.parametrize("make", SAMPLES.values(), ids=SAMPLES.keys())
def test_a_chart_has_no_inline_style(make):
    svg = make()
    assert_no_inline_style(svg, parse(svg))


@pytest.mark.parametrize("make", SAMPLES.values(), ids=SAMPLES.keys())
@pytest.mark.parametrize("id_prefix", ["", "1chart", "Chart", "chart one", 'x"y', "chart_1", "c<"])
def test_a_bad_id_prefix_is_refused(make, id_prefix):
    with pytest.raises(ValueError, match="id_prefix"):
        make(id_prefix=id_prefix)


@pytest.mark.parametrize("make", SAMPLES.values(), ids=SAMPLES.keys())
def test_title_and_description_are_escaped(make):
    svg = make(title=HOSTILE, description=HOSTILE)
    root = parse(svg)
    assert_accessible(root, root.get("aria-labelledby").split()[0].removesuffix("-title"), HOSTILE, HOSTILE)
    assert not find_all(root, "script")
    assert "<script>" not in svg


# stacked_bar


def test_stacked_bar_draws_one_segment_per_non_zero_value_in_proportion():
    root = parse(sample_stacked(segments=status_segments(drafting=30, in_review=0, agreed=60)))
    segments = find_all(root, "rect", "segment")
    assert [s.get("class") for s in segments] == ["segment status-drafting", "segment status-agreed"]
    drafting, agreed = widths(segments)
    assert agreed / drafting == pytest.approx(2, rel=1e-3)
    track = find_all(root, "rect", "track")[0]
    assert drafting + agreed == pytest.approx(float(track.get("width")), abs=0.02)
    assert float(segments[1].get("x")) == pytest.approx(float(segments[0].get("x")) + drafting, abs=0.02)


def test_stacked_bar_keeps_a_zero_segment_in_the_legend():
    root = parse(sample_stacked(segments=status_segments(drafting=30, in_review=0, agreed=60)))
    assert {"Drafting (30)", "In review (0)", "Agreed (60)"} <= set(texts(root))
    assert [s.get("class") for s in find_all(root, "rect", "swatch")] == [
        "swatch status-drafting",
        "swatch status-in-review",
        "swatch status-agreed",
    ]


def test_stacked_bar_writes_every_non_zero_value_even_on_a_narrow_segment():
    root = parse(sample_stacked(segments=status_segments(drafting=997, in_review=1, agreed=2)))
    assert sorted(map(int, values(root))) == [1, 2, 997]


def test_stacked_bar_labels_are_escaped():
    svg = sample_stacked(segments=[(HOSTILE, 3, "status-drafting"), ("Agreed", 1, "status-agreed")])
    root = parse(svg)
    assert f"{HOSTILE} (3)" in texts(root)
    assert not find_all(root, "script")
    assert "<script>" not in svg


def test_stacked_bar_with_every_value_zero_draws_no_segment():
    root = parse(sample_stacked(segments=status_segments(drafting=0, in_review=0)))
    assert not find_all(root, "rect", "segment")
    assert {"Drafting (0)", "In review (0)"} <= set(texts(root))


def test_stacked_bar_without_segments_says_no_data():
    assert_no_data(stacked_bar(id_prefix="empty", title="Chart", description="Nothing yet.", segments=[]), "empty")


@pytest.mark.parametrize("css_class", ["Status", "status drafting", 'a"b', "", "status_drafting"])
def test_stacked_bar_refuses_a_bad_css_class(css_class):
    with pytest.raises(ValueError, match="css_class"):
        sample_stacked(segments=[("Drafting", 1, css_class)])


def test_stacked_bar_refuses_a_negative_value():
    with pytest.raises(ValueError):
        sample_stacked(segments=[("Drafting", -1, "status-drafting")])


# bar_chart


def test_bar_chart_draws_bars_in_proportion_with_their_values_at_the_end():
    root = parse(sample_bars())
    bars = find_all(root, "rect", "bar-brackets")
    assert len(bars) == 3
    scope, definitions, roles = widths(bars)
    assert definitions / scope == pytest.approx(2, rel=1e-3)
    assert scope / roles == pytest.approx(2, rel=1e-3)
    for row, bar in zip(find_all(root, "g", "bar-row"), bars, strict=True):
        value = next(t for t in row.iter(f"{SVG}text") if "value" in t.get("class", ""))
        assert float(value.get("x")) > float(bar.get("x")) + float(bar.get("width"))
    assert {"1 Scope", "2 Definitions", "3 Roles", "30", "60", "15"} <= set(texts(root))


def test_bar_chart_draws_no_bar_for_zero_but_writes_the_zero():
    root = parse(sample_bars(bars=[("1 Scope", 4), ("2 Definitions", 0)]))
    assert len(find_all(root, "rect", "bar-brackets")) == 1
    assert values(root) == ["4", "0"]


def test_bar_chart_with_every_value_zero_does_not_divide_by_zero():
    root = parse(sample_bars(bars=[("alice", 0), ("bob", 0)]))
    assert not find_all(root, "rect", "bar-brackets")
    assert values(root) == ["0", "0"]


def test_bar_chart_without_bars_says_no_data():
    assert_no_data(bar_chart(id_prefix="empty", title="Chart", description="Nothing yet.", bars=[]), "empty")


def test_bar_chart_cuts_a_long_label_and_keeps_it_whole_for_hover():
    long = "4 " + "Responsibilities of the competent authorities " * 3
    root = parse(sample_bars(bars=[(long, 2)]))
    shown = next(t for t in texts(root) if t.startswith("4 "))
    assert shown.endswith("…") and len(shown) <= 40
    assert find_all(root, "g", "bar-row")[0].find(f"{SVG}title").text == f"{long}: 2"


def test_bar_chart_labels_are_escaped():
    svg = sample_bars(bars=[(HOSTILE, 3), ("A & B", 1)])
    root = parse(svg)
    assert {HOSTILE, "A & B"} <= set(texts(root))
    assert not find_all(root, "script")
    assert "<script>" not in svg


def test_bar_chart_grows_with_its_bars():
    def height(n: int) -> int:
        return int(parse(sample_bars(bars=[(f"s{i}", i + 1) for i in range(n)])).get("viewBox").split()[3])

    assert height(1) < height(10) < height(20)


def test_bar_chart_draws_four_hundred_bars():
    svg = sample_bars(bars=[(f"Section {i}", i % 7 + 1) for i in range(400)])
    root = parse(svg)
    assert len(find_all(root, "rect", "bar-brackets")) == 400
    assert len(find_all(root, "g", "bar-row")) == 400


def test_bar_chart_counts_the_bars_past_max_bars_instead_of_drawing_them():
    root = parse(sample_bars(bars=[(f"s{i}", 1) for i in range(8)], max_bars=5))
    assert len(find_all(root, "rect", "bar-brackets")) == 5
    assert "3 more not shown" in texts(root)


def test_bar_chart_writes_a_very_large_value_as_an_integer():
    root = parse(sample_bars(bars=[("alice", 10**15), ("bob", 1)]))
    alice, bob = widths(find_all(root, "rect", "bar-brackets"))
    assert values(root) == ["1000000000000000", "1"]
    assert alice > bob > 0  # the smallest bar stays visible


@pytest.mark.parametrize("css_class", ["Bar", "bar brackets", 'bar"', ""])
def test_bar_chart_refuses_a_bad_css_class(css_class):
    with pytest.raises(ValueError, match="css_class"):
        sample_bars(css_class=css_class)


def test_bar_chart_refuses_a_negative_value_and_a_max_bars_below_one():
    with pytest.raises(ValueError):
        sample_bars(bars=[("alice", -2)])
    with pytest.raises(ValueError, match="max_bars"):
        sample_bars(max_bars=0)


# line_chart


def test_line_chart_marks_each_point_with_a_circle_and_its_value():
    root = parse(sample_line())
    assert len(find_all(root, "circle", "point")) == 6 + 2  # the points, and one in each legend entry
    assert len(find_all(root, "polyline")) == 2
    assert sorted(values(root), key=int) == [0, 10, 12, 30, 31, 40] or sorted(map(int, values(root))) == [
        0,
        10,
        12,
        30,
        31,
        40,
    ]


def test_line_chart_points_are_placed_by_value_on_an_axis_from_zero():
    root = parse(sample_line(series=[Series(name="Brackets", values=(0, 20, 40), css_class="trend")]))
    polyline = find_all(root, "polyline")[0]
    ys = [float(point.split(",")[1]) for point in polyline.get("points").split()]
    assert ys[0] - ys[1] == pytest.approx(ys[1] - ys[2], abs=0.02)
    ticks = [t.text for t in find_all(root, "text", "tick")]
    assert ticks[0] == "0" and all(t.isdigit() for t in ticks) and 3 <= len(ticks) <= 6
    axis = find_all(root, "line", "axis")[0]
    assert ys[0] == pytest.approx(float(axis.get("y1")), abs=0.02)


def test_line_chart_has_a_legend_telling_series_apart_without_colour():
    root = parse(sample_line())
    assert {"Brackets open", "Options"} <= set(texts(root))
    dashes = [line.get("stroke-dasharray") for line in find_all(root, "polyline")]
    assert len(set(dashes)) == 2


def test_line_chart_with_a_single_x_label():
    root = parse(sample_line(x_labels=["Working copy"], series=[Series(name="B", values=(7,), css_class="trend")]))
    assert len(find_all(root, "circle", "point")) == 2
    assert "Working copy" in texts(root)
    assert values(root) == ["7"]


def test_line_chart_with_every_value_zero_does_not_divide_by_zero():
    root = parse(sample_line(series=[Series(name="B", values=(0, 0, 0), css_class="trend")]))
    assert values(root) == ["0", "0", "0"]
    assert next(t.text for t in find_all(root, "text", "tick")) == "0"


def test_line_chart_without_data_says_no_data():
    empty = {"id_prefix": "empty", "title": "Chart", "description": "Nothing yet."}
    assert_no_data(line_chart(**empty, x_labels=[], series=[]), "empty")
    assert_no_data(line_chart(**empty, x_labels=["Draft 1"], series=[]), "empty")


def test_line_chart_labels_and_series_names_are_escaped():
    svg = sample_line(x_labels=["Draft 1", "A & B"], series=[Series(name=HOSTILE, values=(1, 2), css_class="trend")])
    root = parse(svg)
    assert {HOSTILE, "A & B"} <= set(texts(root))
    assert not find_all(root, "script")
    assert "<script>" not in svg


def test_line_chart_writes_a_very_large_value_as_an_integer():
    root = parse(sample_line(x_labels=["Draft 1"], series=[Series(name="B", values=(10**15,), css_class="trend")]))
    assert values(root) == ["1000000000000000"]
    assert not any("e+" in t for t in texts(root))


def test_line_chart_refuses_a_series_that_does_not_match_the_x_labels():
    with pytest.raises(ValueError, match="x labels"):
        sample_line(x_labels=["Draft 1"], series=[Series(name="B", values=(1, 2), css_class="trend")])


@pytest.mark.parametrize("css_class", ["Trend", "a b", "<x>", ""])
def test_series_refuses_a_bad_css_class(css_class):
    with pytest.raises(ValueError, match="css_class"):
        Series(name="B", values=(1,), css_class=css_class)


def test_series_refuses_a_negative_value():
    with pytest.raises(ValueError):
        Series(name="B", values=(1, -1), css_class="trend")


# heatmap


def cells(root: ET.Element) -> list[list[ET.Element]]:
    """The heatmap's cell groups (square, value, <title>), in rows of three columns."""
    groups = find_all(root, "g", "heat-cell")
    return [groups[i : i + len(CATEGORIES)] for i in range(0, len(groups), len(CATEGORIES))]


def shade(cell: ET.Element) -> str:
    """The heat-N class of a cell's square."""
    (square,) = cell.iter(f"{SVG}rect")
    return next(c for c in square.get("class", "").split() if c.startswith("heat-"))


def height(svg: SafeString) -> float:
    return float(parse(svg).get("viewBox").split()[3])


def test_heatmap_draws_one_cell_per_row_and_column_shaded_against_the_maximum():
    root = parse(sample_heatmap())
    grid = cells(root)
    assert len(find_all(root, "rect", "cell")) == 9
    # A maximum of 15 makes fifths of 3: 0 is heat-0, 1-3 heat-1, 4-6 heat-2, ..., 13-15 heat-5.
    assert [[shade(cell) for cell in row] for row in grid] == [
        ["heat-5", "heat-0", "heat-1"],
        ["heat-1", "heat-2", "heat-2"],
        ["heat-5", "heat-4", "heat-0"],
    ]


def test_heatmap_gives_any_value_above_zero_at_least_the_first_shade():
    root = parse(sample_heatmap(values=[[1, 0, 10**6], [0, 0, 0], [0, 0, 0]]))
    assert [shade(cell) for cell in cells(root)[0]] == ["heat-1", "heat-0", "heat-5"]


def test_heatmap_legend_gives_the_values_of_each_shade():
    root = parse(sample_heatmap())
    (legend,) = find_all(root, "g", "legend")
    assert [t.text for t in legend.iter(f"{SVG}text")] == ["0", "1–3", "4–6", "7–9", "10–12", "13–15"]
    assert [s.get("class") for s in find_all(legend, "rect", "swatch")] == [f"swatch heat-{n}" for n in range(6)]


def test_heatmap_legend_leaves_out_a_shade_no_whole_number_falls_in():
    root = parse(sample_heatmap(values=[[2, 1, 0], [0, 0, 0], [0, 0, 0]]))
    (legend,) = find_all(root, "g", "legend")
    assert [t.text for t in legend.iter(f"{SVG}text")] == ["0", "1", "2"]
    assert [shade(cell) for cell in cells(root)[0]] == ["heat-5", "heat-3", "heat-0"]


def test_heatmap_writes_non_zero_values_in_their_cells_light_on_the_dark_shades():
    root = parse(sample_heatmap())
    written = [[(t.text, t.get("class")) for t in cell.iter(f"{SVG}text")] for row in cells(root) for cell in row]
    assert written == [
        [("15", "cell-value heat-text-light")],
        [],
        [("1", "cell-value heat-text-dark")],
        [("3", "cell-value heat-text-dark")],
        [("4", "cell-value heat-text-dark")],
        [("6", "cell-value heat-text-dark")],
        [("13", "cell-value heat-text-light")],
        [("12", "cell-value heat-text-light")],
        [],
    ]


def test_heatmap_cell_titles_name_the_row_the_column_and_the_count():
    root = parse(sample_heatmap())
    titles = [cell.find(f"{SVG}title").text for row in cells(root) for cell in row]
    assert titles[:3] == [
        "1 Scope, Member State: 15 comments",
        "1 Scope, UN entity: 0 comments",
        "1 Scope, NGO / civil society: 1 comment",
    ]
    assert titles[7] == "7.3 Protection from arbitrary detention, UN entity: 12 comments"


def test_heatmap_labels_rows_on_the_left_and_columns_on_top():
    root = parse(sample_heatmap())
    row_labels = find_all(root, "text", "label")
    column_labels = find_all(root, "text", "column-label")
    assert [t.find(f"{SVG}title").tail for t in row_labels] == [
        "1 Scope",
        "2 Definitions",
        "7.3 Protection from arbitrary detention",
    ]
    assert [t.find(f"{SVG}title").tail for t in column_labels] == CATEGORIES
    first_cell = find_all(root, "rect", "cell")[0]
    assert all(float(t.get("x")) < float(first_cell.get("x")) for t in row_labels)
    assert all(float(t.get("y")) < float(first_cell.get("y")) for t in column_labels)


def test_heatmap_cuts_long_labels_keeping_them_whole_for_hover():
    long_row = "4 " + "Responsibilities of the competent authorities " * 3
    long_column = "National human rights institution"
    root = parse(sample_heatmap(rows=[long_row], columns=[long_column], values=[[2]]))
    (row_label,) = find_all(root, "text", "label")
    (column_label,) = find_all(root, "text", "column-label")
    assert row_label.find(f"{SVG}title").text == long_row
    assert row_label.find(f"{SVG}title").tail.endswith("…") and len(row_label.find(f"{SVG}title").tail) <= 40
    assert column_label.find(f"{SVG}title").text == long_column
    assert column_label.find(f"{SVG}title").tail.endswith("…") and len(column_label.find(f"{SVG}title").tail) <= 24
    assert find_all(root, "g", "heat-cell")[0].find(f"{SVG}title").text == f"{long_row}, {long_column}: 2 comments"


def test_heatmap_slants_column_labels_that_do_not_fit_side_by_side_and_keeps_them_inside():
    columns = [
        "Member State",
        "UN entity",
        "NGO / civil society",
        "National human rights institution",
        "Other",
        "Academic / research",
        "Regional organisation",
    ]
    root = parse(sample_heatmap(columns=columns, values=[[1] * 7] * 3))
    labels = find_all(root, "text", "column-label")
    assert all(t.get("transform", "").startswith("rotate(-45 ") for t in labels)
    width = float(root.get("viewBox").split()[2])
    for label in labels:
        shown = label.find(f"{SVG}title").tail
        # Slanted at 45°, a label reaches right by its length times cos 45° (about 7.8 units a character).
        assert float(label.get("x")) + len(shown) * 7.8 * 0.71 <= width
    level = parse(sample_heatmap(columns=["MS", "UN", "NGO"]))
    assert not any(t.get("transform") for t in find_all(level, "text", "column-label"))


def test_heatmap_stands_column_labels_upright_when_slanted_ones_would_touch():
    columns = [f"Stakeholder category {i}" for i in range(16)]
    root = parse(sample_heatmap(columns=columns, values=[[1] * 16] * 3))
    assert all(t.get("transform", "").startswith("rotate(-90 ") for t in find_all(root, "text", "column-label"))
    xs = [float(t.get("x")) for t in find_all(root, "text", "column-label")]
    assert min(b - a for a, b in pairwise(xs)) >= 13 + 2  # a line of 13-unit text apart


def test_heatmap_labels_are_escaped():
    svg = sample_heatmap(rows=[HOSTILE, "A & B", "3"], columns=["Member <State>", "UN & co", "NGO"])
    root = parse(svg)
    assert {HOSTILE, "A & B", "Member <State>", "UN & co"} <= set(texts(root))
    assert cells(root)[0][0].find(f"{SVG}title").text == f"{HOSTILE}, Member <State>: 15 comments"
    assert not find_all(root, "script")
    assert "<script>" not in svg and "<State>" not in svg


def test_heatmap_row_links_wrap_each_row_label_in_a_link():
    links = ["/drafts/1/sections/1/", "/drafts/1/sections/2/?view=comments&by=category", '/x"y']
    svg = sample_heatmap(row_links=links)
    root = parse(svg)
    anchors = find_all(root, "a")
    assert [a.get("href") for a in anchors] == links
    assert [a.find(f"{SVG}text").find(f"{SVG}title").text for a in anchors] == [
        "1 Scope",
        "2 Definitions",
        "7.3 Protection from arbitrary detention",
    ]
    assert "&amp;by=category" in svg
    assert not find_all(parse(sample_heatmap()), "a")


def test_heatmap_draws_two_hundred_sections_one_row_each():
    rows = [f"{i}. Section {i}" for i in range(1, 201)]
    svg = sample_heatmap(
        rows=rows,
        columns=[f"Category {c}" for c in range(7)],
        values=[[(r * c) % 9 for c in range(7)] for r in range(200)],
    )
    root = parse(svg)
    assert len(find_all(root, "rect", "cell")) == 200 * 7
    assert len(find_all(root, "text", "label")) == 200
    assert float(root.get("viewBox").split()[2]) == 720
    twelve = sample_heatmap(rows=rows[:12], columns=[f"Category {c}" for c in range(7)], values=[[1] * 7] * 12)
    assert 18 <= (height(svg) - height(twelve)) / (200 - 12) <= 20


def test_heatmap_draws_no_row_of_totals():
    root = parse(sample_heatmap())
    # The legend's six, the three column and three row labels, and the seven non-zero values: nothing more.
    assert len(find_all(root, "text")) == 6 + 3 + 3 + 7
    assert "31" not in texts(root) and "54" not in texts(root)  # the first column's total and the whole's


def test_heatmap_without_data_says_no_data():
    empty = {"id_prefix": "empty", "title": "Chart", "description": "Nothing yet."}
    assert_no_data(heatmap(**empty, rows=[], columns=CATEGORIES, values=[]), "empty")
    assert_no_data(heatmap(**empty, rows=["1 Scope", "2 Roles"], columns=[], values=[[], []]), "empty")
    assert_no_data(heatmap(**empty, rows=["1 Scope"], columns=CATEGORIES, values=[[0, 0, 0]]), "empty")


@pytest.mark.parametrize(
    "values",
    [
        [[1, 2, 3], [4, 5, 6]],
        [[1, 2, 3], [4, 5, 6], [7, 8, 9], [1, 1, 1]],
        [[1, 2, 3], [4, 5], [7, 8, 9]],
        [[1, 2, 3]] * 2 + [[1, 2, 3, 4]],
    ],
    ids=["a row short", "a row too many", "a value short", "a value too many"],
)
def test_heatmap_refuses_values_that_do_not_match_the_rows_and_columns(values):
    with pytest.raises(ValueError, match="rows of 3 values"):
        sample_heatmap(values=values)


def test_heatmap_refuses_a_negative_value():
    with pytest.raises(ValueError, match="counts"):
        sample_heatmap(values=[[1, 2, 3], [4, -5, 6], [7, 8, 9]])


@pytest.mark.parametrize("row_links", [[], ["/a/", "/b/"], ["/a/", "/b/", "/c/", "/d/"]])
def test_heatmap_refuses_row_links_that_are_not_one_per_row(row_links):
    with pytest.raises(ValueError, match="row_links"):
        sample_heatmap(row_links=row_links)

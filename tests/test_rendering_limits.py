"""Tests for the cost bounds of drafts.rendering: check_cost, and rendering that never fails or runs away.

The bodies here are what python-markdown is slow or fails on (bench/rendering_cost.py prints the
figures): before check_cost, ``"- " * 600 + "x"`` raised RecursionError (a 500 on every page that
shows it) and 20,000 unbalanced ``[`` took 44-47 s of CPU per render, again on every request.
Times are CPU seconds of this process, against a generous ceiling, so a busy machine does not fail them.
"""

from __future__ import annotations

import contextlib
import logging
import re
import string
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drafts import rendering
from drafts.rendering import MAX_NESTING_DEPTH, Rendered, TooCostly, check_cost, render_cached, render_markdown
from tests.generate import generate_pair, long_text, to_markdown
from tests.test_rendering import paras, parse

DEMO = sorted((Path(__file__).resolve().parent.parent / "drafts" / "demo").glob("*.md"))
NESTED_LIST = "- " * 600 + "x"  # (a) in the report
UNBALANCED_BRACKETS = "[" * 20_000  # (b)


def ceiling(body: str) -> float:
    """CPU seconds any render may take: 2 s per 100 KB, and never less than 1 s."""
    return max(1.0, 2.0 * len(body) / 100_000)


def timed_render(body: str, *, anchors: bool = True) -> tuple[Rendered[str], float]:
    start = time.process_time()
    rendered = render_markdown(body, anchor="s-7-3", label="7.3", anchors=anchors)
    return rendered, time.process_time() - start


def assert_refused(body: str, kind: str) -> TooCostly:
    with pytest.raises(TooCostly) as refusal:
        check_cost(body)
    assert refusal.value.kind == kind
    assert refusal.value.found > refusal.value.limit
    return refusal.value


def assert_unrendered_within_ceiling(body: str) -> Rendered[str]:
    rendered, elapsed = timed_render(body)
    assert rendered.unrendered
    assert rendered.paragraph_count >= 1
    assert elapsed <= ceiling(body), f"{elapsed:.2f} s"
    parse(rendered.html)  # well-formed
    return rendered


def demo_bodies() -> list[str]:
    """Every section body of the demo drafts (a section is what follows its heading line)."""
    bodies = []
    for path in DEMO:
        bodies.extend(re.split(r"^#{1,6} .*$", path.read_text(), flags=re.MULTILINE))
    return [body for body in bodies if body.strip()]


# --- the two reported failures ----------------------------------------------------------------


def test_deeply_nested_list_renders_unrendered_instead_of_raising() -> None:
    rendered = assert_unrendered_within_ceiling(NESTED_LIST)
    assert rendered.paragraph_count == 1
    assert "- - - - x" in parse(rendered.html).text


def test_deeply_nested_list_is_refused_for_its_depth() -> None:
    refusal = assert_refused(NESTED_LIST, "depth")
    assert refusal.limit == MAX_NESTING_DEPTH


def test_unbalanced_brackets_render_within_the_ceiling() -> None:
    rendered = assert_unrendered_within_ceiling(UNBALANCED_BRACKETS)
    assert parse(rendered.html).text.count("[") == 20_000


def test_unbalanced_brackets_are_refused_for_their_work() -> None:
    refusal = assert_refused(UNBALANCED_BRACKETS, "work")
    assert refusal.found > 100 * refusal.limit  # quadratic: far over, not just over


def test_a_refused_body_is_cached_unrendered_and_not_checked_again(monkeypatch: pytest.MonkeyPatch) -> None:
    checks = []
    real_check = rendering.check_cost

    def counted_check(body: str) -> None:
        checks.append(body)
        real_check(body)

    monkeypatch.setattr(rendering, "check_cost", counted_check)
    first = render_cached(NESTED_LIST, anchor="s-1", label="1")
    second = render_cached(NESTED_LIST, anchor="s-1", label="1")
    assert first == second
    assert second.unrendered and second.paragraph_count == 1
    assert len(checks) == 1


# --- the fallback ---------------------------------------------------------------------------------

UNRENDERABLE = NESTED_LIST + '\n\nSecond <b onclick="x">para</b>\nline two\n\n \n\n\nThird & last'


def test_unrendered_body_keeps_numbered_paragraphs() -> None:
    rendered, _ = timed_render(UNRENDERABLE)
    root = parse(rendered.html)
    blocks = paras(root)
    assert rendered.unrendered and rendered.paragraph_count == 3 == len(blocks)
    for n, block in enumerate(blocks, start=1):
        assert block.attrs["class"] == "para unrendered"
        assert block.attrs["id"] == f"s-7-3-p{n}"
        ref = block.elements[0]
        assert ref.attrs["class"] == "para-ref" and ref.attrs["href"] == f"#s-7-3-p{n}"
        assert ref.attrs["aria-label"] == ref.attrs["title"] == f"7.3 ¶{n}"
        assert ref.text == f"¶{n}"
    second = blocks[1].elements[1]
    assert second.tag == "p" and [e.tag for e in second.elements] == ["br"]
    assert second.text == 'Second <b onclick="x">para</b>\nline two'  # typed HTML stays text
    assert root.iter("b") == []
    assert blocks[2].elements[1].text == "Third & last"


def test_unrendered_body_without_anchors_is_bare_paragraphs() -> None:
    rendered, _ = timed_render(UNRENDERABLE, anchors=False)
    root = parse(rendered.html)
    assert rendered.unrendered and rendered.paragraph_count == 3
    assert [node.tag for node in root.elements] == ["p", "p", "p"]
    assert root.iter("a") == []


def test_unrendered_paragraphs_are_capped() -> None:
    rendered, elapsed = timed_render("[" * 30_000 + "\n\nx" * 50_000)
    assert rendered.unrendered and rendered.paragraph_count == 10_000
    assert elapsed <= 1.0


def test_a_markdown_failure_falls_back_and_is_logged(monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    def fail(*args: object) -> Rendered[str]:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(rendering, "_rendered", fail)
    with caplog.at_level(logging.WARNING, logger="drafts.rendering"):
        rendered = render_markdown("Fine text.\n\nMore.", anchor="s-1", label="1")
    assert rendered.unrendered and rendered.paragraph_count == 2
    assert "python-markdown failed" in caplog.text


def test_lone_surrogates_do_not_break_rendering_or_the_cache() -> None:
    body, label = "A \ud800 broken *character*.", "7.\udfff"
    assert not render_markdown(body, anchor="s-1", label=label).unrendered
    assert render_cached(body, anchor="s-1", label=label).paragraph_count == 1


def test_too_costly_carries_what_callers_print() -> None:
    refusal = TooCostly("work", 1_000, 2_500)
    assert isinstance(refusal, ValueError)
    assert (refusal.kind, refusal.limit, refusal.found) == ("work", 1_000, 2_500)
    assert str(refusal) == "body too costly to render: work 2,500 over the limit of 1,000"


# --- what the check refuses -----------------------------------------------------------------------
# Each body makes python-markdown do work that grows with the square of its size (the comment says
# how long today's python-markdown took to render it on the 2-core development machine).

MANY_FOOTNOTES = "".join(f"[^{i}]" for i in range(20_000)) + "".join(f"\n\n[^{i}]: x" for i in range(20_000))
QUADRATIC = {
    "unbalanced brackets (44 s)": "[" * 20_000,
    "nested links (7 s)": "[" * 6_400 + "x" + "](u)" * 6_400,
    "emphasis in nested links (16 s)": "[*" * 8_000 + "x" + "*](u)" * 8_000,
    "unclosed link destinations (3 s)": "[a](" * 4_000,
    "image brackets (13 s)": "![" * 8_000,
    "brackets in code spans (23 s)": "`[" * 8_000,
    "headings in one block (4 s)": "# x\ny\n" * 10_000,
    "headings in a quote (10 s)": "> # x\n" * 21_000,
    "setext underlines in one block (19 s)": "x\n=\n" * 16_000,
    "link definitions between lines (20 s)": "x\n[a]: b\n" * 8_000,
    "repeated footnote references (7 s)": "[^1]" * 4_000 + "\n\n[^1]: The note.",
    "emphasis in one block (23 s)": "*a* " * 125_000,
    "entities in one block (14 s)": "&amp;" * 100_000,
    "code spans in a table row (2 s)": "|a|\n|-|\n|" + "`|" * 16_000,
    "unclosed fences (4 s)": "".join("`" * (3 + k % 3) + "x\n\nword\n\n" for k in range(6_000)),
    "blank lines (28 s)": "x" + "\n" * 1_000_000 + "x",
    "blank quote lines (29 s)": ">\nx\n" * 250_000,
    "many footnotes (17 s)": MANY_FOOTNOTES,
}  # fmt: skip


@pytest.mark.parametrize("body", QUADRATIC.values(), ids=QUADRATIC.keys())
def test_quadratic_bodies_are_refused_and_render_unrendered(body: str) -> None:
    assert_refused(body, "work")
    assert_unrendered_within_ceiling(body)


@pytest.mark.parametrize(
    "body",
    [
        "> " * 17 + "x",
        "1. " * 17 + "x",
        "- > " * 9 + "x",
        "".join("    " * level + "- item\n" for level in range(18)),
        "".join("\t" * level + "- item\n" for level in range(18)),
        "Intro.\n\n" + "* " * 40 + "deep",
        "A note[^1].\n\n[^1]: " + "- " * 600 + "x",
    ],
)
def test_nesting_past_the_limit_is_refused(body: str) -> None:
    assert assert_refused(body, "depth").found >= MAX_NESTING_DEPTH + 1


@pytest.mark.parametrize(
    "body",
    [
        "- " * MAX_NESTING_DEPTH + "x",
        "".join("    " * level + "- item\n" for level in range(MAX_NESTING_DEPTH)),
        "* * *\n\nA rule, and 1. a number. - A dash, > a quote mark.",
        " " * 100 + "deeply indented code",
    ],
)
def test_nesting_up_to_the_limit_renders(body: str) -> None:
    check_cost(body)
    rendered, _ = timed_render(body)
    assert not rendered.unrendered


# --- real text passes ------------------------------------------------------------------------------


def test_every_demo_section_passes_and_renders() -> None:
    bodies = demo_bodies()
    assert len(bodies) > 100
    for body in bodies:
        check_cost(body)
        assert not render_markdown(body, anchor="s-1", label="1").unrendered


def test_whole_demo_drafts_pass_as_one_body() -> None:
    for path in DEMO:
        check_cost(path.read_text())


def test_generated_documents_pass() -> None:
    pair = generate_pair()
    for section in pair.old + pair.new:
        check_cost(section.body)
    check_cost(to_markdown(pair.new))
    check_cost(long_text(seed=1, words=150_000))  # about 1 MB


def test_check_is_fast_on_a_megabyte() -> None:
    """Linear, and well under 50 ms for 1 MB on the development machine (best of three, to ignore load)."""
    demo = "\n\n".join(path.read_text() for path in DEMO)
    megabyte = 1_000_000
    for body in [
        (demo * 5)[:megabyte],
        long_text(seed=2, words=150_000)[:megabyte],
        "- x\n" * (megabyte // 4),
        "x\n\n" * (megabyte // 3),
        ("[a](b) `c` *d* " * 70_000)[:megabyte],
        "\t" * megabyte,
    ]:
        timings = []
        for _ in range(3):
            start = time.perf_counter()
            with contextlib.suppress(TooCostly):
                check_cost(body)
            timings.append(time.perf_counter() - start)
        assert min(timings) < 0.1, f"{min(timings) * 1000:.0f} ms for {body[:20]!r}"


# --- the limit is low enough: the largest body accepted of each worst kind renders in time ------------

WORST: dict[str, Callable[[int], str]] = {
    "unbalanced brackets": lambda n: "[" * n,
    "brackets in code spans": lambda n: "`[" * n,
    "nested links": lambda n: "[" * n + "x" + "](u)" * n,
    "headings in one block": lambda n: "# x\ny\n" * n,
    "repeated footnote references": lambda n: "[^1]" * n + "\n\n[^1]: The note.",
    "emphasis in one block": lambda n: "*a* " * n,
    "nested list items in one block": lambda n: "- x\n    - y\n" * n,
    "blank lines": lambda n: "x\n\n" * n,
}


def largest_accepted(make: Callable[[int], str], most: int = 20_000) -> int:
    """The largest ``n`` up to ``most`` whose body check_cost accepts (acceptance shrinks as n grows)."""
    low, high = 1, most
    while low < high:
        middle = (low + high + 1) // 2
        try:
            check_cost(make(middle))
            low = middle
        except TooCostly:
            high = middle - 1
    return low


@pytest.mark.parametrize("make", WORST.values(), ids=WORST.keys())
def test_largest_accepted_body_of_each_worst_kind_renders_within_the_ceiling(make: Callable[[int], str]) -> None:
    n = largest_accepted(make)
    assert n < 20_000, "the limit should bind below the cap"
    assert_refused(make(n + 1), "work")
    rendered, elapsed = timed_render(make(n))
    assert not rendered.unrendered
    assert elapsed <= ceiling(make(n)), f"{elapsed:.2f} s for {len(make(n)):,} characters"


# --- any body at all ---------------------------------------------------------------------------------

MARKDOWNISH = "-*_[]()!<>`#|\n >^:=~\t\\&\"'.+" + string.digits + "abcxyz   "
ATOMS = st.sampled_from([
    "- ", "* ", "> ", "1. ", "    ", "\t", "[", "]", "(", ")", "](", "![", "[^1]", "[^1]: x\n", "[a]: b\n", "`", "``",
    "```\n", "~~~\n", "*", "**", "_", "__", "<", "<http://", "&amp;", "\\", "|", "| a | b |\n|---|---|\n", "# x\n",
    "\n", "\n\n", "x", "word ", "  \n", "---\n", "x\n=\n", ">\n", '"', "'", "[a](b)", "*a*", "`a`", "[[a || b]]{EU}",
])  # fmt: skip
NESTING = st.lists(st.sampled_from(["- ", "> ", "1. ", "* ", "+ ", "    ", "\t", "[^1]: "]), min_size=1, max_size=3)
RUNS = st.sampled_from(["[", "![", "*", "_", "`", "<", "(", "[^1]", "](", "\\", "&", "|", "#", "`[", "[*", "*](u)"])

BODIES = st.one_of(
    st.text(alphabet=MARKDOWNISH, max_size=3_000),
    # a few atoms, repeated: up to about 200 KB
    st.builds(
        lambda parts, times: "".join(parts) * times,
        st.lists(ATOMS | st.text(alphabet=MARKDOWNISH, max_size=6), min_size=1, max_size=6),
        st.integers(1, 4_000),
    ),
    # deep list and quote nesting, on one line or many
    st.builds(
        lambda prefix, depth, rows: ("".join(prefix) * depth + "x\n") * rows,
        NESTING,
        st.integers(1, 700),
        st.integers(1, 40),
    ),
    # a run of one construct, with some text around it
    st.builds(
        lambda before, run, times, after: before + run * times + after,
        st.text(alphabet=MARKDOWNISH, max_size=40),
        RUNS,
        st.integers(1, 40_000),
        st.text(alphabet=MARKDOWNISH, max_size=40),
    ),
)


@settings(
    max_examples=80,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)
@given(BODIES)
def test_any_body_renders_without_raising_and_within_the_ceiling(body: str) -> None:
    try:
        check_cost(body)
        accepted = True
    except TooCostly as refusal:
        assert refusal.found > refusal.limit
        accepted = False
    rendered, elapsed = timed_render(body)
    # An accepted body that python-markdown still fails on would come back unrendered: a hole in the check.
    assert rendered.unrendered is not accepted or not body.strip()
    assert elapsed <= ceiling(body), f"{elapsed:.2f} s for {len(body):,} characters, accepted={accepted}"
    parse(rendered.html)

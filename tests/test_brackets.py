"""Tests for drafts.brackets: the bracket syntax negotiators write in section text.

One test per rule of the syntax (each mistake with its code, line and column; options, holders,
nesting; what is not syntax: escapes, code spans, fenced blocks, table rows), then what is built on
the reading (count, signatures, opened_closed, clean, plain, match_at as the renderer uses it), the
linear cost, and properties over generated texts: valid brackets built from a grammar read back as
built, and any text at all is read without an unexpected exception. Pure: no database, no Django.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drafts.brackets import (
    ERROR_CODES,
    MAX_DEPTH,
    Bracket,
    BracketError,
    Counts,
    check,
    clean,
    count,
    match_at,
    opened_closed,
    parse,
    plain,
    signatures,
)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Override tests/conftest.py's cache reset, which needs pytest-django's ``settings``: this module
    never touches Django."""
    yield


@pytest.fixture(autouse=True)
def _default_language():
    """Override tests/conftest.py's language reset, for the same reason."""
    yield


# --- helpers --------------------------------------------------------------------------------------
def assert_mistake(text: str, code: str, line: int, column: int) -> BracketError:
    """``text`` is refused by parse and check alike, for ``code``, at ``line`` and ``column``."""
    with pytest.raises(BracketError) as caught:
        parse(text)
    error = caught.value
    assert (error.code, error.line, error.column) == (code, line, column), str(error)
    with pytest.raises(BracketError) as by_check:
        check(text)
    assert (by_check.value.code, by_check.value.offset) == (code, error.offset)
    return error


def only(text: str) -> Bracket:
    """The one top-level bracket of ``text``."""
    (bracket,) = parse(text)
    return bracket


def options_text(text: str, bracket: Bracket) -> list[str]:
    return [text[start:end] for start, end in bracket.options]


def source(text: str, bracket: Bracket) -> str:
    return text[bracket.start : bracket.end]


# --- reading brackets -------------------------------------------------------------------------------
def test_a_bracket_is_read_with_its_offsets_line_and_column() -> None:
    text = "The parties\nshall [[ensure]] access."
    bracket = only(text)
    assert (bracket.start, bracket.end, bracket.line, bracket.column) == (18, 28, 2, 7)
    assert source(text, bracket) == "[[ensure]]"
    assert options_text(text, bracket) == ["ensure"]
    assert (bracket.holders, bracket.depth, bracket.children, bracket.has_options) == ((), 1, (), False)


def test_options_are_separated_by_double_bars() -> None:
    text = "[[shall || should || may]]"
    bracket = only(text)
    assert options_text(text, bracket) == ["shall ", " should ", " may"]
    assert bracket.has_options


def test_holders_follow_the_closing_brackets() -> None:
    text = "[[shall || may]]{EU,  G77 } apply"
    bracket = only(text)
    assert bracket.holders == ("EU", "G77")
    assert source(text, bracket) == "[[shall || may]]{EU,  G77 }"


def test_holders_must_follow_immediately() -> None:
    text = "[[shall]] {EU}"
    assert only(text).holders == ()
    assert source(text, only(text)) == "[[shall]]"


@pytest.mark.parametrize("holders", ["{}", "{ }", "{EU,}", "{, G77}", "{EU,,G77}"])
def test_holders_may_not_be_empty(holders: str) -> None:
    error = assert_mistake(f"x\nan [[option]]{holders}", "empty_holders", 2, 14)
    assert error.offset == 15


def test_holders_close_on_their_line() -> None:
    assert_mistake("one\n[[a]]{EU\nG77}", "unclosed_holders", 2, 6)
    assert_mistake("[[a]]{EU, G77", "unclosed_holders", 1, 6)


def test_an_unclosed_bracket_is_reported_where_it_opens() -> None:
    text = "First paragraph.\n\nSecond line\nand [[an open bracket\nthat goes on\n\nNext paragraph."
    error = assert_mistake(text, "unclosed", 4, 5)
    assert error.offset == text.index("[[")
    assert_mistake("text [[open", "unclosed", 1, 6)


def test_a_bracket_may_span_lines_within_its_paragraph() -> None:
    text = "[[first line\nsecond line]]"
    assert options_text(text, only(text)) == ["first line\nsecond line"]


@pytest.mark.parametrize("blank", ["\n\n", "\n   \n", "\n\t \n", "\r\n\r\n", "\n \n\n \n"])
def test_a_blank_line_closes_the_paragraph_an_open_bracket_is_in(blank: str) -> None:
    assert_mistake(f"ok\nsee [[open{blank}later]]", "unclosed", 2, 5)


def test_an_unclosed_bracket_holding_a_nested_one_is_the_outer_one() -> None:
    assert_mistake("[[outer [[inner]] more\n\n", "unclosed", 1, 1)
    assert_mistake("[[outer [[inner\n\n", "unclosed", 1, 1)


def test_closing_brackets_with_none_open_are_a_mistake() -> None:
    assert_mistake("fine [[a]]\nthen b]] c", "unopened", 2, 7)


def test_options_outside_brackets_are_a_mistake() -> None:
    assert_mistake("[[a || b]]\n\nshall || may", "option_outside", 3, 7)


@pytest.mark.parametrize("row", ["| a || b |", "|| a | b", "a | b ||", "  | cell ||  "])
def test_double_bars_on_a_table_row_are_an_empty_cell(row: str) -> None:
    text = f"intro\n{row}\n[[x || y]]"
    assert only(text).has_options


def test_a_table_row_excuses_only_its_own_line() -> None:
    assert_mistake("| a | b |\nshall || may", "option_outside", 2, 7)


def test_brackets_nest_one_level_only() -> None:
    assert MAX_DEPTH == 2
    assert_mistake("[[a [[b\nc [[d]] e]] f]]", "too_deep", 2, 3)


def test_nested_brackets_are_children_with_their_own_options() -> None:
    text = "[[keep [[b || c]]{US} and [[d]] || drop]]"
    outer = only(text)
    assert options_text(text, outer) == ["keep [[b || c]]{US} and [[d]] ", " drop"]
    first, second = outer.children
    assert (first.depth, second.depth) == (2, 2)
    assert options_text(text, first) == ["b ", " c"]
    assert (first.holders, source(text, second)) == (("US",), "[[d]]")
    assert (first.line, first.column) == (1, 8)


@pytest.mark.parametrize("text", ["[[]]", "[[ ]]", "[[\t\n ]]"])
def test_an_empty_bracket_is_a_mistake(text: str) -> None:
    assert_mistake(f"x {text}", "empty_bracket", 1, 3)


@pytest.mark.parametrize(
    ("text", "column"),
    [("[[a || ]]", 7), ("[[a ||]]", 7), ("[[ || a]]", 3), ("[[a ||  || b]]", 7), ("[[a || b ||\t]]", 12)],
)
def test_an_empty_option_is_a_mistake_at_the_delimiter_before_it(text: str, column: int) -> None:
    assert_mistake(f"x {text}", "empty_option", 1, column)


def test_tokens_are_read_left_to_right() -> None:
    text = "[[[a]]]"
    bracket = only(text)
    assert (options_text(text, bracket), bracket.end) == (["[a"], 6)
    assert only("[[a |||b]]").options == ((2, 4), (6, 8))  # "||" then a literal "|"


def test_the_first_mistake_met_is_the_one_reported() -> None:
    assert_mistake("a ]] then [[]]", "unopened", 1, 3)
    # An unclosed bracket is met when its paragraph ends; a mistake inside it is met before.
    assert_mistake("[[a [[b [[c\n\n", "too_deep", 1, 9)


def test_the_error_speaks_plain_english_and_is_a_value_error() -> None:
    error = assert_mistake("a\n\n  b ]]", "unopened", 3, 5)
    assert isinstance(error, ValueError)
    assert str(error).startswith("Line 3, column 5: ")
    assert set(ERROR_CODES) == {
        "unclosed",
        "unopened",
        "option_outside",
        "too_deep",
        "empty_holders",
        "unclosed_holders",
        "empty_bracket",
        "empty_option",
    }


def test_columns_count_characters_and_lines_end_with_newlines() -> None:
    assert_mistake("é ü\r\n→ ]]", "unopened", 2, 3)


# --- what is not syntax ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["\\[[a", "a \\]] b", "a \\|| b", "\\\\\\[[x", "[[a \\]] b]]", "[[a \\|| b]]"])
def test_escaped_characters_are_literal(text: str) -> None:
    check(text)
    assert all(not bracket.has_options for bracket in parse(text))


def test_an_escaped_opening_leaves_its_closing_unopened() -> None:
    assert_mistake("\\[[not a bracket]]", "unopened", 1, 17)


def test_an_escaped_backslash_escapes_nothing_after_it() -> None:
    assert source("\\\\[[a]]", only("\\\\[[a]]")) == "[[a]]"


def test_an_escaped_brace_is_not_holders() -> None:
    text = "[[a]]\\{EU}"
    assert only(text).holders == ()


@pytest.mark.parametrize("text", ["`[[`", "`` a ` [[ || ]] ``", "``` [[ ```", "`a\n[[b` c", "see `]]` and `||`"])
def test_code_spans_are_not_syntax(text: str) -> None:
    assert parse(text) == []


def test_a_run_of_backticks_with_no_twin_is_literal() -> None:
    text = "`[[a]] and ``[[b]]`"  # the single backtick's twin is the last one; "``" has none
    assert parse(text) == []
    assert [source("``[[a]] `", b) for b in parse("``[[a]] `")] == ["[[a]]"]


def test_a_code_span_inside_a_bracket_hides_its_closing() -> None:
    text = "[[see `]]` here]]"
    assert source(text, only(text)) == text


@pytest.mark.parametrize("text", ["`a\n\n[[b]] c`", "`a `` b\n \n[[b]] c `", "`a ``\n```\nx\n```\n[[b]] `"])
def test_a_code_span_does_not_cross_the_end_of_its_paragraph(text: str) -> None:
    assert source(text, only(text)) == "[[b]]"


@pytest.mark.parametrize("fence", ["```", "~~~", "   ```", "````python", "~~~~ {.md}"])
def test_fenced_code_blocks_are_not_syntax(fence: str) -> None:
    mark = fence.strip()[:3]
    text = f"Before [[a]].\n\n{fence}\n[[ || ]]\n]]\n\n{mark * 2}\n\nAfter [[b]]."
    assert [source(text, b) for b in parse(text)] == ["[[a]]", "[[b]]"]


@pytest.mark.parametrize("inside", ["```", "~~~~", "```` not a closing fence", "    ````"])
def test_a_fence_closes_with_as_many_of_its_own_marks(inside: str) -> None:
    text = f"````\n{inside}\n[[\n ````\nafter [[x]]"
    assert (only(text).line, only(text).column) == (5, 7)


def test_an_unclosed_fence_runs_to_the_end_of_the_text() -> None:
    assert parse("[[a]]\n```\n[[b\n\n]]") == [only("[[a]]\n```\n[[b\n\n]]")]
    check("```\n[[b")


def test_four_spaces_do_not_open_a_fence() -> None:
    assert_mistake("    ```\n[[a\n", "unclosed", 2, 1)


def test_backticks_with_a_backtick_after_them_do_not_open_a_fence() -> None:
    assert_mistake("```a`b\n[[x", "unclosed", 2, 1)
    assert parse("x\n```a [[b]]` ```") == []  # a code span, then


def test_a_fence_ends_the_paragraph_of_an_open_bracket() -> None:
    assert_mistake("[[a\n```\ncode\n```\nb]]", "unclosed", 1, 1)


def test_a_fence_on_the_first_line_is_not_syntax() -> None:
    check("```\n]] || [[\n```\n")


# --- count, signatures, opened_closed ---------------------------------------------------------------
def test_count_counts_nested_brackets_options_and_distinct_holders() -> None:
    text = "[[a [[b || c]]{US, EU} d]]{EU, G77}\n\n[[e || f]]{AOSIS} [[g]]{G77}"
    assert count(text) == Counts(brackets=4, options=2, holders=("US", "EU", "G77", "AOSIS"))
    assert count("no brackets `[[x]]`") == Counts(brackets=0, options=0, holders=())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a ]] b [[c]]", Counts(1, 0, ())),  # a stray closing is text
        ("a || b [[c || d]]", Counts(1, 1, ())),  # options outside brackets are text
        ("[[a [[b [[c]] d]] e]]", Counts(2, 0, ())),  # a third level's opening is text
        ("[[open [[inner]]{EU}\n\n[[x]]", Counts(2, 0, ("EU",))),  # the unclosed one is not counted
        ("[[a]]{EU\n[[b]]{}", Counts(2, 0, ())),  # unclosed holders are text, empty ones no names
        ("[[a]]{EU,, G77}", Counts(1, 0, ("EU", "G77"))),
        ("[[]] [[a || ]]", Counts(2, 1, ())),  # empty brackets and options count
    ],
)
def test_count_reads_past_mistakes_and_never_raises(text: str, expected: Counts) -> None:
    with pytest.raises(BracketError):
        check(text)
    assert count(text) == expected


def test_signatures_are_sources_with_white_space_collapsed() -> None:
    text = "[[a\n   [[b]]  ||  c]]{EU,\tG77} and [[b]]"
    assert signatures(text) == {"[[a [[b]] || c]]{EU, G77}": 1, "[[b]]": 2}


def test_signatures_read_past_mistakes() -> None:
    assert signatures("[[a]]{EU\n]] [[b]]{}") == {"[[a]]": 1, "[[b]]{}": 1}


def test_opened_closed_compares_brackets_as_multisets() -> None:
    old = "Parties [[shall]] act [[now || later]]{EU}."
    assert opened_closed(old, old) == (0, 0)
    assert opened_closed(old, old + " [[also]]") == (1, 0)
    assert opened_closed(old, "Parties shall act [[now || later]]{EU}.") == (0, 1)
    assert opened_closed(old, "Parties [[shall]] act [[now || later]]{EU, G77}.") == (1, 1)  # edited
    assert opened_closed(old, "[[now  ||\nlater]]{EU} Parties [[shall]] act.") == (0, 0)  # moved, re-spaced
    assert opened_closed("[[a]] [[a]]", "[[a]]") == (0, 1)
    assert opened_closed("", "[[a]] and [[a]]") == (2, 0)


def test_opened_closed_never_raises() -> None:
    assert opened_closed("[[a ]] ]]", "[[a\n\n") == (0, 1)


# --- clean ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "agreed"),
    [
        ("Parties shall [[not]] act.", "Parties shall act."),
        ("Parties shall act [[now || later]]{EU}.", "Parties shall act."),
        ("Parties [[a [[b]] c]] [[d]] act", "Parties act"),
        ("Parties act [[now]] [[or later]].", "Parties act."),
        ("Parties [[, where appropriate,]] act", "Parties act"),
        ("Parties act [[, where appropriate]].", "Parties act."),
        ("[[Bracketed]] Parties act", "Parties act"),
        ("  [[x]] indented", "  indented"),
        ("a\n[[a whole line]]\nb", "a\nb"),
        ("a [[x]]\nb", "a\nb"),
        ("a [[x]]  \nb", "a  \nb"),
        ("pre[[x]]post", "prepost"),
        ("`[[code]]` [[x]] stays", "`[[code]]` stays"),
        ("no brackets at all", "no brackets at all"),
    ],
)
def test_clean_removes_every_bracket_and_tidies_the_spaces(text: str, agreed: str) -> None:
    assert clean(text) == agreed


def test_clean_leaves_text_that_does_not_parse_unchanged() -> None:
    assert clean("Parties [[shall act") == "Parties [[shall act"


# --- plain ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "converted"),
    [
        ("Parties [[shall]] act", "Parties \\[shall\\] act"),
        ("[[shall || may]] act", "\\[Option 1: shall / Option 2: may\\] act"),
        ("[[ shall ]]{EU, G77}", "\\[shall\\] (EU, G77)"),
        ("[[a [[b || c]]{US} d || e]]", "\\[Option 1: a \\[Option 1: b / Option 2: c\\] (US) d / Option 2: e\\]"),
        ("`[[code]]` \\[[x \\]] [[y]]", "`[[code]]` \\[[x \\]] \\[y\\]"),
        ("```\n[[fenced]]\n```", "```\n[[fenced]]\n```"),
    ],
)
def test_plain_writes_brackets_for_a_converter_that_knows_none(text: str, converted: str) -> None:
    assert plain(text) == converted


def test_plain_labels_options_as_told() -> None:
    assert plain("[[a || b]]", option_label=lambda n: f"Variante {n}") == "\\[Variante 1: a / Variante 2: b\\]"


def test_plain_leaves_text_that_does_not_parse_unchanged() -> None:
    assert plain("[[a || ]]") == "[[a || ]]"


# --- match_at, as the renderer uses it -----------------------------------------------------------------
def test_match_at_reads_the_bracket_starting_there() -> None:
    text = "Parties [[shall]] act [[now || [[soon]] later]]{EU} and so on"
    start = text.index("[[now")
    bracket = match_at(text, start)
    assert bracket is not None
    assert source(text, bracket) == "[[now || [[soon]] later]]{EU}"
    assert (bracket.holders, len(bracket.options), len(bracket.children)) == (("EU",), 2, 1)
    nested = match_at(text, text.index("[[soon"))
    assert nested is not None and (nested.start, nested.end) == (bracket.children[0].start, bracket.children[0].end)


def test_match_at_agrees_with_parse_but_counts_lines_from_its_start() -> None:
    text = "Intro\n\nx [[a\n[[b]] || c]]{EU}"
    parsed, matched = only(text), match_at(text, text.index("[[a"))
    assert matched is not None
    assert (matched.start, matched.end, matched.options, matched.holders) == (
        parsed.start,
        parsed.end,
        parsed.options,
        parsed.holders,
    )
    assert ((parsed.line, parsed.column), (matched.line, matched.column)) == ((3, 3), (1, 1))
    assert (matched.children[0].line, matched.children[0].column) == (2, 1)


@pytest.mark.parametrize(
    "text", ["x [[unclosed", "x [[a [[b]] c", "x [[a\n\nb]]", "x [[a || ]]", "x [[a [[b [[c]]]]]]", "x [[a]]{EU"]
)
def test_match_at_returns_none_for_a_bracket_that_does_not_close_properly(text: str) -> None:
    assert match_at(text, 2) is None


def test_match_at_returns_none_where_no_bracket_opens() -> None:
    assert match_at("a [[b]]", 0) is None
    assert match_at("a [[b]]", 3) is None
    assert match_at("a [[b]]", -1) is None


def test_match_at_needs_nothing_after_the_bracket() -> None:
    text = "[[fine]] ]] || [[ and `` an unmatched run"
    bracket = match_at(text, 0)
    assert bracket is not None and bracket.end == 8


def test_match_at_reads_placeholders_and_backticks_as_text() -> None:
    # The renderer has put code spans and escapes away as placeholders; backticks left are literal.
    text = "a [[see \x02klzzwxh:0\x03 and ` here]]{EU} b"
    bracket = match_at(text, 2)
    assert bracket is not None and bracket.end == text.index(" b")


# --- linear cost ------------------------------------------------------------------------------------
def everything(text: str) -> None:
    """Every reading of ``text`` the module offers."""
    with contextlib.suppress(BracketError):
        parse(text)
    with contextlib.suppress(BracketError):
        check(text)
    count(text)
    signatures(text)
    clean(text)
    plain(text)
    match_at(text, 0)


def seconds(work: Callable[[], object]) -> float:
    """CPU seconds of the best of two runs (a shared machine's waits are not the code's cost)."""
    timings = []
    for _ in range(2):
        started = time.process_time()
        work()
        timings.append(time.process_time() - started)
    return min(timings)


def about(make: Callable[[int], str], length: int) -> str:
    """The text ``make`` repeats, about ``length`` characters of it."""
    return make(length // len(make(1)))


PATHOLOGICAL: dict[str, Callable[[int], str]] = {
    "openings": lambda n: "[[" * n,
    "closings": lambda n: "]]" * n,
    "bars": lambda n: "||" * n,  # a table row, so every "||" is read
    "backtick runs": lambda n: "` `` " * n,
    "escapes": lambda n: "\\[[" * n,
    "open holders": lambda n: "[[a]]{" * n,
    "open options": lambda n: "[[a || " * n,
    "blank lines": lambda n: "[[a\n\n" * n,
    "fences": lambda n: "```\n" * n,
    "brackets": lambda n: "[[a [[b]]{EU}]] " * n,
    "one bracket, many options and children": lambda n: "[[" + "[[b]] || " * n + "c]]",
}


@pytest.mark.parametrize("make", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_every_reading_takes_time_linear_in_the_length(make: Callable[[int], str]) -> None:
    small, large = about(make, 8_000), about(make, 64_000)
    base, grown = seconds(lambda: everything(small)), seconds(lambda: everything(large))
    # Eight times the text: linear is about eight times the time, quadratic 64 times.
    assert grown <= 20 * base + 0.05, f"{base * 1000:.1f} ms, then {grown * 1000:.1f} ms"


MEGABYTE = {
    "openings": "[[" * 500_000,
    "bars": "||" * 500_000,
    "backticks": "`" * 1_000_000,
    "backtick runs": "` " * 500_000,
}


@pytest.mark.parametrize("body", MEGABYTE.values(), ids=MEGABYTE.keys())
@pytest.mark.parametrize("reading", [check, count], ids=["check", "count"])
def test_a_megabyte_of_marks_is_read_well_within_two_seconds(reading: Callable[[str], object], body: str) -> None:
    started = time.process_time()
    with contextlib.suppress(BracketError):
        reading(body)
    assert time.process_time() - started < 2


# --- properties ---------------------------------------------------------------------------------------
WORDS = st.lists(
    st.sampled_from(["parties", "shall", "ensure", "access", "to", "finance", "é"]), min_size=1, max_size=3
)
HOLDERS = st.lists(st.sampled_from(["EU", "G77", "AOSIS", "LDCs", "Umbrella Group"]), max_size=3)
NOISE = st.sampled_from(["`[[x`", "``a ` [[ || ]]``", "\\[[", "\\]]", "\\||", "\n| a || b |\n", "\n```\n]] [[\n```\n"])


@st.composite
def brackets(draw: st.DrawFn, depth: int = 1) -> tuple[str, int]:
    """A valid bracket of words (options, holders, nested brackets where allowed), and how many brackets it is."""
    options, total = [], 1
    for _ in range(draw(st.integers(1, 3))):
        parts = [" ".join(draw(WORDS))]
        if depth < MAX_DEPTH and draw(st.booleans()):
            inner, brackets_inside = draw(brackets(depth + 1))
            parts += [inner, " ".join(draw(WORDS))]
            total += brackets_inside
        options.append(draw(st.sampled_from([" ", "\n"])).join(parts))
    holders = draw(HOLDERS)
    return "[[" + " || ".join(options) + "]]" + ("{" + ", ".join(holders) + "}" if holders else ""), total


@st.composite
def documents(draw: st.DrawFn, *, noise: bool) -> tuple[str, int]:
    """Paragraphs of words and valid brackets (and, with ``noise``, code, escapes and tables), and
    how many brackets they hold."""
    paragraphs, total = [], 0
    for _ in range(draw(st.integers(1, 3))):
        pieces = []
        for _ in range(draw(st.integers(1, 4))):
            kind = draw(st.sampled_from(["words", "bracket", "noise"] if noise else ["words", "bracket"]))
            if kind == "bracket":
                text, brackets_inside = draw(brackets())
                total += brackets_inside
            else:
                text = draw(NOISE) if kind == "noise" else " ".join(draw(WORDS))
            pieces.append(text)
        paragraphs.append(" ".join(pieces) + draw(st.sampled_from(["", ".", ","])))
    return "\n\n".join(paragraphs), total


def every_bracket(found: list[Bracket]) -> list[Bracket]:
    return [b for top in found for b in (top, *every_bracket(list(top.children)))]


@settings(max_examples=200, deadline=None)
@given(documents(noise=True))
def test_valid_brackets_are_read_back_as_built(document: tuple[str, int]) -> None:
    text, total = document
    check(text)
    assert count(text).brackets == total
    assert len(every_bracket(parse(text))) == total
    assert sum(signatures(text).values()) == total
    for bracket in parse(text):
        matched = match_at(text, bracket.start)
        assert matched is not None
        assert (matched.end, matched.options, matched.holders) == (bracket.end, bracket.options, bracket.holders)


@settings(max_examples=200, deadline=None)
@given(documents(noise=False))
def test_clean_and_plain_leave_no_brackets(document: tuple[str, int]) -> None:
    text, _ = document
    for converted in (clean(text), plain(text)):
        assert "[[" not in converted
        check(converted)
        assert count(converted).brackets == 0


MARKS = st.sampled_from([*"[]|{}`~\\,aE \n\t", "\r\n", "\n\n", "```", "[[", "]]", "||", "]]{"])
ANY_TEXT = st.one_of(st.lists(MARKS, max_size=120).map("".join), st.text(max_size=200))


@settings(max_examples=200, deadline=None)
@given(ANY_TEXT)
def test_any_text_is_read_without_surprises(text: str) -> None:
    count(text)
    signatures(text)
    clean(text)
    plain(text)
    assert opened_closed(text, text) == (0, 0)
    try:
        found = parse(text)
    except BracketError as error:
        assert error.code in ERROR_CODES
        assert 0 <= error.offset <= len(text)
        with pytest.raises(BracketError) as by_check:
            check(text)
        assert (by_check.value.code, by_check.value.offset) == (error.code, error.offset)
    else:
        check(text)
        assert count(text).brackets == len(every_bracket(found))
    for start in range(len(text)):
        match_at(text, start)

"""The search query language and excerpts (drafts.searching): pure, no database."""

from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from drafts import searching
from drafts.searching import START, STOP, QueryError, parse


@pytest.fixture(scope="module")
def fts5():
    """An FTS5 table as the index has it (drafts.search_schema), to run the expressions parse() makes."""
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='porter unicode61 remove_diacritics 2')")
    connection.executemany(
        "INSERT INTO t(body) VALUES (?)",
        [
            ("Administrative detention of migrant children must end.",),
            ("Arbitrary detention is prohibited; alternatives to detention come first.",),
            ("Migrants have access to justice and to consular assistance.",),
            ("O'Brien said: DROP TABLE students; -- a well-being clause",),
            ("الاحتجاز التعسفي للمهاجرين محظور",),
        ],
    )
    yield connection
    connection.close()


def matches(connection, text: str) -> list[int]:
    rows = connection.execute("SELECT rowid FROM t WHERE t MATCH ? ORDER BY rowid", [parse(text).fts5()])
    return [row[0] for row in rows]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("detention", [1, 2]),
        ("detention children", [1]),  # every word is required
        ('"arbitrary detention"', [2]),  # a phrase
    ("“arbitrary detention”", [2]),  # typed with a word processor's quotes
    ("«arbitrary detention»", [2]),
        ('"detention arbitrary"', []),
        ("detention -children", [2]),  # left out
        ("children OR justice", [1, 3]),
        ("migrants", [1, 3]),  # stemmed: "migrant" matches
        ("O'Brien; DROP TABLE students;--", [4]),  # punctuation and SQL are text
        ("well-being", [4]),
        ("NEAR(detention children) *", []),  # FTS5 operators typed are words, so nothing matches "near"
        ("للمهاجرين", [5]),
        ('"unclosed phrase detention', []),
    ],
)
def test_a_query_finds_what_the_syntax_says(fts5, text, expected) -> None:
    assert matches(fts5, text) == expected


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("!!! ??? ---", "empty"),
        ("-detention", "only_excluded"),
        ("children OR -detention", "only_excluded"),
        ("a\x00b", "characters"),
        ("a\x07b", "characters"),
        ("x" * (searching.MAX_QUERY_CHARS + 1), "too_long"),
        ("x " * (searching.MAX_TERMS + 1), "too_many"),
    ],
)
def test_a_query_that_cannot_be_searched_says_why(text, code) -> None:
    with pytest.raises(QueryError) as refused:
        parse(text)
    assert refused.value.code == code


def test_chinese_terms_are_substrings_and_other_words_stay_words() -> None:
    query = parse("移民 拘留 detention")
    assert query.substrings == ("移民", "拘留")
    assert query.fts5() == '("detention")'
    assert parse("移民").has_words is False


def test_the_websearch_form_keeps_phrases_exclusions_and_alternatives() -> None:
    query = parse('"arbitrary detention" -children OR custody')
    assert query.websearch() == '"arbitrary detention" -children or custody'


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_any_text_is_refused_cleanly_or_is_a_valid_fts5_expression(fts5, text) -> None:
    """Whatever is typed, parse() either refuses it with a code or makes an expression FTS5 accepts."""
    try:
        query = parse(text)
    except QueryError as refusal:
        assert refusal.code in {"empty", "too_long", "characters", "only_excluded", "too_many"}
        return
    if query.has_words:
        fts5.execute("SELECT rowid FROM t WHERE t MATCH ?", [query.fts5()]).fetchall()


def test_the_excerpt_is_the_block_with_the_first_match_escaped_and_marked() -> None:
    marked = f"Heading\n\nFirst <b> paragraph.\n\nSecond with {START}detention{STOP} & more."
    found = searching.excerpt(marked)
    assert found.block == 2
    assert found.html == "Second with <mark>detention</mark> &amp; more."


def test_a_match_in_the_heading_gives_way_to_one_in_the_text_of_a_section() -> None:
    marked = f"{START}Detention{STOP}\n\nText.\n\nMore on {START}detention{STOP}."
    assert searching.excerpt(marked, titled=True).block == 2
    assert searching.excerpt(marked).block == 0
    assert searching.excerpt(f"{START}Detention{STOP}\n\nText.", titled=True).block == 0


def test_a_long_block_is_cut_around_the_match_and_a_cut_mark_still_closes() -> None:
    words = " ".join(f"w{i}" for i in range(200))
    found = searching.excerpt(f"{words} {START}needle{STOP} {words}", words=10)
    assert found.html.startswith("… ") and found.html.endswith(" …")
    assert "<mark>needle</mark>" in found.html
    cut = searching.excerpt(f"{START}{' '.join(['x'] * 30)}{STOP}", words=5)
    assert cut.html.count("<mark>") == cut.html.count("</mark>") == 1


def test_substring_marks_ignore_case_and_prefer_the_longest() -> None:
    marked = searching.mark_substrings("移民拘留 and 移民", ("移民", "移民拘留"))
    assert marked == f"{START}移民拘留{STOP} and {START}移民{STOP}"

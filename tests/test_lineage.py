"""Tests for drafts.lineage: where each paragraph of a draft went in the next, and a paragraph's source.

One test per rule of trace (same in place, edited in place, found elsewhere, gone, paragraph 0 and
merged sections, the threshold), properties over random drafts, and the 200-section pair of
tests/generate.py, whose generator says itself which sections it left alone. Then paragraph_texts,
source_blocks and replace_paragraph. Pure: no database, no Django settings.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from drafts import lineage
from drafts.diffing import SectionState, compare_sections
from drafts.lineage import (
    EDITED_MIN_SIMILARITY,
    Landing,
    Lineage,
    SectionText,
    replace_paragraph,
    section_text,
    similarity,
    source_blocks,
    successors,
    trace,
)
from drafts.rendering import paragraph_texts, render_markdown
from tests.generate import GeneratedPair, generate_pair, states

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Override tests/conftest.py's cache reset, which needs pytest-django's ``settings``: this module
    never touches Django."""
    yield


# Paragraphs of distinct, realistic text: unrelated to one another (similarity well under the threshold).
RECORDS = "The controller shall keep a record of all processing activities under its responsibility."
AUTHORITY = "Each member state shall designate one or more independent public authorities to monitor compliance."
CONSENT = "Consent must be given by a clear affirmative act establishing a freely given and informed indication."
TRANSFERS = "Transfers to a third country may take place only where the commission has decided on adequacy."
BREACH = "A personal data breach shall be notified to the supervisory authority without undue delay."
ERASURE = "The data subject has the right to obtain from the controller the erasure of personal data concerning him."


# --- helpers --------------------------------------------------------------------------------------
def text(key: str, *paragraphs: str, number: str = "") -> SectionText:
    return SectionText(key, number or key, paragraphs)


def lands(lin: Lineage, key: str, paragraph: int) -> Landing:
    found = lin.landing(key, paragraph)
    assert found is not None, f"no landing for {key} ¶{paragraph}"
    return found


def assert_lands(lin: Lineage, key: str, paragraph: int, match: str, to: tuple[str, int | None] | None) -> None:
    """Paragraph ``paragraph`` of old section ``key`` landed as ``match`` at ``to`` = (new key, paragraph)."""
    landing = lands(lin, key, paragraph)
    where = (landing.to_key, landing.to_paragraph) if landing.to_key is not None else None
    assert (landing.match, where) == (match, to), landing


def assert_one_landing_each(old: list[SectionText], lin: Lineage) -> None:
    """Every old paragraph, and every old section as paragraph 0, has exactly one landing; no new
    paragraph receives two."""
    expected = [(s.key, p) for s in old for p in range(len(s.paragraphs) + 1)]
    assert [(ld.key, ld.paragraph) for ld in lin.landings] == expected
    targets = [(ld.to_key, ld.to_paragraph) for ld in lin.landings if ld.paragraph and ld.to_key is not None]
    assert len(targets) == len(set(targets))


def edited_lightly(paragraph: str) -> str:
    """``paragraph`` with one word replaced: about 0.9 similar, well over the threshold."""
    words = paragraph.split()
    words[len(words) // 2] = "substantially"
    return " ".join(words)


# --- similarity -----------------------------------------------------------------------------------
def test_similarity_of_identical_and_empty_texts() -> None:
    assert similarity(RECORDS, RECORDS) == 1.0
    assert similarity(RECORDS, RECORDS.replace(" ", "\n  ")) == 1.0  # whitespace is not a difference
    assert similarity("", "") == 1.0
    assert similarity("", RECORDS) == 0.0


def test_similarity_is_the_word_diff_ratio() -> None:
    words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet"
    one_replaced = words.replace("echo", "kilo")
    assert similarity(words, one_replaced) == pytest.approx(2 * 9 / 20)
    half_kept = "alpha bravo charlie delta echo lima mike november oscar papa"
    assert similarity(words, half_kept) == pytest.approx(0.5)


def test_similarity_counts_words_not_punctuation() -> None:
    # The same words, differently punctuated: every word is kept, and punctuation is not counted.
    assert similarity("Records, kept; reviewed.", "Records kept reviewed") == 1.0


def test_a_rewrite_scores_zero() -> None:
    assert similarity(RECORDS, AUTHORITY) == 0.0  # the diff shows it as one deletion and one insertion


def test_words_are_counted_as_the_diff_counts_them() -> None:
    # compare_sections counts an added section's words: lineage's own count must agree, on every script.
    samples = [
        RECORDS,
        "don't co-operate 7.3 1,000 https://example.org/a-b",
        "数据控制者应当记录处理活动。",
        "Мы должны «сохранить» записи — всегда!",
        "المراقب يجب أن يحتفظ بالسجلات؛ دائماً.",
        "€100 → ©2024 · ½ § 3 ¶ 2 … ‰",
        "".join(chr(c) for c in range(0x20, 0x3000, 7)),
    ]
    for sample in samples:
        added = compare_sections([], [SectionState("k", "H", sample, None, 1, "1")])
        assert lineage._word_count(sample) == added.summary["words_inserted"], sample


# --- trace: in place ------------------------------------------------------------------------------
def test_unchanged_section_lands_the_same() -> None:
    old = [text("a", RECORDS, AUTHORITY, CONSENT)]
    lin = trace(old, old, {"a": "a"})
    assert_lands(lin, "a", 0, "same", ("a", None))
    for p in (1, 2, 3):
        assert_lands(lin, "a", p, "same", ("a", p))
    assert lin.merged_into == {}


def test_renamed_renumbered_or_moved_section_lands_the_same() -> None:
    # The successor has another number and sits elsewhere: its text is what counts.
    old = [text("a", RECORDS, number="1.1"), text("b", AUTHORITY, CONSENT, number="1.2")]
    new = [text("b", AUTHORITY, CONSENT, number="2.4"), text("a", RECORDS, number="3")]
    lin = trace(old, new, {"a": "a", "b": "b"})
    assert_lands(lin, "b", 0, "same", ("b", None))
    assert_lands(lin, "b", 1, "same", ("b", 1))
    assert_lands(lin, "b", 2, "same", ("b", 2))
    assert_lands(lin, "a", 1, "same", ("a", 1))


def test_lightly_edited_paragraph_lands_edited_at_its_place() -> None:
    old = [text("a", RECORDS, AUTHORITY, CONSENT)]
    new = [text("a", RECORDS, edited_lightly(AUTHORITY), CONSENT)]
    lin = trace(old, new, {"a": "a"})
    assert_lands(lin, "a", 2, "edited", ("a", 2))
    assert lands(lin, "a", 2).similarity == pytest.approx(similarity(AUTHORITY, edited_lightly(AUTHORITY)))
    assert_lands(lin, "a", 1, "same", ("a", 1))
    assert_lands(lin, "a", 3, "same", ("a", 3))
    assert_lands(lin, "a", 0, "edited", ("a", None))
    assert 0.9 < lands(lin, "a", 0).similarity < 1.0


def test_paragraph_inserted_before_the_others_shifts_them() -> None:
    old = [text("a", RECORDS, AUTHORITY, CONSENT)]
    new = [text("a", BREACH, RECORDS, AUTHORITY, CONSENT)]
    lin = trace(old, new, {"a": "a"})
    assert [(lands(lin, "a", p).match, lands(lin, "a", p).to_paragraph) for p in (1, 2, 3)] == [
        ("same", 2),
        ("same", 3),
        ("same", 4),
    ]
    assert_lands(lin, "a", 0, "edited", ("a", None))


def test_paragraphs_swapped_within_a_section_stay_the_same() -> None:
    lin = trace([text("a", RECORDS, AUTHORITY, CONSENT)], [text("a", CONSENT, AUTHORITY, RECORDS)], {"a": "a"})
    assert [lands(lin, "a", p).to_paragraph for p in (1, 2, 3)] == [3, 2, 1]
    assert all(lands(lin, "a", p).match == "same" for p in (1, 2, 3))


def test_paragraph_rewritten_from_scratch_is_gone() -> None:
    old = [text("a", RECORDS, AUTHORITY)]
    new = [text("a", RECORDS, TRANSFERS)]
    lin = trace(old, new, {"a": "a"})
    assert_lands(lin, "a", 2, "gone", None)
    assert lands(lin, "a", 2).similarity < EDITED_MIN_SIMILARITY
    assert_lands(lin, "a", 1, "same", ("a", 1))


def test_repeated_paragraph_pairs_in_order() -> None:
    old = [text("a", RECORDS, AUTHORITY, RECORDS)]
    new = [text("a", RECORDS, CONSENT, AUTHORITY, RECORDS)]
    lin = trace(old, new, {"a": "a"})
    assert [lands(lin, "a", p).to_paragraph for p in (1, 2, 3)] == [1, 3, 4]


def test_a_copy_inserted_above_does_not_take_a_paragraph_in_place() -> None:
    # The longest run in order is kept: ¶1 ¶2 are still ¶2 ¶3, and the copy pasted on top is new.
    lin = trace([text("a", RECORDS, AUTHORITY)], [text("a", AUTHORITY, RECORDS, AUTHORITY)], {"a": "a"})
    assert [lands(lin, "a", p).to_paragraph for p in (1, 2)] == [2, 3]


def test_equally_similar_candidates_go_to_the_nearest() -> None:
    # A paragraph split in two halves of equal length is as similar to each: the one nearer its place wins.
    first, second = "Alpha bravo charlie delta echo.", "Foxtrot golf hotel india juliet."
    old = [text("a", RECORDS, f"{first} {second}")]
    new = [text("a", RECORDS, first, second)]
    assert similarity(f"{first} {second}", first) == pytest.approx(similarity(f"{first} {second}", second))
    lin = trace(old, new, {"a": "a"})
    assert_lands(lin, "a", 2, "edited", ("a", 3))  # the last paragraph became the last paragraph


def test_a_long_section_edited_throughout_uses_the_prefilter_in_place() -> None:
    # 20 x 20 left-over pairs are more than BRUTE_FORCE_PAIRS: the bigram prefilter proposes candidates.
    paragraphs = [f"{p} Clause number {n} applies to the {n}th register." for n, p in enumerate(
        [RECORDS, AUTHORITY, CONSENT, TRANSFERS, BREACH] * 4, start=1)]  # fmt: skip
    assert len(paragraphs) ** 2 > lineage.BRUTE_FORCE_PAIRS
    lin = trace([text("a", *paragraphs)], [text("a", *map(edited_lightly, paragraphs))], {"a": "a"})
    assert [(lands(lin, "a", p).match, lands(lin, "a", p).to_paragraph) for p in range(1, 21)] == [
        ("edited", p) for p in range(1, 21)
    ]


def test_a_long_section_of_boilerplate_edited_throughout_is_paired_in_place() -> None:
    # Paragraphs that share only bigrams too common to vote: the nearest in place are still candidates.
    count = lineage.VOTER_MAX_PARAGRAPHS + 10
    old = [f"Reserved for future use by the board, entry a{k}." for k in range(count)]
    new = [f"Reserved for future use by the board, entry b{k}." for k in range(count)]
    lin = trace([text("a", *old)], [text("a", *new)], {"a": "a"})
    assert all((ld.match, ld.to_paragraph) == ("edited", ld.paragraph) for ld in lin.landings if ld.paragraph)


# --- trace: elsewhere -----------------------------------------------------------------------------
def test_paragraph_moved_to_another_section_lands_the_same_there() -> None:
    old = [text("a", RECORDS, AUTHORITY), text("b", CONSENT)]
    new = [text("a", RECORDS), text("b", CONSENT, AUTHORITY)]
    lin = trace(old, new, {"a": "a", "b": "b"})
    assert_lands(lin, "a", 2, "same", ("b", 2))
    assert_lands(lin, "a", 0, "edited", ("a", None))


def test_paragraph_moved_and_edited_lands_edited_there() -> None:
    old = [text("a", RECORDS, AUTHORITY), text("b", CONSENT)]
    new = [text("a", RECORDS), text("b", CONSENT, edited_lightly(AUTHORITY))]
    lin = trace(old, new, {"a": "a", "b": "b"})
    assert_lands(lin, "a", 2, "edited", ("b", 2))


def test_removed_section_whose_text_went_into_another_is_merged_into_it() -> None:
    old = [text("a", RECORDS), text("b", AUTHORITY, edited_lightly(CONSENT), TRANSFERS)]
    new = [text("a", RECORDS, AUTHORITY, CONSENT)]
    lin = trace(old, new, {"a": "a", "b": None})
    assert lin.merged_into == {"b": "a"}
    assert_lands(lin, "b", 0, "edited", ("a", None))
    assert_lands(lin, "b", 1, "same", ("a", 2))
    assert_lands(lin, "b", 2, "edited", ("a", 3))
    assert_lands(lin, "b", 3, "gone", None)


def test_removed_section_with_nothing_left_is_gone() -> None:
    old = [text("a", RECORDS), text("b", AUTHORITY, CONSENT)]
    new = [text("a", RECORDS, BREACH)]
    lin = trace(old, new, {"a": "a", "b": None})
    assert lin.merged_into == {"b": None}
    assert_lands(lin, "b", 0, "gone", None)
    assert lands(lin, "b", 0).similarity == 0.0
    assert_lands(lin, "b", 1, "gone", None)
    assert_lands(lin, "b", 2, "gone", None)


def test_removed_section_spread_over_two_is_merged_into_neither() -> None:
    # Half of its words went to each: neither received more than half.
    other_half = AUTHORITY.replace("state", "region")
    old = [text("a", RECORDS), text("b", BREACH), text("c", AUTHORITY, other_half)]
    new = [text("a", RECORDS, AUTHORITY), text("b", BREACH, other_half)]
    lin = trace(old, new, {"a": "a", "b": "b", "c": None})
    assert lin.merged_into == {"c": None}
    assert_lands(lin, "c", 0, "gone", None)
    assert_lands(lin, "c", 1, "same", ("a", 2))
    assert_lands(lin, "c", 2, "same", ("b", 2))


def test_only_removed_sections_appear_in_merged_into() -> None:
    old = [text("a", RECORDS), text("b", AUTHORITY), text("c", CONSENT)]
    lin = trace(old, [text("a", RECORDS), text("x", CONSENT)], {"a": "a", "b": None})  # "c" is missing: removed
    assert lin.merged_into == {"b": None, "c": "x"}


def test_section_without_paragraphs_has_only_its_paragraph_zero() -> None:
    lin = trace([text("a"), text("b")], [text("a"), text("b", RECORDS)], {"a": "a", "b": "b"})
    assert [(ld.key, ld.paragraph, ld.match) for ld in lin.landings] == [("a", 0, "same"), ("b", 0, "edited")]


def test_unknown_successor_is_refused() -> None:
    with pytest.raises(ValueError, match="not a section of the new draft"):
        trace([text("a", RECORDS)], [text("b", RECORDS)], {"a": "z"})


# --- trace: the threshold -------------------------------------------------------------------------
THRESHOLD_OLD = "alpha bravo charlie delta echo foxtrot golf hotel india juliet"
AT_THRESHOLD = "alpha bravo charlie delta echo lima mike november oscar papa"  # 5 of 10 words kept: 0.5
UNDER_THRESHOLD = "alpha bravo charlie delta echo lima mike november oscar papa quebec"  # 10 / 21


def test_a_pair_at_the_threshold_is_edited_and_one_just_under_it_is_gone() -> None:
    assert similarity(THRESHOLD_OLD, AT_THRESHOLD) == EDITED_MIN_SIMILARITY == 0.5
    assert EDITED_MIN_SIMILARITY - 0.05 < similarity(THRESHOLD_OLD, UNDER_THRESHOLD) < EDITED_MIN_SIMILARITY
    for successor in ("a", None):  # in place, and in the search of the whole draft
        old = [text("a", THRESHOLD_OLD), text("b", RECORDS)]
        lin = trace(old, [text("a", AT_THRESHOLD), text("b", RECORDS)], {"a": successor, "b": "b"})
        assert_lands(lin, "a", 1, "edited", ("a", 1))
        lin = trace(old, [text("a", UNDER_THRESHOLD), text("b", RECORDS)], {"a": successor, "b": "b"})
        assert_lands(lin, "a", 1, "gone", None)
        assert lands(lin, "a", 1).similarity < EDITED_MIN_SIMILARITY


# --- trace: properties ----------------------------------------------------------------------------
# Paragraphs from a small vocabulary, so that repeated and similar paragraphs are common.
WORDS = st.sampled_from(["records", "authority", "consent", "transfer", "breach", "shall", "must", "the", "a", "of"])
PARAGRAPHS = st.lists(st.lists(WORDS, min_size=1, max_size=12).map(" ".join), max_size=6)
DRAFTS = st.lists(PARAGRAPHS, max_size=6).map(
    lambda sections: [SectionText(f"s{n}", str(n), tuple(ps)) for n, ps in enumerate(sections)]
)
PROPERTY_SETTINGS = settings(max_examples=150, deadline=None, database=None)


@PROPERTY_SETTINGS
@given(DRAFTS)
def test_a_draft_traced_into_itself_lands_the_same_everywhere(draft: list[SectionText]) -> None:
    lin = trace(draft, draft, {s.key: s.key for s in draft})
    assert all(ld.match == "same" and ld.to_key == ld.key for ld in lin.landings)
    assert all(ld.to_paragraph == ld.paragraph for ld in lin.landings if ld.paragraph)
    assert lin.merged_into == {}


@PROPERTY_SETTINGS
@given(DRAFTS, DRAFTS, st.data())
def test_every_paragraph_lands_exactly_once_and_no_target_twice(
    old: list[SectionText], new: list[SectionText], data: st.DataObject
) -> None:
    keys = [s.key for s in new]
    targets = data.draw(st.permutations([*keys, *[None] * len(old)]))
    successor = {s.key: targets[n] for n, s in enumerate(old)}
    lin = trace(old, new, successor)
    assert_one_landing_each(old, lin)
    assert set(lin.merged_into) == {key for key, to in successor.items() if to is None}
    for ld in lin.landings:
        assert (ld.to_key is None) == (ld.match == "gone")
        assert ld.match != "same" or ld.similarity == 1.0
        assert ld.match != "edited" or ld.similarity >= EDITED_MIN_SIMILARITY or ld.paragraph == 0
        if ld.paragraph and ld.match == "same":
            old_text = next(s for s in old if s.key == ld.key).paragraphs[ld.paragraph - 1]
            assert ld.to_paragraph is not None
            new_text = next(s for s in new if s.key == ld.to_key).paragraphs[ld.to_paragraph - 1]
            assert " ".join(old_text.split()) == " ".join(new_text.split())


def test_trace_is_deterministic_across_processes() -> None:
    # Sets and dicts of strings iterate in an order that changes with PYTHONHASHSEED: it must not show.
    script = (
        "from drafts.lineage import trace, section_text, successors\n"
        "from tests.generate import generate_pair, states\n"
        "p = generate_pair(seed=7, sections=100, edited=0.5)\n"
        "o, n = states(p.old), states(p.new)\n"
        "succ = successors(o, n)\n"
        "succ.update(dict.fromkeys(list(succ)[::3]))\n"  # a third of the sections removed: the global search too
        "print(repr(trace([section_text(s) for s in o], [section_text(s) for s in n], succ)))\n"
        # Many equal and equally similar paragraphs: which goes where must not depend on hashing either.
        "from drafts.lineage import SectionText as T\n"
        "old = [T(f'o{k}', '', ('Reserved.', f'Clause {k} applies to registers.')) for k in range(12)]\n"
        "new = [T(f'n{k}', '', ('Reserved.', 'Clause applies to registers.')) for k in range(12)]\n"
        "print(repr(trace(old, new, {})))\n"
    )
    outputs = {
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3")
    }
    assert len(outputs) == 1
    assert "edited" in outputs.pop()


# --- trace: the generated 200-section pair --------------------------------------------------------
@pytest.fixture(scope="module")
def pair() -> GeneratedPair:
    return generate_pair()


@pytest.fixture(scope="module")
def traced(pair: GeneratedPair) -> tuple[list[SectionText], list[SectionText], Lineage]:
    old, new = states(pair.old), states(pair.new)
    old_texts, new_texts = [section_text(s) for s in old], [section_text(s) for s in new]
    return old_texts, new_texts, trace(old_texts, new_texts, successors(old, new))


def test_generated_pair_paragraphs_left_alone_land_the_same_in_place(
    pair: GeneratedPair, traced: tuple[list[SectionText], list[SectionText], Lineage]
) -> None:
    old, _new, lin = traced
    assert_one_landing_each(old, lin)
    untouched = [s for s in old if s.key not in pair.modified and s.key not in pair.removed]
    assert len(untouched) > 150
    for section in untouched:
        assert_lands(lin, section.key, 0, "same", (section.key, None))
        for p in range(1, len(section.paragraphs) + 1):
            assert_lands(lin, section.key, p, "same", (section.key, p))


def test_generated_pair_edited_sections_keep_most_paragraphs(
    pair: GeneratedPair, traced: tuple[list[SectionText], list[SectionText], Lineage]
) -> None:
    _old, _new, lin = traced
    for key in pair.modified:
        landings = [ld for ld in lin.landings if ld.key == key and ld.paragraph]
        assert all(ld.to_key in (key, None) for ld in landings), key  # edits stay in their section
        assert sum(ld.match == "gone" for ld in landings) <= 1, (key, pair.edit_log[key])
        assert lands(lin, key, 0).match == "edited"
    # Removed sections held fresh text of their own: nothing of it is anywhere else.
    assert lin.merged_into == dict.fromkeys(pair.removed)
    assert all(ld.match == "gone" for ld in lin.landings if ld.key in pair.removed)


def test_generated_pair_without_successors_finds_the_same_paragraphs(
    traced: tuple[list[SectionText], list[SectionText], Lineage],
) -> None:
    # Every section removed: the global search alone, through its prefilter, finds what the search in place found.
    old, new, in_place = traced
    everywhere = trace(old, new, {})
    in_place_targets = [(ld.match, ld.to_key, ld.to_paragraph) for ld in in_place.landings if ld.paragraph]
    global_targets = [(ld.match, ld.to_key, ld.to_paragraph) for ld in everywhere.landings if ld.paragraph]
    agree = sum(a == b for a, b in zip(in_place_targets, global_targets, strict=True))
    assert agree >= len(in_place_targets) - 2
    merged = {key for key, to in everywhere.merged_into.items() if to == key}
    assert len(merged) >= len(old) - 4  # each section "merged into" itself, but for the removed two


# --- paragraph_texts ------------------------------------------------------------------------------
BODIES = {
    "paragraphs": "First *paragraph* &amp; more.\n\nSecond, with a [link](https://example.org).",
    "lists": "- one\n- two\n\n- three after a blank line\n\n1. first\n2. second\n\n    indented continuation",
    "table": "| a | b |\n|---|---|\n| 1 | 2 |\n\nAfter the table.",
    "footnotes": "Text with a note[^1].\n\n[^1]: The note,\n\n    continued.\n\nMore text.",
    "rules": "Before.\n\n---\n\nAfter.\n\n***\n\n* * *",
    "code": "```\ncode\n\nwith a blank line\n```\n\n    indented code\n\n    more of it\n\nText.",
    "headings and quotes": "# Heading\nText under it.\n\n> A quote\n\n> continued\n\nSetext\n======",
    "empty code block": "```\n```",
    "unrendered": "[" * 30_000 + "\n\nA second paragraph.\n\n\n\nA third.",
    "nested too deep": "- " * 600 + "x\n\ny",
    "blank": "  \n\n ",
}


@pytest.mark.parametrize("body", BODIES.values(), ids=BODIES.keys())
def test_paragraph_texts_has_one_text_per_numbered_paragraph(body: str) -> None:
    assert len(paragraph_texts(body)) == render_markdown(body, anchor="p", label="").paragraph_count


def test_paragraph_texts_are_the_plain_text_without_the_paragraph_link() -> None:
    assert paragraph_texts(BODIES["paragraphs"]) == ["First paragraph & more.", "Second, with a link."]
    assert paragraph_texts("| a | b |\n|---|---|\n| 1 | 2 |") == ["a b 1 2"]
    assert paragraph_texts("- one\n- two") == ["one two"]
    assert paragraph_texts("line one  \nline two\n\n```\n```") == ["line one line two", ""]
    assert paragraph_texts("") == []


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("ab #>-*1.|`~[]^:\n\t ")), max_size=300))
def test_paragraph_texts_never_raises_and_always_counts_right(body: str) -> None:
    assert len(paragraph_texts(body)) == render_markdown(body, anchor="p", label="").paragraph_count


# --- source_blocks --------------------------------------------------------------------------------
def test_source_blocks_of_simple_paragraphs() -> None:
    assert source_blocks("First.\n\nSecond\ncontinued.\n\n\nThird.") == ["First.", "Second\ncontinued.", "Third."]


def test_source_blocks_keeps_a_list_together() -> None:
    body = "Intro.\n\n- one\n- two\n\n- three\n\n    more of three\n\n1. other list\n\nEnd."
    assert source_blocks(body) == ["Intro.", "- one\n- two\n\n- three\n\n    more of three", "1. other list", "End."]


def test_source_blocks_never_cuts_inside_fenced_code() -> None:
    body = "Before.\n\n```python\nx = 1\n\n\ny = 2\n```\n\n~~~\n\n~~~\nAfter."
    assert source_blocks(body) == ["Before.", "```python\nx = 1\n\n\ny = 2\n```", "~~~\n\n~~~", "After."]


def test_source_blocks_leave_out_rules_and_definitions() -> None:
    body = "Text[^1] and [a link][r].\n\n---\n\n[^1]: The note.\n\n    Its second paragraph.\n\n[r]: https://example.org\n\nEnd."
    assert source_blocks(body) == ["Text[^1] and [a link][r].", "End."]


def test_source_blocks_cut_where_python_markdown_does() -> None:
    # A heading is a block of its own even without a blank line after it; so is fenced code.
    assert source_blocks("# Title\nText.\n```\ncode\n```\nMore.") == ["# Title", "Text.", "```\ncode\n```", "More."]
    assert source_blocks("> one\n\n> two\n\nText\n\n    code") == ["> one\n\n> two", "Text", "    code"]


def test_source_blocks_of_an_unrendered_body_cut_at_blank_lines() -> None:
    body = "[" * 30_000 + "\n\n```\nnot code\n\nstill text\n```"
    assert render_markdown(body, anchor="p", label="").unrendered
    assert source_blocks(body) == ["[" * 30_000, "```\nnot code", "still text\n```"]


def test_source_blocks_is_none_when_it_cannot_match_the_rendering() -> None:
    # A link definition with its address on the next line: python-markdown takes it, the cutter does not.
    body = "Text.\n\n[r]:\n  https://example.org\n\nEnd."
    assert render_markdown(body, anchor="p", label="").paragraph_count == 2
    assert source_blocks(body) is None


def test_source_blocks_is_none_rather_than_cut_a_definition_out_of_a_list() -> None:
    # python-markdown continues the list past the definition: its source would hold the definition.
    assert source_blocks("- one\n\n[r]: https://example.org\n\n- two") is None


# --- replace_paragraph ----------------------------------------------------------------------------
FROZEN = "First paragraph.\n\nSecond paragraph.\n\n- a list\n- of two\n\nLast one."


def test_replace_paragraph_replaces_that_block_only() -> None:
    working = "New opening.\r\n\r\nFirst paragraph.\r\n\r\nSecond paragraph.  \r\n\r\nLast one.\r\n"
    assert replace_paragraph(FROZEN, 2, working, "  A better second.\n") == (
        "New opening.\r\n\r\nFirst paragraph.\r\n\r\nA better second.\r\n\r\nLast one.\r\n"
    )


def test_replace_paragraph_in_a_list_and_around_fenced_code() -> None:
    assert replace_paragraph(FROZEN, 3, FROZEN, "- a list\n- of three\n- now") == FROZEN.replace(
        "- a list\n- of two", "- a list\n- of three\n- now"
    )
    code = "Before.\n\n```\nx = 1\n\ny = 2\n```\n\nAfter."
    assert replace_paragraph(code, 2, code, "```\nx = 3\n```") == "Before.\n\n```\nx = 3\n```\n\nAfter."
    assert replace_paragraph(code, 3, code, "Later.") == "Before.\n\n```\nx = 1\n\ny = 2\n```\n\nLater."


def test_replace_paragraph_refuses_a_paragraph_changed_in_the_working_copy() -> None:
    working = FROZEN.replace("Second paragraph.", "Second paragraph, already edited.")
    assert replace_paragraph(FROZEN, 2, working, "Proposed.") is None


def test_replace_paragraph_refuses_a_paragraph_found_twice() -> None:
    working = FROZEN.replace("Last one.", "Second paragraph.")
    assert replace_paragraph(FROZEN, 2, working, "Proposed.") is None


def test_replace_paragraph_refuses_what_it_cannot_do_safely() -> None:
    assert replace_paragraph(FROZEN, 0, FROZEN, "Proposed.") is None
    assert replace_paragraph(FROZEN, 5, FROZEN, "Proposed.") is None
    assert replace_paragraph(FROZEN, 2, FROZEN, "  \n") is None  # blank
    assert replace_paragraph(FROZEN, 2, FROZEN, "Two\n\nparagraphs.") is None  # would split
    assert replace_paragraph("One.\n\n- a\n\nTwo.", 1, "One.\n\n- a\n\nTwo.", "- b") is None  # would join the list
    assert replace_paragraph(FROZEN, 2, "Text.\n\n[r]:\n  https://example.org", "Proposed.") is None


SOURCE_BLOCKS = st.sampled_from([
    "A plain paragraph.", "Another paragraph\nover two lines.", "- a list\n- of items", "1. an ordered\n2. list",
    "> a quote", "```\nfenced\n\ncode\n```", "# A heading", "| a | b |\n|---|---|\n| 1 | 2 |", "Some *emphasis*.",
    "---", "Text with a note[^1].", "[^1]: The note.",
])  # fmt: skip


@settings(max_examples=150, deadline=None, database=None)
@given(
    st.lists(SOURCE_BLOCKS, min_size=1, max_size=8).map("\n\n".join),
    st.data(),
    st.text(alphabet=st.sampled_from(list("abcdefgh ,.")), min_size=1, max_size=40).filter(lambda t: t.strip(" ,.")),
)
def test_replaced_paragraph_is_then_that_block(body: str, data: st.DataObject, proposed: str) -> None:
    blocks = source_blocks(body)
    paragraph = data.draw(st.integers(1, len(blocks))) if blocks else 1
    result = replace_paragraph(body, paragraph, body, proposed)
    if not blocks or [b.strip() for b in blocks].count(blocks[paragraph - 1].strip()) != 1:
        assert result is None
        return
    assert result is not None
    assert source_blocks(result) == [*blocks[: paragraph - 1], proposed.strip(), *blocks[paragraph:]]

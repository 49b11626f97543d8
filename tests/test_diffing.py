"""Tests for drafts.diffing: alignment, classification, word diff and the JSON contract.

The big tests use tests/generate.py, which builds a 200-section, ~60,000-word draft and a revision
of it from a fixed seed, and says itself what it changed; the small ones pin single behaviours.
Pure: no database, no Django settings.
"""

from __future__ import annotations

import json
import random
import re
import time
import unicodedata
from collections import Counter
from itertools import pairwise

import pytest

from drafts import diffing
from drafts.diffing import (
    CHANGE_KINDS,
    SectionState,
    align_sections,
    compare_sections,
    comparison_as_json,
    temp_id,
    tokenize,
    word_diff,
)
from tests.generate import GeneratedPair, generate_pair, lightly_edited, long_text, states


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Override tests/conftest.py's cache reset, which needs pytest-django's ``settings``: this module
    never touches Django, and must also run under ``-p no:django`` without settings."""
    yield


# --- helpers --------------------------------------------------------------------------------------
def section(
    key: str, heading: str, body: str = "", parent: str | None = None, position: int = 1, number: str = ""
) -> SectionState:
    return SectionState(key=key, heading=heading, body=body, parent=parent, position=position, number=number)




def changes_by_key(comparison: diffing.Comparison) -> dict[str, tuple[str, ...]]:
    out = {ch.key: ch.changes for ch in comparison.sections}
    assert len(out) == len(comparison.sections), "keys must be unique in a keyed comparison"
    return out


def rebuild(ops: list[tuple[int, str]]) -> tuple[str, str]:
    return "".join(t for op, t in ops if op <= 0), "".join(t for op, t in ops if op >= 0)


def assert_well_formed(ops: list[tuple[int, str]], a: str, b: str) -> None:
    """The word_diff promises: round trip, no empty texts, no two neighbours with the same op,
    deletion before insertion, and every boundary a token boundary (or the start of the trailing
    whitespace of a word, where only that whitespace changed): never inside a word."""
    assert rebuild(ops) == (a, b)
    assert all(text for _op, text in ops)
    assert all(op in (-1, 0, 1) for op, _text in ops)
    assert all(x[0] != y[0] for x, y in pairwise(ops))
    assert all(not (x[0] == 1 and y[0] == -1) for x, y in pairwise(ops))
    for side, text, ops_on_side in ((a, a, (-1, 0)), (b, b, (0, 1))):
        bounds = {0}
        pos = 0
        for token in tokenize(text):
            bounds.add(pos + len(token.rstrip()))
            pos += len(token)
            bounds.add(pos)
        pos = 0
        for op, piece in ops:
            if op in ops_on_side:
                pos += len(piece)
                assert pos in bounds, f"op boundary at {pos} cuts a token of {side[:40]!r}"


# --- the generated pair ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pair() -> GeneratedPair:
    return generate_pair()


def test_generator_makes_the_specified_pair(pair: GeneratedPair) -> None:
    assert len(pair.old) == 200
    assert 55_000 <= sum(s.words for s in pair.old) <= 65_000
    counts = Counter(c for flags in pair.expected.values() for c in flags)
    assert (counts["added"], counts["removed"], counts["moved"], counts["renamed"]) == (3, 2, 3, 2)
    assert counts["modified"] == 30  # 15% of 200
    assert counts["renumbered"] > 0  # removals, additions and moves shift numbers
    # The edits the spec asks for all occur.
    applied = {name for log in pair.edit_log.values() for name in log}
    assert applied == {
        "insert_words",
        "delete_words",
        "replace_words",
        "rewrite_sentence",
        "split_paragraph",
        "new_list_item",
    }


def test_generated_pair_classified_exactly_with_keys(pair: GeneratedPair) -> None:
    comparison = compare_sections(states(pair.old), states(pair.new))
    assert changes_by_key(comparison) == pair.expected
    expected_counts = Counter(c for flags in pair.expected.values() for c in flags)
    for kind in CHANGE_KINDS:
        assert comparison.summary[kind] == expected_counts[kind], kind
    assert comparison.summary["unchanged"] == sum(1 for flags in pair.expected.values() if not flags)


def test_generated_pair_classified_exactly_without_keys(pair: GeneratedPair) -> None:
    """Keys stripped on the new side: every section must be found again by its content."""
    comparison = compare_sections(states(pair.old), states(pair.new, keyless=True))
    new_by_key = {s.key: s for s in pair.new}
    added_by_heading = {new_by_key[k].heading: k for k in pair.added}
    got: dict[str, tuple[str, ...]] = {}
    for ch in comparison.sections:
        if ch.old is None:
            assert ch.key == "" and ch.new is not None
            got[added_by_heading[ch.new.heading]] = ch.changes
            continue
        got[ch.old.key] = ch.changes
        assert ch.key == ch.old.key  # a keyless new section takes the key of the old one it matched
        if ch.new is not None:  # paired with the right section, not merely given the right flags
            assert (ch.new.heading, ch.new.body) == (new_by_key[ch.old.key].heading, new_by_key[ch.old.key].body)
    assert got == pair.expected


def test_generated_pair_word_counts(pair: GeneratedPair) -> None:
    comparison = compare_sections(states(pair.old), states(pair.new))
    old_by_key = {s.key: s for s in pair.old}
    new_by_key = {s.key: s for s in pair.new}
    for ch in comparison.sections:
        before = old_by_key[ch.key].words if ch.old else 0
        after = new_by_key[ch.key].words if ch.new else 0
        # Holds for any correct diff: unchanged words are counted on both sides.
        assert ch.words_inserted - ch.words_deleted == after - before, ch.key
        if "modified" not in ch.changes and "added" not in ch.changes and "removed" not in ch.changes:
            assert (ch.words_inserted, ch.words_deleted) == (0, 0), ch.key
        elif set(pair.edit_log.get(ch.key, ["x"])) != {"split_paragraph"}:
            assert ch.words_inserted + ch.words_deleted > 0, ch.key
    # The diff may find a shorter edit than the generator made (a rewritten sentence that happens
    # to start with "The"), or fold a few unchanged words into a change; not by much either way.
    known_inserted = sum(pair.words_inserted.values())
    known_deleted = sum(pair.words_deleted.values())
    assert abs(comparison.summary["words_inserted"] - known_inserted) <= 0.1 * known_inserted
    assert abs(comparison.summary["words_deleted"] - known_deleted) <= 0.1 * known_deleted
    assert comparison.summary["words_inserted"] == sum(ch.words_inserted for ch in comparison.sections)


def test_generated_pair_order(pair: GeneratedPair) -> None:
    comparison = compare_sections(states(pair.old), states(pair.new))
    keys = [ch.key for ch in comparison.sections]
    assert [k for k in keys if k not in pair.removed] == [s.key for s in pair.new]
    old_keys = [s.key for s in pair.old]
    for removed in pair.removed:
        predecessor = old_keys[old_keys.index(removed) - 1]
        assert keys[keys.index(removed) - 1] == predecessor


def test_draft_compared_with_itself_has_no_changes(pair: GeneratedPair) -> None:
    for old, new in ((states(pair.old), states(pair.old)), (states(pair.new), states(pair.new, keyless=True))):
        comparison = compare_sections(old, new)
        assert all(ch.changes == () for ch in comparison.sections)
        assert comparison.summary == {
            **dict.fromkeys(CHANGE_KINDS, 0),
            "unchanged": len(old),
            "words_inserted": 0,
            "words_deleted": 0,
            "brackets_opened": 0,
            "brackets_closed": 0,
        }


def test_json_contract(pair: GeneratedPair) -> None:
    data = comparison_as_json(compare_sections(states(pair.old), states(pair.new)))
    json.dumps(data)  # serialisable as it stands
    assert set(data) == {"summary", "sections"}
    assert list(data["summary"]) == [
        *CHANGE_KINDS, "unchanged", "words_inserted", "words_deleted", "brackets_opened", "brackets_closed"
    ]
    assert len(data["sections"]) == 200 + len(pair.added)
    by_key = {s["key"]: s for s in data["sections"]}
    for entry in data["sections"]:
        assert set(entry) == {
            "key", "changes", "from", "to", "words_inserted", "words_deleted", "brackets_opened", "brackets_closed"
        }
        for side in ("from", "to"):
            if entry[side] is not None:
                assert set(entry[side]) == {"number", "heading", "parent", "position", "status"}
    for key in pair.added:
        assert by_key[key]["from"] is None and by_key[key]["changes"] == ["added"]
    for key in pair.removed:
        assert by_key[key]["to"] is None and by_key[key]["changes"] == ["removed"]
    cross_moved = pair.moved[0]
    entry = by_key[cross_moved]
    assert entry["changes"] == ["moved", "modified"]
    assert entry["from"]["parent"] != entry["to"]["parent"]
    assert entry["from"]["number"] != entry["to"]["number"]
    assert entry["words_inserted"] > 0
    unchanged = [s for s in data["sections"] if not s["changes"]]
    assert unchanged and all(s["from"] == s["to"] for s in unchanged)


def test_keyless_content_matching_scales_to_every_section_changed(pair: GeneratedPair) -> None:
    """All 200 headings and bodies edited and no keys: similarity alone must match every section,
    through the prefiltered path for large problems."""
    old = states(pair.old)
    new = [
        SectionState("", s.heading + " (revised)", s.body + " Amended in this draft.", s.parent, s.position, s.number)
        for s in states(pair.old, keyless=True)
    ]
    assert len(old) * len(new) > diffing.BRUTE_FORCE_PAIRS
    started = time.perf_counter()
    comparison = compare_sections(old, new)
    assert time.perf_counter() - started < 5
    assert all(ch.changes == ("renamed", "modified") for ch in comparison.sections)
    assert [ch.key for ch in comparison.sections] == [s.key for s in old]
    assert comparison.summary["words_inserted"] == 4 * 200


# --- classification micro-tests -------------------------------------------------------------------
def chapter(children: list[tuple[str, str]], parent: str = "p1", prefix: str = "1") -> list[SectionState]:
    """A principle and its guidelines in the given order, positioned and numbered."""
    out = [section(parent, "Principle", "Principle text.", None, 1, f"Principle {prefix}")]
    for pos, (key, heading) in enumerate(children, start=1):
        out.append(section(key, heading, f"Body of {heading}.", parent, pos, f"{prefix}.{pos}"))
    return out


def test_insertion_shifts_siblings_without_moving_them() -> None:
    old = chapter([("a", "A"), ("b", "B"), ("c", "C")])
    new = chapter([("a", "A"), ("x", "X"), ("b", "B"), ("c", "C")])
    assert changes_by_key(compare_sections(old, new)) == {
        "p1": (),
        "a": (),
        "x": ("added",),
        "b": ("renumbered",),
        "c": ("renumbered",),
    }


def test_removal_shifts_siblings_renumbered_only() -> None:
    old = chapter([("a", "A"), ("b", "B"), ("c", "C")])
    new = chapter([("b", "B"), ("c", "C")])
    assert changes_by_key(compare_sections(old, new)) == {
        "p1": (),
        "a": ("removed",),
        "b": ("renumbered",),
        "c": ("renumbered",),
    }


def test_swap_of_two_siblings_marks_exactly_one_moved() -> None:
    old = chapter([("a", "A"), ("b", "B"), ("c", "C"), ("d", "D")])
    new = chapter([("a", "A"), ("c", "C"), ("b", "B"), ("d", "D")])
    got = changes_by_key(compare_sections(old, new))
    assert got["a"] == got["d"] == got["p1"] == ()
    assert sorted([got["b"], got["c"]]) == [("moved",), ("renumbered",)]


def test_section_moved_to_the_end_is_the_only_one_moved() -> None:
    old = chapter([("a", "A"), ("b", "B"), ("c", "C"), ("d", "D")])
    new = chapter([("b", "B"), ("c", "C"), ("d", "D"), ("a", "A")])
    assert changes_by_key(compare_sections(old, new)) == {
        "p1": (),
        "a": ("moved",),
        "b": ("renumbered",),
        "c": ("renumbered",),
        "d": ("renumbered",),
    }


def test_parent_change_is_moved_and_children_follow_without_moving() -> None:
    old = [
        section("p1", "One", "x", None, 1, "Principle 1"),
        section("g", "G", "g body", "p1", 1, "1.1"),
        section("s", "S", "s body", "g", 1, "1.1.1"),
        section("p2", "Two", "y", None, 2, "Principle 2"),
        section("h", "H", "h body", "p2", 1, "2.1"),
    ]
    new = [
        section("p1", "One", "x", None, 1, "Principle 1"),
        section("p2", "Two", "y", None, 2, "Principle 2"),
        section("h", "H", "h body", "p2", 1, "2.1"),
        section("g", "G", "g body", "p2", 2, "2.2"),
        section("s", "S", "s body", "g", 1, "2.2.1"),
    ]
    assert changes_by_key(compare_sections(old, new)) == {
        "p1": (),
        "p2": (),
        "h": (),
        "g": ("moved",),
        "s": ("renumbered",),
    }


def test_parent_change_with_the_same_number_is_still_moved() -> None:
    old = [
        section("p1", "One", "x", None, 1, "Principle 1"),
        section("g", "G", "g", "p1", 1, "1.1"),
        section("p2", "Two", "y", None, 2, "Principle 2"),
    ]
    new = [
        section("p1", "One", "x", None, 1, "Principle 1"),
        section("p2", "Two", "y", None, 2, "Principle 2"),
        section("g", "G", "g", "p2", 1, "1.1"),
    ]
    assert changes_by_key(compare_sections(old, new))["g"] == ("moved",)


def test_renamed_renumbered_modified_in_canonical_order() -> None:
    old = chapter([("a", "A"), ("b", "B")])
    new = chapter([("b", "B")])
    new[1] = section("b", "B revised", "Body of B, revised.", "p1", 1, "1.1")
    comparison = compare_sections(old, new)
    assert changes_by_key(comparison)["b"] == ("renamed", "renumbered", "modified")
    assert comparison.summary["renamed"] == comparison.summary["modified"] == 1


def test_heading_whitespace_is_not_a_rename() -> None:
    old = [section("a", "Access  to data", "text")]
    new = [section("a", " Access to data ", "text")]
    assert changes_by_key(compare_sections(old, new)) == {"a": ()}


def test_punctuation_only_change_is_modified_with_no_words() -> None:
    comparison = compare_sections([section("a", "A", "one, two")], [section("a", "A", "one; two")])
    (change,) = comparison.sections
    assert change.changes == ("modified",)
    assert (change.words_inserted, change.words_deleted) == (0, 0)


def test_added_and_removed_sections_count_their_words() -> None:
    comparison = compare_sections(
        [section("a", "A", "three little words")], [section("b", "B", "now four, new words.")]
    )
    # A removed section with no surviving predecessor comes first.
    assert [(ch.key, ch.changes, ch.words_inserted, ch.words_deleted) for ch in comparison.sections] == [
        ("a", ("removed",), 0, 3),
        ("b", ("added",), 4, 0),
    ]


def test_removed_first_section_comes_first() -> None:
    pairs = align_sections([section("a", "A", "a"), section("b", "B", "b")], [section("b", "B", "b")])
    assert [(o.key if o else None, n.key if n else None) for o, n in pairs] == [("a", None), ("b", "b")]


def test_identical_bodies_are_not_diffed(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("an identical body was diffed")

    monkeypatch.setattr(diffing, "_word_counts", refuse)
    old = [section("a", "A", "Body a.", None, 1, "1"), section("b", "B", "Body b.", None, 2, "2")]
    new = [section("b", "B renamed", "Body b.", None, 1, "1"), section("a", "A", "Body a.", None, 2, "2")]
    comparison = compare_sections(old, new)
    assert comparison.summary["modified"] == 0
    assert comparison.summary["renamed"] == comparison.summary["moved"] == 1


def test_empty_bodies() -> None:
    assert word_diff("", "") == []
    assert word_diff("", "New text.") == [(1, "New text.")]
    assert word_diff("Old text.", "") == [(-1, "Old text.")]
    assert tokenize("") == []
    old = [section("part", "Part I"), section("a", "A", "")]
    new = [section("part", "Part I"), section("a", "A", "Now it has a body.")]
    comparison = compare_sections(old, new)
    assert changes_by_key(comparison) == {"part": (), "a": ("modified",)}
    assert comparison.summary["words_inserted"] == 5


# --- keyless matching micro-tests -----------------------------------------------------------------
PROSE = (
    "The supervisory authority shall publish an annual report on its activities, including a list of "
    "complaints received, the measures taken in response and the outcome of each investigation."
)
OTHER = (
    "Member states should encourage the drawing up of codes of conduct intended to contribute to the "
    "proper application of this guidance, taking account of small enterprises."
)


def keyless(heading: str, body: str, parent: str | None = None, position: int = 1) -> SectionState:
    return section("", heading, body, parent, position)


def test_keyless_identical_body_with_new_heading_is_a_rename() -> None:
    old = [section("k1", "Annual report", PROSE), section("k2", "Codes", OTHER)]
    new = [keyless("Yearly report", PROSE), keyless("Codes", OTHER, position=2)]
    assert [ch.changes for ch in compare_sections(old, new).sections] == [("renamed",), ()]


def test_keyless_same_heading_similar_body_is_modified() -> None:
    edited = PROSE.replace("annual report", "annual public report").replace("each investigation", "each inquiry")
    old = [section("k1", "Annual report", PROSE), section("k2", "Codes", OTHER)]
    new = [keyless("Codes", OTHER), keyless("Annual report", edited, position=2)]
    got = compare_sections(old, new)
    # The two swapped places: exactly one of them is called moved (see the swap test above).
    assert {ch.key: ch.changes for ch in got.sections} in (
        {"k2": ("moved",), "k1": ("modified",)},
        {"k2": (), "k1": ("moved", "modified")},
    )


def test_keyless_same_heading_is_preferred_over_slightly_more_similar_body() -> None:
    body = long_text(41, 200)
    same_heading_body = lightly_edited(body, 1, edits=20)
    other_heading_body = lightly_edited(body, 2, edits=10)
    j_same = diffing._jaccard(diffing._features(body), diffing._features(same_heading_body))
    j_other = diffing._jaccard(diffing._features(body), diffing._features(other_heading_body))
    assert j_same < j_other < j_same + diffing.SAME_HEADING_BONUS  # the case this test is about
    old = [section("o1", "Scope", same_heading_body), section("o2", "Purpose", other_heading_body, None, 2)]
    got = compare_sections(old, [keyless("Scope", body)])
    assert [(ch.key, ch.changes) for ch in got.sections] == [("o1", ("modified",)), ("o2", ("removed",))]


def test_keyless_new_heading_and_half_new_body_is_not_a_rename() -> None:
    half = PROSE[: len(PROSE) // 2] + " " + OTHER[len(OTHER) // 2 :]
    got = compare_sections([section("k1", "Annual report", PROSE)], [keyless("Something else", half)])
    assert [ch.changes for ch in got.sections] == [("removed",), ("added",)]


def test_keyless_parents_by_temp_id() -> None:
    old = [
        section("p1", "One", "x"),
        section("g", "G", PROSE, "p1"),
        section("p2", "Two", "y", None, 2),
        section("h", "H", OTHER, "p2"),
    ]
    new = [
        keyless("One", "x"),
        keyless("Two", "y", None, 2),
        keyless("H", OTHER, temp_id(1)),
        keyless("G", PROSE, temp_id(1), 2),
    ]
    assert {ch.key: ch.changes for ch in compare_sections(old, new).sections} == {
        "p1": (),
        "p2": (),
        "h": (),
        "g": ("moved",),
    }


def test_two_different_keys_are_never_matched_by_content() -> None:
    # A keyless section on the new side switches content matching on; it still must not pair two
    # sections that carry different keys, however alike.
    old = [section("k1", "Annual report", PROSE), section("k3", "Codes", OTHER, None, 2)]
    new = [section("k2", "Annual report", PROSE), keyless("Codes", OTHER, None, 2)]
    got = compare_sections(old, new)
    assert [(ch.key, ch.changes) for ch in got.sections] == [
        ("k1", ("removed",)),
        ("k2", ("added",)),
        ("k3", ()),
    ]


def test_identical_body_beats_similar_body_under_the_same_heading() -> None:
    similar = PROSE.replace("annual report", "annual public report")
    old = [section("o1", "Scope", similar), section("o2", "Purpose", PROSE, None, 2)]
    new = [keyless("Scope", PROSE)]
    got = compare_sections(old, new)
    assert [(ch.key, ch.changes) for ch in got.sections] == [("o1", ("removed",)), ("o2", ("renamed",))]


def test_keyless_duplicate_bodies_pair_by_place() -> None:
    old = [
        section("p1", "One", "x"),
        section("r1", "Reserved", "[Reserved]", "p1"),
        section("p2", "Two", "y", None, 2),
        section("r2", "Reserved", "[Reserved]", "p2"),
    ]
    new = [
        keyless("One", "x"),
        keyless("Reserved", "[Reserved]", temp_id(0)),
        keyless("Two", "y", None, 2),
        keyless("Reserved", "[Reserved]", temp_id(2)),
    ]
    got = compare_sections(old, new)
    assert [(ch.key, ch.changes) for ch in got.sections] == [("p1", ()), ("r1", ()), ("p2", ()), ("r2", ())]


# --- tokenizer ------------------------------------------------------------------------------------
SAMPLES = {
    "latin": "Don't stop the co-operation: section 7.3 covers 1,000 cases (e.g. fines); see https://x.org/a-b!",
    "arabic": "يَجِبُ على المراقب أن يُبلغ السلطة، دون تأخير، عن أي خرق للبيانات الشخصية؟",
    "russian": "Оператор обязан уведомить надзорный орган о нарушении — без неоправданной задержки.",
    "chinese": "数据控制者应当在发现个人数据泄露后及时通知监管机构，并记录相关事实。",
    "japanese": "管理者は、個人データの侵害を知った後、遅滞なく監督機関に通知しなければならない。",
    "hindi": "नियंत्रक को बिना देरी के पर्यवेक्षी प्राधिकरण को सूचित करना होगा।",
    "persian": "کنترل‌کننده باید بی‌درنگ مرجع نظارتی را آگاه کند.",
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_tokenize_round_trips(name: str) -> None:
    text = SAMPLES[name]
    assert "".join(tokenize(text)) == text
    assert "".join(tokenize("  \n" + text + " \n\n")) == "  \n" + text + " \n\n"


def test_tokenize_round_trips_on_random_unicode() -> None:
    rng = random.Random(7)
    pool = "ab Zé\u0301, .;'-\n\t\u00a0中文かナ،؟ابпр\u200c\u0915\u093e😀\U00020000_*#[]()\u3099\u3000"
    for _ in range(300):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 40)))
        assert "".join(tokenize(text)) == text


def _is_punct(ch: str) -> bool:
    return unicodedata.category(ch).startswith("P")


@pytest.mark.parametrize("name", ["latin", "arabic", "russian", "hindi", "persian"])
def test_tokens_never_split_a_word(name: str) -> None:
    text = SAMPLES[name]
    bounds = set()
    pos = 0
    for token in tokenize(text):
        bounds.add(pos)
        pos += len(token)
    for match in re.finditer(r"\S+", text):
        start, end = match.span()
        while start < end and _is_punct(text[start]):
            start += 1
        while end > start and _is_punct(text[end - 1]):
            end -= 1
        inside = [b for b in bounds if start < b < end]
        assert not inside, f"{text[start:end]!r} is cut"


def test_tokens_keep_their_trailing_whitespace_and_split_punctuation() -> None:
    assert tokenize("The board, in 7.3, shall  meet.\n\nNext") == [
        "The ",
        "board",
        ", ",
        "in ",
        "7.3",
        ", ",
        "shall  ",
        "meet",
        ".\n\n",
        "Next",
    ]
    assert tokenize("Привет, мир") == ["Привет", ", ", "мир"]


def test_chinese_and_japanese_fall_back_to_characters() -> None:
    assert tokenize("数据保护") == ["数", "据", "保", "护"]
    assert tokenize("データ保護。") == ["デ", "ー", "タ", "保", "護", "。"]
    assert tokenize("か\u3099") == ["か\u3099"]  # a combining sound mark stays with its kana


# --- word diff ------------------------------------------------------------------------------------
EDITS = {
    "latin": (
        "The controller shall notify the supervisory authority without undue delay.",
        "The controller must notify the competent supervisory authority without delay.",
    ),
    "arabic": (
        "يجب على المراقب أن يبلغ السلطة دون تأخير عن أي خرق.",
        "يجب على المراقب أن يبلغ السلطة المختصة فورا عن أي خرق.",
    ),
    "russian": (
        "Оператор обязан уведомить надзорный орган без задержки.",
        "Оператор должен уведомить компетентный надзорный орган без задержки.",
    ),
    "chinese": ("数据控制者应当及时通知监管机构。", "数据处理者应当立即通知主管监管机构。"),
    "japanese": (
        "管理者は遅滞なく監督機関に通知しなければならない。",
        "管理者は直ちに所轄の監督機関に通知しなければならない。",
    ),
}


@pytest.mark.parametrize("name", sorted(EDITS))
def test_word_diff_round_trips(name: str) -> None:
    a, b = EDITS[name]
    ops = word_diff(a, b)
    assert_well_formed(ops, a, b)
    assert any(op == 0 for op, _ in ops) and any(op != 0 for op, _ in ops)  # a real, partial diff
    assert_well_formed(word_diff(b, a), b, a)


def test_word_diff_russian_and_arabic_change_whole_words() -> None:
    ops = word_diff(*EDITS["russian"])
    assert (-1, "обязан ") in ops and (1, "должен ") in ops
    assert (1, "компетентный ") in ops
    ops = word_diff(*EDITS["arabic"])
    assert any(op == 1 and "المختصة" in text for op, text in ops)
    assert all("المراقب" in text for op, text in ops if "المراقب" in text and op == 0)


def test_word_diff_chinese_by_character() -> None:
    ops = word_diff("数据控制者", "数据处理者")
    assert ops == [(0, "数据"), (-1, "控制"), (1, "处理"), (0, "者")]


def test_word_diff_on_generated_sections_round_trips(pair: GeneratedPair) -> None:
    old_by_key = {s.key: s for s in pair.old}
    new_by_key = {s.key: s for s in pair.new}
    for key in pair.modified:
        a, b = old_by_key[key].body, new_by_key[key].body
        assert_well_formed(word_diff(a, b), a, b)


def test_insertion_reads_as_one_insertion() -> None:
    # "meet" matches "meet " although its trailing whitespace changed: only the new words are inserted.
    assert word_diff("The board shall meet.", "The board shall meet twice a year.") == [
        (0, "The board shall meet"),
        (1, " twice a year"),
        (0, "."),
    ]
    assert word_diff("The board shall meet once.", "The board shall always meet once.") == [
        (0, "The board shall "),
        (1, "always "),
        (0, "meet once."),
    ]


def test_paragraph_split_changes_only_whitespace() -> None:
    ops = word_diff("First sentence. Second one.", "First sentence.\n\nSecond one.")
    assert ops == [(0, "First sentence."), (-1, " "), (1, "\n\n"), (0, "Second one.")]
    comparison = compare_sections(
        [section("a", "A", "First sentence. Second one.")], [section("a", "A", "First sentence.\n\nSecond one.")]
    )
    assert (comparison.summary["modified"], comparison.summary["words_inserted"]) == (1, 0)


def test_changes_read_as_phrases_not_confetti() -> None:
    # "the" between two replacements is folded into one phrase-level change...
    assert word_diff("A big the cat sat here today.", "A small the dog sat here today.") == [
        (0, "A "),
        (-1, "big the cat "),
        (1, "small the dog "),
        (0, "sat here today."),
    ]
    # ...but two separate insertions stay insertions, with the unchanged words between them kept,
    # even a single word between longer insertions.
    assert word_diff("The rules apply.", "The new and improved rules shall from now on apply.") == [
        (0, "The "),
        (1, "new and improved "),
        (0, "rules "),
        (1, "shall from now on "),
        (0, "apply."),
    ]
    ops = word_diff(
        "The authority publishes reports annually.", "The national authority publishes reports online annually."
    )
    assert [op for op, _ in ops] == [0, 1, 0, 1, 0]


def test_coincidental_word_inside_a_rewritten_sentence_is_folded() -> None:
    keep_a, keep_b = "Keep this intro sentence about scope. ", ". Keep this closing sentence about review."
    old = "The regulator shall protect reliable platforms for programmes"
    new = "Formal classes must be disclosed on platforms at the request of users"
    assert word_diff(keep_a + old + keep_b, keep_a + new + keep_b) == [(0, keep_a), (-1, old), (1, new), (0, keep_b)]


def test_unchanged_sentence_between_rewritten_ones_stays_unchanged() -> None:
    keep = "The secretariat should consistently assess the organisational platforms. "
    a = "Old sentence about remedies and appeals for consumers. " + keep + "Another old line on budgets and plans."
    b = "Completely different wording regarding audits of algorithms. " + keep + "New text on sanctions and seals."
    ops = word_diff(a, b)
    assert any(op == 0 and keep in text for op, text in ops)
    assert_well_formed(ops, a, b)


def test_full_rewrite_is_one_deletion_and_one_insertion() -> None:
    a = "The controller shall maintain a record of processing activities under its responsibility."
    b = "Each member state must ensure that the national regulator is independent and adequately funded."
    assert word_diff(a, b) == [(-1, a), (1, b)]
    # Shared only stopwords and punctuation: still one deletion and one insertion.
    assert word_diff("Cats of the sea.", "Dogs of the land.") == [(-1, "Cats of the sea."), (1, "Dogs of the land.")]
    # A 5,000-word section rewritten from scratch, sharing much vocabulary by chance.
    a, b = long_text(101, 5000), long_text(202, 5000)
    assert word_diff(a, b) == [(-1, a), (1, b)]


def test_light_edit_of_a_long_section_is_not_taken_for_a_rewrite() -> None:
    a = long_text(101, 5000)
    b = lightly_edited(a, 3, edits=20)
    ops = word_diff(a, b)
    assert_well_formed(ops, a, b)
    unchanged = sum(len(t) for op, t in ops if op == 0)
    assert unchanged > 0.9 * len(a)
    assert 20 <= sum(1 for op, _ in ops if op == 1) <= 40


def test_long_inputs_are_cut_at_anchors_without_a_larger_diff(monkeypatch: pytest.MonkeyPatch) -> None:
    """Long inputs are diffed stretch by stretch between unique-token anchors; that must cost nothing."""
    a = long_text(303, 4000)
    b = lightly_edited(a, 9, edits=300)
    stretches: list[int] = []
    real_fdmp = diffing._fdmp

    def spy(x: str, y: str, deadline: float | None) -> list[tuple[str, int]]:
        stretches.append(len(x) + len(y))
        return real_fdmp(x, y, deadline)

    monkeypatch.setattr(diffing, "_fdmp", spy)
    anchored = diffing._token_segments(tokenize(a), tokenize(b), 0)
    assert len(stretches) > 10 and max(stretches) < (len(tokenize(a)) + len(tokenize(b))) / 4
    monkeypatch.setattr(diffing, "ANCHOR_MIN_TOKENS", 10**9)
    plain = diffing._token_segments(tokenize(a), tokenize(b), 0)

    def cost(segments: list[diffing._Segment]) -> int:
        return sum(len(x) + len(y) for kind, x, y in segments if kind == 1)

    assert cost(anchored) <= cost(plain) * 1.02


def test_more_distinct_words_than_the_basic_plane_holds() -> None:
    # 70,000 distinct words need code points past the surrogate block, which must be skipped.
    a = " ".join(f"w{i}" for i in range(70_000))
    b = a.replace("w123 ", "w123 inserted ").replace(" w69000 ", " ")
    ops = word_diff(a, b)
    assert_well_formed(ops, a, b)
    assert [(op, text) for op, text in ops if op] == [(1, "inserted "), (-1, "w69000 ")]


def test_one_megabyte_body_finishes_quickly() -> None:
    a = long_text(11, 170_000)
    assert len(a) >= 1_000_000
    b = lightly_edited(a, 12, edits=300)
    for x, y in ((a, b), (a, long_text(13, 170_000))):
        started = time.perf_counter()
        ops = word_diff(x, y)
        assert time.perf_counter() - started < 5
        assert rebuild(ops) == (x, y)
    started = time.perf_counter()
    compare_sections([section("a", "A", a)], [section("a", "A", b)])
    assert time.perf_counter() - started < 5


def test_pathological_input_is_cut_short_by_the_time_limit() -> None:
    # Two random sequences of two words: Myers' worst case, about 3 s here without a limit.
    rng = random.Random(5)
    a = "".join(rng.choice(("shall ", "not ")) for _ in range(60_000))
    b = "".join(rng.choice(("shall ", "not ")) for _ in range(60_000))
    started = time.perf_counter()
    ops = word_diff(a, b, timelimit=0.05)
    assert time.perf_counter() - started < 1
    assert rebuild(ops) == (a, b)

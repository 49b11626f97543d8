"""Compare two drafts of a sectioned document: which sections changed, how, and by how many words.

Pure: no Django, no ORM, no I/O. Callers turn drafts (or a file being imported) into sequences of
:class:`SectionState` in document order (depth first) and get back a :class:`Comparison`.

The pipeline:

1. **Alignment** (:func:`align_sections`) pairs old sections with new ones: by key first, then, for
   sections that have no key on one side, by content (identical text, then similar text).
2. **Classification** (:func:`compare_sections`) gives each pair its changes: ``moved`` (parent
   changed, or its order among its matched siblings changed, judged by a longest common
   subsequence), ``renamed``, ``renumbered`` (number changed although not moved), ``modified``.
3. **Word diff** (:func:`word_diff`) of changed bodies: whole-word tokens, each mapped to one
   code point and diffed by the C++ diff-match-patch (``fast_diff_match_patch``, which diffs
   strings only) under a time limit; long texts are first cut at unique-token anchors. Then a
   token-aware clean-up makes changes read as phrases rather than confetti, and a section
   rewritten from scratch reads as one deletion and one insertion.

Keyless input: a section read from a file may have ``key == ""``. Its ``parent`` then names the
parent by a temporary id, ``"@<i>"`` where ``i`` is the parent's 0-based index in the *same*
sequence (see :func:`temp_id`). A parent reference is resolved as a key of that sequence first,
then as a temporary id; so real keys must not look like ``"@<digits>"``.
"""

from __future__ import annotations

import re
import time
from bisect import bisect_left
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any

import fast_diff_match_patch as fdmp

from drafts import brackets
from drafts.values import SectionState

__all__ = [
    "CHANGE_KINDS",
    "Comparison",
    "SectionChange",
    "SectionState",
    "align_sections",
    "compare_sections",
    "comparison_as_json",
    "diff_tokens",
    "is_rewrite",
    "merged_into",
    "temp_id",
    "tokenize",
    "word_diff",
]

# The order in which changes are listed on a section, and the summary's counters.
CHANGE_KINDS: tuple[str, ...] = ("added", "removed", "moved", "renamed", "renumbered", "modified")

# --- Content matching thresholds -----------------------------------------------------------------
# Content matching scores a pair of bodies by the Jaccard index of their sets of word bigrams
# (lower-cased, split at whitespace; a body of fewer than two words uses its words). Bigrams
# rather than single words because two unrelated sections of one document share most of their
# vocabulary ("the", "shall", "ensure") but far fewer word pairs. Measured on the test generator,
# whose template prose repeats phrases far more than real text: unrelated sections score 0.05-0.17
# (mean 0.09); a section with one to three edits (words inserted, deleted or replaced, a sentence
# rewritten) scores 0.85 and up; a 200-word body with one word in ten replaced scores about 0.65.
#
# Same heading: the heading already says "this is that section", so moderate similarity suffices.
SAME_HEADING_MIN_SIMILARITY = 0.3
# Different heading: claiming a rename needs a body that is nearly the same.
OTHER_HEADING_MIN_SIMILARITY = 0.6
# When one new section could match several old ones, a shared heading outweighs a difference in
# body similarity of up to this much, but not a larger one.
SAME_HEADING_BONUS = 0.25
# Above this many candidate pairs, only pairs sharing a heading or a rare bigram (one found in at
# most PREFILTER_MAX_SECTIONS sections) are scored, so that 200 x 200 keyless sections that all
# changed stay fast (~0.1 s instead of ~0.4 s); below it every pair is scored.
BRUTE_FORCE_PAIRS = 2500
PREFILTER_MAX_SECTIONS = 4

# --- Word diff thresholds -----------------------------------------------------------------------
# Seconds the diff core may spend on one body before settling for a valid but coarser diff
# (diff-match-patch's Diff_Timeout; 0 or less means no limit). Ordinary sections diff in well under
# a millisecond and a 5,000-word rewrite in ~30 ms; this caps a pathological pair (two random
# 60,000-word sequences of two words take ~3 s unlimited) so a request cannot hang.
DIFF_TIMELIMIT = 0.2
# Texts at least this many tokens long on both sides are cut at anchors before diffing (see
# :func:`_core_diff`); below it a plain diff is cheaper than finding anchors. The recursion into
# stretches between anchors stops at ANCHOR_MAX_DEPTH.
ANCHOR_MIN_TOKENS = 1000
ANCHOR_MAX_DEPTH = 32
# An unchanged stretch of at most this many tokens, made only of stopwords and punctuation and
# sitting between two changes, is folded into them: "[-big-][+small+] the [-cat-][+dog+]" reads
# better as "[-big the cat-][+small the dog+]".
WEAK_EQUALITY_MAX_TOKENS = 4
# An unchanged stretch with at most this many content words is folded too, if it is shorter than
# the changes on both sides (the coincidental "platforms" inside a rewritten sentence).
FOLD_MAX_CONTENT_WORDS = 2
# If the unchanged parts carry fewer than this share of the shorter side's content words (words
# that are not stopwords), the body was rewritten: it is shown as one deletion and one insertion
# rather than a scatter of coincidental matches. A body whose unchanged part is only stopwords,
# punctuation or whitespace is always collapsed.
REWRITE_SHARED_CONTENT_RATIO = 0.1


@dataclass(frozen=True)
class SectionChange:
    """How one section changed between two drafts.

    ``changes`` is a subset of :data:`CHANGE_KINDS` in that order, empty if unchanged. ``old`` is
    ``None`` for an added section, ``new`` is ``None`` for a removed one. ``key`` is the new key,
    else the old key, else ``""`` (a keyless section that was added or removed).
    """

    key: str
    changes: tuple[str, ...]
    old: SectionState | None
    new: SectionState | None
    words_inserted: int
    words_deleted: int
    # Brackets (drafts.brackets) in the new body and not the old, and in the old and not the new.
    brackets_opened: int = 0
    brackets_closed: int = 0

    @property
    def latest(self) -> SectionState:
        """The section as it is now, or as it last was for a removed one."""
        latest = self.new or self.old
        assert latest is not None, "a change always has at least one side (see align_sections)"
        return latest


@dataclass(frozen=True)
class Comparison:
    """The comparison of two drafts.

    ``sections`` holds every section of either draft once, in the new draft's order, each removed
    section placed right after its predecessor in the old draft. ``summary`` counts sections per
    change kind (a section renamed and modified counts under both), sections without change under
    ``unchanged``, and the total words inserted and deleted.
    """

    sections: tuple[SectionChange, ...]
    summary: dict[str, int]


def temp_id(index: int) -> str:
    """The temporary id by which keyless input names a parent: ``"@3"`` for index 3 (0-based)."""
    return f"@{index}"


_TEMP_ID = re.compile(r"@(\d+)")

# --- Tokenizer ----------------------------------------------------------------------------------
# Punctuation: split off words as tokens of their own, so "word," and "word" are the same word.
_PUNCT = (
    re.escape("!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~")
    + "\u00a1\u00a7\u00ab\u00b6\u00b7\u00bb\u00bf"  # ¡ § « ¶ · » ¿
    + "\u2010-\u2027\u2030-\u205e"  # dashes, quotes, bullets, ellipsis, primes
    + "\u3001-\u3003\u3008-\u3011\u3014-\u301f\u30fb"  # CJK punctuation, brackets, katakana middle dot
    + "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"  # full-width punctuation
    + "\u060c\u061b\u061f\u066a-\u066d\u06d4"  # Arabic comma, semicolon, question mark, full stop
    + "\u0964\u0965"  # Devanagari danda
)
# Chinese and Japanese scripts, written without spaces: one token per character.
_CJK = (
    "\u3005-\u3007\u3021-\u3029\u3041-\u3096\u309b-\u309f\u30a0-\u30fa\u30fc-\u30ff\u31f0-\u31ff"
    "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0002fa1f\U00030000-\U0003134f"
)
# Combining marks that may follow a CJK character or punctuation and must stay with it.
_MARKS = (
    "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\u3099\u309a\ufe00-\ufe0f\ufe20-\ufe2f\U000e0100-\U000e01ef"
)
# Punctuation that joins two runs of letters into one word when at most three of these stand
# between them: don't, co-operation, 7.3, 1,000, a/b, https://example.org/a-b.
_JOINERS = re.escape("'.,-_/:@&") + "\u2019\u2010\u2011\u00b7"
# A word character is anything that is not whitespace, punctuation or CJK: letters of every
# script, digits, and combining marks (Arabic harakat, Devanagari vowel signs) and zero-width
# joiners, which Python's \w would cut a word at.
_WORD_CHAR = rf"[^\s{_PUNCT}{_CJK}]"
_TOKEN = re.compile(
    # The classes are disjoint, so the order only matters for speed: words are most tokens.
    rf"{_WORD_CHAR}+(?:[{_JOINERS}]{{1,3}}{_WORD_CHAR}+)*\s*"
    rf"|(?:[{_PUNCT}][{_MARKS}]*)+\s*"
    rf"|[{_CJK}][{_MARKS}]*\s*"
    rf"|\s+"  # only ever at the very start: every other token takes its trailing whitespace
)
_IS_WORD = re.compile(rf"{_WORD_CHAR}|[{_CJK}]")
# The words of a text without their whitespace and punctuation (for similarity, not for diffs).
_WORDS = re.compile(rf"{_WORD_CHAR}+(?:[{_JOINERS}]{{1,3}}{_WORD_CHAR}+)*|[{_CJK}][{_MARKS}]*")
_HAS_CJK = re.compile(rf"[{_CJK}]")

# Words too common to be evidence that two versions share text. Lower-case; English first, with a
# few of the most frequent function words of other languages the documents may be written in.
_STOPWORDS = frozenset(
    word
    for line in (
        "a an and are as at be been by can do for from has have he her his i if in into is it its may must no",
        "not of on or our shall should so such than that the their them then there these they this those to",
        "under upon was we were which while who will with within without would you your any all also each",
        "other only own same very more most",
        "le la les de des du et à un une en dans pour par sur au aux est",  # French
        "der die das und zu von mit den dem ein eine ist im auf für",  # German
        "el los las y del por para con",  # Spanish
        "и в во не на с со что по к как из у за от о",  # Russian
        " ".join("的了是在和与及或之其于也のはがをにとでもへや"),  # Chinese and Japanese particles
    )
    for word in line.split()
)


def tokenize(text: str) -> list[str]:
    """Split ``text`` into diff tokens; ``"".join(tokenize(text)) == text`` always holds.

    A token is a whole word with its trailing whitespace: a run of letters, digits and combining
    marks of any script, which may contain up to three joining punctuation characters between
    letters ("don't", "co-operation", "7.3", "1,000", "https://example.org/a-b"), so a word is never
    cut in half. Other punctuation forms tokens of its own (a run of punctuation plus trailing
    whitespace), so "word" and "word," share the token "word".
    Chinese and Japanese characters are one token each, since those scripts put no spaces between
    words; Arabic, Russian and other space-separated scripts split at spaces. Leading whitespace is
    a token of its own.
    """
    return _TOKEN.findall(text)


@lru_cache(maxsize=1 << 16)
def _is_word(token: str) -> bool:
    """Whether a token counts as a word (not punctuation or whitespace only)."""
    return _IS_WORD.match(token) is not None


@lru_cache(maxsize=1 << 16)
def _is_content(token: str) -> bool:
    """Whether a token is a word that is evidence of shared text (a word, but not a stopword)."""
    # Cached, like _is_word: a document repeats a few thousand distinct tokens many times over.
    return _IS_WORD.match(token) is not None and token.strip().casefold() not in _STOPWORDS


# --- Word diff ----------------------------------------------------------------------------------
# Tokens are diffed as strings of single code points, one per distinct token (the classic
# linesToChars trick): the diff core then works in tokens, so it can never cut a word.
# Code points start above Latin-1 so no token becomes a newline or control character, and skip
# the surrogate block: not valid characters on their own, and a build with a 16-bit wchar_t would
# pair two of them into one character and miscount lengths.
_CODE_BASE = 0x100
_SURROGATES = range(0xD800, 0xE000)
_CODE_CAPACITY = 0x110000 - _CODE_BASE - len(_SURROGATES)

# A segment of a token diff: (0, equal pieces, []) or (1, deleted pieces, inserted pieces). Pieces
# are tokens, or a word and its trailing whitespace apart where only the whitespace changed.
_Segment = tuple[int, list[str], list[str]]


def _code_point(n: int) -> str:
    n += _CODE_BASE
    if n >= _SURROGATES.start:
        n += len(_SURROGATES)
    return chr(n)


def _fdmp(a: str, b: str, deadline: float | None) -> list[tuple[str, int]]:
    """diff-match-patch on two coded strings, within ``deadline`` (a perf_counter time) if given."""
    if deadline is None:
        timelimit = 0.0  # diff-match-patch's "no limit"
    else:
        timelimit = deadline - time.perf_counter()
        if timelimit <= 0:  # budget spent: the stretch is shown as replaced whole
            return [op for op in (("-", len(a)), ("+", len(b))) if op[1]]
    # No semantic clean-up here: google's rules are tuned for characters, and would fold a whole
    # unchanged sentence into its neighbours. Ours, on tokens, runs afterwards.
    return fdmp.diff(a, b, timelimit=timelimit, checklines=False, cleanup="No", counts_only=True)


def _core_diff(a: str, b: str, deadline: float | None, depth: int = 0) -> list[tuple[str, int]]:
    """Diff two coded strings into ``(op, length)`` pairs, op one of "=", "-", "+".

    Short inputs go straight to diff-match-patch (Myers' O(ND) algorithm, optimal). Long ones are
    first cut at anchors, as patience diff does: tokens that occur exactly once in each text,
    kept where their order agrees (a longest increasing subsequence); each stretch between anchors
    is diffed the same way, recursively. On edited text the diff is as small as without anchors
    (the tests check this), and faster; on a
    long section rewritten from scratch it avoids Myers' quadratic worst case (5,000 words: ~30 ms
    instead of ~170 ms), and the rewrite is then recognised by :func:`_collapse_rewrite` anyway.
    ``deadline`` is one budget shared by all stretches; a stretch reached after it has passed is
    shown as replaced whole. Recursion stops at :data:`ANCHOR_MAX_DEPTH`, so crafted input cannot
    exhaust the stack.
    """
    if min(len(a), len(b)) < ANCHOR_MIN_TOKENS or depth >= ANCHOR_MAX_DEPTH:
        return _fdmp(a, b, deadline)
    count_a = Counter(a)
    count_b = Counter(b)
    unique = {ch for ch, n in count_a.items() if n == 1 and count_b.get(ch) == 1}
    if not unique:
        return _fdmp(a, b, deadline)
    where_b = {ch: j for j, ch in enumerate(b) if ch in unique}
    pairs = [(i, where_b[ch]) for i, ch in enumerate(a) if ch in unique]
    keep = _lis_positions([j for _i, j in pairs])
    anchors = [pair for pos, pair in enumerate(pairs) if pos in keep]
    anchors.append((len(a), len(b)))  # sentinel: the stretch after the last anchor

    ops: list[tuple[str, int]] = []
    prev_a = prev_b = 0
    for i, j in anchors:
        if i > prev_a or j > prev_b:
            # A stretch has tokens of its own that are unique within it: recurse.
            ops.extend(_core_diff(a[prev_a:i], b[prev_b:j], deadline, depth + 1))
        if i < len(a):
            ops.append(("=", 1))
        prev_a, prev_b = i + 1, j + 1
    return ops


def _add_equal(segments: list[_Segment], pieces: list[str]) -> None:
    if segments and segments[-1][0] == 0:
        segments[-1][1].extend(pieces)
    else:
        segments.append((0, list(pieces), []))


def _add_change(segments: list[_Segment], deleted: list[str], inserted: list[str]) -> None:
    if not segments or segments[-1][0] == 0:
        segments.append((1, [], []))
    segments[-1][1].extend(deleted)
    segments[-1][2].extend(inserted)


def _token_segments(a_tokens: list[str], b_tokens: list[str], timelimit: float) -> list[_Segment]:
    """Diff two token lists into alternating equal and change segments, cleaned up for reading.

    Tokens are matched on their text without trailing whitespace, so "meet" at the end of a
    sentence still matches "meet " once words are appended after it, and a paragraph split
    (". " becoming ".\n\n") changes only whitespace. Where matched tokens differ in whitespace,
    the word is equal and the whitespace alone is a change.
    """
    a_keys = list(map(str.rstrip, a_tokens))
    b_keys = list(map(str.rstrip, b_tokens))
    if _certainly_rewritten(a_keys, b_keys):
        # No diff could keep enough shared words to escape _collapse_rewrite: skip the diff.
        return [(1, list(a_tokens), list(b_tokens))]
    distinct = dict.fromkeys(a_keys)
    distinct.update(dict.fromkeys(b_keys))
    if len(distinct) > _CODE_CAPACITY:  # more distinct tokens than code points: no token diff possible
        return [(1, list(a_tokens), list(b_tokens))]
    if _CODE_BASE + len(distinct) <= _SURROGATES.start:  # the usual case: no surrogates to skip
        codes = dict(zip(distinct, map(chr, range(_CODE_BASE, _CODE_BASE + len(distinct))), strict=True))
    else:
        codes = dict(zip(distinct, map(_code_point, range(len(distinct))), strict=True))
    deadline = time.perf_counter() + timelimit if timelimit > 0 else None
    ops = _core_diff("".join(map(codes.__getitem__, a_keys)), "".join(map(codes.__getitem__, b_keys)), deadline)

    segments: list[_Segment] = []
    ia = ib = 0
    for op, length in ops:
        if op == "-":
            _add_change(segments, a_tokens[ia : ia + length], [])
            ia += length
        elif op == "+":
            _add_change(segments, [], b_tokens[ib : ib + length])
            ib += length
        else:
            run_a = a_tokens[ia : ia + length]
            run_b = b_tokens[ib : ib + length]
            if run_a == run_b:
                _add_equal(segments, run_a)
            else:
                for ta, tb in zip(run_a, run_b, strict=True):
                    if ta == tb:
                        _add_equal(segments, [ta])
                        continue
                    word = ta.rstrip()
                    if word:
                        _add_equal(segments, [word])
                    space_a, space_b = ta[len(word) :], tb[len(word) :]
                    _add_change(segments, [space_a] if space_a else [], [space_b] if space_b else [])
            ia += length
            ib += length
    return _collapse_rewrite(_fold_equalities(segments), a_tokens, b_tokens)


def _should_fold(before: _Segment, equal: list[str], after: _Segment) -> bool:
    """Whether an equality between two changes reads better as part of one larger change."""
    if (not before[1] and not after[1]) or (not before[2] and not after[2]):
        # Two insertions (or two deletions) around unchanged text are two separate additions:
        # folding them would report the unchanged text as deleted and inserted again.
        return False
    content = 0
    for token in equal:
        if _is_content(token):
            content += 1
            if content > FOLD_MAX_CONTENT_WORDS:
                return False
    if not content:
        return len(equal) <= WEAK_EQUALITY_MAX_TOKENS
    # google diff-match-patch's semantic rule (an equality no longer than the changes on both
    # sides is noise), made strict and limited to a couple of content words: counted in tokens,
    # an unchanged sentence between two rewritten ones must stay visible as unchanged.
    return len(equal) < max(len(before[1]), len(before[2])) and len(equal) < max(len(after[1]), len(after[2]))


def _fold_equalities(segments: list[_Segment]) -> list[_Segment]:
    """Fold equalities that are noise between two changes into one change (see :func:`_should_fold`).

    A stack with backtracking, as in diff-match-patch: a fold enlarges a change, which may make
    the equality before it foldable in turn.
    """
    out: list[_Segment] = []
    for seg in segments:
        out.append(seg)
        while (
            len(out) >= 3
            and out[-1][0] == 1
            and out[-2][0] == 0
            and out[-3][0] == 1
            and _should_fold(out[-3], out[-2][1], out[-1])
        ):
            after = out.pop()
            equal = out.pop()[1]
            before = out[-1]
            before[1].extend(equal)
            before[1].extend(after[1])
            before[2].extend(equal)
            before[2].extend(after[2])
    return out


def _certainly_rewritten(a_keys: list[str], b_keys: list[str]) -> bool:
    """True when even every shared content word matched could not reach the rewrite threshold.

    The multiset intersection bounds from above what any diff can keep as equal, so this is the
    same verdict :func:`_collapse_rewrite` would reach after diffing, for a fraction of the cost.
    """
    a_content = Counter(k for k in a_keys if _is_content(k))
    b_content = Counter(k for k in b_keys if _is_content(k))
    shorter = min(sum(a_content.values()), sum(b_content.values()))
    if not shorter:
        return False
    shared = sum((a_content & b_content).values())
    return shared < REWRITE_SHARED_CONTENT_RATIO * shorter


def _content_count(tokens: Iterable[str]) -> int:
    return sum(n for token, n in Counter(tokens).items() if _is_content(token))


def _collapse_rewrite(segments: list[_Segment], a_tokens: list[str], b_tokens: list[str]) -> list[_Segment]:
    """Turn a diff whose unchanged part is negligible into one deletion and one insertion."""
    if not any(seg[0] == 1 for seg in segments) or not any(seg[0] == 0 for seg in segments):
        return segments
    # Token counts bound content-word counts from above: once the shared content words reach the
    # ratio of the shorter side's token count, this is certainly no rewrite and counting can stop.
    # That is the common case (an edited section), settled after a few equal tokens.
    enough = REWRITE_SHARED_CONTENT_RATIO * min(len(a_tokens), len(b_tokens))
    shared = 0
    for seg in segments:
        if seg[0] == 0:
            for token in seg[1]:
                if _is_content(token):
                    shared += 1
                    if shared >= enough:
                        return segments
    if shared:
        shorter = min(_content_count(a_tokens), _content_count(b_tokens))
        if shared >= REWRITE_SHARED_CONTENT_RATIO * shorter:
            return segments
    return [(1, list(a_tokens), list(b_tokens))]


def _diff(a: str, b: str, timelimit: float) -> list[_Segment]:
    if a == b:
        return [(0, tokenize(a), [])] if a else []
    return _token_segments(tokenize(a), tokenize(b), timelimit)


def word_diff(a: str, b: str, *, timelimit: float = DIFF_TIMELIMIT) -> list[tuple[int, str]]:
    """Diff ``a`` into ``b`` by whole words (see :func:`tokenize`).

    Returns ``(op, text)`` pairs with op -1 (delete), 0 (equal) or 1 (insert). Joining the texts of
    ops 0 and -1 gives back ``a``; joining ops 0 and 1 gives back ``b``. Adjacent pairs never share
    an op, no text is empty, and within a change the deletion comes before the insertion.

    A boundary between ops never falls inside a word: it falls between tokens, or between a word
    and its trailing whitespace when only that whitespace changed (words are matched ignoring
    their trailing whitespace, so appending "twice a year" after "meet." inserts just those words,
    and splitting a paragraph changes only whitespace). Equalities between two changes that are
    noise - a few stopwords, or a couple of words shorter than the changes around them - are
    folded into one change, but never between two pure insertions or two pure deletions. A rewrite
    (see :data:`REWRITE_SHARED_CONTENT_RATIO`) comes back as exactly one deletion and one insertion.
    The diff core stops refining after ``timelimit`` seconds (0 or less: no limit) and then
    returns a valid, coarser diff.
    """
    out: list[tuple[int, str]] = []
    for kind, first, second in _diff(a, b, timelimit):
        if kind == 0:
            out.append((0, "".join(first)))
            continue
        if first:
            out.append((-1, "".join(first)))
        if second:
            out.append((1, "".join(second)))
    return out


def diff_tokens(
    a_tokens: list[str], b_tokens: list[str], *, timelimit: float = DIFF_TIMELIMIT
) -> list[tuple[int, list[str], list[str]]]:
    """Diff two token lists with the same engine and clean-up as :func:`word_diff`.

    Returns segments ``(0, tokens, [])`` for equal runs and ``(1, deleted, inserted)`` for
    changes. The redline uses it on rendered HTML, where tags are tokens too.
    """
    if a_tokens == b_tokens:
        return [(0, list(a_tokens), [])] if a_tokens else []
    return _token_segments(a_tokens, b_tokens, timelimit)


@lru_cache(maxsize=256)
def _diff_summary(a: str, b: str, timelimit: float) -> tuple[int, int, bool]:
    """(words inserted, words deleted, rewritten) for the word diff of ``a`` into ``b``.

    Cached: a compare asks for the counts, and its redline then asks whether the same pair is a
    rewrite; the second question must not cost a second diff.
    """
    segments = _diff(a, b, timelimit)
    inserted = deleted = 0
    for kind, first, second in segments:
        if kind == 1:
            deleted += sum(map(_is_word, first))
            inserted += sum(map(_is_word, second))
    rewritten = len(segments) == 1 and segments[0][0] == 1 and bool(segments[0][1]) and bool(segments[0][2])
    return inserted, deleted, rewritten


def _word_counts(a: str, b: str, timelimit: float = DIFF_TIMELIMIT) -> tuple[int, int]:
    """(words inserted, words deleted) in the word diff of ``a`` into ``b``."""
    return _diff_summary(a, b, timelimit)[:2]


def is_rewrite(a: str, b: str, *, timelimit: float = DIFF_TIMELIMIT) -> bool:
    """Whether the word diff of ``a`` into ``b`` is one deletion and one insertion (a rewrite)."""
    return _diff_summary(a, b, timelimit)[2]


# --- Alignment ----------------------------------------------------------------------------------
def _norm_heading(heading: str) -> str:
    # Whitespace differences in a heading are not a rename.
    return " ".join(heading.split())


def _same_text(a: str, b: str) -> bool:
    # str caches its hash, so unequal bodies are usually told apart without reading them.
    return a is b or (len(a) == len(b) and hash(a) == hash(b) and a == b)


def _features(body: str) -> frozenset[int]:
    """Word bigrams of a body (its words if it has fewer than two), for similarity.

    Kept as hashes: sets of ints intersect several times faster than sets of string pairs.
    """
    folded = body.casefold()
    # Splitting at whitespace is several times faster than the tokenizer, and punctuation stuck to
    # a word costs little similarity; only text in a script without spaces needs real word splitting.
    words = folded.split() if folded.isascii() or not _HAS_CJK.search(folded) else _WORDS.findall(folded)
    if len(words) < 2:
        return frozenset(map(hash, words))
    return frozenset(map(hash, pairwise(words)))


def _jaccard(x: frozenset[int], y: frozenset[int]) -> float:
    if not x or not y:
        return 0.0
    common = len(x & y)
    return common / (len(x) + len(y) - common)


class _Matcher:
    """Pairs old sections with new ones by index, in the tiers :func:`align_sections` describes."""

    def __init__(self, old: Sequence[SectionState], new: Sequence[SectionState]) -> None:
        self.old = old
        self.new = new
        self.old_to_new: list[int | None] = [None] * len(old)
        self.new_to_old: list[int | None] = [None] * len(new)

    def pair(self, i: int, j: int) -> None:
        self.old_to_new[i] = j
        self.new_to_old[j] = i

    def eligible(self, i: int, j: int) -> bool:
        # Two different non-empty keys name two different sections: an editor deleted one and
        # created the other, however alike their text. Content decides only where a key is missing.
        return self.old_to_new[i] is None and self.new_to_old[j] is None and not (self.old[i].key and self.new[j].key)

    def distance(self, i: int, j: int) -> float:
        """How far apart two sections sit, as a share of their documents."""
        return abs((i + 0.5) / len(self.old) - (j + 0.5) / len(self.new))

    def run(self) -> None:
        self.by_key()
        # Content matching only ever pairs sections of which at least one has no key.
        keyless_old = any(m is None and not s.key for m, s in zip(self.old_to_new, self.old, strict=True))
        keyless_new = any(m is None and not s.key for m, s in zip(self.new_to_old, self.new, strict=True))
        if (keyless_old and None in self.new_to_old) or (keyless_new and None in self.old_to_new):
            self.by_identical(lambda s: (_norm_heading(s.heading), s.body))
            self.by_identical(lambda s: s.body if s.body.strip() else None)
            self.by_similarity()

    def by_key(self) -> None:
        by_key: dict[str, list[int]] = defaultdict(list)
        for i, s in enumerate(self.old):
            if s.key:
                by_key[s.key].append(i)
        for j, s in enumerate(self.new):
            candidates = by_key.get(s.key) if s.key else None
            if candidates:  # a duplicated key pairs in document order
                self.pair(candidates.pop(0), j)

    def by_identical(self, signature: Callable[[SectionState], Hashable | None]) -> None:
        """Pair sections with equal signatures; among several candidates, the nearest in place."""
        buckets: dict[Hashable, list[int]] = defaultdict(list)
        for i, s in enumerate(self.old):
            if self.old_to_new[i] is None:
                sig = signature(s)
                if sig is not None:
                    buckets[sig].append(i)
        if not buckets:
            return
        for j, s in enumerate(self.new):
            if self.new_to_old[j] is not None:
                continue
            sig = signature(s)
            candidates = [i for i in buckets.get(sig, ()) if self.eligible(i, j)] if sig is not None else []
            if candidates:
                self.pair(min(candidates, key=lambda i: self.distance(i, j)), j)

    def by_similarity(self) -> None:
        """Pair remaining sections by bigram Jaccard similarity, best scores first (greedy).

        In two rounds that give the same result as one: a pair under the same heading with a score
        above 1.0 outranks every pair under different headings (their score is at most 1.0), so
        such pairs are settled first from the few same-heading candidates; only the sections left
        over are then scored against each other. In a typical import that leaves a handful.
        """
        rest_old = [i for i, m in enumerate(self.old_to_new) if m is None]
        rest_new = [j for j, m in enumerate(self.new_to_old) if m is None]
        if not rest_old or not rest_new:
            return
        feats_old = {i: _features(self.old[i].body) for i in rest_old}
        feats_new = {j: _features(self.new[j].body) for j in rest_new}
        heads_old = {i: _norm_heading(self.old[i].heading) for i in rest_old}
        heads_new = {j: _norm_heading(self.new[j].heading) for j in rest_new}

        by_heading: dict[str, list[int]] = defaultdict(list)
        for i in rest_old:
            by_heading[heads_old[i]].append(i)
        same = [(i, j) for j in rest_new for i in by_heading.get(heads_new[j], ())]
        self._pair_greedily(self._scored(same, feats_old, feats_new, heads_old, heads_new), above=1.0)

        rest_old = [i for i in rest_old if self.old_to_new[i] is None]
        rest_new = [j for j in rest_new if self.new_to_old[j] is None]
        if not rest_old or not rest_new:
            return
        if len(rest_old) * len(rest_new) <= BRUTE_FORCE_PAIRS:
            pairs: Iterable[tuple[int, int]] = [(i, j) for j in rest_new for i in rest_old]
        else:
            pairs = self._candidate_pairs(
                {i: feats_old[i] for i in rest_old},
                {j: feats_new[j] for j in rest_new},
                {i: heads_old[i] for i in rest_old},
                {j: heads_new[j] for j in rest_new},
            )
        self._pair_greedily(self._scored(pairs, feats_old, feats_new, heads_old, heads_new))

    def _scored(
        self,
        pairs: Iterable[tuple[int, int]],
        feats_old: dict[int, frozenset[int]],
        feats_new: dict[int, frozenset[int]],
        heads_old: dict[int, str],
        heads_new: dict[int, str],
    ) -> list[tuple[float, float, int, int]]:
        """(score, -distance, old, new) for the pairs similar enough to match, best first."""
        scored: list[tuple[float, float, int, int]] = []
        for i, j in pairs:
            if not self.eligible(i, j):
                continue
            same_heading = heads_old[i] == heads_new[j]
            floor = SAME_HEADING_MIN_SIMILARITY if same_heading else OTHER_HEADING_MIN_SIMILARITY
            x, y = feats_old[i], feats_new[j]
            # Jaccard can be no higher than the ratio of the set sizes: skip hopeless pairs unscored.
            if not x or not y or min(len(x), len(y)) < floor * max(len(x), len(y)):
                continue
            similarity = _jaccard(x, y)
            if similarity >= floor:
                score = similarity + (SAME_HEADING_BONUS if same_heading else 0.0)
                scored.append((score, -self.distance(i, j), i, j))
        scored.sort(reverse=True)
        return scored

    def _pair_greedily(self, scored: list[tuple[float, float, int, int]], above: float = -1.0) -> None:
        for score, _dist, i, j in scored:
            if score <= above:
                break
            if self.old_to_new[i] is None and self.new_to_old[j] is None:
                self.pair(i, j)

    @staticmethod
    def _candidate_pairs(
        feats_old: dict[int, frozenset[int]],
        feats_new: dict[int, frozenset[int]],
        heads_old: dict[int, str],
        heads_new: dict[int, str],
    ) -> set[tuple[int, int]]:
        """Pairs that share a heading or a rare bigram: a cheap prefilter for many sections.

        Rare means found in at most :data:`PREFILTER_MAX_SECTIONS` sections of the two sides
        together. Two versions of one section share many such bigrams (the phrases peculiar to
        it, found in just those two), while common bigrams would propose nearly every pair and
        make the prefilter as quadratic as scoring everything.
        """
        frequency: Counter[int] = Counter()
        for feats in (*feats_old.values(), *feats_new.values()):
            frequency.update(feats)
        postings: dict[int, list[int]] = defaultdict(list)
        for i, feats in feats_old.items():
            for f in feats:
                if frequency[f] <= PREFILTER_MAX_SECTIONS:
                    postings[f].append(i)
        pairs: set[tuple[int, int]] = set()
        for j, feats in feats_new.items():
            for f in feats:
                for i in postings.get(f, ()):
                    pairs.add((i, j))
        by_heading: dict[str, list[int]] = defaultdict(list)
        for i, h in heads_old.items():
            by_heading[h].append(i)
        for j, h in heads_new.items():
            pairs.update((i, j) for i in by_heading.get(h, ()))
        return pairs


def _match(old: Sequence[SectionState], new: Sequence[SectionState]) -> _Matcher:
    matcher = _Matcher(old, new)
    matcher.run()
    return matcher


def _ordered_pairs(m: _Matcher) -> list[tuple[int | None, int | None]]:
    """Index pairs in the new document's order, each removed section after its old predecessor."""
    removed_after: dict[int, list[int]] = defaultdict(list)  # new index (-1: start) -> old indices
    anchor = -1
    for i, j in enumerate(m.old_to_new):
        if j is None:
            removed_after[anchor].append(i)
        else:
            anchor = j
    out: list[tuple[int | None, int | None]] = [(i, None) for i in removed_after.get(-1, ())]
    for j, old_index in enumerate(m.new_to_old):
        out.append((old_index, j))
        out.extend((r, None) for r in removed_after.get(j, ()))
    return out


def align_sections(
    old: Sequence[SectionState], new: Sequence[SectionState]
) -> list[tuple[SectionState | None, SectionState | None]]:
    """Pair the sections of two drafts, both given in document order.

    Every section appears in exactly one pair: ``(old, new)`` for a section in both drafts,
    ``(old, None)`` for a removed one, ``(None, new)`` for an added one. Pairs come in the new
    draft's order, each removed section right after its predecessor in the old draft (or first,
    if it had none that survived).

    Matching, in order: equal non-empty keys; then, only where at least one side has no key,
    identical heading and body; identical non-empty body (a rename); and finally bigram Jaccard
    similarity of bodies of at least :data:`SAME_HEADING_MIN_SIMILARITY` under the same heading or
    :data:`OTHER_HEADING_MIN_SIMILARITY` under a different one, best scores first. Among equal
    candidates the one nearest in relative place wins.
    """
    m = _match(old, new)
    return [(old[i] if i is not None else None, new[j] if j is not None else None) for i, j in _ordered_pairs(m)]


# --- Classification -----------------------------------------------------------------------------
_ParentRef = int | str | None


def _resolve_parents(states: Sequence[SectionState]) -> list[_ParentRef]:
    """Each section's parent as an index into ``states``; an unresolvable reference stays a string."""
    index = {s.key: i for i, s in enumerate(states) if s.key}
    out: list[_ParentRef] = []
    for s in states:
        if s.parent is None:
            out.append(None)
        elif s.parent in index:
            out.append(index[s.parent])
        elif (t := _TEMP_ID.fullmatch(s.parent)) and int(t.group(1)) < len(states):
            out.append(int(t.group(1)))
        else:
            out.append(s.parent)
    return out


def _lis_positions(values: list[int]) -> set[int]:
    """Positions in ``values`` of one longest strictly increasing subsequence (patience sorting).

    Ties are broken deterministically: the subsequence ending in the smallest value wins, so in a
    swap of two siblings the one that moved up is the one called moved.
    """
    tail_values: list[int] = []
    tail_positions: list[int] = []
    previous = [-1] * len(values)
    for pos, v in enumerate(values):
        k = bisect_left(tail_values, v)
        if k == len(tail_values):
            tail_values.append(v)
            tail_positions.append(pos)
        else:
            tail_values[k] = v
            tail_positions[k] = pos
        previous[pos] = tail_positions[k - 1] if k else -1
    members: set[int] = set()
    pos = tail_positions[-1] if tail_positions else -1
    while pos != -1:
        members.add(pos)
        pos = previous[pos]
    return members


def _moved(m: _Matcher) -> set[int]:
    """New indices of matched sections that moved.

    A section moved if its parent changed, or if it is not in the longest common subsequence of
    its matched siblings' old and new order: siblings that merely shift because others were added,
    removed or moved keep their relative order and are not moved.
    """
    parents_old = _resolve_parents(m.old)
    parents_new = _resolve_parents(m.new)
    moved: set[int] = set()
    groups: dict[_ParentRef, list[tuple[int, int]]] = defaultdict(list)  # new parent -> (new, old)
    for j, i in enumerate(m.new_to_old):
        if i is None:
            continue
        po, pn = parents_old[i], parents_new[j]
        if isinstance(po, int) and isinstance(pn, int):
            same_parent = m.old_to_new[po] == pn
        else:  # both top level, or both the same unresolvable reference
            same_parent = po == pn and not isinstance(po, int) and not isinstance(pn, int)
        if same_parent:
            groups[pn].append((j, i))
        else:
            moved.add(j)
    for members in groups.values():
        # Input is in document order, so new indices already run in sibling order.
        keep = _lis_positions([i for _j, i in members])
        moved.update(j for pos, (j, _i) in enumerate(members) if pos not in keep)
    return moved


def compare_sections(
    old: Sequence[SectionState], new: Sequence[SectionState], *, timelimit: float = DIFF_TIMELIMIT
) -> Comparison:
    """Compare two drafts, both given in document order (depth first).

    Sections are paired by :func:`align_sections`. A pair is ``moved`` if its parent changed or its
    order among its matched siblings changed (see :func:`_moved`); ``renamed`` if its heading
    changed (ignoring whitespace); ``renumbered`` if its number changed and it was not moved;
    ``modified`` if its body changed. Added and removed sections carry only ``added`` / ``removed``.

    Word counts are the words (not punctuation or whitespace tokens) in the deletions and insertions
    of the body's :func:`word_diff`; heading changes are not counted. An added section counts all
    its body's words as inserted, a removed one all its words as deleted. Identical bodies are not
    diffed. ``timelimit`` bounds each body's diff (see :func:`word_diff`). Brackets opened and closed
    are :func:`drafts.brackets.opened_closed` of the two bodies (an edited bracket is one of each).
    """
    m = _match(old, new)
    moved = _moved(m)
    sections: list[SectionChange] = []
    totals = dict.fromkeys(
        (*CHANGE_KINDS, "unchanged", "words_inserted", "words_deleted", "brackets_opened", "brackets_closed"), 0
    )
    for i, j in _ordered_pairs(m):
        o = old[i] if i is not None else None
        n = new[j] if j is not None else None
        changes: list[str] = []
        inserted = deleted = 0
        if o is None and n is not None:
            changes.append("added")
            inserted = sum(map(_is_word, tokenize(n.body)))
        elif n is None and o is not None:
            changes.append("removed")
            deleted = sum(map(_is_word, tokenize(o.body)))
        elif o is not None and n is not None:
            if j in moved:
                changes.append("moved")
            if _norm_heading(o.heading) != _norm_heading(n.heading):
                changes.append("renamed")
            if j not in moved and o.number != n.number:
                changes.append("renumbered")
            if not _same_text(o.body, n.body):
                changes.append("modified")
                inserted, deleted = _word_counts(o.body, n.body, timelimit)
        for kind in changes:
            totals[kind] += 1
        if not changes:
            totals["unchanged"] += 1
        totals["words_inserted"] += inserted
        totals["words_deleted"] += deleted
        key = (n.key if n is not None else "") or (o.key if o is not None else "")
        opened, closed = brackets.opened_closed(o.body if o else "", n.body if n else "")
        totals["brackets_opened"] += opened
        totals["brackets_closed"] += closed
        sections.append(SectionChange(key, tuple(changes), o, n, inserted, deleted, opened, closed))
    return Comparison(tuple(sections), totals)


# --- Where a removed section went -------------------------------------------------------------------
# A removed section was merged into another when at least this share of its words is found unchanged
# in the other's body (the equal segments of their word diff). Measured: the demo's former 3.5, whose
# two paragraphs were condensed into one paragraph of 3.2, keeps 0.47 of its words there; an old
# section of the test generator keeps at most 0.19 (mean 0.01) of its words in an unrelated section.
MERGED_MIN_SHARE = 0.4
# Only this many candidates per removed section, those with the most word bigrams in common, are diffed,
# and only if they hold at least this share of its bigrams: text kept in runs keeps its bigrams (the demo's
# merge keeps 0.47 of them); an unrelated section holds fewer (at most 0.32 in the test generator, whose
# template prose repeats phrases far more than real text).
MERGED_CANDIDATES = 3
MERGED_MIN_BIGRAM_SHARE = 0.35


def _share_kept(a: str, b: str, timelimit: float) -> float:
    """The share of ``a``'s words that are found unchanged in ``b``."""
    total = sum(map(_is_word, tokenize(a)))
    if not total:
        return 0.0
    kept = sum(sum(map(_is_word, first)) for kind, first, _second in _diff(a, b, timelimit) if kind == 0)
    return kept / total


def merged_into(comparison: Comparison, *, timelimit: float = DIFF_TIMELIMIT) -> dict[str, SectionState | None]:
    """For each removed section with a key, the section of the new draft that took in its words, or None.

    Only an added or modified section can have (an unchanged one took in nothing). Of these, the
    :data:`MERGED_CANDIDATES` sharing the most word bigrams with it are diffed; one is chosen when at
    least :data:`MERGED_MIN_SHARE` of the removed section's words are unchanged in it.
    """
    removed = [c.old for c in comparison.sections if c.old is not None and c.new is None and c.old.key]
    if not removed:
        return {}
    new = [c.new for c in comparison.sections if c.new is not None and {"added", "modified"} & set(c.changes)]
    features = [_features(s.body) for s in new]
    out: dict[str, SectionState | None] = {}
    for gone in removed:
        mine = _features(gone.body)
        least = max(1, MERGED_MIN_BIGRAM_SHARE * len(mine))
        ranked = sorted(
            ((common, -j) for j, theirs in enumerate(features) if (common := len(mine & theirs)) >= least),
            reverse=True,
        )[:MERGED_CANDIDATES]
        best, best_share = None, MERGED_MIN_SHARE
        for _common, neg_j in ranked:
            share = _share_kept(gone.body, new[-neg_j].body, timelimit)
            if share >= best_share:
                best, best_share = new[-neg_j], share
        out[gone.key] = best
    return out


def _state_json(s: SectionState | None) -> dict[str, Any] | None:
    if s is None:
        return None
    return {"number": s.number, "heading": s.heading, "parent": s.parent, "position": s.position, "status": s.status}


def comparison_as_json(c: Comparison) -> dict[str, Any]:
    """The JSON-ready form of a comparison: ``{"summary": {...}, "sections": [...]}``.

    Each section is ``{"key", "changes", "from", "to", "words_inserted", "words_deleted",
    "brackets_opened", "brackets_closed"}`` where
    ``from``/``to`` are ``{"number", "heading", "parent", "position", "status"}``, ``from`` is null for an
    added section and ``to`` null for a removed one. Every section is listed, unchanged ones with
    ``changes: []``. ``parent`` is the parent as the input gave it (a key, or a :func:`temp_id`).
    """
    return {
        "summary": dict(c.summary),
        "sections": [
            {
                "key": ch.key,
                "changes": list(ch.changes),
                "from": _state_json(ch.old),
                "to": _state_json(ch.new),
                "words_inserted": ch.words_inserted,
                "words_deleted": ch.words_deleted,
                "brackets_opened": ch.brackets_opened,
                "brackets_closed": ch.brackets_closed,
            }
            for ch in c.sections
        ],
    }

"""Where each paragraph of one draft went in the next: paragraph lineage.

Pure: no Django, no ORM, no I/O. A stakeholder comments on "7.3 ¶2" of Draft N; when Draft N+1 is
frozen, :func:`trace` maps every paragraph of Draft N to where its words went, so the comment can say
"still 7.4 ¶2", "edited, now 7.4 ¶3" or "gone". A paragraph is a numbered top-level block as
:mod:`drafts.rendering` numbers them, given as its plain text (:func:`rendering.paragraph_texts`).

Sections are already paired (``successor``, from :func:`diffing.align_sections`). Paragraphs are
paired one-to-one in three rounds, each among the paragraphs the rounds before left over:

1. **Same, in place.** Within each pair of sections, paragraphs with the same text (whitespace aside)
   are paired in order: first the longest runs that keep their order (difflib's matching blocks, so a
   paragraph inserted before the others leaves them "same", one place further down), then any left
   over with a twin elsewhere in the section (a paragraph moved within it).
2. **Edited, in place.** The rest of an old section's paragraphs are paired with the rest of its
   successor's by :func:`similarity`, best first, when it is at least :data:`EDITED_MIN_SIMILARITY`;
   among equal scores the pair nearest in relative place wins.
3. **Elsewhere.** Paragraphs still unpaired, among them every paragraph of a removed section, are
   looked for among the paragraphs of the whole new draft that nobody took: the same text first (a
   paragraph moved to another section, a section merged into another), then by similarity. Diffing
   every such pair would be quadratic in the document, so a prefilter (an inverted index of word
   bigrams, see :class:`_Index`) proposes at most :data:`CANDIDATES_PER_PARAGRAPH` candidates each.

What is left is "gone". Each old section also lands as a whole (paragraph 0), and a removed section is
said to be merged into the new section that received more than half of its words.

:func:`source_blocks` and :func:`replace_paragraph` go the other way, from a paragraph number to its
Markdown source, so that a suggestion made on a frozen draft's paragraph can be applied to the working
copy when, and only when, that can be done without guessing.
"""

from __future__ import annotations

import difflib
import heapq
import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict, deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise
from typing import Literal

from drafts.diffing import align_sections, tokenize, word_diff
from drafts.rendering import paragraph_texts, render_markdown
from drafts.values import SectionState

__all__ = [
    "CANDIDATES_PER_PARAGRAPH",
    "EDITED_MIN_SIMILARITY",
    "Landing",
    "Lineage",
    "Match",
    "SectionText",
    "replace_paragraph",
    "section_text",
    "similarity",
    "source_blocks",
    "successors",
    "trace",
]

# --- Thresholds -----------------------------------------------------------------------------------
# A paragraph is "edited" into another if their similarity (the word-diff ratio, see similarity()) is
# at least this. Measured on the test generator (bench/lineage.py --similarities prints the figures):
# every pair of the 1,302 paragraphs of one 200-section draft, unrelated but sharing the generator's
# template phrases ("the controller shall"), 847,000 pairs, scores at most 0.44, and only 2 pairs
# 0.40 or more. Of 1,280 paragraphs the generator edited (one to three edits in 60% of the sections, 10
# seeds), the median scores 0.95 and 98% score 0.5 or more; the 26 under it had half their words or
# more rewritten (two sentences of a short paragraph replaced), 11 are under 0.45. 0.5 keeps a margin
# over unrelated text and reads as "at least half of the words survived": a paragraph rewritten more
# than that is reported gone rather than risk pointing a comment at words that are not its own.
EDITED_MIN_SIMILARITY = 0.5

# The prefilter of the global search (round 3): each old paragraph is diffed against at most this many
# candidates, those sharing the most word bigrams with it. On the generator's pair with 85% of the
# sections edited and no successor given, the global search finds the same successor as the search in
# place for 280 of the 282 edited paragraphs (the other two are ties between the halves of a split
# paragraph, which "nearest" settles differently across a draft than within a section); with a single
# candidate it still finds 276. 8 leaves room for text less varied than the generator's.
CANDIDATES_PER_PARAGRAPH = 8
# A bigram found in more than this many candidate paragraphs says little about which one is the
# successor ("shall ensure", "in accordance with") and makes the vote as costly as diffing everything,
# so it does not vote - except that every paragraph votes with at least its RAREST_VOTERS rarest ones.
COMMON_BIGRAM_PARAGRAPHS = 16
RAREST_VOTERS = 4
# Within a pair of sections, every left-over old paragraph is scored against every left-over new one
# when there are at most this many such pairs (any ordinary edit); above it the prefilter is used
# there too, so that a 1,000-paragraph section rewritten from scratch stays linear.
BRUTE_FORCE_PAIRS = 64
# Limits that only crafted input reaches, so that every cost stays bounded (DESIGN.md rule 9): difflib's
# matching blocks take time up to the product of the two lengths when one text repeats throughout, so
# above this product the paragraphs of a section are paired in order of their text instead; and a
# bigram found in more paragraphs than this never votes, not even as one of a paragraph's rarest.
SEQUENCE_MATCHER_MAX_PAIRS = 250_000
VOTER_MAX_PARAGRAPHS = 512


# --- Types ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SectionText:
    """One section of a draft as lineage needs it: its key, its number and the text of its paragraphs.

    ``paragraphs[n - 1]`` is the plain text of paragraph ``n`` (see :func:`section_text`).
    """

    key: str
    number: str
    paragraphs: tuple[str, ...]


Match = Literal["same", "edited", "gone"]


@dataclass(frozen=True)
class Landing:
    """Where one paragraph of the old draft went (``paragraph`` 0: the section as a whole).

    ``to_key`` is None when it is gone, ``to_paragraph`` (1-based) is None when it is gone and for
    paragraph 0. ``similarity`` is 1.0 for "same" and the word-diff ratio for "edited" (for paragraph
    0, the share of the two sections' words the landed paragraphs carry over). For "gone" it is the
    best ratio of the candidates that were diffed, 0.0 if none was (a candidate too different to reach
    the threshold is not diffed); it may be above the threshold, for a new paragraph that another, more
    similar old paragraph was paired with.
    """

    key: str
    paragraph: int
    match: Match
    to_key: str | None
    to_paragraph: int | None
    similarity: float


@dataclass(frozen=True)
class Lineage:
    """Where every paragraph of an old draft went in a new one.

    ``landings`` holds, for each old section in order, its paragraph-0 landing and then one landing
    per paragraph. No new paragraph is the target of two paragraph landings. ``merged_into`` has an
    entry for each old section that has no successor: the key of the new section that received more
    than half of its words, or None.
    """

    landings: tuple[Landing, ...]
    merged_into: dict[str, str | None]
    _by_place: dict[tuple[str, int], Landing] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_place", {(ld.key, ld.paragraph): ld for ld in self.landings})

    def landing(self, key: str, paragraph: int) -> Landing | None:
        """The landing of paragraph ``paragraph`` (0: the whole section) of the old section ``key``."""
        return self._by_place.get((key, paragraph))


def section_text(state: SectionState) -> SectionText:
    """A section as :func:`trace` reads it: its body cut into the plain text of its numbered paragraphs."""
    return SectionText(state.key, state.number, tuple(paragraph_texts(state.body)))


def successors(old: Sequence[SectionState], new: Sequence[SectionState]) -> dict[str, str | None]:
    """For each old section's key, the key of the new section :func:`diffing.align_sections` pairs it with."""
    return {o.key: (n.key if n is not None else None) for o, n in align_sections(old, new) if o is not None}


# --- Similarity -----------------------------------------------------------------------------------
def similarity(a: str, b: str) -> float:
    """How much of two texts is the same words, from 0.0 to 1.0: the word-diff ratio.

    Twice the words in the unchanged segments of :func:`diffing.word_diff` over the words of both
    texts, words counted as the diff counts them (punctuation and whitespace are not words). Texts
    identical once whitespace is collapsed score 1.0, two empty texts too; a rewrite, which the diff
    shows as one deletion and one insertion, scores 0.0.
    """
    a, b = _collapsed(a), _collapsed(b)
    return _ratio(a, b, _words(a), _words(b))


def _collapsed(text: str) -> str:
    return " ".join(text.split())


def _ratio(a: str, b: str, words_a: Sequence[str], words_b: Sequence[str]) -> float:
    if a == b:
        return 1.0
    total = len(words_a) + len(words_b)
    if not total:  # punctuation only, and not the same
        return 0.0
    kept = sum(_word_count(text) for op, text in word_diff(a, b) if op == 0)
    return 2 * kept / total


def _words(text: str) -> list[str]:
    """The words of ``text`` as the word diff matches them: its word tokens, trailing whitespace off."""
    return [token.rstrip() for token in tokenize(text) if _starts_word(token[0])]


def _word_count(text: str) -> int:
    return sum(1 for token in tokenize(text) if _starts_word(token[0]))


@lru_cache(maxsize=4096)
def _starts_word(char: str) -> bool:
    """Whether a diff token starting with ``char`` is a word (diffing counts no other tokens).

    Asked of the tokenizer itself rather than copied from its private character classes, so the two
    cannot drift apart: a word character joins a letter before it into one token; a CJK character
    (a word of its own) does not, and neither does punctuation - but two CJK characters make two
    tokens where a run of punctuation makes one.
    """
    if char.isspace():
        return False
    return len(tokenize("a" + char)) == 1 or len(tokenize(char + char)) == 2


# --- Tracing --------------------------------------------------------------------------------------
def trace(old: Sequence[SectionText], new: Sequence[SectionText], successor: Mapping[str, str | None]) -> Lineage:
    """Map every paragraph of the ``old`` draft to where it went in the ``new`` one (see the module docstring).

    ``successor`` maps each old section's key to the key of the new section it became, None for a
    removed one (a key it lacks counts as removed). Keys must be unique within each draft; a successor
    that is not a key of ``new`` raises ``ValueError``. The result depends only on the arguments (as
    long as no single pair of paragraphs takes the word diff past its time limit,
    ``diffing.DIFF_TIMELIMIT``, which only crafted text of many thousand words does).
    """
    return _Tracer(old, new, successor).run()


Place = tuple[int, int]  # (section index, 0-based paragraph index)
Bigram = tuple[str, ...]


class _Tracer:
    """The state of one :func:`trace`: which paragraphs are paired, and what is known about each text."""

    def __init__(self, old: Sequence[SectionText], new: Sequence[SectionText], successor: Mapping[str, str | None]):
        self.old, self.new = old, new
        new_index: dict[str, int] = {}
        for j, section in enumerate(new):
            if section.key in new_index:
                raise ValueError(f"key {section.key!r} appears twice in the new draft")
            new_index[section.key] = j
        if len({section.key for section in old}) != len(old):
            raise ValueError("a key appears twice in the old draft")
        self.successor: list[int | None] = []
        for section in old:
            key = successor.get(section.key)
            if key is not None and key not in new_index:
                raise ValueError(f"successor {key!r} of {section.key!r} is not a section of the new draft")
            self.successor.append(new_index[key] if key is not None else None)
        self.old_text = [[_collapsed(p) for p in s.paragraphs] for s in old]
        self.new_text = [[_collapsed(p) for p in s.paragraphs] for s in new]
        self.old_place = _places(self.old_text)  # where each paragraph sits in its draft, from 0 to 1
        self.new_place = _places(self.new_text)
        self.landed: dict[Place, tuple[Match, Place, float]] = {}
        self.taken: set[Place] = set()
        self.best: dict[Place, float] = {}  # the best ratio found for each old paragraph, paired or not
        self._words: dict[str, list[str]] = {}
        self._bags: dict[str, Counter[str]] = {}
        self._bigrams: dict[str, list[Bigram]] = {}

    def run(self) -> Lineage:
        for i, j in enumerate(self.successor):
            if j is not None:
                self.pair_same_in_place(i, j)
        for i, j in enumerate(self.successor):
            if j is not None:
                self.pair_edited_in_place(i, j)
        self.pair_elsewhere()
        return self.lineage()

    # Round 1 --------------------------------------------------------------------------------------
    def pair_same_in_place(self, i: int, j: int) -> None:
        old_left = [p for p in range(len(self.old_text[i])) if (i, p) not in self.landed]
        new_left = [q for q in range(len(self.new_text[j])) if (j, q) not in self.taken]
        a = [self.old_text[i][p] for p in old_left]
        b = [self.new_text[j][q] for q in new_left]
        for x, y in _in_order(a, b):
            self.land((i, old_left[x]), "same", (j, new_left[y]), 1.0)
        self.pair_identical(
            [(i, p) for p in old_left if (i, p) not in self.landed],
            [(j, q) for q in new_left if (j, q) not in self.taken],
        )

    def pair_identical(self, old: Iterable[Place], new: Iterable[Place]) -> None:
        """Pair equal texts one-to-one in document order: the k-th old copy with the k-th new one."""
        waiting: dict[str, deque[Place]] = defaultdict(deque)
        for place in new:
            waiting[self.new_text[place[0]][place[1]]].append(place)
        for place in old:
            twins = waiting.get(self.old_text[place[0]][place[1]])
            if twins:
                self.land(place, "same", twins.popleft(), 1.0)

    # Round 2 --------------------------------------------------------------------------------------
    def pair_edited_in_place(self, i: int, j: int) -> None:
        old_left = [(i, p) for p in range(len(self.old_text[i])) if (i, p) not in self.landed]
        new_left = [(j, q) for q in range(len(self.new_text[j])) if (j, q) not in self.taken]
        if not old_left or not new_left:
            return
        n_old, n_new = len(self.old_text[i]), len(self.new_text[j])

        def distance(o: Place, n: Place) -> float:
            return abs((o[1] + 0.5) / n_old - (n[1] + 0.5) / n_new)

        if len(old_left) * len(new_left) <= BRUTE_FORCE_PAIRS:
            pairs: Iterable[tuple[Place, Place]] = [(o, n) for o in old_left for n in new_left]
        else:
            # The prefilter's candidates, and the two left-over paragraphs nearest in place (which a
            # section of many paragraphs sharing only boilerplate leaves the prefilter nothing else to go by).
            new_where = [(n[1] + 0.5) / n_new for n in new_left]
            nearest: list[tuple[Place, Place]] = []
            for o in old_left:
                k = bisect_left(new_where, (o[1] + 0.5) / n_old)
                nearest.extend((o, n) for n in new_left[max(0, k - 1) : k + 1])
            found = self.candidate_pairs(
                old_left, new_left, lambda n: (n[1] + 0.5) / n_new, lambda o: (o[1] + 0.5) / n_old
            )
            pairs = dict.fromkeys([*found, *nearest])
        self.pair_best_first(pairs, distance)

    # Round 3 --------------------------------------------------------------------------------------
    def pair_elsewhere(self) -> None:
        old_left = [o for o in self.old_place if o not in self.landed]  # in document order
        if not old_left:
            return
        new_left = [n for n in self.new_place if n not in self.taken]
        self.pair_identical(old_left, new_left)
        old_left = [o for o in old_left if o not in self.landed]
        new_left = [n for n in new_left if n not in self.taken]
        if not old_left or not new_left:
            return

        def distance(o: Place, n: Place) -> float:
            return abs(self.old_place[o] - self.new_place[n])

        pairs = self.candidate_pairs(old_left, new_left, self.new_place.__getitem__, self.old_place.__getitem__)
        self.pair_best_first(pairs, distance)

    # Scoring --------------------------------------------------------------------------------------
    def candidate_pairs(
        self,
        old: Sequence[Place],
        new: Sequence[Place],
        new_place: Callable[[Place], float],
        old_place: Callable[[Place], float],
    ) -> Iterator[tuple[Place, Place]]:
        """For each old paragraph, the new ones the bigram prefilter proposes."""
        index = _Index([(n, new_place(n), self.bigrams(self.new_text[n[0]][n[1]])) for n in new])
        for o in old:
            for n in index.candidates(self.bigrams(self.old_text[o[0]][o[1]]), old_place(o)):
                yield o, n

    def pair_best_first(self, pairs: Iterable[tuple[Place, Place]], distance: Callable[[Place, Place], float]) -> None:
        """Score ``pairs`` and pair those at or above the threshold, best first, nearest first among equals."""
        scored: list[tuple[float, float, Place, Place]] = []
        for o, n in pairs:
            score = self.score(o, n)
            if score is not None and score >= EDITED_MIN_SIMILARITY:
                scored.append((-score, distance(o, n), o, n))
        scored.sort()
        for negative, _distance, o, n in scored:
            if o not in self.landed and n not in self.taken:
                self.land(o, "edited", n, -negative)

    def score(self, o: Place, n: Place) -> float | None:
        """The similarity of two paragraphs, or None when it certainly falls short of the threshold."""
        a, b = self.old_text[o[0]][o[1]], self.new_text[n[0]][n[1]]
        words_a, words_b = self.words(a), self.words(b)
        total = len(words_a) + len(words_b)
        # No diff keeps more words than the two texts share, nor more than the shorter one has: when even
        # those are too few, skip the diff.
        floor = EDITED_MIN_SIMILARITY * total
        if (
            a != b
            and total
            and (2 * min(len(words_a), len(words_b)) < floor or 2 * _shared(self.bag(a), self.bag(b)) < floor)
        ):
            return None
        score = _ratio(a, b, words_a, words_b)
        self.best[o] = max(score, self.best.get(o, 0.0))
        return score

    def land(self, o: Place, match: Match, n: Place, score: float) -> None:
        self.landed[o] = (match, n, score)
        self.taken.add(n)
        self.best[o] = max(score, self.best.get(o, 0.0))

    def words(self, text: str) -> list[str]:
        if text not in self._words:
            self._words[text] = _words(text)
        return self._words[text]

    def bag(self, text: str) -> Counter[str]:
        if text not in self._bags:
            self._bags[text] = Counter(self.words(text))
        return self._bags[text]

    def bigrams(self, text: str) -> list[Bigram]:
        """The distinct word bigrams of ``text``, lower-cased, in order of first occurrence (its word, if only one)."""
        if text not in self._bigrams:
            words = [w.casefold() for w in self.words(text)]
            grams: Iterable[Bigram] = pairwise(words) if len(words) > 1 else [tuple(words)]
            self._bigrams[text] = list(dict.fromkeys(grams))
        return self._bigrams[text]

    # Result ---------------------------------------------------------------------------------------
    def lineage(self) -> Lineage:
        landings: list[Landing] = []
        merged_into: dict[str, str | None] = {}
        for i, section in enumerate(self.old):
            whole, merged = self.whole(i)
            landings.append(whole)
            if self.successor[i] is None:
                merged_into[section.key] = self.new[merged].key if merged is not None else None
            for p in range(len(self.old_text[i])):
                if (i, p) in self.landed:
                    match, (j, q), score = self.landed[(i, p)]
                    landings.append(Landing(section.key, p + 1, match, self.new[j].key, q + 1, score))
                else:
                    landings.append(Landing(section.key, p + 1, "gone", None, None, self.best.get((i, p), 0.0)))
        return Lineage(tuple(landings), merged_into)

    def whole(self, i: int) -> tuple[Landing, int | None]:
        """Paragraph 0 of old section ``i``, and for a removed one the new section it merged into (if any).

        A section with a successor went there, "same" if its paragraphs are. A removed one went to the
        new section that received more than half of its words (counted by the paragraphs that landed
        there), and is gone if none did.
        """
        key = self.old[i].key
        j = self.successor[i]
        if j is not None:
            if self.old_text[i] == self.new_text[j]:
                return Landing(key, 0, "same", self.new[j].key, None, 1.0), None
            return Landing(key, 0, "edited", self.new[j].key, None, self.carried(i, j)), None
        received: Counter[int] = Counter()
        for p, text in enumerate(self.old_text[i]):
            if (i, p) in self.landed:
                received[self.landed[(i, p)][1][0]] += self.count(text)
        if not received:
            return Landing(key, 0, "gone", None, None, 0.0), None
        most = min(received, key=lambda j: (-received[j], j))
        score = self.carried(i, most)
        if 2 * received[most] > sum(map(self.count, self.old_text[i])):
            return Landing(key, 0, "edited", self.new[most].key, None, score), most
        return Landing(key, 0, "gone", None, None, score), None

    def carried(self, i: int, j: int) -> float:
        """The word-diff ratio of old section ``i`` and new section ``j``, made of its paragraphs that landed in ``j``.

        Each such paragraph counts its ratio times the words of its two texts, out of the words of both sections.
        """
        kept = 0.0
        for p, text in enumerate(self.old_text[i]):
            landed = self.landed.get((i, p))
            if landed is not None and landed[1][0] == j:
                _match, (_j, q), score = landed
                kept += score * (self.count(text) + self.count(self.new_text[j][q]))
        total = sum(map(self.count, self.old_text[i])) + sum(map(self.count, self.new_text[j]))
        return kept / total if total else 0.0

    def count(self, text: str) -> int:
        return len(self.words(text))


def _in_order(a: Sequence[str], b: Sequence[str]) -> Iterator[tuple[int, int]]:
    """Index pairs of equal items of ``a`` and ``b`` that keep their order: the longest runs first.

    The common head and tail are paired directly (all of it for an unchanged section); the middle by
    difflib's matching blocks, which keep the longest run of equal items, then the longest on either
    side of it, and so on. autojunk is off: a text repeated in a long section is still a paragraph, not
    noise. Above SEQUENCE_MATCHER_MAX_PAIRS the middle is left to the pairing of equal texts in order.
    """
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        yield head, head
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
        yield len(a) - tail, len(b) - tail
    middle_a, middle_b = a[head : len(a) - tail], b[head : len(b) - tail]
    if middle_a and middle_b and len(middle_a) * len(middle_b) <= SEQUENCE_MATCHER_MAX_PAIRS:
        for block in difflib.SequenceMatcher(None, middle_a, middle_b, autojunk=False).get_matching_blocks():
            for k in range(block.size):
                yield head + block.a + k, head + block.b + k


def _shared(a: Counter[str], b: Counter[str]) -> int:
    """How many words two bags have in common (``(a & b).total()``, without building the intersection)."""
    if len(a) > len(b):
        a, b = b, a
    return sum(min(n, b[word]) for word, n in a.items() if word in b)


def _places(texts: list[list[str]]) -> dict[Place, float]:
    total = sum(map(len, texts)) or 1
    places: dict[Place, float] = {}
    for i, paragraphs in enumerate(texts):
        for p in range(len(paragraphs)):
            places[(i, p)] = (len(places) + 0.5) / total
    return places


class _Index:
    """The prefilter: an inverted index of word bigrams over a pool of candidate paragraphs.

    A paragraph's candidates are the pool members sharing the most of its bigrams, counting only
    bigrams found in at most :data:`COMMON_BIGRAM_PARAGRAPHS` members (but always its
    :data:`RAREST_VOTERS` rarest, unless found in more than :data:`VOTER_MAX_PARAGRAPHS`), nearest in
    place among equal counts.
    """

    def __init__(self, pool: Sequence[tuple[Place, float, list[Bigram]]]) -> None:
        self.places = [place for place, _where, _grams in pool]
        self.where = [where for _place, where, _grams in pool]
        self.postings: dict[Bigram, list[int]] = defaultdict(list)
        for k, (_place, _where, grams) in enumerate(pool):
            for gram in grams:
                self.postings[gram].append(k)

    def candidates(self, grams: Sequence[Bigram], where: float) -> list[Place]:
        # Stable sort: among equally rare bigrams, the paragraph's own order decides, never a hash.
        present = sorted((g for g in grams if g in self.postings), key=lambda g: len(self.postings[g]))
        votes: Counter[int] = Counter()
        for rank, gram in enumerate(present):
            posting = self.postings[gram]
            if len(posting) > VOTER_MAX_PARAGRAPHS or (
                rank >= RAREST_VOTERS and len(posting) > COMMON_BIGRAM_PARAGRAPHS
            ):
                break  # the rest are at least as common
            votes.update(posting)
        ranked = ((-count, abs(self.where[k] - where), k) for k, count in votes.items())
        return [self.places[k] for _count, _distance, k in heapq.nsmallest(CANDIDATES_PER_PARAGRAPH, ranked)]


# --- From a paragraph number to its source --------------------------------------------------------
def source_blocks(body: str) -> list[str] | None:
    """The Markdown source of each numbered paragraph of ``body``, or None when it cannot be told reliably.

    The source is cut at blank lines, never inside a fenced code block, and the pieces are put together
    the way python-markdown builds its top-level blocks: a fenced code block, a heading and a rule are
    blocks of their own even without blank lines around them; list items of one list (``-``, ``*``,
    ``+`` or ``1.``: python-markdown reads ``1)`` as text), an indented continuation of a list, the parts
    of one blockquote and of one indented code block make one block; rules, footnote definitions and
    link reference definitions are no paragraph. It follows python-markdown's block parser line by line
    (see :class:`_BlockReader`), and gives up (None) where a list joined across a definition would
    take the definition into the list's source. A body rendered
    unrendered is cut at blank lines only, as it is shown. The result is returned only if it has exactly
    as many blocks as ``render_markdown`` numbers paragraphs; each block is a slice of ``body``.
    """
    spans = _paragraph_spans(body)
    return None if spans is None else [body[start:end] for start, end in spans]


def replace_paragraph(frozen_body: str, paragraph: int, working_body: str, proposed: str) -> str | None:
    """``working_body`` with the block that was paragraph ``paragraph`` of ``frozen_body`` replaced by ``proposed``.

    Returns None unless that can be done safely: both bodies must cut into blocks
    (:func:`source_blocks`), ``paragraph`` (1-based) must be one of the frozen body's, its block must
    occur exactly once among the working body's blocks (compared stripped), and ``proposed`` (stripped)
    must not be blank and must become exactly that one paragraph, leaving the text of every other
    paragraph as it was (a proposal that would split into two paragraphs, or join a neighbouring list,
    is refused). Everything outside the replaced block is kept byte for byte.
    """
    frozen = _paragraph_spans(frozen_body)
    working = _paragraph_spans(working_body)
    proposed = proposed.strip()
    if frozen is None or working is None or not 1 <= paragraph <= len(frozen) or not proposed:
        return None
    start, end = frozen[paragraph - 1]
    wanted = frozen_body[start:end].strip()
    hits = [k for k, (s, e) in enumerate(working) if working_body[s:e].strip() == wanted]
    if len(hits) != 1:
        return None
    k = hits[0]
    start, end = working[k]
    result = working_body[:start] + proposed + working_body[end:]
    after = _paragraph_spans(result)
    if after is None or len(after) != len(working) or result[after[k][0] : after[k][1]] != proposed:
        return None
    before_texts, after_texts = paragraph_texts(working_body), paragraph_texts(result)
    if before_texts[:k] != after_texts[:k] or before_texts[k + 1 :] != after_texts[k + 1 :]:
        return None
    return result


# What python-markdown's block parser looks for, matched on single lines with tabs expanded (as it
# expands them before parsing); the patterns are markdown.blockprocessors' and its extensions', line by line.
_LINE_END = re.compile(r"\r\n|\r|\n")
_FENCE_OPEN = re.compile(r"(`{3,}|~{3,}) *(?:\{.*\}|(?:\.?[\w#.+-]*)? *(?:hl_lines=([\"']).*?\2 *)?)")
_BARE_FENCE = re.compile(r"(`{3,}|~{3,}) *")
_RULE = re.compile(r" {0,3}(?:(?:-+ {0,2}){3,}|(?:_+ {0,2}){3,}|(?:\*+ {0,2}){3,}) *")
_SETEXT_UNDERLINE = re.compile(r"[=-]+ *")
_ORDERED_ITEM = re.compile(r" {0,3}\d+\. +")
_BULLET_ITEM = re.compile(r" {0,3}[*+-] +")
_QUOTE = re.compile(r" {0,3}>")
_FOOTNOTE_DEFINITION = re.compile(r" {0,3}\[\^[^\]]*\]:")
_LINK_DEFINITION = re.compile(r" {0,3}\[[^\[\]]*\]: *\S+ *(?:([\"']).*\1 *|\(.*\) *)?")
# Lines found anywhere in a block, cutting it there: name -> test.
_FOUND_ANYWHERE: dict[str, Callable[[str], object]] = {
    "heading": lambda text: text.startswith("#"),
    "rule": _RULE.fullmatch,
    "quote": _QUOTE.match,
    "footnote": _FOOTNOTE_DEFINITION.match,
    "reference": _LINK_DEFINITION.fullmatch,
    "unindented": lambda text: not text.startswith("    "),
}

Span = tuple[int, int]


def _paragraph_spans(body: str) -> list[Span] | None:
    """Where each numbered paragraph of ``body`` is in its source, or None (see :func:`source_blocks`)."""
    rendered = render_markdown(body, anchor="p", label="")
    source = _Source(body)
    if rendered.unrendered:  # shown as text, cut at blank lines whatever the Markdown says
        spans = [
            (source.starts[lo], source.ends[hi - 1])
            for lo, hi in source.chunks(0, len(source.texts))
            if any(text.strip() for text in source.texts[lo:hi])
        ]
    else:
        reader = _BlockReader(source)
        reader.read(deque(source.blocks()))
        if reader.unsafe:
            return None
        spans = [(start, end) for start, end in reader.spans]
    return spans if len(spans) == rendered.paragraph_count else None


class _Source:
    """A body's lines, and for each kind of line found anywhere in a block, where the next one is."""

    def __init__(self, body: str) -> None:
        self.starts: list[int] = []
        self.ends: list[int] = []  # before the line ending
        start = 0
        for ending in _LINE_END.finditer(body):
            self.starts.append(start)
            self.ends.append(ending.start())
            start = ending.end()
        if start < len(body):
            self.starts.append(start)
            self.ends.append(len(body))
        self.texts = [body[s:e].expandtabs(4) for s, e in zip(self.starts, self.ends, strict=True)]
        # python-markdown empties a line of spaces only after a line break: as the very first line, such
        # a line starts the first block rather than separating it from anything.
        self.blank = [not text.strip(" ") and (n > 0 or not text) for n, text in enumerate(self.texts)]
        self._next = {name: self._next_where(test) for name, test in _FOUND_ANYWHERE.items()}

    def _next_where(self, test: Callable[[str], object]) -> list[int]:
        """For each line, the first line from it on that passes ``test`` (the line count if none does)."""
        following = [len(self.texts)] * (len(self.texts) + 1)
        for n in reversed(range(len(self.texts))):
            following[n] = n if test(self.texts[n]) else following[n + 1]
        return following

    def find(self, name: str, lo: int, hi: int) -> int | None:
        """The first line of kind ``name`` (see _FOUND_ANYWHERE) in lines ``lo`` to ``hi`` (excluded)."""
        n = self._next[name][lo]
        return n if n < hi else None

    def indented(self, n: int) -> bool:
        return self.texts[n].startswith("    ")

    def chunks(self, lo: int, hi: int) -> Iterator[Span]:
        """The runs of non-blank lines in lines ``lo`` to ``hi``, as line ranges."""
        start = None
        for n in range(lo, hi):
            if self.blank[n]:
                if start is not None:
                    yield start, n
                start = None
            elif start is None:
                start = n
        if start is not None:
            yield start, hi

    def blocks(self) -> Iterator[_Block]:
        """The blocks python-markdown's parser starts from: fenced code taken out first, then cut at blank lines.

        A fence opens at the start of a line and closes at the next line that is the same fence and
        nothing else; one that never closes is no fence. Fenced code is a block of its own even with no
        blank line around it.
        """
        closers: dict[str, list[int]] = defaultdict(list)  # a fence -> the lines that are it alone, in order
        for n, text in enumerate(self.texts):
            if bare := _BARE_FENCE.fullmatch(text):
                closers[bare.group(1)].append(n)
        done = 0  # lines before this are in blocks already
        n = 0
        while n < len(self.texts):
            opening = _FENCE_OPEN.fullmatch(self.texts[n])
            if opening:
                after = closers.get(opening.group(1), [])
                k = bisect_right(after, n)
                if k < len(after):
                    yield from self._blocks_between(done, n)
                    yield _Block(n, after[k] + 1, gap=0, fence=True)
                    done = n = after[k] + 1
                    continue
            n += 1
        yield from self._blocks_between(done, len(self.texts))

    def _blocks_between(self, lo: int, hi: int) -> Iterator[_Block]:
        previous = lo - 1
        for start, end in self.chunks(lo, hi):
            yield _Block(start, end, gap=start - previous - 1)
            previous = end - 1

    def is_table(self, lo: int, hi: int) -> bool:
        """markdown.extensions.tables' test, less its care for escaped pipes and pipes in code."""
        if hi - lo < 2:
            return False
        rows = [text.strip(" ") for text in self.texts[lo:hi]]
        header = rows[0]
        border = header.startswith("|") or header.endswith("|")

        def cells(row: str) -> list[str]:
            if border:
                row = row.removeprefix("|").removesuffix("|")
            return row.split("|")

        width = len(cells(header))
        if width == 1 and border:
            if not all(row.startswith("|") or row.endswith("|") for row in rows[1:]):
                return False
        elif width < 2:
            return False
        separator = cells(rows[1])
        return len(separator) == width and set("".join(separator)) <= set("|:- ")


@dataclass(frozen=True)
class _Block:
    lo: int  # first line
    hi: int  # after the last line
    gap: int  # blank lines before it; 0 for what a block processor puts back
    fence: bool = False


class _BlockReader:
    """python-markdown's top-level block parser (markdown.blockparser), followed over line ranges.

    Each block goes to the first block processor, in their order of priority, that takes it. What a
    processor cuts off the block is parsed at once (the lines before) or put back at the head of the
    queue (the lines after). Records the source span of each numbered paragraph: one per element the
    parser adds at the top level, but for rules; a list, a blockquote or an indented code block
    continued after a blank line stays one paragraph.
    """

    def __init__(self, source: _Source) -> None:
        self.source = source
        self.spans: list[list[int]] = []
        self.last: str | None = None  # what the last top-level element is
        self.skipped = False  # a definition was taken out since that element
        self.unsafe = False  # a paragraph's source holds a definition: replacing the paragraph would lose it

    def read(self, queue: deque[_Block]) -> None:
        while queue:
            self.take(queue.popleft(), queue)

    def take(self, block: _Block, queue: deque[_Block]) -> None:
        """Hand ``block`` to the processor that takes it: one branch per processor, in python-markdown's order."""
        source, lo, hi = self.source, block.lo, block.hi
        if block.fence:
            self.element("fence", lo, hi)
        elif source.indented(lo):
            if self.last in ("ul", "ol"):  # ListIndentProcessor: the block continues the list
                self.element(self.last, lo, hi)
                return
            end = source.find("unindented", lo, hi)  # CodeBlockProcessor: the indented lines
            end = hi if end is None else end
            self.element("code", lo, end)
            self.put_back(queue, end, hi)
        elif source.is_table(lo, hi):
            self.element("table", lo, hi)
        elif (k := source.find("heading", lo, hi)) is not None:
            self.parse_now(lo, k)
            self.element("heading", k, k + 1)
            self.put_back(queue, k + 1, hi)
        elif hi - lo > 1 and _SETEXT_UNDERLINE.fullmatch(source.texts[lo + 1]):
            self.element("heading", lo, lo + 2)
            self.put_back(queue, lo + 2, hi)
        elif (k := source.find("rule", lo, hi)) is not None:
            self.parse_now(lo, k)
            self.last, self.skipped = "hr", False
            self.put_back(queue, k + 1, hi)
        elif _ORDERED_ITEM.match(source.texts[lo]):
            self.element("ol", lo, hi)
        elif _BULLET_ITEM.match(source.texts[lo]):
            self.element("ul", lo, hi)
        elif (k := source.find("quote", lo, hi)) is not None:
            self.parse_now(lo, k)
            self.element("quote", k, hi)
        elif (k := source.find("footnote", lo, hi)) is not None:
            self.skipped = True
            following = source.find("footnote", k + 1, hi)
            if following is not None:
                self.put_back(queue, following, hi)
            else:
                # Indented blocks right after it continue the footnote; after more than one blank line
                # python-markdown first meets an empty block, and stops.
                while queue and queue[0].gap <= 1 and not queue[0].fence and source.indented(queue[0].lo):
                    queue.popleft()
            self.put_back(queue, lo, k)
        elif (k := source.find("reference", lo, hi)) is not None:
            self.skipped = True
            self.put_back(queue, k + 1, hi)
            self.put_back(queue, lo, k)
        elif any(text.strip() for text in source.texts[lo:hi]):
            self.element("paragraph", lo, hi)

    def element(self, kind: str, lo: int, hi: int) -> None:
        """A top-level element of ``kind`` from lines ``lo`` to ``hi``: a new paragraph, or more of the last one."""
        start, end = self.source.starts[lo], self.source.ends[hi - 1]
        if kind == self.last and kind in ("ul", "ol", "quote", "code"):
            self.unsafe |= self.skipped
            self.spans[-1][1] = max(self.spans[-1][1], end)
        else:
            self.spans.append([start, end])
            self.last = kind
        self.skipped = False

    def parse_now(self, lo: int, hi: int) -> None:
        if lo < hi:
            self.read(deque([_Block(lo, hi, gap=0)]))

    @staticmethod
    def put_back(queue: deque[_Block], lo: int, hi: int) -> None:
        if lo < hi:
            queue.appendleft(_Block(lo, hi, gap=0))

"""Group near-identical stakeholder comments into campaigns, so a letter sent 400 times counts once.

Pure: the standard library only; no Django, no ORM, no I/O. :func:`group` takes ``(id, text)``
pairs and returns the :class:`Campaign` groups; :func:`shingles` and :func:`similarity` expose the
measure it uses, so a caller (or a test) can see why two comments were, or were not, grouped.

**Normalisation and words.** A text is NFKC-normalised, case-folded and normalised again (case
folding can undo NFKC), so full-width letters, ligatures, ``É`` and ``é`` read alike. Words are
runs of ``\\w`` characters and combining marks: Python's ``\\w`` alone would cut Arabic words at
their vowel marks and Hindi words at their vowel signs, so marks are kept inside the word. Any
letters count, so Arabic, Russian or accented text works as English does. Chinese and Japanese (and
Thai, Lao, Khmer and Burmese) are written without spaces, so a run of characters of those scripts
stands for the words of its character bigrams ("移民儿童" gives "移民", "民儿", "儿童"; a single
character stays itself), and the shingles below become character trigrams there.

**Shingles.** The shingles of a text are its pairs of consecutive words; a text of one word has one
shingle, itself. Pairs rather than the more usual three words, because comments are short: in a
letter of 110 words each edited word changes two shingles instead of three, which is the difference
between copies of a form letter edited in a few places falling on either side of the threshold
(measured by bench/campaigns.py), while comments written separately on the same subject, with the
same vocabulary ("detention", "migrants", "children"), still share almost none. Each distinct word
is hashed once with BLAKE2b into two 64-bit values, one per place in a pair, and a shingle's value
is the XOR of its words' values (simple tabulation hashing, which is known to work well for
min-wise hashing): the same in every run and process, and half the cost of hashing every shingle.
Distinct shingles collide with probability about 2⁻⁶⁴, so the sets stand for the shingles themselves.

**Threshold.** Two texts are linked when the exact Jaccard similarity of their shingle sets is at
least :data:`THRESHOLD` (0.7 by default): at least 70% of all the word pairs in the two are shared.
Copies of a 110-word letter score about 0.9 against each other with another greeting and signature,
0.85 with a sentence of their own added, 0.9 with three words changed; a copy edited in all those
ways still clears 0.7 against most of the others. Comments written separately score under 0.05
even on the same subject, and two comments quoting the same sentence of the draft, each with a
sentence of its own reasoning, score about 0.4 and stay apart: a campaign is a letter sent by many,
not a passage quoted by many.

**Finding candidates.** Comparing every pair of 10,000 comments is 50 million comparisons, so only
candidate pairs are compared. Each text gets a MinHash signature of 80 values by one-permutation
hashing: each shingle value falls into one of 80 bins (its value modulo 80) and a bin keeps its
smallest value; an empty bin borrows the value of the first non-empty bin in a fixed pseudo-random
sequence of bins of its own (optimal densification, Shrivastava 2017). Two texts agree on a bin
with probability equal to their Jaccard similarity. The signature is cut into bands of ``r`` rows;
texts agreeing on all the rows of some band are candidates. At the default threshold that is 20
bands of 4 rows, which catches a pair of similarity *s* with probability 1 - (1 - s⁴)²⁰: 99.6% at
0.7, 99.997% at 0.8, 72% at 0.5, 15% at 0.3, 0.2% at 0.1. For another threshold the rows are the
most (among the divisors of 80) that still catch a pair at the threshold with probability of at
least 99%: 10 rows at 0.95, 8 at 0.9, 2 at 0.5; below about 0.056 even one row per band (80 bands)
falls short of 99%, and low thresholds cost more, as many more pairs are compared. Every candidate
pair is then verified with the exact Jaccard similarity, so the banding can miss a link but never
invent one.

**Short texts.** A text of fewer than :data:`MIN_WORDS` (8) words is never grouped: "I agree." or
"Support!" sent by 50 people is agreement, not a campaign, and a handful of words is too little to
tell a copied letter from a common phrase. A character of Chinese, Japanese or the other scripts
written without spaces counts as half a word (a Chinese word is one or two characters), so the
minimum is about the same length of sentence in every language.

**Groups and chaining.** Texts with the same shingle set are linked first, with similarity 1.0
(10,000 copies of one letter cost little more than reading them). Then verified links are joined by
union-find: a campaign is a connected component of the graph of links, so two copies too heavily
edited to link to each other still join through the copies between them. That chaining is
intended: a letter drifts as people edit it, and each copy resembles many others. It is limited by
the threshold alone, and the bound is explicit: Jaccard distance (1 - similarity) is a metric, so
two members two links apart still have a similarity of at least 0.4 (1 - 2 × 0.3), and a text
that merely joins two different letters resembles neither at 0.7, so it cannot bridge them. No other
cut is made, because any rule that depends on which member was met first (a "centre") would make
the groups depend on the order of the input. :attr:`Campaign.similarity` reports the weakest link
used, so a reader can see when a group holds together only loosely.

**Cost.** Within a band's bucket, a text is compared with the earlier texts of each group of the
bucket it is not in yet, until it links to one, and gives up on that bucket after 16 comparisons
that fail. So a bucket of m copies costs about m comparisons, and a bucket of m texts that agree on
a band but fall below the threshold (2,000 comments quoting the same long passage) about 16 m,
not m²/2. The price is that a link can be missed in one bucket, which the other 19 bands and the
chaining make up for: on the benchmark's campaigns, with edits twice as heavy as its own, it
costs one copy of 635 against comparing every candidate pair. Shingle sets are kept packed, 8 bytes a
shingle, and made into sets again only for the texts that are compared.

**Determinism.** Everything is computed over the texts sorted by id, so the same ``(id, text)``
pairs give the same campaigns, with the same similarities, whatever their order; only each
campaign's member order, its lead and the order of campaigns of the same size follow the input.
"""
from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from hashlib import blake2b
from itertools import pairwise

__all__ = ["MIN_WORDS", "THRESHOLD", "Campaign", "group", "shingles", "similarity"]

THRESHOLD = 0.7  # exact Jaccard similarity of shingle sets at or above which two texts are linked
MIN_WORDS = 8  # texts with fewer words are never grouped
_BINS = 80  # one-permutation MinHash bins; its divisors are the possible rows per band
_CATCH = 0.99  # the least probability of making a candidate of a pair at exactly the threshold
_EMPTY = 1 << 64  # above every 64-bit shingle value: the mark of a bin no shingle fell into
_TRIES = 16  # comparisons that fail before a text gives up on a bucket (see Cost above)


def _character_class(codepoints: Iterable[int]) -> str:
    """A regular-expression class body (no brackets) matching exactly ``codepoints``, as ranges."""
    ranges: list[list[int]] = []
    for codepoint in sorted(codepoints):
        if ranges and ranges[-1][1] == codepoint - 1:
            ranges[-1][1] = codepoint
        else:
            ranges.append([codepoint, codepoint])
    return "".join(re.escape(chr(low)) + ("-" + re.escape(chr(high)) if high > low else "") for low, high in ranges)


def _marks(codepoints: Iterable[int]) -> str:
    """A class body of the combining marks (categories Mn, Mc, Me) among ``codepoints``."""
    return _character_class(code for code in codepoints if unicodedata.category(chr(code)).startswith("M"))


# Combining marks are computed, not listed, so they follow the Unicode version Python ships. Those
# outside the BMP (plane 1, and the variation selectors of plane 14) are kept apart: a class with
# them cannot be a bitmap, and reading every text with it would be three times slower.
_BMP_MARKS = _marks(range(0x10000))
_ASTRAL_MARKS = _marks((*range(0x10000, 0x20000), *range(0xE0000, 0xE1000)))
_WORD_IN_BMP = re.compile(rf"[\w{_BMP_MARKS}]+")
_WORD = re.compile(rf"(?:[\w{_BMP_MARKS}]|[{_ASTRAL_MARKS}])+")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
# Scripts written without spaces between words: Thai, Lao, Burmese, Khmer, the CJK iteration and
# number marks, hiragana, katakana, CJK ideographs (with extensions A to H and the compatibility
# ideographs) and half-width katakana (which NFKC makes full-width anyway).
_UNSPACED = (
    "\u0e00-\u0e7f\u0e80-\u0eff\u1000-\u109f\u1780-\u17ff\u3005-\u3007\u3021-\u3029\u3041-\u30ff"
    "\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003ffff"
)
_HAS_UNSPACED = re.compile(f"[{_UNSPACED}]")
# A word cut into runs of unspaced characters and runs of anything else; and a run cut into its
# characters, each with its combining marks.
_WORD_PIECE = re.compile(f"(?:[{_UNSPACED}][{_BMP_MARKS}{_ASTRAL_MARKS}]*)+|[^{_UNSPACED}]+")
_UNSPACED_CHARACTER = re.compile(f"[{_UNSPACED}][{_BMP_MARKS}{_ASTRAL_MARKS}]*")


@dataclass(frozen=True)
class Campaign:
    """A group of near-identical texts: ``members`` are their ids in the order they were given,
    ``lead`` the first of them (the earliest comment when the caller gives them in date order), and
    ``similarity`` the lowest exact Jaccard similarity among the links that joined them (3 decimals)."""

    members: tuple[int, ...]
    lead: int
    similarity: float

    @property
    def size(self) -> int:
        """How many texts the campaign holds."""
        return len(self.members)


class _WordValues(dict[str, tuple[int, int]]):
    """Each word's two 64-bit values (for the first and the second place in a shingle), hashed on first use."""

    def __missing__(self, word: str) -> tuple[int, int]:
        digest = blake2b(word.encode("utf-8", "surrogatepass"), digest_size=16).digest()
        values = int.from_bytes(digest[:8], "little"), int.from_bytes(digest[8:], "little")
        self[word] = values
        return values


def _words(text: str) -> tuple[list[str], float]:
    """The words of ``text`` as shingles read them, and its length in words for :data:`MIN_WORDS`."""
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())
    words = (_WORD if _ASTRAL.search(text) else _WORD_IN_BMP).findall(text)
    if not _HAS_UNSPACED.search(text):
        return words, len(words)
    pieces: list[str] = []
    spaced, unspaced = 0, 0
    for word in words:
        for piece in _WORD_PIECE.findall(word) if _HAS_UNSPACED.search(word) else (word,):
            if _HAS_UNSPACED.match(piece):
                characters = _UNSPACED_CHARACTER.findall(piece)
                unspaced += len(characters)
                pieces.extend([first + second for first, second in pairwise(characters)] or characters)
            else:
                spaced += 1
                pieces.append(piece)
    return pieces, spaced + unspaced / 2


def _shingle_set(words: Sequence[str], values: _WordValues) -> frozenset[int]:
    """The shingle values of a text's ``words``, with ``values`` holding (and filling) the words' hashes."""
    word_values = list(map(values.__getitem__, words))
    if len(word_values) == 1:
        return frozenset([word_values[0][0]])
    return frozenset([first[0] ^ second[1] for first, second in pairwise(word_values)])


def _jaccard(a: frozenset[int], b: frozenset[int]) -> float:
    """The Jaccard similarity of two shingle sets; 0.0 when either is empty."""
    if not a or not b:
        return 0.0
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def shingles(text: str) -> frozenset[int]:
    """The hashed shingles of ``text`` (its pairs of consecutive words, see the module docstring), as
    64-bit integers that are the same in every run and process. Empty when the text has no words; one
    shingle when it has one word. Never raises for a ``str``."""
    return _shingle_set(_words(text)[0], _WordValues())


def similarity(a: str, b: str) -> float:
    """The exact Jaccard similarity of the shingle sets of ``a`` and ``b``, from 0.0 to 1.0: what
    :func:`group` compares with its threshold. 0.0 when either text has no words. Symmetric."""
    values = _WordValues()
    return _jaccard(_shingle_set(_words(a)[0], values), _shingle_set(_words(b)[0], values))


def _catch_probability(jaccard: float, rows: int) -> float:
    """The probability that a pair of this similarity agrees on all rows of at least one band."""
    return 1 - (1 - jaccard**rows) ** (_BINS // rows)


def _rows_for(threshold: float) -> int:
    """The rows per band: the most that catch a pair at ``threshold`` with probability :data:`_CATCH`."""
    divisors = [rows for rows in range(1, _BINS + 1) if _BINS % rows == 0]
    return max((rows for rows in divisors if _catch_probability(threshold, rows) >= _CATCH), default=1)


def _probe_orders() -> tuple[tuple[int, ...], ...]:
    """For each bin, the fixed order in which an empty bin looks for a non-empty one to borrow from."""

    def shuffled(empty: int) -> tuple[int, ...]:
        # Sorted by a hash of the pair: pseudo-random, and the same in every process.
        others = (other for other in range(_BINS) if other != empty)
        return tuple(sorted(others, key=lambda other: blake2b(f"{empty} {other}".encode(), digest_size=8).digest()))

    return tuple(shuffled(empty) for empty in range(_BINS))


_PROBES = _probe_orders()


def _signature(shingle_set: frozenset[int]) -> bytes:
    """The densified one-permutation MinHash signature of a non-empty shingle set, packed (8 bytes a bin)."""
    smallest = [_EMPTY] * _BINS
    for value in shingle_set:
        where = value % _BINS
        if value < smallest[where]:
            smallest[where] = value
    signature = smallest.copy()
    for where, value in enumerate(smallest):
        if value == _EMPTY:
            for other in _PROBES[where]:
                if smallest[other] != _EMPTY:
                    signature[where] = smallest[other]
                    break
    return array("Q", signature).tobytes()


class _Links:
    """Union-find over text numbers, keeping for each group the weakest link that joined it."""

    def __init__(self, count: int) -> None:
        self.parent = list(range(count))
        self.weakest: dict[int, float] = {}

    def find(self, number: int) -> int:
        """The number standing for the group of ``number``."""
        parent = self.parent
        root = number
        while parent[root] != root:
            root = parent[root]
        while parent[number] != root:  # path compression
            parent[number], number = root, parent[number]
        return root

    def join(self, a: int, b: int, link: float) -> None:
        """Put the groups of ``a`` and ``b`` (which differ) together, joined by a link of this similarity."""
        root, other = sorted((self.find(a), self.find(b)))
        self.parent[other] = root
        self.weakest[root] = min(self.weakest.get(root, link), self.weakest.pop(other, link), link)


def _link_bucket(bucket: list[int], shingles_of: Callable[[int], frozenset[int]], links: _Links,
                 threshold: float) -> None:
    """Link the texts of one band's bucket (text numbers, ascending) whose similarity reaches ``threshold``.

    Each text is compared with the earlier texts of each group of the bucket it is not yet in (the
    groups in the order of their first text, the texts of a group in the order they joined it),
    until it links to one, and gives up on the bucket after :data:`_TRIES` comparisons that fail."""
    groups: list[list[int]] = []  # the bucket's earlier texts, group by group
    for text in bucket:
        joined: list[int] | None = None  # the group of the bucket the text is now in
        failures = 0
        place = 0
        while place < len(groups) and failures < _TRIES:
            members = groups[place]
            linked = links.find(members[0]) == links.find(text)
            for other in () if linked else members:
                link = _jaccard(shingles_of(other), shingles_of(text))
                if link >= threshold:
                    links.join(other, text, link)
                    linked = True
                    break
                failures += 1
                if failures == _TRIES:
                    break
            if linked and joined is not None:
                joined.extend(members)
                del groups[place]
                continue
            if linked:
                joined = members
                members.append(text)
            place += 1
        if joined is None:
            groups.append([text])


def group(texts: Iterable[tuple[int, str]], *, threshold: float = THRESHOLD, min_size: int = 2) -> list[Campaign]:
    """The campaigns among ``texts`` (``(id, text)`` pairs): groups of at least ``min_size`` texts
    joined by links of exact Jaccard similarity of at least ``threshold`` (see the module docstring).

    Largest first; campaigns of the same size in the order of their leads in the input. No id is in
    two campaigns and a text in none is not a campaign of one. Texts under :data:`MIN_WORDS` words
    are in none. The same pairs give the same campaigns, and the same sets of members whatever their
    order. Never raises for any ``str`` text (empty, NUL bytes, emoji, 100,000 characters). Raises
    ValueError when ``threshold`` is not in (0, 1], ``min_size`` is under 2 or an id is repeated.
    """
    if not 0 < threshold <= 1:
        raise ValueError(f"threshold must be more than 0 and at most 1, not {threshold!r}")
    if min_size < 2:
        raise ValueError(f"min_size must be at least 2, not {min_size!r}")
    given = list(texts)
    position: dict[int, int] = {}
    for place, (text_id, _) in enumerate(given):
        if text_id in position:
            raise ValueError(f"id {text_id!r} is given more than once")
        position[text_id] = place

    # Numbered in id order, so that nothing below depends on the order of the input.
    ordered = sorted(given, key=lambda pair: pair[0])
    links = _Links(len(ordered))
    values = _WordValues()
    # Each distinct shingle set, sorted and packed (8 bytes a shingle, a ninth of a frozenset's
    # memory), with the first text that has it; frozensets are made again only for candidates.
    first_with: dict[bytes, int] = {}
    rows = _rows_for(threshold)
    width = 8 * rows
    buckets: list[dict[bytes, list[int]]] = [{} for _ in range(_BINS // rows)]
    for number, (_, text) in enumerate(ordered):
        words, length = _words(text)
        if length < MIN_WORDS:
            continue
        shingle_set = _shingle_set(words, values)
        packed = array("Q", sorted(shingle_set)).tobytes()
        if packed in first_with:
            links.join(first_with[packed], number, 1.0)
            continue
        first_with[packed] = number
        signature = _signature(shingle_set)
        for band, band_buckets in enumerate(buckets):
            band_buckets.setdefault(signature[band * width:(band + 1) * width], []).append(number)

    packed_of = {number: packed for packed, number in first_with.items()}
    candidates: dict[int, frozenset[int]] = {}

    def shingles_of(number: int) -> frozenset[int]:
        if number not in candidates:
            candidates[number] = frozenset(array("Q", packed_of[number]))
        return candidates[number]

    for band_buckets in buckets:
        for bucket in band_buckets.values():
            if len(bucket) > 1:
                _link_bucket(bucket, shingles_of, links, threshold)

    members: dict[int, list[int]] = {}
    for number, (text_id, _) in enumerate(ordered):
        members.setdefault(links.find(number), []).append(text_id)
    campaigns = []
    for root, group_ids in members.items():
        if len(group_ids) >= min_size:
            group_ids.sort(key=position.__getitem__)
            campaigns.append(Campaign(tuple(group_ids), group_ids[0], round(links.weakest[root], 3)))
    campaigns.sort(key=lambda campaign: (-campaign.size, position[campaign.lead]))
    return campaigns

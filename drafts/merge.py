"""Merge two changes to one section's text against their common base: a three-way merge.

Pure: the standard library and :mod:`drafts.diffing`; no Django, no ORM, no I/O.

Two members open the same version of a section (the *base*); one saves (*theirs*); the other then
saves from the stale base (*yours*). :func:`merge3` merges the two changes to the body,
:func:`merge_line` the two changes to the heading. The :class:`MergeResult` says where each piece of
the merged text came from, and where the two changes collide (:class:`Conflict`).

Line ends: ``"\\r\\n"`` becomes ``"\\n"`` in all three texts before anything else (what a browser's
textarea sends is not a change), so the merged text, the chunks, the conflicts and a resolved text
have ``"\\n"`` line ends only. With that, joining the chunks gives the texts back byte for byte.

The walk is GNU diff3's (as formalised by Khanna, Kunal and Pierce, "A formal investigation of
diff3"), run first over blocks and then, where both sides changed the same blocks, over words:

1. **Blocks.** A body is cut at blank lines into blocks (a paragraph, a list, a table) and the
   separators between them (a run of blank lines; the whitespace at the very end). A separator is a
   piece of its own, so that the last paragraph reads the same whether or not a paragraph follows
   it: an edit to it and a paragraph appended after it do not touch. The cut is textual, not
   python-markdown's (see :func:`drafts.lineage.source_blocks` for that): a list or a code block
   with blank lines inside becomes several blocks, which only makes the units of the merge smaller.
2. **Matching.** The base's pieces are matched to theirs, and separately to yours: the common
   beginning and end, then the blocks between with difflib (``autojunk=False``). Separators, all
   alike, are matched afterwards in the stretches between matched blocks: where a stretch has as
   many pieces on both sides (blocks edited in place), those equal in the same place; otherwise
   those equal at its beginning and end.
3. **Walk.** Where a base piece is matched on both sides, all three texts agree: that is *stable*.
   Between two stable runs lies an *unstable* region, where at least one side differs from the base:

   - only one side differs: that side's text ("theirs" or "yours");
   - both differ in the same way: taken once ("both");
   - both differ, differently: the region is merged again by the same walk over words (tokens of
     :func:`drafts.diffing.tokenize`, matched by :func:`drafts.diffing.diff_tokens`). If that merge
     is clean, its chunks stand for the region; if not, the *whole* region is one conflict, so a
     person resolving it reads whole paragraphs rather than a fragment between two words.

   So two changes overlap when no text left alone by both stands between them: the same words
   changed by both (differently), two neighbouring words changed one by each, an insertion by each
   at the same place (which goes first is anybody's guess), an insertion or an edit next to words
   the other side deleted. A blank line both kept does stand between two paragraphs, so edits to
   neighbouring paragraphs merge. diff_tokens cleans its diff up for reading (a short unchanged
   stretch between two changes joins them; a paragraph mostly rewritten is one change), which
   makes a region coarser but never wrong: at worst a conflict where a finer diff would merge.

Swapping theirs and yours swaps the two matchings and nothing else, so the merge is symmetric: as
many conflicts either way, and the same text when clean.

Bounded cost: bodies have at most 200,000 characters. difflib's matcher is quadratic at worst
(many repeated blocks; long bodies changed all over), so when its estimated work exceeds
:data:`BLOCK_MATCH_MAX_WORK` the blocks between the common beginning and end are matched as
separators are (in place if the counts agree, else from the ends), and what is left unmatched is
one region, merged by words. The word diffs of one merge share one time budget,
:data:`MERGE_TIMELIMIT`; a diff cut short is coarser (more of the text counts as changed, so there
may be more conflicts), never wrong. Only such a pathological merge can depend on timing.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from itertools import accumulate
from typing import Literal, NamedTuple

from drafts.diffing import diff_tokens, tokenize

__all__ = [
    "BLOCK_MATCH_MAX_WORK",
    "MERGE_TIMELIMIT",
    "Chunk",
    "ChunkSource",
    "Conflict",
    "MergeResult",
    "merge3",
    "merge_line",
]

# Seconds all the word diffs of one merge may take together (diff_tokens' time limit, shared). An
# ordinary region diffs in well under a millisecond; this caps two 50,000-word rewrites of each other.
MERGE_TIMELIMIT = 0.2
# The most work difflib may be given to match the blocks of a body, estimated as the number of pairs
# of equal blocks (the base's and the other text's) times the smaller number of blocks, which bounds
# how often it goes through them. At this bound it takes ~65 ms in the worst case found (1,000
# distinct blocks, every other one changed) and a few ms for the usual patterns; twice that many
# blocks (4 million) would take ~250 ms, and a merge matches twice.
BLOCK_MATCH_MAX_WORK = 1_000_000

# A blank-line run (a newline, then lines of spaces and tabs only), or the whitespace ending the text.
_SEPARATOR = re.compile(r"(\n(?:[ \t]*\n)+|\s+\Z)")

ChunkSource = Literal["same", "theirs", "yours", "both", "conflict"]


@dataclass(frozen=True)
class Conflict:
    """A region both sides changed, differently: the base's text there and what each side made of it.

    ``index`` counts the conflicts of one merge from 0, in the order of the text. Any of the three
    texts may be empty (a deletion, or an insertion where the base has nothing).
    """

    index: int
    base: str
    theirs: str
    yours: str


@dataclass(frozen=True)
class Chunk:
    """A piece of the merged text and where it came from.

    ``source`` is "same" (neither side changed it), "theirs" or "yours" (only that side changed it),
    "both" (both made the identical change, taken once) or "conflict". ``text`` is the merged text
    (``""`` for a conflict, and for a deletion); ``base`` is the base text it replaces, so that
    joining the ``base`` of every chunk gives the base.
    """

    source: ChunkSource
    text: str
    conflict: Conflict | None = None
    base: str = ""


@dataclass(frozen=True)
class MergeResult:
    """The chunks of a merge, in the order of the text."""

    chunks: tuple[Chunk, ...]

    @property
    def conflicts(self) -> tuple[Conflict, ...]:
        """The conflicts, in order; ``conflicts[i].index == i``."""
        return tuple(chunk.conflict for chunk in self.chunks if chunk.conflict is not None)

    @property
    def clean(self) -> bool:
        """Whether the merge has no conflict."""
        return all(chunk.conflict is None for chunk in self.chunks)

    @property
    def text(self) -> str:
        """The merged text. Raises ValueError if there is a conflict (see :meth:`resolved`)."""
        if not self.clean:
            raise ValueError(f"the merge has {len(self.conflicts)} conflict(s): resolve them first")
        return "".join(chunk.text for chunk in self.chunks)

    def resolved(self, choices: Mapping[int, str]) -> str:
        """The merged text with each conflict replaced by ``choices[conflict.index]``.

        A choice is the text the person chose (a conflict's ``theirs`` or ``yours``) or wrote; it
        replaces the conflict's region as it is, its ``"\\r\\n"`` made ``"\\n"``. Raises KeyError
        with the index of the first conflict that has no choice.
        """
        pieces = []
        for chunk in self.chunks:
            if chunk.conflict is None:
                pieces.append(chunk.text)
            elif chunk.conflict.index in choices:
                pieces.append(_normalise(choices[chunk.conflict.index]))
            else:
                raise KeyError(chunk.conflict.index)
        return "".join(pieces)

    def theirs_changes(self) -> int:
        """How many changes only theirs made (chunks "theirs"): what a merge brings into yours."""
        return sum(chunk.source == "theirs" for chunk in self.chunks)

    def yours_changes(self) -> int:
        """How many changes only yours made (chunks "yours")."""
        return sum(chunk.source == "yours" for chunk in self.chunks)


def merge3(base: str, theirs: str, yours: str) -> MergeResult:
    """Merge the changes theirs and yours each made to ``base``: by block, then by word where both changed.

    See the module docstring for the rules. Unchanged on one side, the result is the other side:
    ``merge3(b, b, y).text == y`` and ``merge3(b, t, b).text == t`` (line ends made ``"\\n"``), and
    ``merge3(b, x, x).text == x``. Three equal texts give one "same" chunk, or none if empty.
    """
    base, theirs, yours = _normalise(base), _normalise(theirs), _normalise(yours)
    if base == theirs == yours:
        return _result([_chunk(_Region(base, base, base))])
    base_pieces = _pieces(base)
    regions = _walk(
        _Region(base, theirs, yours),
        _block_matches(base_pieces, _pieces(theirs)),
        _block_matches(base_pieces, _pieces(yours)),
    )
    deadline = time.perf_counter() + MERGE_TIMELIMIT
    return _result([chunk for region in regions for chunk in _merge_region(region, deadline)])


def merge_line(base: str, theirs: str, yours: str) -> MergeResult:
    """Merge the changes to a one-line text (a heading) by word only.

    As :func:`merge3` does within one block: changes to different words merge; if they overlap,
    the whole line is one conflict.
    """
    region = _Region(_normalise(base), _normalise(theirs), _normalise(yours))
    return _result(_merge_region(region, time.perf_counter() + MERGE_TIMELIMIT))


# --- The walk -------------------------------------------------------------------------------------
class _Region(NamedTuple):
    """The same stretch of the three texts."""

    base: str
    theirs: str
    yours: str


# A run of equal text in the base and another text: (start in the base, start in the other, length),
# in characters, as difflib's matching blocks. A list of them is increasing in both starts.
_Match = tuple[int, int, int]


def _walk(texts: _Region, theirs: list[_Match], yours: list[_Match]) -> Iterator[_Region]:
    """Cut three texts into alternating stable regions (all equal) and unstable ones, in order.

    A stable region is base text matched on both sides; an unstable one is everything between two
    stable regions, on each side. Empty regions are left out.
    """
    at_base = at_theirs = at_yours = 0
    end = (len(texts.base), len(texts.theirs), len(texts.yours), 0)
    for start, start_theirs, start_yours, size in [*_stable_runs(theirs, yours), end]:
        if (start, start_theirs, start_yours) != (at_base, at_theirs, at_yours):
            yield _Region(
                texts.base[at_base:start], texts.theirs[at_theirs:start_theirs], texts.yours[at_yours:start_yours]
            )
        if size:
            same = texts.base[start : start + size]
            yield _Region(same, same, same)
        at_base, at_theirs, at_yours = start + size, start_theirs + size, start_yours + size


def _stable_runs(theirs: list[_Match], yours: list[_Match]) -> Iterator[tuple[int, int, int, int]]:
    """(base start, theirs start, yours start, length) of each run of base text matched on both sides."""
    i = j = 0
    while i < len(theirs) and j < len(yours):
        base_theirs, at_theirs, size_theirs = theirs[i]
        base_yours, at_yours, size_yours = yours[j]
        start = max(base_theirs, base_yours)
        end = min(base_theirs + size_theirs, base_yours + size_yours)
        if start < end:
            yield start, at_theirs + start - base_theirs, at_yours + start - base_yours, end - start
        if base_theirs + size_theirs <= base_yours + size_yours:
            i += 1
        else:
            j += 1


def _source(region: _Region) -> ChunkSource:
    if region.theirs == region.base:
        return "same" if region.yours == region.base else "yours"
    if region.yours == region.base:
        return "theirs"
    return "both" if region.theirs == region.yours else "conflict"


def _chunk(region: _Region) -> Chunk:
    """The chunk of one region: the text of the side that changed it, or a conflict (index 0 for now)."""
    source = _source(region)
    if source == "conflict":
        return Chunk("conflict", "", Conflict(0, region.base, region.theirs, region.yours), base=region.base)
    return Chunk(source, region.yours if source == "yours" else region.theirs, base=region.base)


def _merge_region(region: _Region, deadline: float) -> list[Chunk]:
    """The chunks of one region: as :func:`_chunk`, but a conflict is first merged again by words."""
    chunk = _chunk(region)
    if chunk.source != "conflict":
        return [chunk]
    by_word = [
        _chunk(part)
        for part in _walk(
            region,
            _word_matches(region.base, region.theirs, deadline),
            _word_matches(region.base, region.yours, deadline),
        )
    ]
    return [chunk] if any(part.source == "conflict" for part in by_word) else by_word


def _result(chunks: list[Chunk]) -> MergeResult:
    """The result of a walk: empty chunks left out, neighbouring "same" chunks joined, conflicts numbered."""
    out: list[Chunk] = []
    conflicts = 0
    for chunk in chunks:
        if chunk.conflict is not None:
            out.append(replace(chunk, conflict=replace(chunk.conflict, index=conflicts)))
            conflicts += 1
        elif not chunk.text and not chunk.base:
            continue
        elif chunk.source == "same" and out and out[-1].source == "same":
            out[-1] = Chunk("same", out[-1].text + chunk.text, base=out[-1].base + chunk.base)
        else:
            out.append(chunk)
    return MergeResult(tuple(out))


# --- Matching -------------------------------------------------------------------------------------
def _normalise(text: str) -> str:
    return text.replace("\r\n", "\n")


def _pieces(text: str) -> list[str]:
    """A body cut into blocks and separators (see the module docstring); ``"".join`` gives it back."""
    return [piece for piece in _SEPARATOR.split(text) if piece]


def _block_matches(base: list[str], other: list[str]) -> list[_Match]:
    """The pieces the same in ``base`` and ``other`` (see :func:`_pieces`), as runs of characters.

    The common beginning and end first. Between them, blocks are matched by difflib, unless its
    cost estimate (see :data:`BLOCK_MATCH_MAX_WORK`) is too high; separators, all alike, are not
    given to difflib but matched afterwards, in the stretches between matched blocks (see
    :func:`_gap_pairs`).
    """
    head, tail = _common_ends(base, other)
    base_end, other_end = len(base) - tail, len(other) - tail

    base_blocks = [i for i in range(head, base_end) if not base[i].isspace()]
    other_blocks = [j for j in range(head, other_end) if not other[j].isspace()]
    matched_blocks: list[tuple[int, int]] = []
    in_other = Counter(other[j] for j in other_blocks)
    work = sum(in_other[base[i]] for i in base_blocks) * min(len(base_blocks), len(other_blocks))
    if work <= BLOCK_MATCH_MAX_WORK:
        matcher = SequenceMatcher(
            None, [base[i] for i in base_blocks], [other[j] for j in other_blocks], autojunk=False
        )
        for i, j, size in matcher.get_matching_blocks():
            matched_blocks.extend(zip(base_blocks[i : i + size], other_blocks[j : j + size], strict=True))

    pairs = [(i, i) for i in range(head)]  # matched pieces, by index in base and other
    after = (head, head)  # the first pieces after the last matched pair
    for i, j in [*matched_blocks, (base_end, other_end)]:
        pairs.extend((after[0] + gi, after[1] + gj) for gi, gj in _gap_pairs(base[after[0] : i], other[after[1] : j]))
        if i < base_end:  # not the common end, which follows
            pairs.append((i, j))
        after = (i + 1, j + 1)
    pairs.extend((base_end + k, other_end + k) for k in range(tail))

    base_offsets = [0, *accumulate(map(len, base))]
    other_offsets = [0, *accumulate(map(len, other))]
    matches: list[_Match] = []
    previous = (-2, -2)
    for i, j in pairs:
        size = base_offsets[i + 1] - base_offsets[i]
        if (i, j) == (previous[0] + 1, previous[1] + 1):
            start, start_other, run = matches[-1]
            matches[-1] = (start, start_other, run + size)
        else:
            matches.append((base_offsets[i], other_offsets[j], size))
        previous = (i, j)
    return matches


def _gap_pairs(base: list[str], other: list[str]) -> list[tuple[int, int]]:
    """Which pieces to match in two stretches that have no block in common, by index in each.

    If both have as many pieces, blocks were edited in place: the pieces equal in the same place
    (the separators between the blocks). Otherwise the pieces equal at the beginning, then at the
    end (a block inserted or deleted next to a separator that stays).
    """
    if len(base) == len(other):
        return [(k, k) for k in range(len(base)) if base[k] == other[k]]
    head, tail = _common_ends(base, other)
    return [(k, k) for k in range(head)] + [(len(base) - k, len(other) - k) for k in range(tail, 0, -1)]


def _common_ends(a: list[str], b: list[str]) -> tuple[int, int]:
    """How many items two lists have in common at their beginning, then at their end (not overlapping)."""
    head = 0
    while head < min(len(a), len(b)) and a[head] == b[head]:
        head += 1
    tail = 0
    while tail < min(len(a), len(b)) - head and a[-1 - tail] == b[-1 - tail]:
        tail += 1
    return head, tail


def _word_matches(base: str, other: str, deadline: float) -> list[_Match]:
    """The words the same in ``base`` and ``other`` by :func:`drafts.diffing.diff_tokens`, as runs of characters.

    Within what is left of the merge's time budget; once it is spent, nothing matches.
    """
    if base == other:
        return [(0, 0, len(base))]
    timelimit = deadline - time.perf_counter()
    if timelimit <= 0:  # diff_tokens reads 0 as "no limit"
        return []
    matches = []
    at_base = at_other = 0
    # An equal segment is (0, pieces, []): its pieces stand for both sides.
    for kind, first, second in diff_tokens(tokenize(base), tokenize(other), timelimit=timelimit):
        size = sum(map(len, first))
        if kind == 0:
            matches.append((at_base, at_other, size))
            at_other += size
        else:
            at_other += sum(map(len, second))
        at_base += size
    return matches

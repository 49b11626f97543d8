"""The word diff of two Markdown bodies as hunks, widened until the Markdown survives, then merged.

:func:`_merged_pieces` turns ``diffing.word_diff`` of the old and new body into spans of both texts
(:class:`_Hunk`) and widens every change until it never cuts a piece of Markdown syntax (see
``markdown_syntax``): a change never begins or ends inside an escape, a code span, a footnote
reference or a link target; a change that takes one emphasis marker takes its partner and
everything between; a change that touches block syntax (a list marker, a table's pipes, a fence)
takes whole lines on both sides, so the deleted lines come before the inserted lines, each with its
own block syntax. Whole-line changes are then refined again line by line where old and new lines
pair up, and the result is the new text as (kind, text) pieces with the deleted text of the old
kept in place, ready for ``tracked`` to emit.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass

from drafts import diffing
from drafts.interchange.markdown_syntax import (
    _continues_paragraph,
    _LineLookup,
    _markdown_syntax,
    _needs_separator,
    _prefix_length,
    _Span,
    _Syntax,
)
from drafts.interchange.sentinels import _DELETED, _EQUAL, _INSERTED, _SEPARATOR


@dataclass
class _Hunk:
    a0: int
    a1: int
    b0: int
    b1: int
    change: bool
    lines: bool = False  # must be whole lines on both sides

    def side(self, which: int) -> _Span:
        return (self.a0, self.a1) if which == 0 else (self.b0, self.b1)


def _diff_hunks(a: str, b: str) -> list[_Hunk]:
    hunks: list[_Hunk] = []
    i = j = 0
    for op, text in diffing.word_diff(a, b):
        n = len(text)
        if op == 0:
            hunks.append(_Hunk(i, i + n, j, j + n, False))
            i, j = i + n, j + n
            continue
        if not hunks or not hunks[-1].change:
            hunks.append(_Hunk(i, i, j, j, True))
        if op < 0:
            hunks[-1].a1 += n
            i += n
        else:
            hunks[-1].b1 += n
            j += n
    return hunks


def _trim_whitespace_changes(hunks: list[_Hunk], a: str, b: str) -> list[_Hunk]:
    """Give back to the equal text the whitespace a change deletes and inserts again.

    The diff matches words without their trailing whitespace, so "employment.\n" becoming
    "employment.\n\nNo fees ..." deletes "\n" and inserts "\n\n"; the first line break is really
    unchanged, and only as unchanged does it keep the paragraph break where it was.
    """
    out: list[_Hunk] = []
    for hunk in hunks:
        if not hunk.change or hunk.a0 == hunk.a1 or hunk.b0 == hunk.b1:
            out.append(hunk)
            continue
        lead = 0
        while (hunk.a0 + lead < hunk.a1 and hunk.b0 + lead < hunk.b1 and a[hunk.a0 + lead] == b[hunk.b0 + lead]
               and a[hunk.a0 + lead].isspace()):
            lead += 1
        trail = 0
        while (hunk.a1 - trail > hunk.a0 + lead and hunk.b1 - trail > hunk.b0 + lead
               and a[hunk.a1 - trail - 1] == b[hunk.b1 - trail - 1] and a[hunk.a1 - trail - 1].isspace()):
            trail += 1
        if lead:
            out.append(_Hunk(hunk.a0, hunk.a0 + lead, hunk.b0, hunk.b0 + lead, False))
        out.append(_Hunk(hunk.a0 + lead, hunk.a1 - trail, hunk.b0 + lead, hunk.b1 - trail, True))
        if trail:
            out.append(_Hunk(hunk.a1 - trail, hunk.a1, hunk.b1 - trail, hunk.b1, False))
    return [h for h in out if h.change or h.a1 > h.a0]


def _whole_lines(text: str, start: int, end: int) -> bool:
    return (start == 0 or text[start - 1] == "\n") and (end == start or text[end - 1] == "\n")


def _slide(hunks: list[_Hunk], a: str, b: str) -> None:
    """Shift pure insertions and deletions of line breaks to whole lines where the text allows.

    "- b|\\n- c|" and "- b\\n|- c\\n|" insert the same text; the second is a whole list item, which
    needs no widening. (The diff engine places a change anywhere in a run of equal characters.)
    """
    for k, hunk in enumerate(hunks):
        if not hunk.change or (hunk.a0 != hunk.a1 and hunk.b0 != hunk.b1):
            continue
        which = 1 if hunk.a0 == hunk.a1 else 0  # the side with text: b for an insertion
        text, (p0, p1) = (b, hunk.side(1)) if which else (a, hunk.side(0))
        if "\n" not in text[p0:p1] or _whole_lines(text, p0, p1):
            continue
        before = hunks[k - 1] if k > 0 and not hunks[k - 1].change else None
        after = hunks[k + 1] if k + 1 < len(hunks) and not hunks[k + 1].change else None
        low = before.side(which)[0] if before else p0
        high = after.side(which)[1] if after else p1
        back = 0
        while p0 - back - 1 >= low and text[p0 - back - 1] == text[p1 - back - 1]:
            back += 1
        forward = 0
        while p1 + forward < high and text[p0 + forward] == text[p1 + forward]:
            forward += 1
        for shift in sorted(range(-back, forward + 1), key=abs):
            if shift and _whole_lines(text, p0 + shift, p1 + shift):
                hunk.a0, hunk.a1, hunk.b0, hunk.b1 = hunk.a0 + shift, hunk.a1 + shift, hunk.b0 + shift, hunk.b1 + shift
                if before:
                    before.a1, before.b1 = before.a1 + shift, before.b1 + shift
                if after:
                    after.a0, after.b0 = after.a0 + shift, after.b0 + shift
                break
    hunks[:] = [h for h in hunks if h.change or h.a1 > h.a0]


def _merge_adjacent(hunks: list[_Hunk]) -> list[_Hunk]:
    out: list[_Hunk] = []
    for hunk in hunks:
        if not hunk.change and hunk.a1 == hunk.a0:
            continue
        if out and out[-1].change and hunk.change:
            last = out[-1]
            out[-1] = _Hunk(last.a0, hunk.a1, last.b0, hunk.b1, True, last.lines or hunk.lines)
        else:
            out.append(hunk)
    return out


def _force(hunks: list[_Hunk], which: int, spans: list[_Span]) -> list[_Hunk]:
    """Turn the equal text inside ``spans`` (offsets on side ``which``) into change."""
    spans = sorted(spans)
    out: list[_Hunk] = []
    pointer = 0
    for hunk in hunks:
        start, end = hunk.side(which)
        if hunk.change or end <= start:
            out.append(hunk)
            continue
        while pointer < len(spans) and spans[pointer][1] <= start:
            pointer += 1
        cuts: list[_Span] = []
        k = pointer
        while k < len(spans) and spans[k][0] < end:
            low, high = max(start, spans[k][0]), min(end, spans[k][1])
            if high > low:
                if cuts and low <= cuts[-1][1]:
                    cuts[-1] = (cuts[-1][0], max(cuts[-1][1], high))
                else:
                    cuts.append((low, high))
            k += 1
        if not cuts:
            out.append(hunk)
            continue
        offset = hunk.a0 - start if which == 1 else hunk.b0 - start  # other side = this side + offset
        position = start
        for low, high in cuts:
            for lo, hi, change in ((position, low, False), (low, high, True)):
                if hi > lo:
                    this, other = (lo, hi), (lo + offset, hi + offset)
                    a_span, b_span = (this, other) if which == 0 else (other, this)
                    out.append(_Hunk(a_span[0], a_span[1], b_span[0], b_span[1], change))
            position = high
        if position < end:
            this, other = (position, end), (position + offset, end + offset)
            a_span, b_span = (this, other) if which == 0 else (other, this)
            out.append(_Hunk(a_span[0], a_span[1], b_span[0], b_span[1], False))
    return _merge_adjacent(out)


_Changes = list[tuple[int, int, int]]  # (start, end, hunk index) of the changes on one side, in order


def _changes_near(changes: _Changes, ends: list[int], start: int, end: int) -> Iterator[tuple[int, int, int]]:
    """The changes that could touch ``[start, end]`` (``ends``: each change's end, for bisecting)."""
    k = bisect_left(ends, start)
    while k < len(changes) and changes[k][0] <= end:
        yield changes[k]
        k += 1


def _normalise(hunks: list[_Hunk], texts: tuple[str, str], syntaxes: tuple[_Syntax, _Syntax]) -> list[_Hunk]:
    """Widen changes until none cuts Markdown syntax and block-level changes are whole lines."""
    for _round in range(64):
        before = [(h.a0, h.a1, h.b0, h.b1, h.change, h.lines) for h in hunks]
        for which in (0, 1):
            text, syntax = texts[which], syntaxes[which]
            changes = [(*h.side(which), k) for k, h in enumerate(hunks) if h.change]
            ends = [c[1] for c in changes]
            forced: list[_Span] = []
            for start, end in syntax.atomic:
                for c0, c1, _k in _changes_near(changes, ends, start, end):
                    if (start < c0 < end or start < c1 < end) and not (c0 <= start and c1 >= end):
                        forced.append((start, end))
                        break
            for parts, extent in syntax.constructs:
                if any(_touches(changes, ends, p0, p1) for p0, p1 in parts):
                    forced.append(extent)
            for start, end in syntax.blocks:
                for c0, c1, k in _changes_near(changes, ends, start, end):
                    if (c0 < end and c1 > start) or (c0 == c1 and start <= c0 < end):
                        hunks[k].lines = True
            if forced:
                hunks = _force(hunks, which, forced)
        # Line-mode changes grow to whole lines on both sides.
        for which in (0, 1):
            text = texts[which]
            forced = []
            for hunk in hunks:
                if not hunk.lines:
                    continue
                start, end = hunk.side(which)
                line_start = text.rfind("\n", 0, start) + 1
                if line_start < start:
                    forced.append((line_start, start))
                if (end > start and text[end - 1] != "\n") or (end == start and line_start < start):
                    line_end = text.find("\n", end)
                    forced.append((end, len(text) if line_end < 0 else line_end + 1))
            if forced:
                hunks = _force(hunks, which, forced)
        if [(h.a0, h.a1, h.b0, h.b1, h.change, h.lines) for h in hunks] == before:
            return hunks
    # Never seen: give up on finesse and show the body as replaced whole, which is always valid.
    return [_Hunk(0, len(texts[0]), 0, len(texts[1]), True, True)]


def _touches(changes: _Changes, ends: list[int], start: int, end: int) -> bool:
    """Whether a change overlaps a syntax part or begins strictly inside it."""
    return any((c0 < end and c1 > start) or start < c0 < end for c0, c1, _k in _changes_near(changes, ends, start, end))


_NOTE_DEFINED = re.compile(r"^[ \t>]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)*\[\^([^\]\s]+)\]:", re.MULTILINE)
_NOTE_LABEL = re.compile(r"\[\^([^\]\s]+)\]")


def _merged_pieces(a: str, b: str) -> list[tuple[int, str]]:
    """(kind, text) pieces of the new text with the deleted text of the old kept in place."""
    hunks = _trim_whitespace_changes(_diff_hunks(a, b), a, b)
    _slide(hunks, a, b)
    syntax_a, syntax_b = _markdown_syntax(a), _markdown_syntax(b)
    hunks = _normalise(hunks, (a, b), (syntax_a, syntax_b))
    classes_a = _LineLookup(a)
    classes_b = _LineLookup(b)
    refined: list[_Hunk] = []
    for hunk in hunks:
        refined.extend(_refine(hunk, (a, b), (syntax_a, syntax_b), (classes_a, classes_b)))
    hunks = _merge_adjacent(refined)
    pieces: list[tuple[int, str]] = []
    for hunk in hunks:
        if not hunk.change:
            pieces.append((_EQUAL, b[hunk.b0 : hunk.b1]))
            continue
        deleted, inserted = a[hunk.a0 : hunk.a1], b[hunk.b0 : hunk.b1]
        if deleted and inserted and hunk.lines and _continues_paragraph(classes_b, hunk.b0) \
                and not _continues_paragraph(classes_a, hunk.a0):
            # "2. record" became part of item 1 ("...;\nrecord"): the new lines carry on the paragraph
            # before, so they go first and the deleted item after them, as a list item of its own.
            pieces += [(_INSERTED, inserted), (_DELETED, deleted)]
            continue
        if deleted:
            pieces.append((_DELETED, deleted))
        if deleted and inserted and hunk.lines and _needs_separator(classes_a, hunk.a1, classes_b, hunk.b0, b):
            # Old lines then new lines, as separate blocks: without a blank line between them a new
            # paragraph would run on from the old one.
            pieces.append((_SEPARATOR, "\n"))
        if inserted:
            pieces.append((_INSERTED, inserted))
    # A footnote deleted and another added under the same label: the old one gets its own label.
    kept = {label for kind, text in pieces if kind != _DELETED for label in _NOTE_DEFINED.findall(text)}
    for index, (kind, text) in enumerate(pieces):
        clash = kept & set(_NOTE_DEFINED.findall(text)) if kind == _DELETED else set()
        if clash:
            pieces[index] = (kind, _relabel_notes(text, clash))
    return pieces


def _relabel_notes(text: str, labels: set[str]) -> str:
    """``[^label]`` becomes ``[^label-was]`` for the given labels, in references and definitions alike."""
    return _NOTE_LABEL.sub(lambda m: f"[^{m.group(1)}-was]" if m.group(1) in labels else m.group(0), text)


def _refine(hunk: _Hunk, texts: tuple[str, str], syntaxes: tuple[_Syntax, _Syntax],
            lookups: tuple[_LineLookup, _LineLookup]) -> list[_Hunk]:
    """Split a whole-lines change into lines deleted, lines inserted and lines edited in place.

    Widening to whole lines can sweep up neighbours ("| 1 | old |" edited while a row is inserted
    after it): old and new lines with the same block syntax and similar words are paired and diffed
    word by word again, where that needs no widening. A change that rewrites a table's rule row or
    a fence stays whole, since interleaving old and new lines there would break the block.
    """
    a, b = texts
    if not hunk.change or not hunk.lines or hunk.a0 == hunk.a1 or hunk.b0 == hunk.b1:
        return [hunk]
    old_lines, new_lines = _lines_between(a, hunk.a0, hunk.a1), _lines_between(b, hunk.b0, hunk.b1)
    for lookup, lines in ((lookups[0], old_lines), (lookups[1], new_lines)):
        if any(lookup.at(start)[0] in ("fence", "rule", "table-rule") for start, _end in lines):
            return [hunk]
    out: list[_Hunk] = []
    pa, pb = hunk.a0, hunk.b0
    for i, j in _pair_lines(a, old_lines, b, new_lines):
        if i is None:
            (start, end) = new_lines[j]  # type: ignore[index]
            out.append(_Hunk(pa, pa, start, end, True, True))
            pb = end
            continue
        (old_start, old_end) = old_lines[i]
        if j is None:
            out.append(_Hunk(old_start, old_end, pb, pb, True, True))
            pa = old_end
            continue
        (new_start, new_end) = new_lines[j]
        pa, pb = old_end, new_end
        inner = [
            _Hunk(h.a0 + old_start, h.a1 + old_start, h.b0 + new_start, h.b1 + new_start, h.change)
            for h in _trim_whitespace_changes(_diff_hunks(a[old_start:old_end], b[new_start:new_end]),
                                              a[old_start:old_end], b[new_start:new_end])
        ]
        inner = _normalise(inner, texts, syntaxes)
        if _self_contained(inner, syntaxes, (old_start, old_end), (new_start, new_end)):
            out.extend(inner)
        else:
            out.append(_Hunk(old_start, old_end, new_start, new_end, True, True))
    return out


def _lines_between(text: str, start: int, end: int) -> list[_Span]:
    """The lines of ``text[start:end]`` (whole lines), each with its line break."""
    lines = []
    while start < end:
        stop = text.find("\n", start, end)
        stop = end if stop < 0 else stop + 1
        lines.append((start, stop))
        start = stop
    return lines


def _line_signature(line: str) -> str:
    """A line's block syntax, numbers aside: "- ", "1. " (any number), "> ", "|" for a table row."""
    prefix = line[: _prefix_length(line)]
    return re.sub(r"\d+", "1", prefix.strip()) + ("|" if line.lstrip().startswith("|") else "")


_PAIRING_MAX = 400  # old lines x new lines in one run of changed lines, above which lines are not paired


def _pair_lines(a: str, old: list[_Span], b: str, new: list[_Span]) -> list[tuple[int | None, int | None]]:
    """Old and new lines in order: (i, j) for a pair edited in place, (i, None) deleted, (None, j) inserted."""
    import difflib  # only whole-line changes get here

    old_text = [a[s:e].rstrip("\n") for s, e in old]
    new_text = [b[s:e].rstrip("\n") for s, e in new]
    pairs: list[tuple[int | None, int | None]] = []
    for tag, i0, i1, j0, j1 in difflib.SequenceMatcher(None, old_text, new_text, autojunk=False).get_opcodes():
        if tag == "equal":
            pairs += [(i0 + k, j0 + k) for k in range(i1 - i0)]
            continue
        j = j0
        if (i1 - i0) * (j1 - j0) > _PAIRING_MAX:  # a rewrite of many lines: no pairing, whole lines it is
            pairs += [(i, None) for i in range(i0, i1)] + [(None, k) for k in range(j0, j1)]
            continue
        for i in range(i0, i1):
            words = old_text[i].split()
            match = next((
                k for k in range(j, j1)
                if _line_signature(old_text[i]) == _line_signature(new_text[k])
                and difflib.SequenceMatcher(None, words, new_text[k].split(), autojunk=False).ratio() >= 0.5
            ), None)
            if match is None:
                pairs.append((i, None))
                continue
            pairs += [(None, k) for k in range(j, match)]
            pairs.append((i, match))
            j = match + 1
        pairs += [(None, k) for k in range(j, j1)]
    return pairs


def _self_contained(hunks: list[_Hunk], syntaxes: tuple[_Syntax, _Syntax], *ranges: _Span) -> bool:
    """Whether a line pair's changes need nothing beyond the pair (no whole-line widening, no outer construct)."""
    if any(h.lines for h in hunks):
        return False
    for which in (0, 1):
        changes = [(*h.side(which), k) for k, h in enumerate(hunks) if h.change]
        ends = [c[1] for c in changes]
        low, high = ranges[which]
        for parts, (start, end) in syntaxes[which].constructs:
            if (start < low or end > high) and any(_touches(changes, ends, p0, p1) for p0, p1 in parts):
                return False
    return True

"""A comparison as a Word document whose changes are real tracked changes (w:ins / w:del)."""

from __future__ import annotations

import io
import itertools
import re
import zipfile
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from typing import TYPE_CHECKING

from drafts import diffing
from drafts.numbering import anchor_for

if TYPE_CHECKING:
    from drafts.comparing import ComparisonView
from drafts.interchange.markdown import ExportSection, numbered_heading
from drafts.interchange.word import _escape_markdown_text, _scope_footnotes, markdown_to_docx

# Word with tracked changes -----------------------------------------------------------------------
#
# A comparison becomes one Markdown text of the new side in which every deleted run of the old side
# is kept in place, and every change is bracketed by sentinel characters. Pandoc treats those as
# ordinary letters, so they come out in word/document.xml (and footnotes.xml) exactly where the change
# is, inside whatever run, list item, table cell or footnote pandoc made; a post-pass then splits the
# runs at the sentinels and wraps the pieces in w:ins / w:del. Pandoc still does all of the Word
# layout (lists, tables, footnotes, links), and the changes are those of ``diffing.word_diff``, the
# engine behind the web redline.
#
# The sentinels are Unicode noncharacters (U+FDD0...), which the standard reserves for a program's
# internal use: unlike private-use characters (icon fonts, some CJK systems) nobody types them. Any
# that turn up in user text are replaced (U+FFFD) first, so text cannot forge a change.
#
# The Markdown must stay valid with the deleted text and the sentinels in it, so before emitting, a
# change is widened until it never cuts a piece of Markdown syntax: a sentinel never sits inside an
# escape, a code span, a footnote reference or a link target; a change that takes one emphasis marker
# takes its partner and everything between; a change that touches block syntax (a list marker, a
# table's pipes, a fence) takes whole lines on both sides, so the deleted lines come before the
# inserted lines, each with its own block syntax. Sentinels are closed at every line end and reopened
# after the next line's block prefix ("- ", "> ", "| "), so each Word paragraph holds balanced pairs,
# and whether the paragraph mark itself was inserted or deleted travels as one more sentinel.

_INS_OPEN, _INS_CLOSE, _DEL_OPEN, _DEL_CLOSE = "\ufdd0", "\ufdd1", "\ufdd2", "\ufdd3"
_INS_MARK, _DEL_MARK = "\ufdd4", "\ufdd5"  # "the line break after this paragraph was inserted / deleted"
_LINE_BREAK = "\ufdd6"  # a line break inside a table cell (pipe tables cannot hold one)
_OUR_CHARACTERS = re.compile("[\ufdd0-\ufdd6]")
_SENTINEL = re.compile("[\ufdd0-\ufdd5]")

_EQUAL, _INSERTED, _DELETED, _SEPARATOR = 0, 1, 2, 3
_OPEN = {_INSERTED: _INS_OPEN, _DELETED: _DEL_OPEN}
_CLOSE = {_INSERTED: _INS_CLOSE, _DELETED: _DEL_CLOSE}
_MARK = {_INSERTED: _INS_MARK, _DELETED: _DEL_MARK}


def _clean_text(text: str) -> str:
    """User text with line ends as ``\\n`` and any of our sentinels replaced (U+FFFD), so it cannot forge a change."""
    return _OUR_CHARACTERS.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))


# Markdown syntax a change must not cut -----------------------------------------------------------

_FENCE_LINE = re.compile(r"[ \t]*(`{3,}|~{3,})")
_RULE_LINE = re.compile(r" {0,3}(?:([-*_])(?:[ \t]*\1){2,}|=+)[ \t]*$")  # thematic break, setext underline
_LINK_DEFINITION = re.compile(r" {0,3}\[(?!\^)[^\]]+\]:[ \t]*\S")
_TABLE_RULE = re.compile(r"[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
_PREFIX_PART = re.compile(  # one piece of a line's block syntax: a quote, a list marker, a note label, a heading
    r"[ \t]*(?:>[ \t]?|(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)|\[\^[^\]\s]+\]:[ \t]*|#{1,6}(?:[ \t]+|$))"
)
_LIST_ITEM = re.compile(r"[ \t]*(?:[-*+]|\d{1,9}[.)])(?:[ \t]+|$)")
_TABLE_CELL_EDGE = re.compile(r"\\.|\|")
_INLINE_SYNTAX = re.compile(
    r"(?P<code>(?P<ticks>`+).+?(?<!`)(?P=ticks)(?!`))"
    r"|(?P<escape>\\[!-/:-@\[-`{-~])"
    r"|(?P<autolink><[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\s<>]*>|<[^\s<>@]+@[^\s<>@]+>)"
    r"|(?P<entity>&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z][A-Za-z0-9]{1,31});)"
    r"|(?P<note>\[\^[^\]\s]+\])"
    r"|(?P<open>!?\[)"
    r"|(?P<close>\](?:\((?:[^()\s]|\([^()\s]*\))*(?:\s+(?:\"[^\"]*\"|'[^']*'))?\)|\[[^\]]*\])?)"
    r"|(?P<emphasis>\*+|_+)"
)

_Span = tuple[int, int]


@dataclass
class _Syntax:
    """Where a change may not cut one side's Markdown (all offsets into that side's text).

    ``atomic``: no change may begin or end strictly inside. ``constructs``: (syntax parts, extent); if
    a change touches a part, the whole extent goes into one change (emphasis, links, fenced code,
    tables). ``blocks``: block syntax; a change touching it is widened to whole lines.
    """

    atomic: list[_Span] = field(default_factory=list)
    constructs: list[tuple[list[_Span], _Span]] = field(default_factory=list)
    blocks: list[_Span] = field(default_factory=list)


def _line_spans(text: str) -> list[_Span]:
    """(start, end) of every line, the end before its ``\\n``."""
    spans, start = [], 0
    while True:
        end = text.find("\n", start)
        if end < 0:
            if start < len(text):
                spans.append((start, len(text)))
            return spans
        spans.append((start, end))
        start = end + 1


def _line_classes(text: str, lines: list[_Span]) -> list[str]:
    """Each line's role: blank, fence, code (inside a fence), rule, table-rule, table (a row) or text."""
    classes: list[str] = []
    fence = ""
    for start, end in lines:
        line = text[start:end]
        opening = _FENCE_LINE.match(line)
        if fence:
            closes = opening and opening.group(1)[0] == fence[0] and len(opening.group(1)) >= len(fence)
            if closes and not line[opening.end() :].strip():
                classes.append("fence")
                fence = ""
            else:
                classes.append("code")
        elif opening:
            fence = opening.group(1)
            classes.append("fence")
        elif not line.strip():
            classes.append("blank")
        elif _RULE_LINE.match(line) or _LINK_DEFINITION.match(line):
            classes.append("rule")
        else:
            classes.append("text")
    # A pipe table is a row of cells, a rule row of dashes, and the rows after it.
    index = 1
    while index < len(lines):
        start, end = lines[index]
        line = text[start:end]
        above = text[lines[index - 1][0] : lines[index - 1][1]]
        if (classes[index] == "text" and "|" in line and _TABLE_RULE.match(line)
                and classes[index - 1] == "text" and "|" in above):
            classes[index - 1], classes[index] = "table", "table-rule"
            index += 1
            while index < len(lines) and classes[index] == "text" and "|" in text[lines[index][0] : lines[index][1]]:
                classes[index] = "table"
                index += 1
        else:
            index += 1
    return classes


def _prefix_length(line: str, *, table: bool = False) -> int:
    """Length of a line's block syntax: indentation, "> ", list markers, "[^1]: ", "# ", a table's first "|"."""
    pos = 0
    while (match := _PREFIX_PART.match(line, pos)) and match.end() > pos:
        pos = match.end()
    if table:
        pos += len(line[pos:]) - len(line[pos:].lstrip(" \t"))
        if line.startswith("|", pos):
            pos += 1
    return pos + len(line[pos:]) - len(line[pos:].lstrip(" \t"))


def _prefixes(text: str, lines: list[_Span], classes: list[str]) -> list[int]:
    """Each line's block prefix length (see :func:`_prefix_length`), as pandoc reads the line in its place.

    A list marker, quote or note label right after a paragraph's line (no blank line between) does
    not start a block in pandoc's Markdown: "text\n- more" is one paragraph, the "- " is text. After a
    list item's line it does (the next item), so whether the paragraph is a list is carried along.
    """
    out: list[int] = []
    in_list = False
    previous = "blank"
    for (start, end), cls in zip(lines, classes, strict=True):
        if cls not in ("text", "table"):
            out.append(0)
            in_list = in_list and cls == "blank"
            previous = cls
            continue
        line = text[start:end]
        length = _prefix_length(line, table=cls == "table")
        marker = line[:length].strip()
        if cls == "text" and marker and previous == "text" and not in_list:
            length = len(line) - len(line.lstrip(" \t"))  # a lazy continuation line: the marker is text
        elif marker:
            in_list = _LIST_ITEM.match(line) is not None
        elif previous != "text" and line[:1] not in " \t":
            in_list = False  # a paragraph after a blank line, not indented: the list is over
        out.append(length)
        previous = cls
    return out


def _cells(line: str, start: int, end: int) -> list[_Span]:
    """The cells of a table row ``line[start:end]`` (after its leading pipe), as spans between unescaped pipes."""
    cells, begin = [], start
    for match in _TABLE_CELL_EDGE.finditer(line, start, end):
        if match.group() == "|":
            cells.append((begin, match.start()))
            begin = match.end()
    cells.append((begin, end))
    return cells


def _markdown_syntax(text: str) -> _Syntax:
    """The syntax of one side's Markdown body that a change must respect (see :class:`_Syntax`)."""
    syntax = _Syntax()
    lines = _line_spans(text)
    classes = _line_classes(text, lines)
    prefixes = _prefixes(text, lines, classes)
    emphasis: list[tuple[int, int, str, bool, bool]] = []  # delimiter runs of the current paragraph
    fence_start: int | None = None
    table_start: int | None = None
    table_rules: list[_Span] = []

    def whole(index: int) -> _Span:
        start, end = lines[index]
        return start, min(end + 1, len(text))

    for index, (start, end) in enumerate(lines):
        kind = classes[index]
        if kind != "table" and kind != "table-rule" and table_start is not None:
            syntax.constructs.append((table_rules, (table_start, whole(index - 1)[1])))
            table_start, table_rules = None, []
        if kind in ("fence", "rule", "table-rule"):
            _pair_emphasis(emphasis, syntax)
            syntax.atomic.append(whole(index))
            syntax.blocks.append(whole(index))
            if kind == "fence":
                if fence_start is None:
                    fence_start = start
                else:
                    syntax.constructs.append(([(fence_start, lines[index - 1][0]), whole(index)],
                                              (fence_start, whole(index)[1])))
                    fence_start = None
            if kind == "table-rule":
                # From the end of the header row: a line slipped in before the rule row unmakes the table.
                table_rules.append((lines[index - 1][1], whole(index)[1]))
                table_start = lines[index - 1][0]
            continue
        if kind in ("blank", "code"):
            _pair_emphasis(emphasis, syntax)
            continue
        line = text[start:end]
        prefix = prefixes[index]
        if prefix:
            syntax.atomic.append((start, start + prefix))
            syntax.blocks.append((start, start + prefix))
            if line[:prefix].strip():  # a list item, quote or note starts a new paragraph
                _pair_emphasis(emphasis, syntax)
        if kind == "table":
            _pair_emphasis(emphasis, syntax)
            for cell_start, cell_end in _cells(text, start + prefix, end):
                if cell_end < end:
                    syntax.blocks.append((cell_end, cell_end + 1))  # the pipe after the cell
                _inline_syntax(text, cell_start, cell_end, syntax, emphasis)
                _pair_emphasis(emphasis, syntax)
        else:
            _inline_syntax(text, start + prefix, end, syntax, emphasis)
    _pair_emphasis(emphasis, syntax)
    if table_start is not None:
        syntax.constructs.append((table_rules, (table_start, len(text))))
    if fence_start is not None:  # an unclosed fence runs to the end
        syntax.constructs.append(([(fence_start, fence_start + 3)], (fence_start, len(text))))
    return syntax


def _inline_syntax(text: str, start: int, end: int, syntax: _Syntax,
                   emphasis: list[tuple[int, int, str, bool, bool]]) -> None:
    brackets: list[_Span] = []
    for match in _INLINE_SYNTAX.finditer(text, start, end):
        span = match.span()
        if match.group("emphasis"):
            before = text[span[0] - 1] if span[0] > start else " "
            after = text[span[1]] if span[1] < end else " "
            can_open, can_close = not after.isspace(), not before.isspace()
            if match.group()[0] == "_":  # no intraword emphasis with underscores
                can_open, can_close = can_open and not before.isalnum(), can_close and not after.isalnum()
            emphasis.append((span[0], span[1], match.group()[0], can_open, can_close))
            syntax.atomic.append(span)
        elif match.group("open"):
            brackets.append(span)
            syntax.atomic.append(span)
        elif match.group("close") is not None:
            syntax.atomic.append(span)
            if brackets:
                opening = brackets.pop()
                if span[1] - span[0] > 1:  # "](target)" or "][ref]": a link or an image
                    syntax.constructs.append(([opening, span], (opening[0], span[1])))
        else:
            syntax.atomic.append(span)


def _pair_emphasis(runs: list[tuple[int, int, str, bool, bool]], syntax: _Syntax) -> None:
    """Pair the emphasis delimiter runs of one paragraph (nearest opener of the same kind) into constructs."""
    openers: list[tuple[int, int, str, bool, bool]] = []
    for run in runs:
        start, end, char, can_open, can_close = run
        if can_close:
            found = next((i for i in range(len(openers) - 1, -1, -1)
                          if openers[i][2] == char and openers[i][1] - openers[i][0] == end - start), None)
            if found is None:
                found = next((i for i in range(len(openers) - 1, -1, -1) if openers[i][2] == char), None)
            if found is not None:
                opener = openers[found]
                del openers[found:]
                syntax.constructs.append(([(opener[0], opener[1]), (start, end)], (opener[0], end)))
                continue
        if can_open:
            openers.append(run)
    runs.clear()


# Hunks: the word diff as spans of both texts, widened until the Markdown survives ----------------


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
            pieces[index] = (kind, _NOTE_LABEL.sub(
                lambda m, clash=clash: f"[^{m.group(1)}-was]" if m.group(1) in clash else m.group(0), text))
    return pieces


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


class _LineLookup:
    """The class of the line holding an offset (see :func:`_line_classes`)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.lines = _line_spans(text)
        self.classes = _line_classes(text, self.lines)
        self.prefixes = _prefixes(text, self.lines, self.classes)
        self.starts = [start for start, _end in self.lines]

    def at(self, offset: int) -> tuple[str, str, int]:
        """(class, line text, line index) of the line holding ``offset``."""
        index = max(bisect_right(self.starts, offset) - 1, 0)
        if not self.lines:
            return "blank", "", 0
        start, end = self.lines[index]
        return self.classes[index], self.text[start:end], index


def _continues_paragraph(lines: _LineLookup, offset: int) -> bool:
    """Whether the line starting at ``offset`` carries on the paragraph of the line before (no block syntax)."""
    if offset == 0 or offset >= len(lines.text) or lines.text[offset - 1] != "\n":
        return False
    cls, line, index = lines.at(offset)
    return (cls == "text" and index > 0 and lines.classes[index - 1] == "text"
            and not line[: lines.prefixes[index]].strip())


def _needs_separator(old: _LineLookup, old_end: int, new: _LineLookup, new_start: int, b: str) -> bool:
    if old.text.endswith("\n\n", 0, old_end) or b[new_start : new_start + 1] == "\n":
        return False
    old_class, old_line, _i = old.at(max(old_end - 1, 0))
    new_class, new_line, new_index = new.at(new_start)
    if _LIST_ITEM.match(old_line) and _LIST_ITEM.match(new_line):
        return False  # two items of one list
    # Two rows of one table (unless the new row heads a new table).
    heads_table = new_index + 1 < len(new.classes) and new.classes[new_index + 1] == "table-rule"
    return not (old_class == "table" and new_class == "table" and not heads_table)


def _tracked_body(old: str | None, new: str | None) -> str:
    """A section body in Markdown with its changes bracketed by sentinels (see the notes above)."""
    a = _clean_text(old).strip("\n") + "\n" if old is not None and old.strip() else ""
    b = _clean_text(new).strip("\n") + "\n" if new is not None and new.strip() else ""
    if a == b:
        return b
    if not a:
        return _emit([(_INSERTED, b)])
    if not b:
        return _emit([(_DELETED, a)])
    return _emit(_merged_pieces(a, b))


def _emit(pieces: list[tuple[int, str]]) -> str:
    """Write merged pieces as Markdown, each line's changes bracketed by balanced sentinels.

    A change is closed at a line end and reopened after the next line's block prefix, so a sentinel
    never stands before a list marker, a quote or a table's first pipe; inside a table row it is
    closed at every pipe. Across a soft line break (a paragraph's next line) it stays open. Where a
    paragraph ends in one draft but not in the other, the paragraph carries a mark sentinel (see
    :meth:`_Emitter.paragraph_end`).
    """
    return _Emitter(pieces).run()


class _Emitter:
    def __init__(self, pieces: list[tuple[int, str]]) -> None:
        self.merged = "".join(text for _kind, text in pieces)
        self.kinds = bytearray(len(self.merged))
        position = 0
        for kind, text in pieces:
            self.kinds[position : position + len(text)] = bytes((kind,)) * len(text)
            position += len(text)
        self.lines = _line_spans(self.merged)
        self.classes = _line_classes(self.merged, self.lines)
        self.prefixes = _prefixes(self.merged, self.lines, self.classes)
        self.out: list[str] = []
        self.state = _EQUAL

    def switch(self, kind: int) -> None:
        if kind != self.state:
            if self.state != _EQUAL:
                self.out.append(_CLOSE[self.state])
            if kind != _EQUAL:
                self.out.append(_OPEN[kind])
            self.state = kind

    def write(self, start: int, end: int) -> None:
        for match in _RUNS.finditer(self.kinds, start, end):
            kind = match.group()[0]
            self.switch(_EQUAL if kind == _SEPARATOR else kind)
            self.out.append(self.merged[match.start() : match.end()])

    def run(self) -> str:
        merged, kinds, lines, classes, out = self.merged, self.kinds, self.lines, self.classes, self.out
        space_next = False  # a soft line break of the new draft, to insert as a space on the next line
        first: int | None = None  # the first line of the paragraph being written
        for index, (start, end) in enumerate(lines):
            cls = classes[index]
            ending = "\n" if end < len(merged) else ""
            first = (index if first is None else first) if cls == "text" else None
            if cls in ("blank", "fence", "rule", "table-rule"):
                self.switch(_EQUAL)
                out.append(merged[start:end] + ending)
                continue
            content = start + self.prefixes[index]
            if start and kinds[start - 1] == _DELETED and not merged[start:content].strip():
                # After a deleted line break, inserted leading whitespace joins this line to the one
                # before in the new text ("security." + " States ..."): a word space, inside the change.
                while content > start and kinds[content - 1] != _EQUAL:
                    content -= 1
            if (start and kinds[start - 1] != _EQUAL and 0 < content - start < 4
                    and not merged[start:content].strip() and kinds[content - 1] == _EQUAL):
                # Unchanged leading whitespace after an inserted or deleted line break is the word space
                # of the draft where the two lines are one: an empty change keeps pandoc from dropping it.
                out.append(_INS_OPEN + _INS_CLOSE)
                content = start
            out.append(merged[start:content])
            if space_next and cls == "text" and self.has_text(index, _INSERTED):
                self.switch(_INSERTED)
                out.append(" ")
                space_next = False
            if cls == "table":
                self.table_row(content, end)
                out.append(ending)
                continue
            # Trailing whitespace left unchanged stays outside the sentinels ("  " is a line break).
            tail = end
            while tail > content and merged[tail - 1] in " \t" and kinds[tail - 1] == _EQUAL:
                tail -= 1
            self.write(content, tail)
            if cls == "text" and self.soft_break_inside(index, tail):
                out.append(ending)  # the change stays open across the paragraph's line break
                continue
            if cls == "text" and first is not None:
                mark, space_before, space_next, ended = self.paragraph_end(first, index)
                first = None if ended else first
                if space_before:
                    self.switch(_DELETED)
                    out.append(" ")
                if mark != _EQUAL:
                    self.switch(mark)
                    out.append(_MARK[mark])
            self.switch(_EQUAL)
            out.append(merged[tail:end] + ending)
        self.switch(_EQUAL)
        return "".join(out)

    def table_row(self, content: int, end: int) -> None:
        self.switch(_EQUAL)
        for cell_start, cell_end in _cells(self.merged, content, end):
            cell = self.merged[cell_start:cell_end]
            lead = len(cell) - len(cell.lstrip())
            trail = max(len(cell.rstrip()), lead)
            self.out.append(cell[:lead])
            self.write(cell_start + lead, cell_start + trail)
            self.switch(_EQUAL)
            self.out.append(cell[trail:] + ("|" if cell_end < end else ""))

    def soft_break_inside(self, index: int, tail: int) -> bool:
        """Whether the line's change runs on over its line break into the paragraph's next line."""
        end = self.lines[index][1]
        if self.state == _EQUAL or tail != end or end >= len(self.merged) or self.kinds[end] != self.state:
            return False
        if index + 1 >= len(self.lines) or self.classes[index + 1] != "text":
            return False
        next_start, next_end = self.lines[index + 1]
        next_content = next_start + self.prefixes[index + 1]
        return (not self.merged[next_start:next_content].strip() and next_content < next_end
                and self.kinds[next_content] == self.state)

    def has_text(self, index: int, kind: int) -> bool:
        """Whether the line has text in the draft that ``kind`` belongs to (unchanged, or of that kind)."""
        start, end = self.lines[index]
        return any(self.kinds[i] in (_EQUAL, kind) and not self.merged[i].isspace() for i in range(start, end))

    def breaks(self, index: int, kind: int | None) -> tuple[bool, int]:
        """(whether a paragraph ends after this line, line breaks before the next text) in one draft.

        ``kind`` is _INSERTED for the new draft, _DELETED for the old one, None for the merged text.
        Lines without text in that draft are looked through: their line breaks count if the draft has them.
        """
        merged, kinds, lines = self.merged, self.kinds, self.lines
        seen = (_EQUAL, _INSERTED, _DELETED, _SEPARATOR) if kind is None else (_EQUAL, kind)
        count = 0
        k = index
        while True:
            end = lines[k][1]
            if end < len(merged) and kinds[end] in seen:
                count += 1
            k += 1
            if k >= len(lines) or (self.classes[k] != "blank" and (kind is None or self.has_text(k, kind))):
                break
        if count == 0:
            return False, 0
        if count >= 2 or k >= len(lines) or self.classes[k] != "text":
            return True, count
        start = lines[k][0]
        return bool(merged[start : start + self.prefixes[k]].strip()), count

    def paragraph_end(self, first: int, index: int) -> tuple[int, bool, bool, bool]:
        """(mark, deleted space here, inserted space on the next line, paragraph ends) for a text line.

        ``first`` is the paragraph's first line. A paragraph that ends in the merged Markdown but not
        in the new draft gets a deleted paragraph mark (Accept All joins it to the next); one that
        does not end in the old draft, an inserted mark. Each draft is judged from the paragraph's
        last line with text in that draft. Where the draft that joins them had a soft line break,
        the space it showed is added as a change.
        """
        merged_break, _count = self.breaks(index, None)
        if not merged_break:
            return _EQUAL, False, False, False
        new_break, new_count, new_line = self.side_break(first, index, _INSERTED)
        old_break, old_count, old_line = self.side_break(first, index, _DELETED)
        if new_break and old_break:
            return _EQUAL, False, False, True
        if old_break or not new_break:
            return _DELETED, False, new_count == 1 and new_line is not None, True
        return _INSERTED, old_count == 1 and old_line is not None, False, True

    def side_break(self, first: int, index: int, kind: int) -> tuple[bool, int, int | None]:
        """:meth:`breaks` in one draft from the paragraph's last line with text in that draft (None: no such line)."""
        line = next((k for k in range(index, first - 1, -1) if self.has_text(k, kind)), None)
        if line is None:
            return False, 0, None
        return (*self.breaks(line, kind), line)


_RUNS = re.compile(rb"(.)\1*", re.DOTALL)


# The Markdown of a whole comparison --------------------------------------------------------------


def _depths(states: list[diffing.SectionState]) -> dict[diffing.SectionState, int]:
    by_key = {s.key: s for s in states if s.key}
    depths: dict[diffing.SectionState, int] = {}
    for state in states:
        depth, parent = 0, state.parent
        while parent and parent in by_key and depth < 6:
            depth += 1
            parent = by_key[parent].parent
        depths[state] = depth
    return depths


def _tracked_heading(old: str | None, new: str | None) -> str:
    if new is None:
        return _DEL_OPEN + _escape_markdown_text(_clean_text(old or "")) + _DEL_MARK + _DEL_CLOSE
    if old is None:
        return _INS_OPEN + _escape_markdown_text(_clean_text(new)) + _INS_MARK + _INS_CLOSE
    old, new = _clean_text(old), _clean_text(new)
    if old == new:
        return _escape_markdown_text(new)
    parts = []
    for op, text in diffing.word_diff(old, new):
        escaped = _escape_markdown_text(text)
        parts.append(escaped if op == 0 else (_DEL_OPEN + escaped + _DEL_CLOSE if op < 0 else
                                              _INS_OPEN + escaped + _INS_CLOSE))
    return "".join(parts)


def tracked_changes_markdown(view: ComparisonView) -> str:
    """The Markdown that :func:`comparison_docx` hands to pandoc (sentinels and all); for tests and debugging."""
    scheme, language = view.new.document.numbering, view.new.document.language
    old_depths, new_depths = _depths(view.old.states), _depths(view.new.states)
    out = [f"# {_escape_markdown_text(_clean_text(view.new.document.title))}", ""]
    for index, section in enumerate(view.sections, start=1):
        old, new = section.change.old, section.change.new
        headings = [
            numbered_heading(ExportSection(s.key, s.heading, "", depths[s], s.number), scheme, language) if s else None
            for s, depths in ((old, old_depths), (new, new_depths))
        ]
        depth = new_depths[new] if new is not None else old_depths[old] if old is not None else 0
        # A removed section has no anchor: its old number may be a live section's now.
        anchor = f" {{#{anchor_for(new.number, new.key)}}}" if new is not None else ""
        out += [f"{'#' * min(depth + 2, 6)} {_tracked_heading(*headings)}{anchor}", ""]
        body = _tracked_body(old.body if old else None, new.body if new else None)
        if body.strip():
            out += [_scope_footnotes(body.strip("\n"), f"s{index}"), ""]
    return "\n".join(out)


def comparison_docx(view: ComparisonView, *, author: str, date: datetime) -> bytes:
    """The new side of a comparison as a Word document in which every change is a tracked change.

    Title, the new side's label as subtitle, numbered headings and bookmarks as :func:`export_docx`
    writes them. Against the old side, inserted words are ``w:ins`` and deleted words ``w:del`` (their
    text in ``w:delText``), each by ``author`` at ``date`` (a naive ``date`` is taken as UTC), so Word's
    Accept All gives the new side and Reject All the old one: line breaks that were inserted or deleted
    are tracked paragraph marks, table rows wholly inserted or deleted are tracked rows, and formatting
    travels with the words (a word made bold is the plain word deleted and the bold word inserted).
    Body changes are ``diffing.word_diff`` of the Markdown, widened where needed so the Markdown stays
    valid (a change never cuts a link, an emphasis or a list marker). An added section is inserted
    whole, a removed one deleted whole where ``view`` places it (after its old predecessor); a heading
    change, renumbering included, is a change of the heading's words. Pass a view made with
    ``changed_only=False`` for the whole document: sections missing from ``view`` are missing here.
    Raises ``ValueError`` if pandoc fails.
    """
    data = markdown_to_docx(tracked_changes_markdown(view), subtitle=_clean_text(view.new.label))
    tracker = _RevisionWriter(author=author, date=date)
    parts = ("word/document.xml", "word/footnotes.xml")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        texts = {name: archive.read(name).decode("utf-8") for name in parts if name in archive.namelist()}
    tracker.reserve_ids(texts.values())
    return _rewrite_docx(data, {name: tracker.track for name in texts})


# Word XML: sentinels to w:ins / w:del -----------------------------------------------------------

_XML_STRUCTURE = re.compile(
    r"(?P<table><w:tbl[\s>])|(?P<endtable></w:tbl\s*>)"
    r"|(?P<end></w:footnote\s*>|<w:sectPr[\s>/]|</w:body\s*>)"
    r"|(?P<p><w:p(?:\s[^>]*?)?(?:/>|>(?P<body>.*?)</w:p\s*>))",
    re.DOTALL,
)
_XML_RUN = re.compile(r"<w:r(?:\s[^>]*?)?(?:/>|>(?P<body>.*?)</w:r\s*>)", re.DOTALL)
_XML_RUN_PROPERTIES = re.compile(r"\s*(<w:rPr(?:\s[^>]*?)?(?:/>|>.*?</w:rPr\s*>))", re.DOTALL)
_XML_RUN_CHILD = re.compile(
    r"<w:t(?:\s[^>]*?)?>(?P<text>.*?)</w:t\s*>|<w:t(?:\s[^>]*?)?/>"
    r"|<(?P<tag>[\w:]+)(?:\s[^>]*?)?(?:/>|>.*?</(?P=tag)\s*>)",
    re.DOTALL,
)
_XML_ROW = re.compile(r"<w:tr(?:\s[^>]*?)?>(?P<body>.*?)</w:tr\s*>", re.DOTALL)
_XML_ID = re.compile(r'w:id="(-?\d+)"')
_XML_CHARACTER_REFERENCE = re.compile(r"&#(?:x([0-9a-fA-F]+)|([0-9]+));")


class _RevisionWriter:
    """Rewrites a part of a .docx: text between sentinels becomes w:ins / w:del runs with unique ids."""

    def __init__(self, *, author: str, date: datetime) -> None:
        if date.tzinfo is not None:
            date = date.astimezone(UTC)
        self.attributes = (f'w:author="{escape(_XML_INVALID.sub("", author), quote=True)}" '
                           f'w:date="{date.replace(microsecond=0, tzinfo=None).isoformat()}Z"')
        self.ids: Iterator[int] = itertools.count(1)

    def reserve_ids(self, parts: Iterable[str]) -> None:
        """Revision ids start above every id the parts use (bookmarks, notes), so none is shared."""
        used = [int(n) for text in parts for n in _XML_ID.findall(text)]
        self.ids = itertools.count(max(used, default=0) + 1)

    def revision(self, kind: int, content: str | None = None) -> str:
        tag = "w:ins" if kind == _INSERTED else "w:del"
        head = f'<{tag} w:id="{next(self.ids)}" {self.attributes}'
        return head + "/>" if content is None else f"{head}>{content}</{tag}>"

    def track(self, data: bytes) -> bytes:
        text = data.decode("utf-8")
        # Pandoc writes characters as they are; a numeric reference to a sentinel would hide it.
        text = _XML_CHARACTER_REFERENCE.sub(_sentinel_reference, text)
        if not _SENTINEL.search(text):
            return data
        out: list[str] = []
        position = 0
        depth = 0
        matches = list(_XML_STRUCTURE.finditer(text))
        for index, match in enumerate(matches):
            if match.group("table"):
                depth += 1
            elif match.group("endtable"):
                depth = max(depth - 1, 0)
            elif match.group("p") and match.group("body") is not None and _SENTINEL.search(match.group("body")):
                # A paragraph's mark cannot be tracked inside a table cell or as the last of a note or body.
                last = index + 1 < len(matches) and matches[index + 1].group("end") is not None
                out.append(text[position : match.start()])
                out.append(self._paragraph(match, depth == 0 and not last))
                position = match.end()
        out.append(text[position:])
        text = _XML_ROW.sub(self._row, "".join(out))
        for tag in ("ins", "del"):  # neighbouring revisions of ours read as one in Word
            text = re.sub(rf'</w:{tag}><w:{tag} w:id="\d+" {re.escape(self.attributes)}>', "", text)
        return text.encode("utf-8")

    def _paragraph(self, paragraph: re.Match[str], may_mark: bool) -> str:
        state = {"kind": _EQUAL, "mark": _EQUAL}
        body = _XML_RUN.sub(lambda run: self._run(run, state), paragraph.group("body"))
        if may_mark and state["mark"] != _EQUAL:
            body = _with_paragraph_mark(body, self.revision(state["mark"]))
        whole, start = paragraph.group(), paragraph.start()
        return whole[: paragraph.start("body") - start] + body + whole[paragraph.end("body") - start :]

    def _run(self, run: re.Match[str], state: dict[str, int]) -> str:
        body = run.group("body")
        if body is None:
            return run.group()
        properties = _XML_RUN_PROPERTIES.match(body)
        rpr = properties.group(1) if properties else ""
        rest = body[properties.end() :] if properties else body
        if state["kind"] == _EQUAL and not _SENTINEL.search(rest):
            if _XML_RUN_CHILD.search(rest):
                state["mark"] = _EQUAL  # anything after a mark sentinel means the line went on
            return run.group()
        pieces: list[tuple[int, str, str]] = []  # (kind, "t" or "x", text or element)
        for child in _XML_RUN_CHILD.finditer(rest):
            content = child.group("text")
            if content is None:
                if child.group("tag"):
                    pieces.append((state["kind"], "x", child.group()))
                    state["mark"] = _EQUAL
                continue
            position = 0
            for sentinel in _SENTINEL.finditer(content):
                if sentinel.start() > position:
                    pieces.append((state["kind"], "t", content[position : sentinel.start()]))
                    state["mark"] = _EQUAL
                _apply_sentinel(sentinel.group(), state)
                position = sentinel.end()
            if position < len(content):
                pieces.append((state["kind"], "t", content[position:]))
                state["mark"] = _EQUAL
        out = []
        for kind, group in itertools.groupby(pieces, key=lambda piece: piece[0]):
            children = []
            for _kind, what, value in group:
                if what == "x":
                    children.append(value.replace("w:instrText", "w:delInstrText") if kind == _DELETED else value)
                elif kind == _DELETED:
                    children.append(f'<w:delText xml:space="preserve">{value}</w:delText>')
                else:
                    children.append(f'<w:t xml:space="preserve">{value}</w:t>')
            xml = f"<w:r>{rpr}{''.join(children)}</w:r>"
            out.append(xml if kind == _EQUAL else self.revision(kind, xml))
        return "".join(out)

    def _row(self, row: re.Match[str]) -> str:
        """A table row whose every word was inserted (or deleted) is an inserted (deleted) row."""
        body = row.group("body")
        inserted, deleted = bool(_XML_INS.search(body)), bool(_XML_DEL.search(body))
        if inserted == deleted:
            return row.group()
        untracked = _XML_WRAPPED.sub("", body)
        if re.search(r"<w:t(?:\s[^>]*)?>[^<]*?\S", untracked):
            return row.group()
        mark = self.revision(_INSERTED if inserted else _DELETED)
        opening = row.group()[: row.start("body") - row.start()]
        closing = row.group()[row.end("body") - row.start() :]
        properties = re.match(r"\s*<w:trPr(?:\s[^>]*?)?(/>|>)", body)
        if properties is None:
            body = f"<w:trPr>{mark}</w:trPr>{body}"
        elif properties.group(1) == "/>":
            body = body[: properties.start()] + f"<w:trPr>{mark}</w:trPr>" + body[properties.end() :]
        else:  # w:ins and w:del come last among a row's properties
            end = body.index("</w:trPr>")
            body = body[:end] + mark + body[end:]
        return opening + body + closing


_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_XML_INS = re.compile(r"<w:ins\s[^>]*(?<!/)>")
_XML_DEL = re.compile(r"<w:del\s[^>]*(?<!/)>")
_XML_WRAPPED = re.compile(r"<w:(ins|del)\s[^>]*(?<!/)>.*?</w:\1>", re.DOTALL)


def _sentinel_reference(match: re.Match[str]) -> str:
    code = int(match.group(1), 16) if match.group(1) else int(match.group(2))
    return chr(code) if 0xFDD0 <= code <= 0xFDD6 else match.group()


def _apply_sentinel(sentinel: str, state: dict[str, int]) -> None:
    if sentinel == _INS_OPEN:
        state["kind"] = _INSERTED
    elif sentinel == _DEL_OPEN:
        state["kind"] = _DELETED
    elif sentinel in (_INS_CLOSE, _DEL_CLOSE):
        state["kind"] = _EQUAL
    else:
        state["mark"] = _INSERTED if sentinel == _INS_MARK else _DELETED


def _with_paragraph_mark(body: str, mark: str) -> str:
    """Put a tracked paragraph mark (``<w:ins/>`` or ``<w:del/>``) first in the paragraph mark's w:rPr."""
    properties = re.match(r"\s*<w:pPr(?:\s[^>]*?)?(/>|>)", body)
    if properties is None:
        return f"<w:pPr><w:rPr>{mark}</w:rPr></w:pPr>{body}"
    if properties.group(1) == "/>":
        return body[: properties.start()] + f"<w:pPr><w:rPr>{mark}</w:rPr></w:pPr>" + body[properties.end() :]
    end = body.index("</w:pPr>")
    inside = body[properties.end() : end]
    run_properties = re.search(r"<w:rPr(?:\s[^>]*?)?(/>|>)", inside)
    if run_properties is not None and run_properties.group(1) == ">":
        at = properties.end() + run_properties.end()
        return body[:at] + mark + body[at:]
    if run_properties is not None:  # <w:rPr/>
        at = properties.end() + run_properties.start()
        return body[:at] + f"<w:rPr>{mark}</w:rPr>" + body[properties.end() + run_properties.end() :]
    tail = re.search(r"<w:(?:sectPr|pPrChange)[\s>/]", inside)  # the only elements after w:rPr
    at = properties.end() + (tail.start() if tail else len(inside))
    return body[:at] + f"<w:rPr>{mark}</w:rPr>" + body[at:]


def _rewrite_docx(data: bytes, rewrites: dict[str, Callable[[bytes], bytes]]) -> bytes:
    """The same .docx with some parts rewritten; every other part, and the order and compression of all, kept."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename in rewrites:
                content = rewrites[info.filename](content)
            target.writestr(info, content)
    return out.getvalue()

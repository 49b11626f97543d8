"""Where a change may not cut a side's Markdown: the syntax a tracked change has to respect.

Before the old and new bodies are merged, each side's Markdown is read line by line (blank, fence,
code, rule, table rows, text, each with its block prefix: indentation, "> ", list markers, note
labels, "# ") and inline (escapes, code spans, autolinks, entities, footnote references, links and
emphasis, paired as pandoc pairs them). :func:`_markdown_syntax` reports it as a :class:`_Syntax` of
atomic spans, constructs and block syntax, which ``hunks`` widens changes around; :class:`_LineLookup`
answers "which line holds this offset" for the merge, and ``tracked`` reads the same line classes
and prefixes when it emits. All of it is pure text analysis, no diffing.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field

# Markdown syntax a change must not cut ------------------------------------------------------------

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
            closes = (
                opening is not None
                and opening.group(1)[0] == fence[0]
                and len(opening.group(1)) >= len(fence)
                and not line[opening.end() :].strip()
            )
            if closes:
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


# Lines by offset, as the merge asks about them ----------------------------------------------------


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

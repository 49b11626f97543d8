"""Read the bracket syntax negotiators write in section text (Markdown): text not yet agreed.

Pure: the standard library only; no Django, no ORM, no I/O. The syntax is a public contract:

* ``[[text]]`` is bracketed text, not yet agreed;
* ``[[first wording || second wording]]`` holds alternatives (two or more options), separated by
  ``||`` at that bracket's own level;
* ``[[text]]{EU, G77}`` names the delegations holding the bracket: a ``{...}`` right after the
  closing ``]]``, on the same line, holding comma-separated names (each stripped; none empty);
* a bracket may nest one level inside another (``[[a [[b]] c]]``, :data:`MAX_DEPTH`); not deeper;
* a bracket opens and closes within one paragraph: a blank line (spaces and tabs only) or the start
  of a fenced code block while it is open leaves it unclosed;
* outside any bracket, ``||`` is a mistake, except on a line that looks like a table row (its
  stripped text starts or ends with ``|``), where it is an empty cell.

Not syntax: anything in an inline code span (a run of N backticks up to the next run of exactly N
in the same paragraph; a run with no such twin is literal text), anything in a fenced code block (a
line of up to three spaces and at least three backticks or tildes, up to a line of up to three
spaces and at least as many of the same character; with no such line, to the end of the text, as
CommonMark reads it), and a character after a backslash (``\\[[`` opens nothing, ``\\|`` and
``\\{`` are literal).

Reading is left to right, token by token: ``[[`` opens, ``]]`` closes, ``||`` separates, so
``[[[a]]]`` reads as an opening, the text ``[a``, a closing, and a literal ``]``. Line ends are
``"\\n"`` (a ``"\\r"`` before it belongs to its line and counts as white space).

Mistakes are :class:`BracketError`, each with a ``code`` (one of :data:`ERROR_CODES`) and the line
and column of the token at fault; :func:`parse` and :func:`check` raise the first one met reading
left to right (an unclosed bracket is met where its paragraph ends, but reported where it opens).
:func:`count` and :func:`signatures` never raise: they read text saved before these rules existed
as well as they can (see :func:`count`); :func:`clean` and :func:`plain` return such text unchanged.

Everything here runs in time linear in the length of the text.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "ERROR_CODES",
    "MAX_DEPTH",
    "Bracket",
    "BracketError",
    "Counts",
    "check",
    "clean",
    "count",
    "match_at",
    "opened_closed",
    "parse",
    "plain",
    "signatures",
]

MAX_DEPTH = 2  # a top-level bracket and the brackets nested in it

_MESSAGES = {
    "unclosed": "this bracket “[[” is not closed by “]]” in its paragraph",
    "unopened": "“]]” closes a bracket that was never opened with “[[”",
    "option_outside": "“||” separates options only inside a bracket",
    "too_deep": "brackets nest only one level inside another",
    "empty_holders": "a name between the braces is empty",
    "unclosed_holders": "the list of who holds the bracket is not closed by “}” on its line",
    "empty_bracket": "this bracket holds no text",
    "empty_option": "an option of this bracket is empty",
}
ERROR_CODES = tuple(_MESSAGES)


class BracketError(ValueError):
    """A mistake in the bracket syntax, at the token at fault.

    ``code`` says which rule is broken (one of :data:`ERROR_CODES`); ``line`` and ``column`` (both
    1-based, the column in characters) and ``offset`` (0-based, in the text) say where. ``str()``
    is a plain English message naming the line and column; callers translate from the attributes.
    Where it points: the ``[[`` of an unclosed, too deep or empty bracket; the ``]]`` or ``||`` at
    fault; the ``{`` of holders that are unclosed or hold an empty name; for an empty option, the
    ``[[`` or ``||`` just before it.
    """

    def __init__(self, code: str, *, line: int, column: int, offset: int) -> None:
        self.code = code
        self.line = line
        self.column = column
        self.offset = offset
        super().__init__(f"Line {line}, column {column}: {_MESSAGES[code]}.")


@dataclass(frozen=True)
class Bracket:
    """One bracket as read from a text, with the brackets nested in it.

    ``start`` is the offset of its ``[[``; ``end`` the offset just past its ``]]``, or past the
    ``}`` of its holders. ``options`` are the (start, end) offsets of each alternative's text,
    between its delimiters, white space included (one entry for a bracket without alternatives).
    ``depth`` is 1 at the top level, 2 when nested; ``line`` and ``column`` (1-based) are those of
    its ``[[``.
    """

    start: int
    end: int
    options: tuple[tuple[int, int], ...]
    holders: tuple[str, ...]
    depth: int
    children: tuple[Bracket, ...]
    line: int
    column: int

    @property
    def has_options(self) -> bool:
        """It holds alternatives: two options or more."""
        return len(self.options) >= 2


@dataclass(frozen=True)
class Counts:
    """How much of a text is still in brackets: every bracket (nested ones included), the brackets
    holding alternatives, and who holds them (distinct names, in the order first met)."""

    brackets: int
    options: int
    holders: tuple[str, ...]


def parse(text: str) -> list[Bracket]:
    """The top-level brackets of ``text`` in order, each with its nested ones.

    Raises :class:`BracketError` for the first mistake met reading the text left to right.
    """
    try:
        return _Reader(text, strict=True, build=True).read()
    except _Mistake as mistake:
        raise _error(text, mistake) from None


def check(text: str) -> None:
    """Return if the brackets in ``text`` are well formed; raise :class:`BracketError` (as
    :func:`parse` would) if not."""
    try:
        _Reader(text, strict=True, build=False).read_found()
    except _Mistake as mistake:
        raise _error(text, mistake) from None


def match_at(text: str, start: int) -> Bracket | None:
    """The bracket whose ``[[`` is at ``text[start:start + 2]``, read from there with those nested in
    it, or None if there is no ``[[`` there or that bracket does not close properly.

    Made for the Markdown renderer, which calls it on one paragraph's inline text once its code
    spans and escapes are replaced by placeholders: it reads only from ``start`` to where the
    bracket ends (or turns out to be wrong), so its time is linear in the bracket's length, not in
    the text's. Hence, unlike :func:`parse`, it takes backticks for literal text (a code span here
    would need the rest of the paragraph to find its closing twin), and the brackets' ``line`` and
    ``column`` count from ``start`` (its ``[[`` is line 1, column 1): counting from the beginning of
    ``text`` would mean reading all of it. Backslash escapes are honoured; a blank line ends the
    paragraph, so a bracket still open there does not match.
    """
    if start < 0 or not text.startswith("[[", start):
        return None
    try:
        found = _Reader(text, strict=True, build=True, origin=start).read()
    except _Mistake:
        return None
    return found[0] if found else None


def count(text: str) -> Counts:
    """How many brackets ``text`` holds (nested ones included), how many hold alternatives, and who
    holds them. Never raises.

    Text that does not parse (saved before these rules existed) is read as :func:`parse` reads it,
    skipping over the mistakes: a ``]]`` with no open bracket, a ``||`` outside brackets and a
    ``[[`` that would open a third level are read as text; a bracket still open when its paragraph
    ends is not counted (the brackets nested in it that closed are); holders with no ``}`` are text,
    and their empty names are left out; empty brackets and options count like any other.
    """
    found = _Reader(text, strict=False, build=False).read_found()
    holders = dict.fromkeys(name for _, _, _, names in found for name in names)
    return Counts(brackets=len(found), options=sum(options >= 2 for _, _, options, _ in found), holders=tuple(holders))


_WHITE_SPACE = re.compile(r"\s+")


def signatures(text: str) -> Counter[str]:
    """Every bracket of ``text`` (nested ones included, as read by :func:`count`) as its source, from
    ``[[`` to its ``]]`` or its holders' ``}``, with each run of white space made one space. Never raises."""
    return Counter(
        _WHITE_SPACE.sub(" ", text[start:end])
        for start, end, _, _ in _Reader(text, strict=False, build=False).read_found()
    )


def opened_closed(old: str, new: str) -> tuple[int, int]:
    """(opened, closed): how many brackets ``new`` has that ``old`` has not, and ``old`` has that
    ``new`` has not, comparing their :func:`signatures` as multisets.

    A bracket is known only by its text, so one edited (a word changed inside it, an option or a
    holder added) counts as one closed and one opened; a bracket moved elsewhere counts as neither,
    and the same bracket written twice counts twice. Never raises.
    """
    before, after = signatures(old), signatures(new)
    return (after - before).total(), (before - after).total()


_PUNCTUATION = tuple(".,;:!?)")


def clean(text: str) -> str:
    """The agreed text: ``text`` with every top-level bracket removed (its options, holders and nested
    brackets with it).

    Where a bracket stood, the spaces either side become one space, or none: before punctuation
    (``.,;:!?)``), at the start of a line (its indentation is kept) or at its end (the spaces after
    the bracket are kept, so a hard line break stays one). A line that held only brackets goes, so
    no blank line is left to split its paragraph; brackets separated by spaces only are removed as
    one. Never raises: text that does not parse is returned unchanged.
    """
    try:
        brackets = parse(text)
    except BracketError:
        return text
    if not brackets:
        return text
    removals: list[tuple[int, int]] = []
    for bracket in brackets:
        if removals and not text[removals[-1][1] : bracket.start].strip(" \t"):
            removals[-1] = (removals[-1][0], bracket.end)
        else:
            removals.append((bracket.start, bracket.end))
    pieces = [text[: removals[0][0]]]
    for k, (_, end) in enumerate(removals):
        following = removals[k + 1][0] if k + 1 < len(removals) else len(text)
        pieces[-1], after = _seam(pieces[-1], text[end:following])
        pieces.append(after)
    return "".join(pieces)


def _seam(before: str, after: str) -> tuple[str, str]:
    """The text either side of a removed bracket, with the spaces between them settled (see :func:`clean`)."""
    kept_before, kept_after = before.rstrip(" \t"), after.lstrip(" \t")
    starts_line = not kept_before or kept_before.endswith("\n")
    ends_line = not kept_after or kept_after.startswith(("\n", "\r\n"))
    if starts_line and ends_line:
        return kept_before, kept_after[kept_after.find("\n") + 1 :]
    if starts_line:
        return before, kept_after
    if kept_after.startswith(_PUNCTUATION):
        return kept_before, kept_after
    if ends_line:
        return kept_before, after
    if kept_before != before or kept_after != after:
        return kept_before + " ", kept_after
    return before, after


def plain(text: str, *, option_label: Callable[[int], str] = lambda n: f"Option {n}") -> str:
    """``text`` as Markdown for a converter that knows no brackets (pandoc making a Word file reads
    ``[x]{...}`` as a span and ``[x]`` perhaps as a link).

    ``[[a]]`` becomes ``\\[a\\]``; ``[[a || b]]`` becomes ``\\[Option 1: a / Option 2: b\\]`` (the
    labels from ``option_label``, given 1, 2...); holders follow in parentheses, ``\\[a\\] (EU,
    G77)``; nested brackets likewise, inside. Each option's text is stripped. Everything else
    (code spans, fences, escapes) is left as it is. Never raises: text that does not parse is
    returned unchanged.
    """
    try:
        brackets = parse(text)
    except BracketError:
        return text

    def written(bracket: Bracket) -> str:
        parts, children = [], iter(bracket.children)
        child = next(children, None)
        for start, end in bracket.options:
            inside = []
            while child is not None and child.start < end:
                inside.append(child)
                child = next(children, None)
            parts.append(_spliced(text, start, end, inside, written).strip())
        if len(parts) == 1:
            body = parts[0]
        else:
            body = " / ".join(f"{option_label(n)}: {part}" for n, part in enumerate(parts, start=1))
        holders = f" ({', '.join(bracket.holders)})" if bracket.holders else ""
        return f"\\[{body}\\]{holders}"

    return _spliced(text, 0, len(text), brackets, written)


def _spliced(text: str, start: int, end: int, brackets: list[Bracket], written: Callable[[Bracket], str]) -> str:
    """``text[start:end]`` with each of ``brackets`` (in order, within it) replaced by ``written(bracket)``."""
    pieces, at = [], start
    for bracket in brackets:
        pieces += [text[at : bracket.start], written(bracket)]
        at = bracket.end
    pieces.append(text[at:end])
    return "".join(pieces)


# The next token that matters. Every branch starts with a plain character, so the search skips other
# text quickly (a group or a "^" would make it try every branch at every offset); that character says
# which token it is ("\n": what may open a fenced block, ending in a backtick or a tilde, or else blank
# lines). Blank lines matter only inside a bracket, so they are not tokens outside; a run of them leaves
# its last "\n" unread, since the line after it may open a fenced block.
_TOKEN_OUTSIDE = re.compile(r"\n[ ]{0,3}(?:```+|~~~+)|\\.|\[\[|\]\]|\|\||``*")
_TOKEN_INSIDE = re.compile(r"\n(?:[ \t\r]*\n)*[ \t\r]*(?=\n)|" + _TOKEN_OUTSIDE.pattern)  # a blank line matters
_LEADING_FENCE = re.compile(r"[ ]{0,3}(?:```+|~~~+)")  # what may open a fenced block on the first line
_BREAK = re.compile(r"\n[ \t\r]*\n|\n[ ]{0,3}(?:```+|~~~+)")  # where a paragraph may end
_CLOSING_FENCE = re.compile(r"\n[ ]{0,3}(```+|~~~+)[ \t\r]*(?=\n|\Z)")
_RUN_OF_TICKS = re.compile(r"``*")  # ("`+" finds the same, several times slower)
_HOLDERS_END = re.compile(r"[}\n]")

# What a reading that makes no Bracket objects records of a bracket: start, end, how many options, holders.
_Found = tuple[int, int, int, tuple[str, ...]]


class _Mistake(Exception):
    """Raised inside the reader, which must not spend time on lines and columns (see :func:`match_at`)."""

    def __init__(self, code: str, offset: int) -> None:
        self.code, self.offset = code, offset


class _Open:
    """A bracket being read: where it opened, its ``||`` so far, and the brackets closed inside it."""

    __slots__ = ("children", "column", "line", "separators", "start")

    def __init__(self, start: int, line: int, column: int) -> None:
        self.start, self.line, self.column = start, line, column
        self.separators: list[int] = []
        self.children: list[Bracket] = []


class _Reader:
    """One left-to-right reading of a text or, from ``origin``, of the one bracket opening there.

    Strict, it raises :class:`_Mistake` at the first mistake; tolerant, it reads past mistakes as
    :func:`count` describes. Building, it makes :class:`Bracket` objects; otherwise it records only
    what :func:`check`, :func:`count` and :func:`signatures` need (making a frozen dataclass costs
    more than reading its bracket). From an origin it reads backticks as literal text (see
    :func:`match_at`).

    Each character is looked at a bounded number of times: the token search only moves forward, and
    what it looks ahead for (a code span's closing twin, a paragraph's end, a holders' ``}``, a
    table row's ends) is either consumed or found once and remembered.
    """

    def __init__(self, text: str, *, strict: bool, build: bool, origin: int | None = None) -> None:
        self.text = text
        self.strict = strict
        self.build = build
        self.single = origin is not None
        self.origin = origin or 0
        self.top: list[Bracket] = []
        self.found: list[_Found] = []
        self.stack: list[_Open] = []
        self.ticks: dict[int, list[int]] | None = None  # run length -> offsets of the runs that long
        self.paragraph = (-1, -1)  # (from, end): no paragraph ends between the two offsets
        self.row = (-1, -1, False)  # a line's start and end offsets, and whether it is a table row
        self.no_brace_before = -1  # a "}" was looked for up to here, in vain, on the line

    def read(self) -> list[Bracket]:
        """Building: the top-level brackets, each with its nested ones (from an origin: the one bracket)."""
        self._run()
        return self.top

    def read_found(self) -> list[_Found]:
        """Not building: every bracket read, nested ones included, in the order they close."""
        self._run()
        return self.found

    def _run(self) -> None:
        # The loop runs once a token, so what every token needs is kept in local variables.
        text, stack, build, single = self.text, self.stack, self.build, self.single
        outside, inside = _TOKEN_OUTSIDE.search, _TOKEN_INSIDE.search
        counted_to, line, line_start = self.origin, 1, self.origin  # lines counted from the origin
        pos = self.origin
        if not single and (leading := _LEADING_FENCE.match(text)):
            pos = self._fence(leading.end() - len(leading.group().lstrip(" ")), leading.end())
        while (token := (inside if stack else outside)(text, pos)) is not None:
            at, pos = token.span()
            mark = text[at]
            if mark == "[":
                if len(stack) == MAX_DEPTH:
                    self._mistake("too_deep", at)
                elif build:
                    newlines = text.count("\n", counted_to, at)
                    if newlines:
                        line += newlines
                        line_start = text.rfind("\n", counted_to, at) + 1
                    counted_to = at
                    stack.append(_Open(at, line, at - line_start + 1))
                else:
                    stack.append(_Open(at, 0, 0))
            elif mark == "]":
                if stack:
                    pos = self._close(stack.pop(), at)
                    if single and not stack:
                        return
                else:
                    self._mistake("unopened", at)
            elif mark == "|":
                if stack:
                    self._separate(stack[-1], at)
                elif not self._table_row(at):
                    self._mistake("option_outside", at)
            elif mark == "`":
                if not single:
                    pos = self._code_span_end(at, pos)
            elif mark == "\n":
                if text[pos - 1] in "`~":
                    pos = self._fence(pos - len(token.group().lstrip("\n ")), pos)
                else:
                    self._paragraph_ends()
        self._paragraph_ends()

    def _mistake(self, code: str, offset: int) -> None:
        if self.strict:
            raise _Mistake(code, offset)

    def _blank(self, start: int, end: int) -> bool:
        return self.strict and not self.text[start:end].strip()

    def _separate(self, bracket: _Open, at: int) -> None:
        opened = bracket.separators[-1] if bracket.separators else bracket.start
        if self._blank(opened + 2, at):
            self._mistake("empty_option", opened)
        bracket.separators.append(at)

    def _close(self, bracket: _Open, at: int) -> int:
        """Close ``bracket`` at its ``]]`` (at offset ``at``), with its holders; return where reading goes on."""
        separators = bracket.separators
        last = separators[-1] if separators else bracket.start
        if self._blank(last + 2, at):
            self._mistake("empty_option" if separators else "empty_bracket", last)
        holders: tuple[str, ...] = ()
        end = at + 2
        if self.text.startswith("{", end):
            holders, end = self._holders(end)
        if not self.build:
            self.found.append((bracket.start, end, len(separators) + 1, holders))
            return end
        if separators:
            starts = [bracket.start + 2] + [separator + 2 for separator in separators]
            options = tuple(zip(starts, [*separators, at], strict=True))
        else:
            options = ((bracket.start + 2, at),)
        closed = Bracket(
            start=bracket.start,
            end=end,
            options=options,
            holders=holders,
            depth=len(self.stack) + 1,
            children=tuple(bracket.children),
            line=bracket.line,
            column=bracket.column,
        )
        (self.stack[-1].children if self.stack else self.top).append(closed)
        return end

    def _holders(self, brace: int) -> tuple[tuple[str, ...], int]:
        """The names between the ``{`` at ``brace`` and its ``}``, and the offset past it; or, with
        no ``}`` on the line, no names and the offset of the ``{`` (which is then text)."""
        found = None if brace < self.no_brace_before else _HOLDERS_END.search(self.text, brace + 1)
        if found is None or found.group() == "\n":
            if brace >= self.no_brace_before:
                self.no_brace_before = found.start() if found else len(self.text)
            self._mistake("unclosed_holders", brace)
            return (), brace
        names = [name.strip() for name in self.text[brace + 1 : found.start()].split(",")]
        if not all(names):
            self._mistake("empty_holders", brace)
        return tuple(name for name in names if name), found.end()

    def _table_row(self, at: int) -> bool:
        start, end, is_row = self.row
        if not start <= at < end:
            text = self.text
            start, end = text.rfind("\n", 0, at) + 1, text.find("\n", at)
            end = len(text) if end < 0 else end
            row = text[start:end].strip()
            is_row = row.startswith("|") or row.endswith("|")
            self.row = (start, end, is_row)
        return is_row

    def _code_span_end(self, at: int, end: int) -> int:
        """Where reading goes on after the run of backticks from ``at`` to ``end``: past its closing
        twin (the next run exactly as long, in the same paragraph) if there is one, else past the run."""
        length, paragraph_end = end - at, self._paragraph_end(end)
        following = _RUN_OF_TICKS.search(self.text, end, paragraph_end)
        if following is None:
            return end
        if following.end() - following.start() == length:  # the usual case, found without the index
            return following.end()
        if self.ticks is None:  # built once, at the first run whose twin is not the next run
            self.ticks = {}
            for run in _RUN_OF_TICKS.finditer(self.text):
                self.ticks.setdefault(run.end() - run.start(), []).append(run.start())
        runs = self.ticks.get(length, [])
        k = bisect.bisect_right(runs, at)
        if k < len(runs) and runs[k] < paragraph_end:
            return runs[k] + length
        return end

    def _paragraph_end(self, at: int) -> int:
        start, end = self.paragraph
        if not start <= at <= end:
            text, end, pos = self.text, len(self.text), at
            while (found := _BREAK.search(text, pos)) is not None:
                if found.group().endswith("\n") or self._opens_fence(found.end()):
                    end = found.start()
                    break
                pos = found.end()
            self.paragraph = (at, end)
        return end

    def _opens_fence(self, run_end: int) -> bool:
        """A run of three backticks or tildes or more at the start of a line (ending at ``run_end``)
        opens a fenced block, unless it is of backticks and another backtick follows on its line."""
        text = self.text
        if text[run_end - 1] == "~":
            return True
        line_end = text.find("\n", run_end)
        return "`" not in text[run_end : len(text) if line_end < 0 else line_end]

    def _fence(self, run_start: int, run_end: int) -> int:
        """Skip the fenced block the run from ``run_start`` to ``run_end`` opens (if it does); return
        where reading goes on: the end of the closing fence's line, or of the text."""
        if not self._opens_fence(run_end):
            return run_end if self.single else self._code_span_end(run_start, run_end)
        self._paragraph_ends()
        text, mark, length = self.text, self.text[run_start], run_end - run_start
        pos = run_end
        while (closing := _CLOSING_FENCE.search(text, pos)) is not None:
            run = closing.group(1)
            if run[0] == mark and len(run) >= length:
                return closing.end()
            pos = closing.end()
        return len(text)

    def _paragraph_ends(self) -> None:
        if self.stack:
            self._mistake("unclosed", self.stack[0].start)
            self.stack.clear()


def _error(text: str, mistake: _Mistake) -> BracketError:
    offset = mistake.offset
    line, line_start = text.count("\n", 0, offset) + 1, text.rfind("\n", 0, offset) + 1
    return BracketError(mistake.code, line=line, column=offset - line_start + 1, offset=offset)

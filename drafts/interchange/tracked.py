"""A comparison as a Word document whose changes are real tracked changes (w:ins / w:del)."""

from __future__ import annotations

import bisect
import functools
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from drafts import diffing
from drafts.interchange.hunks import _merged_pieces
from drafts.interchange.markdown import ExportSection, numbered_heading
from drafts.interchange.markdown_syntax import _cells, _line_classes, _line_spans, _prefixes
from drafts.interchange.ooxml import SectionMark, _RevisionWriter, _rewrite_docx
from drafts.interchange.page import PageFurniture
from drafts.interchange.sentinels import (
    _CLOSE,
    _DEL_CLOSE,
    _DEL_MARK,
    _DEL_OPEN,
    _DELETED,
    _EQUAL,
    _INS_CLOSE,
    _INS_MARK,
    _INS_OPEN,
    _INSERTED,
    _MARK,
    _OPEN,
    _SEPARATOR,
    _clean_text,
)
from drafts.interchange.word import (
    _escape_markdown_text,
    _scope_footnotes,
    brackets_for_word,
    comment_marker,
    markdown_to_docx,
)
from drafts.numbering import anchor_for
from drafts.values import DocumentLike, Reasons, SectionState

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
# This module writes that Markdown (and makes the Word file from it); the other jobs live next to it:
# ``sentinels`` (the characters that mark a change, and why nobody can type them), ``markdown_syntax``
# (where a change may not cut the Markdown), ``hunks`` (the word diff widened until the Markdown
# stays valid with the deleted text and the sentinels in it, merged into pieces) and ``ooxml`` (the
# post-pass from sentinels to w:ins / w:del). Sentinels are closed at every line end and reopened
# after the next line's block prefix ("- ", "> ", "| "), so each Word paragraph holds balanced pairs,
# and whether the paragraph mark itself was inserted or deleted travels as one more sentinel.


# What the export reads of a comparison ------------------------------------------------------------


class TrackedSide(Protocol):
    """What the export reads of one side of a comparison (a ``drafts.values.Side`` has it)."""

    @property
    def document(self) -> DocumentLike: ...
    @property
    def states(self) -> list[SectionState]: ...
    @property
    def label(self) -> str: ...


class TrackedSection(Protocol):
    """What the export reads of one section of a comparison: its change (old and new state)."""

    @property
    def change(self) -> diffing.SectionChange: ...
    @property
    def label(self) -> str: ...
    @property
    def reasons(self) -> Reasons: ...
    @property
    def merged_into(self) -> SectionState | None: ...


class TrackedComparison(Protocol):
    """What the export reads of a comparison (the presenters' comparison view has it).

    Of ``old`` only ``states`` is read; of ``new``, its states, label and document. ``sections`` are
    the comparison's sections in order, removed ones where the comparison places them.
    """

    @property
    def old(self) -> TrackedSide: ...
    @property
    def new(self) -> TrackedSide: ...
    @property
    def sections(self) -> Sequence[TrackedSection]: ...


# A section body with its changes bracketed --------------------------------------------------------


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
    return _emit(_merged_pieces(_numbered_alike(a), _numbered_alike(b)))


_ORDERED_ITEM = re.compile(r"^( {0,12})(\d{1,9})([.)])( +)")


def _numbered_alike(body: str) -> str:
    """Every item of a numbered list written with its list's first number, as pandoc and python-markdown
    read it anyway (the first number starts the list, the others are counted).

    An item inserted into "1. a / 2. b / 3. c" then renumbers nothing, so it is one inserted item,
    not every item after it deleted and inserted again.
    """
    first: dict[int, str] = {}  # indent -> the number of the list's first item at that indent
    out = []
    for line in body.split("\n"):
        item = _ORDERED_ITEM.match(line)
        indent = len(line) - len(line.lstrip(" ")) if line.strip() else None
        if indent is not None:
            # A line at or left of an indent ends the lists deeper than it, and its own unless it is an item of it.
            for level in [level for level in first if level > indent or (level == indent and not item)]:
                del first[level]
        if item:
            width = len(item.group(1))
            number = first.setdefault(width, item.group(2))
            space = " " * max(1, len(item.group(2)) + len(item.group(4)) - len(number))  # the text keeps its column
            line = f"{item.group(1)}{number}{item.group(3)}{space}{line[item.end():]}"
        out.append(line)
    return "\n".join(out)


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


def tracked_changes_markdown(view: TrackedComparison) -> str:
    """The Markdown that :func:`comparison_docx` hands to pandoc (sentinels and all); for tests and debugging."""
    return _tracked_markdown(view)[0]


def _reason_parts(section: TrackedSection) -> list[str]:
    reasons = section.reasons
    parts = [f"{m.at:%Y-%m-%d %H:%M} {m.user or '-'}: {m.message or '-'}" for m in reasons.messages]
    if reasons.comments:
        parts.append(f"Carries out the decisions on {', '.join(reasons.comments)}.")
    return parts


def _why(section: TrackedSection, taken_in: list[TrackedSection]) -> str:
    """Why a live section changed, for a Word comment on its heading: a comment, not text, so Accept All
    still gives exactly the new draft. A removed section's heading is deleted text, which carries no
    comment: what it says goes on the section that took in its text. Empty when there is nothing to say."""
    if section.change.new is None or not section.change.changes:
        return ""
    parts = _reason_parts(section)
    for removed in taken_in:
        old = removed.change.old
        name = " ".join(p for p in (old.number, old.heading) if p) if old is not None else ""
        parts.append(f"Takes in the text of former {name}.")
        parts += _reason_parts(removed)
    return " | ".join(parts)


@dataclass(frozen=True)
class _Place:
    """One section written at one place of the Word document: ``old`` and ``new`` are the sides shown
    there (a moved section is written twice: its old side where it was, its new side where it is)."""

    section: TrackedSection
    old: SectionState | None
    new: SectionState | None
    anchor: str
    move: str = ""
    moved_to: bool = False


def _places(view: TrackedComparison) -> list[_Place]:
    """Where each section goes in the Word document, so that Accept All gives the new draft in its
    order and Reject All the old draft in its own.

    A section the comparison calls moved moves, and the sections under it with it. The other sections
    both drafts have, taken in the new draft's order, keep their place if they are in one longest run
    whose old order is the same (``diffing._lis_positions``); every other section moved. A moved
    section's new side is written where it is now (``w:moveTo``) and its old side where it was
    (``w:moveFrom``), just after the nearest section before it in the old draft that kept its place.
    A removed section goes there too, deleted; an added one is inserted where it is now.
    """
    old_place = {id(state): i for i, state in enumerate(view.old.states)}
    new_place = {id(state): i for i, state in enumerate(view.new.states)}
    live = sorted((s for s in view.sections if s.change.new is not None), key=lambda s: new_place[id(s.change.new)])
    # What the comparison calls moved moves, with everything under it; of the rest, any section still
    # out of its old order (rare: the comparison judges order among siblings) moves too.
    depths = _depths(view.new.states)
    carried: set[int] = set()
    moving_depth: int | None = None
    for section in live:
        assert section.change.new is not None
        depth = depths[section.change.new]
        if moving_depth is not None and depth <= moving_depth:
            moving_depth = None
        if moving_depth is None and "moved" in section.change.changes:
            moving_depth = depth
        if moving_depth is not None:
            carried.add(id(section))
    paired = [s for s in live if s.change.old is not None]
    staying = [s for s in paired if id(s) not in carried]
    kept_positions = diffing._lis_positions([old_place[id(s.change.old)] for s in staying])
    kept = {id(s) for pos, s in enumerate(staying) if pos in kept_positions}
    kept_old = sorted(old_place[id(s.change.old)] for s in paired if id(s) in kept)
    moves = {id(s): f"move{n}" for n, s in enumerate((s for s in paired if id(s) not in kept), start=1)}
    # Old sides to write where they were: removed sections and the old places of moved ones.
    ghosts: dict[int | None, list[_Place]] = {}
    old_sides = [s for s in view.sections if s.change.new is None] + [s for s in paired if id(s) in moves]
    for number, section in enumerate(sorted(old_sides, key=lambda s: old_place[id(s.change.old)]), start=1):
        at = old_place[id(section.change.old)]
        before = bisect.bisect_left(kept_old, at) - 1
        move = moves.get(id(section), "")
        ghosts.setdefault(kept_old[before] if before >= 0 else None, []).append(
            _Place(section, section.change.old, None, f"{'was' if move else 'removed'}-{number}", move)
        )
    places = list(ghosts.get(None, []))
    for section in live:
        old, new = section.change.old, section.change.new
        assert new is not None
        anchor = anchor_for(new.number, new.key)
        if id(section) in moves:
            places.append(_Place(section, None, new, anchor, moves[id(section)], moved_to=True))
        else:
            places.append(_Place(section, old, new, anchor))
        if id(section) in kept and old is not None:
            places += ghosts.get(old_place[id(old)], [])
    return places


def _mark(place: _Place, default: SectionMark) -> SectionMark:
    """Who the revisions of a place are by: the last version saved in the section between the two drafts."""
    messages = place.section.reasons.messages
    last = messages[-1] if messages else None
    author, date = (last.user or default.author, last.at) if last is not None else (default.author, default.date)
    return SectionMark(author, date, place.move, place.moved_to)


def _numbered(state: SectionState, depth: int, scheme: str, language: str) -> str:
    return numbered_heading(ExportSection(state.key, state.heading, "", depth, state.number), scheme, language)


def _tracked_markdown(
    view: TrackedComparison, default: SectionMark | None = None, title_block: Sequence[str] = ()
) -> tuple[str, list[str], dict[str, SectionMark]]:
    """The Markdown for pandoc, with a comment marker on each heading that has reasons, the comments,
    and the mark (author, date, move) of each heading's bookmark."""
    default = default or SectionMark("", datetime(1970, 1, 1, tzinfo=UTC))
    scheme, language = view.new.document.numbering, view.new.document.language
    in_word = brackets_for_word(language)
    old_depths, new_depths = _depths(view.old.states), _depths(view.new.states)
    out = [f"# {_escape_markdown_text(_clean_text(view.new.document.title))}", ""]
    for line in title_block:
        out += [_escape_markdown_text(_clean_text(line)), ""]
    taken_in: dict[str, list[TrackedSection]] = {}
    for section in view.sections:
        if section.merged_into is not None:
            taken_in.setdefault(section.merged_into.key, []).append(section)
    comments: list[str] = []
    marks: dict[str, SectionMark] = {}
    for index, place in enumerate(_places(view), start=1):
        old, new = place.old, place.new
        headings = [_numbered(old, old_depths[old], scheme, language) if old else None,
                    _numbered(new, new_depths[new], scheme, language) if new else None]
        depth = new_depths[new] if new is not None else old_depths[old] if old is not None else 0
        marks[place.anchor] = _mark(place, default)
        why = _why(place.section, taken_in.get(new.key, []) if new is not None else [])
        if place.moved_to and place.section.change.old is not None:
            was = place.section.change.old
            moved = f"Moved from {_numbered(was, old_depths[was], scheme, language)}."
            why = f"{moved} | {why}" if why else moved
        if why:
            comments.append(why)
        marker = comment_marker(len(comments)) if why else ""
        out += [f"{'#' * min(depth + 2, 6)} {marker}{_tracked_heading(*headings)} {{#{place.anchor}}}", ""]
        body = _tracked_body(in_word(old.body) if old else None, in_word(new.body) if new else None)
        if body.strip():
            out += [_scope_footnotes(body.strip("\n"), f"s{index}"), ""]
    return "\n".join(out), comments, marks


def comparison_docx(
    view: TrackedComparison,
    *,
    author: str,
    date: datetime,
    title_block: Sequence[str] = (),
    furniture: PageFurniture | None = None,
) -> bytes:
    """The new side of a comparison as a Word document in which every change is a tracked change.

    Title, then ``title_block`` (what is compared with what: drafts, labels, dates) as plain
    paragraphs, then numbered headings and bookmarks as :func:`export_docx` writes them. Against the
    old side, inserted words are ``w:ins`` and deleted words ``w:del`` (their text in
    ``w:delText``), so Word's Accept All gives the new side and Reject All the old one: line breaks
    that were inserted or deleted are tracked paragraph marks, table rows and list items wholly
    inserted or deleted are tracked rows and items, and formatting travels with the words (a word made
    bold is the plain word deleted and the bold word inserted). Each section's revisions are by the
    author of its last version between the two sides, at that version's time (``author`` at ``date``
    where no version says: a section that changed only because others did). A section that moved is
    a Word move: its old text ``w:moveFrom`` where it was, its new text ``w:moveTo`` where it is, in
    one named move, so Reject All gives the old order too (see :func:`_places`). Why a section changed
    (its versions' messages, the comments they carry out, where it moved from) is a Word comment on its
    heading. Body changes are ``diffing.word_diff`` of the Markdown, widened where needed so the
    Markdown stays valid (a change never cuts a link, an emphasis or a list marker). A heading change,
    renumbering included, is a change of the heading's words. Pass a view made with
    ``changed_only=False`` for the whole document: sections missing from ``view`` are missing here.
    ``furniture`` is the page's header, footer and properties (:func:`markdown_to_docx`).
    Raises ``ValueError`` if pandoc fails.
    """
    default = SectionMark(author, date)
    markdown, comments, marks = _tracked_markdown(view, default, title_block)
    utc = date if date.tzinfo is None else date.astimezone(UTC).replace(tzinfo=None)
    data = markdown_to_docx(
        markdown, subtitle="", comments=comments, comment_author=author, comment_date=utc, furniture=furniture
    )
    tracker = _RevisionWriter(author=author, date=date, sections=marks)
    parts = ("word/document.xml", "word/footnotes.xml")  # in this order: a note is by its section's author
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        texts = {name: archive.read(name) for name in parts if name in archive.namelist()}
    tracker.reserve_ids(text.decode("utf-8") for text in texts.values())
    tracked_parts = {name: tracker.track(text) for name, text in texts.items()}
    return _rewrite_docx(data, {name: functools.partial(_replaced, new) for name, new in tracked_parts.items()})


def _replaced(new: bytes, _old: bytes) -> bytes:
    return new

"""Word XML with sentinels in it rewritten as tracked changes, and .docx parts rewritten in place.

Pandoc writes the sentinel characters of a tracked-changes Markdown text into word/document.xml
(and footnotes.xml) as ordinary letters, inside whatever run, list item, table cell or footnote it
made. :class:`_RevisionWriter` splits those runs at the sentinels and wraps the pieces in ``w:ins`` /
``w:del`` (deleted text as ``w:delText``), each revision with its own id and the author and date;
paragraph-mark sentinels become tracked paragraph marks, and a table row whose every word was
inserted or deleted becomes a tracked row. :func:`_rewrite_docx` rewrites chosen parts of a .docx
and keeps every other part, the order and the compression as they were.
"""

from __future__ import annotations

import bisect
import io
import itertools
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from drafts.interchange.sentinels import (
    _DEL_CLOSE,
    _DEL_OPEN,
    _DELETED,
    _EQUAL,
    _INS_CLOSE,
    _INS_MARK,
    _INS_OPEN,
    _INSERTED,
    _SENTINEL,
)

_XML_STRUCTURE = re.compile(
    r"(?P<table><w:tbl[\s>])|(?P<endtable></w:tbl\s*>)"
    r'|<w:bookmarkStart\b[^>]*\bw:name="(?P<bookmark>[^"]*)"'  # pandoc puts a heading's before its paragraph
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


@dataclass(frozen=True)
class SectionMark:
    """Who made a section's changes and when (its last version between the two drafts), and, for a
    section that moved, the name that pairs its old place (``w:moveFrom``) with its new one (``w:moveTo``)."""

    author: str
    date: datetime
    move: str = ""  # the move's name, shared by its two places; "" for a section that did not move
    moved_to: bool = False  # this is the new place (``w:moveTo``), else the old one (``w:moveFrom``)


class _RevisionWriter:
    """Rewrites a part of a .docx: text between sentinels becomes w:ins / w:del runs with unique ids.

    ``sections`` maps a heading's bookmark name to its :class:`SectionMark`: from that heading on,
    revisions carry that author and date, and in a moved section they are ``w:moveFrom`` /
    ``w:moveTo`` inside a named move range. Text before the first marked heading, and footnotes of
    no marked section, carry ``author`` at ``date``.
    """

    def __init__(self, *, author: str, date: datetime, sections: Mapping[str, SectionMark] | None = None) -> None:
        self.default = SectionMark(author, date)
        self.sections = dict(sections or {})
        self.mark = self.default
        self.ids: Iterator[int] = itertools.count(1)
        self.notes: dict[str, SectionMark] = {}  # footnote id -> the section that cites it
        self.open_range = ""  # the end tag of the move range being written, if any

    @staticmethod
    def _attributes(mark: SectionMark) -> str:
        date = mark.date.astimezone(UTC) if mark.date.tzinfo is not None else mark.date
        return (f'w:author="{escape(_XML_INVALID.sub("", mark.author), quote=True)}" '
                f'w:date="{date.replace(microsecond=0, tzinfo=None).isoformat()}Z"')

    def reserve_ids(self, parts: Iterable[str]) -> None:
        """Revision ids start above every id the parts use (bookmarks, notes), so none is shared."""
        used = [int(n) for text in parts for n in _XML_ID.findall(text)]
        self.ids = itertools.count(max(used, default=0) + 1)

    def revision(self, kind: int, content: str | None = None) -> str:
        if self.mark.move:
            tag = "w:moveTo" if kind == _INSERTED else "w:moveFrom"
        else:
            tag = "w:ins" if kind == _INSERTED else "w:del"
        head = f'<{tag} w:id="{next(self.ids)}" {self._attributes(self.mark)}'
        return head + "/>" if content is None else f"{head}>{content}</{tag}>"

    def _enter(self, name: str) -> str:
        """Switch to the mark of the section whose heading's bookmark is ``name``; the move range markup
        to put before it (the end of the previous move's range, the start of this one's)."""
        if name not in self.sections:
            return ""
        out = self._close_range()
        self.mark = self.sections[name]
        if self.mark.move:
            kind = "moveTo" if self.mark.moved_to else "moveFrom"
            range_id = next(self.ids)
            out += (f'<w:{kind}RangeStart w:id="{range_id}" {self._attributes(self.mark)} '
                    f'w:name="{escape(self.mark.move, quote=True)}"/>')
            self.open_range = f'<w:{kind}RangeEnd w:id="{range_id}"/>'
        return out

    def _close_range(self) -> str:
        out, self.open_range = self.open_range, ""
        return out

    def track(self, data: bytes) -> bytes:
        text = data.decode("utf-8")
        # Pandoc writes characters as they are; a numeric reference to a sentinel would hide it.
        text = _XML_CHARACTER_REFERENCE.sub(_sentinel_reference, text)
        if not _SENTINEL.search(text) and not self.sections:
            return data
        out: list[str] = []
        position = 0
        depth = 0
        notes = [(m.start(), m.group(1)) for m in _XML_NOTE_START.finditer(text)]
        matches = list(_XML_STRUCTURE.finditer(text))
        for index, match in enumerate(matches):
            if match.group("table"):
                depth += 1
            elif match.group("endtable"):
                depth = max(depth - 1, 0)
            elif match.group("end") and depth == 0:
                out.append(text[position : match.start()] + self._close_range())
                position = match.start()
            elif match.group("bookmark") is not None and depth == 0 and not notes:
                out.append(text[position : match.start()] + self._enter(match.group("bookmark")))
                position = match.start()
            elif match.group("p") and match.group("body") is not None:
                if notes:  # footnotes.xml: each note carries the mark of the section that cites it
                    at = bisect.bisect_right([start for start, _id in notes], match.start()) - 1
                    self.mark = self.notes.get(notes[at][1], self.default) if at >= 0 else self.default
                for note in _XML_NOTE_REFERENCE.findall(match.group()) if not notes else ():
                    self.notes[note] = SectionMark(self.mark.author, self.mark.date)
                if not _SENTINEL.search(match.group("body")):
                    continue
                # A paragraph's mark cannot be tracked inside a table cell or as the last of a note or body.
                last = index + 1 < len(matches) and matches[index + 1].group("end") is not None
                out.append(text[position : match.start()])
                out.append(self._paragraph(match, depth == 0 and not last))
                position = match.end()
        out.append(text[position:])
        text = _XML_ROW.sub(self._row, "".join(out))
        text = self._break_before_inserted_paragraphs(text)
        return _joined_neighbours(text).encode("utf-8")

    def _break_before_inserted_paragraphs(self, text: str) -> str:
        """Paragraphs inserted after one whose last words were inserted carry their paragraph break as
        Word writes it: the break after that paragraph is inserted, the last inserted paragraph's is not.

        Both say the same (Accept All keeps every paragraph, Reject All joins the inserted ones back into
        the one before), but LibreOffice reads "…words inserted at the end" followed by "a whole inserted
        paragraph with its break" as one insertion running over the untracked break between them, and its
        Reject All then joins the paragraph before to the one after ("…effects.3.4 Final exchanges").
        """
        paragraphs = [m for m in _XML_BODY_PARAGRAPH.finditer(text) if m.group("body") is not None]

        def adjacent(first: int) -> bool:  # nothing but bookmarks and move ranges between two paragraphs
            between = text[paragraphs[first].end() : paragraphs[first + 1].start()]
            return not _XML_BETWEEN_PARAGRAPHS.sub("", between).strip()

        def inserted(number: int) -> bool:
            paragraph = paragraphs[number]
            return _mark_of(paragraph.group()) is not None and _wholly_inserted(paragraph.group("body"))

        changes: dict[int, str] = {}  # paragraph index -> its new XML
        index = 0
        while index + 1 < len(paragraphs):
            before = paragraphs[index]
            if not (_mark_of(before.group()) is None and _ends_inserted(before.group("body")) and adjacent(index)
                    and inserted(index + 1)):
                index += 1
                continue
            last = index + 1
            while last + 1 < len(paragraphs) and adjacent(last) and inserted(last + 1):
                last += 1
            attributes = _XML_REVISION_ATTRIBUTES.search(paragraphs[index + 1].group())
            by = attributes.group(1) if attributes else self._attributes(self.default)
            mark = f'<w:ins w:id="{next(self.ids)}" {by}/>'
            changes[index] = _paragraph_with_body(before, _with_paragraph_mark(before.group("body"), mark))
            changes[last] = _without_paragraph_mark(paragraphs[last].group())
            index = last + 1
        if not changes:
            return text
        out, position = [], 0
        for number, new in sorted(changes.items()):
            match = paragraphs[number]
            out += [text[position : match.start()], new]
            position = match.end()
        return "".join(out) + text[position:]

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
                    children.append(
                        value.replace("w:instrText", "w:delInstrText") if kind == _DELETED and not self.mark.move
                        else value
                    )
                elif kind == _DELETED and not self.mark.move:  # moved text keeps w:t (ECMA-376 17.13.5.22)
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
        # A row's own mark is w:ins or w:del even in a moved section (w:trPr has no move marks), by the
        # author of the revisions inside it.
        author = _XML_REVISION_ATTRIBUTES.search(body)
        tag = "w:ins" if inserted else "w:del"
        mark = f'<{tag} w:id="{next(self.ids)}" {author.group(1) if author else self._attributes(self.default)}/>'
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
_XML_INS = re.compile(r"<w:(?:ins|moveTo)\s[^>]*(?<!/)>")
_XML_DEL = re.compile(r"<w:(?:del|moveFrom)\s[^>]*(?<!/)>")
_XML_WRAPPED = re.compile(r"<w:(ins|del|moveTo|moveFrom)\s[^>]*(?<!/)>.*?</w:\1>", re.DOTALL)
_XML_REVISION_ATTRIBUTES = re.compile(r'<w:(?:ins|del|moveTo|moveFrom) w:id="\d+" (w:author="[^"]*" w:date="[^"]*")')
_XML_NOTE_REFERENCE = re.compile(r'<w:footnoteReference\b[^>]*\bw:id="(-?\d+)"')
_XML_NOTE_START = re.compile(r'<w:footnote\b[^>]*\bw:id="(-?\d+)"')
# One revision closing and the next opening, of the same kind by the same author at the same time.
_XML_NEIGHBOURS = re.compile(
    r'(<w:(ins|del|moveTo|moveFrom) w:id="\d+" (w:author="[^"]*" w:date="[^"]*")>)'
    r'((?:(?!</?w:\2[\s>]).)*?)</w:\2><w:\2 w:id="\d+" \3>',
    re.DOTALL,
)


def _joined_neighbours(text: str) -> str:
    """Neighbouring revisions of the same kind, author and time read as one in Word: join them."""
    while True:
        joined = _XML_NEIGHBOURS.sub(r"\1\4", text)
        if joined == text:
            return text
        text = joined


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


_XML_BODY_PARAGRAPH = re.compile(
    r"<w:tbl[\s>].*?</w:tbl\s*>|<w:p(?:\s[^>]*?)?(?:/>|>(?P<body>.*?)</w:p\s*>)", re.DOTALL
)
# What may stand between two paragraphs that follow each other: bookmarks and move ranges.
_XML_BETWEEN_PARAGRAPHS = re.compile(r"<w:(?:bookmarkStart|bookmarkEnd|moveFromRange\w*|moveToRange\w*)\b[^>]*/>")
_XML_PARAGRAPH_MARK = re.compile(r"<w:(ins|moveTo|del|moveFrom) w:id=\"\d+\"[^>]*/>")
_XML_TEXT = re.compile(r"<w:(?:t|delText)(?:\s[^>]*)?>[^<]*?\S[^<]*</w:(?:t|delText)>")


def _mark_of(paragraph: str) -> str | None:
    """How the paragraph's own break is tracked ("ins", "moveTo", "del", "moveFrom"), None if it is not."""
    properties = re.match(r"<w:p(?:\s[^>]*)?>\s*<w:pPr(?:\s[^>]*)?>(.*?)</w:pPr>", paragraph, re.DOTALL)
    mark = _XML_PARAGRAPH_MARK.search(properties.group(1)) if properties else None
    return mark.group(1) if mark else None


def _wholly_inserted(body: str) -> bool:
    """Every word of the paragraph inserted (or moved here), and its break too."""
    inside = _XML_WRAPPED.sub("", body)
    return not _XML_TEXT.search(inside) and bool(_XML_INS.search(body)) and not _XML_DEL.search(body)


def _ends_inserted(body: str) -> bool:
    """The paragraph's last words are inserted (or moved here)."""
    texts = list(_XML_TEXT.finditer(body))
    if not texts:
        return False
    opened = [m for m in re.finditer(r"<(/?)w:(ins|del|moveTo|moveFrom)\b([^>]*)>", body[: texts[-1].start()])
              if not m.group(3).endswith("/")]
    return bool(opened) and not opened[-1].group(1) and opened[-1].group(2) in ("ins", "moveTo")


def _paragraph_with_body(paragraph: re.Match[str], body: str) -> str:
    whole, start = paragraph.group(), paragraph.start()
    return whole[: paragraph.start("body") - start] + body + whole[paragraph.end("body") - start :]


def _without_paragraph_mark(paragraph: str) -> str:
    """The paragraph with its break no longer tracked."""
    end = paragraph.find("</w:pPr>")
    head = _XML_PARAGRAPH_MARK.sub("", paragraph[:end], count=1).replace("<w:rPr></w:rPr>", "")
    return head + paragraph[end:]


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

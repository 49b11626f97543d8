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

import io
import itertools
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator
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

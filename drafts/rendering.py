"""Render a section's Markdown body to sanitised HTML with citable paragraph anchors.

Pure: no Django, no I/O. The pipeline, in order:

1. python-markdown parses the body with raw HTML switched off, so typed tags stay text.
2. A tree processor works on the parsed element tree (never on strings): it wraps every
   top-level block in ``<div class="para" id="{anchor}-p{n}">`` behind a ``¶n`` link, and
   gives footnotes section-scoped ids.
3. nh3 sanitises the serialised HTML against an explicit allow-list. It is the last step:
   nothing touches the HTML after it.

Why ids and classes are added *before* nh3 rather than after: adding them afterwards means
re-parsing sanitised, user-derived HTML to find block boundaries and rewriting footnote
hrefs inside it - string surgery downstream of the sanitiser, which is what the sanitiser
is there to rule out. Instead nh3 is told exactly what to keep: classes only from a fixed
per-tag set (``allowed_classes``), and ``id`` only when it matches this call's own pattern
(``{anchor}-p<n>``, ``{anchor}-fn<n>``, ``{anchor}-fnref<n>[-<k>]``, checked by an
``attribute_filter`` closed over the anchor). Users cannot author ids or classes at all
(raw HTML is off and the ``attr_list`` extension is not loaded); the filter is the second
lock, and even past the first one it would only admit ids in this section's own namespace.

Every cost is bounded (DESIGN.md rule 9). python-markdown recurses two to four frames a level
of list nesting, and much of its work grows with the square of a block's length (a ``[`` is read
to its ``]``, each inline match copies its block, a split block is tested again...): a 1 KB list
nested 600 deep raises ``RecursionError``, 20 KB of unbalanced ``[`` take 47 s.
:func:`check_cost` refuses such a body from its text alone, in linear time; what takes a body in
calls it to refuse the body with a clear message, and :func:`render_markdown` calls it again on
every body. A body it refuses, or one python-markdown fails on anyway, is shown *unrendered*:
its text escaped and cut at blank lines into paragraphs numbered exactly as rendered ones are,
so the page, its paragraph anchors and the comments on them keep working.
"""

from __future__ import annotations

import hashlib
import html
import itertools
import logging
import re
import xml.etree.ElementTree as etree
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Generic, Literal, TypeVar

import markdown
import nh3
from markdown import util
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

from drafts import brackets

if TYPE_CHECKING:
    from django.utils.safestring import SafeString

__all__ = [
    "MAX_NESTING_DEPTH",
    "WORK_ALLOWANCE",
    "WORK_PER_CHAR",
    "BracketWords",
    "Rendered",
    "TooCostly",
    "bracket_words",
    "check_cost",
    "paragraph_anchor",
    "paragraph_label",
    "paragraph_texts",
    "render_cached",
    "render_many",
    "render_markdown",
]

logger = logging.getLogger(__name__)


HtmlT = TypeVar("HtmlT", bound=str)


@dataclass(frozen=True)
class Rendered(Generic[HtmlT]):
    """A rendered section body: ``Rendered[str]`` fresh from the sanitiser, ``Rendered[SafeString]`` from the cache."""

    html: HtmlT  # sanitised HTML, safe to mark_safe
    paragraph_count: int  # number of top-level blocks ("paragraphs")
    unrendered: bool = False  # the body is shown as plain text (see render_markdown)


def paragraph_anchor(anchor: str, n: int) -> str:
    """The HTML id of paragraph ``n`` (1-based) of the section ``anchor``: ``s-7-3`` gives ``s-7-3-p2``."""
    return f"{anchor}-p{n}"


def paragraph_label(label: str, n: int) -> str:
    """How paragraph ``n`` of the section ``label`` is cited: ``"7.3 ¶2"``, or ``"¶2"`` with no label."""
    label = label.strip()
    return f"{label} ¶{n}" if label else f"¶{n}"


@dataclass(frozen=True)
class BracketWords:
    """What bracketed text says besides its own words, in the text's language: the label of each
    option (shown) and what a screen reader announces where a bracket opens and closes and who holds it."""

    option: str = "Option %(n)d:"
    opens: str = "bracketed text:"
    closes: str = "end of bracketed text"
    held_by: str = "held by"


def render_markdown(
    body: str,
    *,
    anchor: str,
    label: str,
    anchors: bool = True,
    words: BracketWords | None = None,
    clean: bool = False,
) -> Rendered[str]:
    """Render a section's Markdown ``body`` (tables, footnotes, sane lists, fenced code).

    Promises:

    - ``html`` is sanitised by nh3 and safe to ``mark_safe``: HTML typed in ``body`` shows as
      text; only http, https, mailto and relative/fragment links keep their href.
    - Each top-level block (paragraph, list, table, blockquote, code block, heading) is
      paragraph ``n`` = 1.. in order, rendered as ``<div class="para" id="{anchor}-p{n}">``
      that starts with ``<a class="para-ref" href="#{anchor}-p{n}">¶n</a>`` labelled with
      ``paragraph_label(label, n)``. Horizontal rules and the footnotes block are not
      paragraphs. ``paragraph_count`` is the number of paragraphs.
    - Footnote ids are ``{anchor}-fn{n}`` and ``{anchor}-fnref{n}`` (``-2``, ``-3``... for
      repeated references), so they are unique per section and links work both ways.
    - Headings are demoted two levels (``#`` gives h3, clamped at h6): the page owns h1/h2.
    - Bracketed text (``drafts.brackets``: ``[[text]]``, ``[[a || b]]``, ``[[text]]{EU, G77}``) shows with
      its square brackets, in ``<span class="bracketed">`` (``options`` too where it holds alternatives,
      each in ``<span class="option">``, separated by " / "), holders in ``<span class="holders">``.
      With ``words``, each option is labelled ("Option 1:") and screen readers are told where a
      bracket opens and closes (visually hidden text); without, the text is only the brackets' own
      (what the redline and the lineage compare). With ``clean``, every top-level bracket is left out,
      its paragraph kept (and numbered) even when nothing else is in it. A body whose brackets do not
      parse (saved before the rule) shows them as typed.
    - A blank ``body`` gives ``Rendered("", 0)``.
    - With ``anchors=False`` the blocks are left unwrapped and unlinked (still counted): the
      redline compares two such renderings, where "¶3 became ¶4" would only be noise.
    - It never raises for any ``body``, and costs time linear in its length. A body
      :func:`check_cost` refuses, or one python-markdown fails on, comes back with
      ``unrendered=True``: its text escaped, line breaks kept, cut at blank lines into
      paragraphs numbered and wrapped as above (``<div class="para unrendered" ...>``), at most
      10,000 of them (the last one holds the rest).

    Raises ``ValueError`` if ``anchor`` is not a plain id token (a letter, then letters,
    digits, ``-`` or ``_``).
    """
    if not _ANCHOR.fullmatch(anchor):
        raise ValueError(f"anchor must be a plain id token, got {anchor!r}")
    if not body.strip():
        return Rendered("", 0)
    body, label = _encodable(body), _encodable(label)
    try:
        check_cost(body)
    except TooCostly:
        return _unrendered(body, anchor, label, anchors)
    try:
        return _rendered(body, anchor, label, anchors, words, clean)
    except Exception:
        # python-markdown promises nothing about input it cannot handle (RecursionError past the
        # check, a bug): the page must still show, and the fallback is cached like a rendering.
        logger.warning("python-markdown failed on a %d-character body; shown unrendered", len(body), exc_info=True)
        return _unrendered(body, anchor, label, anchors)


def paragraph_texts(body: str) -> list[str]:
    """The plain text of each numbered paragraph of ``body``, in order, one per paragraph ``render_markdown`` counts.

    Read back from the sanitised rendering, so it is the text a reader sees (markup gone, entities
    decoded, a footnote reference as its number), without the ``¶n`` link; whitespace collapsed to
    single spaces and stripped. A paragraph with no text (an empty code block) is ``""``. Never
    raises: neither does the rendering, and the reader only follows the wrappers it writes.
    """
    reader = _ParagraphReader()
    reader.feed(render_markdown(body, anchor="p", label="").html)
    reader.close()
    return [" ".join("".join(pieces).split()) for pieces in reader.paragraphs]


class _ParagraphReader(HTMLParser):
    """Collects the text inside each top-level ``div.para``, leaving out its ``a.para-ref`` link."""

    _VOID = frozenset({"br", "hr", "img", "wbr"})
    # Text on either side of these is two words, even where the HTML has no whitespace between them.
    _BREAKS = frozenset({
        "br", "hr", "p", "li", "ul", "ol", "td", "th", "tr", "table", "thead", "tbody", "pre", "blockquote",
        "h3", "h4", "h5", "h6", "div", "section",
    })  # fmt: skip

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[list[str]] = []
        self._depth = 0  # elements open
        self._in_paragraph = False  # inside a top-level div.para (always depth 1)
        self._skip_depth = 0  # depth of the a.para-ref being skipped, 0 when none

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in self._VOID:
            self._depth += 1
        classes = (dict(attrs).get("class") or "").split()
        if self._depth == 1 and tag == "div" and "para" in classes:
            self._in_paragraph = True
            self.paragraphs.append([])
        elif self._in_paragraph and tag == "a" and "para-ref" in classes and not self._skip_depth:
            self._skip_depth = self._depth
        if self._in_paragraph and tag in self._BREAKS:
            self.paragraphs[-1].append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._VOID:
            return
        if self._in_paragraph and tag in self._BREAKS:
            self.paragraphs[-1].append(" ")
        if self._depth == self._skip_depth:
            self._skip_depth = 0
        if self._depth == 1:
            self._in_paragraph = False
        self._depth = max(self._depth - 1, 0)

    def handle_data(self, data: str) -> None:
        if self._in_paragraph and not self._skip_depth:
            self.paragraphs[-1].append(data)


def _rendered(
    body: str, anchor: str, label: str, anchors: bool, words: BracketWords | None = None, clean: bool = False
) -> Rendered[str]:
    # A fresh Markdown per call: instances are not thread-safe, and building one costs
    # ~0.1 ms against ~17 ms for a 5,000-word body. A reused threading.local instance
    # saved only ~0.3 ms (2%), for state (footnotes, anchor) carried between calls.
    md = _new_markdown()
    sections = _SectionTreeprocessor(md, anchor, label, anchors)
    md.treeprocessors.register(sections, "section-anchors", 12)
    if "[[" in body:
        marks = _BracketMarks(md)
        md.preprocessors.register(marks, "bracket-marks", 28)  # after STX/ETX are stripped (30), before fences (25)
        md.treeprocessors.register(_BracketTreeprocessor(md, marks, words, clean), "brackets", 13)
    return Rendered(_sanitised(md.convert(body), anchor), sections.paragraph_count)


_UNRENDERED_MAX_PARAGRAPHS = 10_000  # so a body of blank lines cannot make megabytes of wrappers
_BLANK_LINES = re.compile(r"\n(?:[ \t]*+\n)+")


def _unrendered(body: str, anchor: str, label: str, anchors: bool) -> Rendered[str]:
    """The body as text: escaped, cut at blank lines into paragraphs wrapped as rendered ones are."""
    text = body.replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    pieces = _BLANK_LINES.split(text, maxsplit=_UNRENDERED_MAX_PARAGRAPHS - 1)
    blocks = []
    for n, piece in enumerate((piece for piece in pieces if piece.strip()), start=1):
        block = "<p>" + html.escape(piece.strip("\n")).replace("\n", "<br>\n") + "</p>"
        if anchors:
            para_id = paragraph_anchor(anchor, n)
            title = html.escape(paragraph_label(label, n))
            ref = f'<a aria-label="{title}" class="para-ref" href="#{para_id}" title="{title}">¶{n}</a>'
            block = f'<div class="para unrendered" id="{para_id}">{ref}{block}\n</div>'
        blocks.append(block)
    return Rendered(_sanitised("\n".join(blocks), anchor), len(blocks), unrendered=True)


def _encodable(text: str) -> str:
    """``text`` with lone surrogates (which UTF-8, and so nh3 and the page, cannot carry) replaced."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


def _sanitised(markup: str, anchor: str) -> str:
    """The one sanitiser: nh3 with this module's allow-list, ids only in ``anchor``'s namespace."""
    return nh3.clean(
        markup,
        tags=_TAGS,
        clean_content_tags=_DROP_WITH_CONTENT,
        attributes=_ATTRIBUTES,
        attribute_filter=_id_filter(anchor),
        tag_attribute_values=_ATTRIBUTE_VALUES,
        allowed_classes=_CLASSES,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


_ANCHOR = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")

# The footnotes extension swaps the first text containing PLACE_MARKER for the footnotes
# block. Markdown strips STX/ETX from the source, so this marker cannot be typed, and the
# block always ends up last - outside the numbered paragraphs.
_UNTYPABLE_MARKER = f"{util.STX}footnotes{util.ETX}"

# Ids as the footnotes extension writes them with SEPARATOR ":" and UNIQUE_IDS off:
# fn:LABEL, fnref:LABEL, fnref2:LABEL... The label is user text and may contain ":".
_FOOTNOTE_ID = re.compile(r"(fn|fnref)(\d*):(.*)", re.DOTALL)

_TAGS = {
    "p", "br", "strong", "em", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li", "a",
    "table", "thead", "tbody", "tr", "th", "td", "h3", "h4", "h5", "h6", "hr", "sup", "sub",
    "del", "ins", "div", "span", "section",
}  # fmt: skip
# Never produced by our Markdown; if one ever slipped through, drop its content too
# instead of leaving a script's source as page text.
_DROP_WITH_CONTENT = {"script", "style", "iframe", "object", "embed", "noscript", "template"}
_ATTRIBUTES = {
    "a": {"href", "title", "aria-label"},
    "div": {"id"},  # paragraph wrappers
    "sup": {"id"},  # footnote references
    "li": {"id"},  # footnotes
    "ol": {"start"},  # sane_lists: "3. item" starts at 3
}
_ALIGN = {"align": {"left", "center", "right"}}
_ATTRIBUTE_VALUES = {"th": _ALIGN, "td": _ALIGN}
_CLASSES = {
    "div": {"para", "unrendered", "footnote"},
    "a": {"para-ref", "footnote-ref", "footnote-backref"},
    "span": {
        "bracketed", "options", "option", "option-label", "option-sep", "bracket-mark", "holders", "visually-hidden",
    },
}
_URL_SCHEMES = {"http", "https", "mailto"}


def _id_filter(anchor: str) -> Callable[[str, str, str], str | None]:
    """An nh3 attribute_filter keeping ``id`` only in this section's own namespace."""
    own_id = re.compile(rf"{re.escape(anchor)}-(?:p|fn|fnref)\d+(?:-\d+)?")

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if attribute == "id":
            return value if own_id.fullmatch(value) else None
        return value

    return keep


def _new_markdown() -> markdown.Markdown:
    md = markdown.Markdown(
        extensions=["tables", "footnotes", "sane_lists", "fenced_code"],
        extension_configs={
            # align="left" is allow-listed by value; style="text-align: left" would need
            # style attributes, which we do not allow at all.
            "tables": {"use_align_attribute": True},
            "footnotes": {"PLACE_MARKER": _UNTYPABLE_MARKER, "SEPARATOR": ":", "UNIQUE_IDS": False},
        },
        output_format="html",
    )
    # Markdown 3 has no safe mode: without these two, typed HTML is passed through verbatim.
    # With them it is ordinary text, escaped on output. nh3 would strip it anyway, but the
    # reader then sees what the author typed instead of silently losing it.
    md.preprocessors.deregister("html_block")
    md.inlinePatterns.deregister("html")
    return md


class _SectionTreeprocessor(Treeprocessor):
    """Numbers top-level blocks and scopes footnote ids to the section's anchor.

    Registered at priority 12: after inline parsing (20) and the footnote processors (50,
    15), so all blocks and footnote ids exist; before prettify (10), so our wrappers get
    the same newlines as everything else.
    """

    def __init__(self, md: markdown.Markdown, anchor: str, label: str, anchors: bool = True) -> None:
        super().__init__(md)
        self.anchor = anchor
        self.label = label
        self.anchors = anchors
        self.paragraph_count = 0

    def run(self, root: etree.Element) -> None:
        footnotes = _footnotes_block(root)
        if footnotes is not None:
            _scope_footnote_ids(root, footnotes, self.anchor)
        blocks: list[etree.Element] = []
        for block in root:
            if block is footnotes or block.tag == "hr":
                # A rule separates paragraphs; citing "¶4" for a line would be useless.
                blocks.append(block)
                continue
            self.paragraph_count += 1
            blocks.append(self._paragraph(block, self.paragraph_count))
        root[:] = blocks

    def _paragraph(self, block: etree.Element, n: int) -> etree.Element:
        if block.tag in {"h1", "h2", "h3", "h4", "h5", "h6"}:
            block.tag = f"h{min(int(block.tag[1]) + 2, 6)}"
        if not self.anchors:
            return block
        para_id = paragraph_anchor(self.anchor, n)
        title = paragraph_label(self.label, n)
        wrapper = etree.Element("div", {"class": "para", "id": para_id})
        link = {"class": "para-ref", "href": f"#{para_id}", "aria-label": title, "title": title}
        ref = etree.SubElement(wrapper, "a", link)
        ref.text = f"¶{n}"
        wrapper.append(block)
        return wrapper


def _footnotes_block(root: etree.Element) -> etree.Element | None:
    # Only the extension can make this div (raw HTML is off), and the untypable marker
    # keeps it at the end of the document.
    if len(root) and root[-1].tag == "div" and root[-1].get("class") == "footnote":
        return root[-1]
    return None


def _scope_footnote_ids(root: etree.Element, footnotes: etree.Element, anchor: str) -> None:
    """Rename ``fn:LABEL`` / ``fnrefK:LABEL`` to ``{anchor}-fn{n}`` / ``{anchor}-fnref{n}-{K}``.

    ``n`` is the footnote's displayed number (its position in the footnotes list), so ids
    are short, free of user text, and unique per section.
    """
    numbers: dict[str, int] = {}
    # Direct children only: a footnote may itself contain a list.
    for n, item in enumerate(footnotes.findall("ol/li"), start=1):
        match = _FOOTNOTE_ID.fullmatch(item.get("id", ""))
        if match:
            numbers[match.group(3)] = n

    def scoped(old: str) -> str | None:
        match = _FOOTNOTE_ID.fullmatch(old)
        if match is None or match.group(3) not in numbers:
            return None
        kind, repeat, footnote = match.groups()
        return f"{anchor}-{kind}{numbers[footnote]}" + (f"-{repeat}" if repeat else "")

    for element in root.iter():
        if "id" in element.attrib:
            new_id = scoped(element.attrib.pop("id"))
            if new_id:
                element.set("id", new_id)
        # Only the extension's own links: a user's [x](#fn:1) is left alone.
        if element.get("class") in {"footnote-ref", "footnote-backref"}:
            target = scoped(element.attrib.pop("href", "").removeprefix("#"))
            if target:
                element.set("href", f"#{target}")


# Brackets --------------------------------------------------------------------------------------
# Bracketed text is found by drafts.brackets in the raw body (which knows code spans, fences and
# escapes), before python-markdown sees it: each delimiter becomes a marker made of STX/ETX, which
# python-markdown has already stripped from the source, so no text can forge one. After inline
# parsing, a tree processor turns the markers into elements and, where a bracket's delimiters share
# a parent (always, unless inline markup crosses the bracket: ``[[**a]] b**``), wraps what lies
# between them; in the clean view it drops that instead.

_MARK = re.compile(f"{util.STX}brk:(\\d+):([osc])(\\d*){util.ETX}")


class _BracketMarks(Preprocessor):
    """Replace the delimiters of every bracket in the body with markers; remember the brackets."""

    def __init__(self, md: markdown.Markdown) -> None:
        super().__init__(md)
        self.found: list[brackets.Bracket] = []

    def run(self, lines: list[str]) -> list[str]:
        text = "\n".join(lines)
        try:
            top = brackets.parse(text)
        except brackets.BracketError:
            return lines  # saved before brackets were checked: shown as typed
        edits: list[tuple[int, int, str]] = []

        def mark(bracket: brackets.Bracket) -> None:
            n = len(self.found)
            self.found.append(bracket)
            first, last = bracket.options[0], bracket.options[-1]
            edits.append((bracket.start, first[0], f"{util.STX}brk:{n}:o{util.ETX}"))
            for k, (before, after) in enumerate(itertools.pairwise(bracket.options), start=1):
                edits.append((before[1], after[0], f"{util.STX}brk:{n}:s{k}{util.ETX}"))
            edits.append((last[1], bracket.end, f"{util.STX}brk:{n}:c{util.ETX}"))
            for child in bracket.children:
                mark(child)

        for bracket in top:
            mark(bracket)
        out, at = [], 0
        for start, end, marker in sorted(edits):
            out += [text[at:start], marker]
            at = end
        out.append(text[at:])
        return "".join(out).split("\n")


class _BracketTreeprocessor(Treeprocessor):
    def __init__(
        self, md: markdown.Markdown, marks: _BracketMarks, words: BracketWords | None, clean: bool
    ) -> None:
        super().__init__(md)
        self.marks = marks
        self.words = words
        self.clean = clean

    def run(self, root: etree.Element) -> None:
        if not self.marks.found:
            return
        places: dict[tuple[int, str], tuple[etree.Element, etree.Element]] = {}
        for parent in list(root.iter()):
            self._split(parent, places)
        # Innermost first, so an outer bracket wraps (or drops) its inner ones whole.
        for n in sorted(range(len(self.marks.found)), key=lambda i: -self.marks.found[i].depth):
            self._wrap(n, places)

    def _delimiter(self, n: int, kind: str, k: str) -> etree.Element:
        bracket = self.marks.found[n]
        mark = etree.Element("span", {"class": "bracket-mark", "data-brk": f"{n}:{kind}{k}"})
        words = self.words
        if kind == "o":
            mark.text = "["
            if words is not None:
                if words.opens:
                    hidden = etree.SubElement(mark, "span", {"class": "visually-hidden"})
                    hidden.text = f" {words.opens} "
                if bracket.has_options:
                    shown = etree.SubElement(mark, "span", {"class": "option-label"})
                    shown.text = words.option % {"n": 1}
                    shown.tail = " "
        elif kind == "s":
            sep = etree.SubElement(mark, "span", {"class": "option-sep"})
            sep.text = " / "
            if words is not None:
                shown = etree.SubElement(mark, "span", {"class": "option-label"})
                shown.text = words.option % {"n": int(k) + 1}
                shown.tail = " "
        else:
            if words is not None and words.closes:
                hidden = etree.SubElement(mark, "span", {"class": "visually-hidden"})
                hidden.text = f" {words.closes} "
                hidden.tail = "]"
            else:
                mark.text = "]"
            if bracket.holders:
                holders = etree.SubElement(mark, "span", {"class": "holders"})
                if words is not None and words.held_by:
                    hidden = etree.SubElement(holders, "span", {"class": "visually-hidden"})
                    hidden.text = f"{words.held_by} "
                    hidden.tail = f"({', '.join(bracket.holders)})"
                else:
                    holders.text = f"({', '.join(bracket.holders)})"
                holders.tail = None
        return mark

    def _split(self, parent: etree.Element, places: dict) -> None:
        """Turn the markers in ``parent``'s text and its children's tails into delimiter elements."""
        if parent.get("data-brk") is not None:
            return
        children = list(parent)
        pieces: list[etree.Element] = []
        text = parent.text
        if text and _MARK.search(text):
            parent.text, made = self._pieces(text, parent, places)
            pieces += made
        else:
            parent.text = text
        for child in children:
            pieces.append(child)
            tail = child.tail
            if tail and _MARK.search(tail):
                child.tail, made = self._pieces(tail, parent, places)
                pieces += made
        if len(pieces) != len(children):
            parent[:] = pieces

    def _pieces(self, text: str, parent: etree.Element, places: dict) -> tuple[str, list[etree.Element]]:
        parts = _MARK.split(text)
        made = []
        for i in range(1, len(parts), 4):
            n, kind, k = int(parts[i]), parts[i + 1], parts[i + 2]
            element = self._delimiter(n, kind, k)
            element.tail = parts[i + 3] or None
            places[(n, kind + k)] = (parent, element)
            made.append(element)
        return parts[0] or "", made

    def _wrap(self, n: int, places: dict) -> None:
        bracket = self.marks.found[n]
        keys = ["o", *[f"s{k}" for k in range(1, len(bracket.options))], "c"]
        found = [places.get((n, key)) for key in keys]
        if any(f is None for f in found) or len({id(f[0]) for f in found if f}) != 1:
            self._unmark(found)  # inline markup crosses the bracket: delimiters shown, nothing wrapped
            return
        parent = found[0][0]  # type: ignore[index]
        marks = [f[1] for f in found]  # type: ignore[index]
        children = list(parent)
        first, last = children.index(marks[0]), children.index(marks[-1])
        if self.clean and bracket.depth == 1:
            self._drop(parent, children, first, last)
            return
        wrapper = etree.Element("span", {"class": "bracketed options" if bracket.has_options else "bracketed"})
        wrapper.tail, marks[-1].tail = marks[-1].tail, None
        if bracket.has_options:
            wrapper.append(marks[0])
            for opening, closing in itertools.pairwise(marks):
                option = etree.SubElement(wrapper, "span", {"class": "option"})
                # The option's label goes into the option itself, so side by side each column has its own.
                label = opening.find("span[@class='option-label']")
                if label is not None:
                    opening.remove(label)
                    option.append(label)
                    label.tail = (label.tail or "") + (opening.tail or "")
                else:
                    option.text = opening.tail
                opening.tail = None
                for inner in children[children.index(opening) + 1 : children.index(closing)]:
                    option.append(inner)
                wrapper.append(closing)
            holders = marks[-1].find("span[@class='holders']")
            if holders is not None:  # its own column when the options stand side by side
                marks[-1].remove(holders)
                wrapper.append(holders)
        else:
            for inner in children[first : last + 1]:
                wrapper.append(inner)
        parent[:] = [*children[:first], wrapper, *children[last + 1 :]]
        for mark in marks:
            mark.attrib.pop("data-brk", None)

    @staticmethod
    def _drop(parent: etree.Element, children: list[etree.Element], first: int, last: int) -> None:
        """Leave out a bracket: keep the text before and after it, with one space where two met."""
        after = children[last].tail or ""
        if first == 0:
            before = parent.text or ""
            parent.text = _joined(before, after)
        else:
            before = children[first - 1].tail or ""
            children[first - 1].tail = _joined(before, after)
        parent[:] = [*children[:first], *children[last + 1 :]]

    @staticmethod
    def _unmark(found: list) -> None:
        for place in found:
            if place is not None:
                place[1].attrib.pop("data-brk", None)


def _joined(before: str, after: str) -> str:
    """The text around a left-out bracket: "a [[b]] c" reads "a c", "a [[b]]." reads "a."."""
    if before.endswith(" ") and (after[:1].isspace() or after[:1] in ",.;:!?)"):
        return before.rstrip(" ") + after
    return before + after


# Cost ------------------------------------------------------------------------------------------
# check_cost estimates, from counts and a few linear scans of the text, how much work
# python-markdown (with this module's extensions) will do, and how deep it will recurse. Work is
# counted in units of one character of plain prose: 1 MB of the demo document renders in about
# 0.3 s on the 2-core development machine, so a unit is ~0.3 us there. Each weight below bounds,
# from above, a cost measured on bodies made of nothing but that construct (bench/rendering_cost.py
# prints the figures). Rendering took at most 0.9 of the estimate on every body of 16 KB or more
# tried (a hundred constructed worst cases, 35,000 random ones); the demo's sections come out at
# under 7 units a character, against a limit of WORK_PER_CHAR plus the allowance.

MAX_NESTING_DEPTH = 16  # lists and quotes: python-markdown recurses 2-4 frames a level
WORK_ALLOWANCE = 1_000_000  # any body may cost this much (~0.3 s)...
WORK_PER_CHAR = 16  # ...plus this much per character (~5 us)


class TooCostly(ValueError):
    """A body that would cost too much to render: ``found`` is over ``limit``.

    ``kind`` is ``"depth"`` (lists and quotes nested ``found`` levels deep, ``limit`` being
    :data:`MAX_NESTING_DEPTH`) or ``"work"`` (estimated work, in characters of plain prose).
    Not translated here: callers turn it into their own message.
    """

    def __init__(self, kind: Literal["depth", "work"], limit: int, found: int) -> None:
        super().__init__(kind, limit, found)
        self.kind = kind
        self.limit = limit
        self.found = found

    def __str__(self) -> str:
        return f"body too costly to render: {self.kind} {self.found:,} over the limit of {self.limit:,}"


def check_cost(body: str) -> None:
    """Raise :class:`TooCostly` if rendering ``body`` would nest too deep or cost too much work.

    The work allowed grows with the body: ``WORK_ALLOWANCE + WORK_PER_CHAR * len(body)``, so
    what a body may cost is linear in its length. Normative text passes with a wide margin; what
    is refused is made to be expensive (thousands of unbalanced ``[``, a list nested 600 deep).
    The check is linear itself: about 25 ms for 1 MB. The work is first bounded coarsely from
    counts, and measured more closely only where the coarse bound is over the limit, so the
    ``found`` of a refused body is the closest estimate.
    """
    if not body.strip():
        return  # rendered as nothing
    text = _normalised(body)
    depth = _nesting_depth_over(text, MAX_NESTING_DEPTH)
    if depth:
        raise TooCostly("depth", MAX_NESTING_DEPTH, depth)
    limit = _work_limit(len(body))
    work = _estimated_work(text, limit)
    if work > limit:
        raise TooCostly("work", limit, work)


def _work_limit(length: int) -> int:
    return WORK_ALLOWANCE + WORK_PER_CHAR * length


def _estimated_work(text: str, limit: int) -> int:
    """The work to render the normalised ``text``, refined until it is under ``limit`` (all of it for -1)."""
    counted = _Text(text)
    work = _linear_work(counted)
    return work + _block_work(counted, limit - work)


_GATE = 20_000  # at most this many brackets, backticks... are followed one by one; past it, a cruder bound
_LONG_BLOCK = 512  # blocks longer than this are measured one by one, shorter ones counted as this long

# Linear work, per character or count of the text (python-markdown's constant costs).
_PER_CHAR = 2
_PER_LINE = 24
_PER_NESTING_MARK = 80  # each level of a list or quote is parsed again, line by line
_PER_INDENT = 48  # four spaces or a tab
_PER_BLOCK = 128
_PER_MARK = {"[": 64, "*": 8, "_": 8, "`": 16, "\\": 8, "&": 8, "<": 8, "|": 64}  # inline patterns and table cells
_PER_BREAK = 16
# Quadratic work, per pair of things.
_BLOCK_PAIRS_PER_UNIT = 2048  # the block parser pops blocks off the front of a list
_REBUILD_CHARS_PER_UNIT = 1024  # each inline match copies its block's text
_SIBLINGS_PER_UNIT = 32  # each inline element finds its place among its siblings
_PER_SPLIT_LINE = 2  # a block split at a heading or rule is tested again, line by line...
_SPLIT_CHARS_PER_UNIT = 16  # ...and searched again, character by character
_PER_SCANNED_CHAR = 2  # python-markdown's own loops over characters (links, code spans)
_PER_REPEAT_PAIR = 4  # repeated references to one footnote
_FOOTNOTE_LOOKUPS_PER_UNIT = 8  # each reference finds its footnote in a list
_TABLE_TICKS_PER_UNIT = 4  # the tables extension pairs a row's backticks by slicing a list
_FENCE_CHARS_PER_UNIT = 8  # the fenced-code preprocessor looks for a fence's closing twin

_SPACES_ONLY_LINE = re.compile(r"\n[ \t]++(?=\n)")
_MARKER = r"(?:>|[*+-] |\d{1,9}\. |\[\^[^\]\n]{0,200}\]:)"  # what opens a quote, a list item or a footnote
_INDENT = r"(?: {4}| {0,3}\t)"  # one level of indentation


def _deeper_than(depth: int) -> re.Pattern[str]:
    """A line nested deeper than ``depth``: levels of indentation, then that many more markers."""
    units = depth + 1
    pattern = rf"[ \t]*+(?>{_MARKER}[ \t]*)"  # indented past every level: at least one marker more
    for indent in reversed(range(units)):
        pattern = rf"(?:{_INDENT}{pattern}|[ ]{{0,3}}+(?>{_MARKER}[ \t]*){{{units - indent}}})"
    return re.compile(rf"\n{pattern}")


_TOO_DEEP = _deeper_than(MAX_NESTING_DEPTH)
_DEEP_INDENT = re.compile(rf"\n{_INDENT}{{{MAX_NESTING_DEPTH}}}")
_LINE_PREFIX = re.compile(rf"((?>{_INDENT})*)[ ]*((?>{_MARKER}[ \t]*)*)")
_MARKERS = re.compile(_MARKER)
# A quick first look before _TOO_DEEP, on the text as bytes with every quote and list marker
# character an "m", "[^]:" kept, digits and spaces gone and the rest an "x": a line nested more
# than one level by markers starts with "mm", or has a footnote definition followed by one.
_AS_MARKERS = bytes.maketrans(
    bytes(range(256)),
    bytes(c if chr(c) in "\n[^]:" else ord("m") if chr(c) in ">*+-." else ord("x") for c in range(256)),
)
# Where python-markdown may split a block in two, counted with spaces and tabs gone (so a rule
# or setext underline ends in its character): headings (a "#" anywhere: in a quote or a list
# item one follows a marker), rules, underlines, link and footnote definitions.
_SPLITS = (b"#", b"-\n", b"*\n", b"_\n", b"=\n", b"]:")
_BRACKET = re.compile(r"[\[\]]")
_PAREN = re.compile(r"[()]")
_TICKS = re.compile(r"``*")  # runs of backticks ("`+" finds the same, several times slower)
_FENCE = re.compile(r"\n(`{3,}|~{3,})( *\n)?")  # group 2: a bare fence, which may close one
_FOOTNOTE_LABEL = re.compile(r"\[\^([^\]\n]{0,200})\]")
_FOOTNOTE_DEFINITION = re.compile(r"\[\^([^\]\n]{0,200})\]:")


def _normalised(body: str) -> str:
    """The body as python-markdown's block parser cuts it, framed by newlines (tabs are kept)."""
    text = body
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = f"\n{text}\n\n"
    if " \n" in text or "\t\n" in text:
        text = _SPACES_ONLY_LINE.sub("\n", text)
    return text


def _nesting_depth_over(text: str, limit: int) -> int:
    """0 if no line of ``text`` nests deeper than ``limit``, else how deep the first such line does.

    A line's depth is its levels of indentation plus its quote, list and footnote markers, counted
    in its first 1,024 characters. That is at least python-markdown's nesting (which only indents into
    lists already open), so a body that passes cannot exhaust the recursion limit.
    """
    markers = text.encode("utf-8", "surrogatepass").translate(_AS_MARKERS, b" \t0123456789")
    if not (b"\nmm" in markers or b"]:m" in markers or b"]:[^" in markers):
        deep_indent = _DEEP_INDENT.search(text) if "\t" in text else "\n" + "    " * limit in text
        if not deep_indent:
            return 0
    match = _TOO_DEEP.search(text)
    if match is None:
        return 0
    prefix = _LINE_PREFIX.match(text, match.start() + 1, match.start() + 1025)
    assert prefix is not None  # it matches the empty string
    return len(re.findall(_INDENT, prefix.group(1))) + len(_MARKERS.findall(prefix.group(2)))


class _Text:
    """A normalised body and what the work terms need to know about it, each found once."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tabs = text.count("\t")
        self.length = len(text) + 3 * self.tabs  # a tab takes up to four columns...
        self.stretch = 4 if self.tabs else 1  # ...so a stretch of text may be four times longer
        self.marks = {mark: text.count(mark) for mark in _PER_MARK}
        self.breaks = text.count(" \n") + text.count("\t\n")
        self.specials = sum(self.marks.values()) + self.breaks  # where an inline pattern may match

    @cached_property
    def unspaced(self) -> bytes:
        return self.text.encode("utf-8", "surrogatepass").translate(None, b" \t")

    @cached_property
    def splits(self) -> int:
        return sum(map(self.unspaced.count, _SPLITS))

    @cached_property
    def block_count(self) -> int:
        return self.text.count("\n\n") + 1

    @cached_property
    def blocks(self) -> list[str]:
        return self.text.split("\n\n")

    @cached_property
    def _lengths(self) -> list[int]:
        return list(map(len, self.blocks))

    @cached_property
    def longest(self) -> int:
        return max(self._lengths)

    def _is_long(self) -> Iterator[bool]:
        return map(_LONG_BLOCK.__lt__, self._lengths)

    @cached_property
    def long_blocks(self) -> list[str]:
        return list(itertools.compress(self.blocks, self._is_long()))

    @cached_property
    def long_unspaced(self) -> list[bytes]:
        return list(itertools.compress(self.unspaced.split(b"\n\n"), self._is_long()))

    @cached_property
    def fences(self) -> int:
        return self.text.count("\n```") + self.text.count("\n~~~")


def _linear_work(t: _Text) -> int:
    text = t.text
    nesting = sum(map(text.count, ">-+.")) + t.marks["*"]
    blocks = t.block_count + t.fences + text.count(">\n")  # a ">" line is blank inside a quote
    return (
        _PER_CHAR * t.length
        + _PER_LINE * text.count("\n")
        + _PER_NESTING_MARK * nesting
        + _PER_INDENT * (text.count("    ") + t.tabs)
        + sum(weight * t.marks[mark] for mark, weight in _PER_MARK.items())
        + _PER_BREAK * t.breaks
        + _PER_BLOCK * blocks
        + blocks * blocks // _BLOCK_PAIRS_PER_UNIT
    )


def _block_work(t: _Text, budget: int) -> int:
    """Work that grows faster than the text: a cheap bound for each term, refined only if needed."""
    bounds = sorted(((cheap(t), refined) for cheap, refined in _BLOCK_TERMS), key=lambda term: -term[0])
    work = sum(bound for bound, _ in bounds)
    for bound, refined in bounds:  # the largest first
        if t.stretch * work <= budget:
            break
        work -= bound - min(bound, refined(t))
    return t.stretch * work


def _inline_cheap(t: _Text) -> int:
    k = t.specials
    return k * (t.longest // _REBUILD_CHARS_PER_UNIT + min(k, t.longest) // _SIBLINGS_PER_UNIT)


def _inline_refined(t: _Text) -> int:
    work = in_long = 0
    for block in t.long_blocks:
        k = sum(map(block.count, _PER_MARK)) + block.count(" \n") + block.count("\t\n")
        work += k * (len(block) // _REBUILD_CHARS_PER_UNIT + k // _SIBLINGS_PER_UNIT)
        in_long += k
    short = _LONG_BLOCK // _REBUILD_CHARS_PER_UNIT + _LONG_BLOCK // _SIBLINGS_PER_UNIT
    return work + (t.specials - in_long) * short


def _split_work(splits: int, size: int, lines: int) -> int:
    return splits * (_PER_SPLIT_LINE * lines + size // _SPLIT_CHARS_PER_UNIT)


def _splits_cheap(t: _Text) -> int:
    inserts = t.splits * t.block_count // _BLOCK_PAIRS_PER_UNIT  # each split puts a block back at the front
    return inserts + _split_work(t.splits, t.longest, t.longest // 2 + 1)


def _splits_refined(t: _Text) -> int:
    if not t.splits:
        return 0
    work = in_long = 0
    for block, unspaced in zip(t.long_blocks, t.long_unspaced, strict=True):
        splits = sum(map(unspaced.count, _SPLITS))
        work += _split_work(splits, len(block), block.count("\n") + 1)
        in_long += splits
    short = _split_work(t.splits - in_long, _LONG_BLOCK, _LONG_BLOCK // 2)
    return t.splits * t.block_count // _BLOCK_PAIRS_PER_UNIT + work + short


def _tables_cheap(t: _Text) -> int:
    ticks = t.marks["`"] if t.marks["|"] else 0
    return ticks * min(ticks, t.longest) // _TABLE_TICKS_PER_UNIT


def _tables_refined(t: _Text) -> int:
    if not (t.marks["|"] and t.marks["`"]):
        return 0
    work = in_long = 0
    for block in t.long_blocks:
        ticks = block.count("`")
        if ticks and "|" in block:
            work += ticks * ticks // _TABLE_TICKS_PER_UNIT
        in_long += ticks
    return work + (t.marks["`"] - in_long) * _LONG_BLOCK // _TABLE_TICKS_PER_UNIT


def _to_block_end(t: _Text, mark: str, count: int) -> int:
    """Characters scanned if every ``mark`` is read to the end of its block."""
    scanned = in_long = 0
    for block in t.long_blocks:
        k = block.count(mark)
        scanned += k * len(block)
        in_long += k
    return scanned + (count - in_long) * _LONG_BLOCK


def _links_cheap(t: _Text) -> int:
    return _PER_SCANNED_CHAR * (t.marks["["] + t.text.count("](")) * t.longest


def _links_refined(t: _Text) -> int:
    """The link parser reads from each ``[`` to its ``]``, and from each ``](`` to its ``)``."""
    return _PER_SCANNED_CHAR * (_bracket_scan(t) + _destination_scan(t))


def _bracket_scan(t: _Text) -> int:
    text, opens = t.text, t.marks["["]
    if not opens:
        return 0
    if opens + text.count("]") > _GATE:
        return _to_block_end(t, "[", opens)
    scanned = last = stacked = 0
    stack: list[int] = []
    for match in _BRACKET.finditer(text):
        pos = match.start()
        if stack and (end := text.find("\n\n", last, pos)) != -1:
            scanned += len(stack) * end - stacked  # a block ends: the open ones were read to it
            stack.clear()
            stacked = 0
        last = pos
        if text[pos] == "[":
            stack.append(pos)
            stacked += pos
        elif stack:
            opened = stack.pop()
            stacked -= opened
            scanned += pos - opened
    if stack:
        scanned += len(stack) * text.find("\n\n", last) - stacked
    return scanned


def _destination_scan(t: _Text) -> int:
    text = t.text
    destinations = text.count("](")
    if not destinations:
        return 0
    if text.count("(") + text.count(")") > _GATE:
        return _to_block_end(t, "](", destinations)
    scanned = last = open_destinations = 0
    stack: list[int] = []  # open parentheses; a destination's is stored negated
    for match in _PAREN.finditer(text):
        pos = match.start()
        if open_destinations and (end := text.find("\n\n", last, pos)) != -1:
            scanned += sum(end + p for p in stack if p < 0)
            stack.clear()
            open_destinations = 0
        last = pos
        if text[pos] == "(":
            if text[pos - 1] == "]":
                stack.append(-pos)
                open_destinations += 1
            else:
                stack.append(pos)
        elif stack and (opened := stack.pop()) < 0:
            open_destinations -= 1
            if text.find('"', -opened, pos) != -1 or text.find("'", -opened, pos) != -1:
                pos = text.find("\n\n", pos)  # a title may carry the reading on to the block's end
            scanned += pos + opened
    if open_destinations:
        end = text.find("\n\n", last)
        scanned += sum(end + p for p in stack if p < 0)
    return scanned


def _code_spans_cheap(t: _Text) -> int:
    return _PER_SCANNED_CHAR * t.marks["`"] * t.longest


def _code_spans_refined(t: _Text) -> int:
    """A run of backticks is read to the next run as long, or to the end of its block."""
    text, ticks = t.text, t.marks["`"]
    if not ticks:
        return 0
    if ticks > _GATE:
        return _PER_SCANNED_CHAR * _to_block_end(t, "`", ticks)
    scanned = last = 0
    pending: dict[int, int] = {}  # run length -> where the last run that long is
    for match in _TICKS.finditer(text):
        pos, size = match.start(), match.end() - match.start()
        if pending and (end := text.find("\n\n", last, pos)) != -1:
            scanned += len(pending) * end - sum(pending.values())
            pending.clear()
        last = pos
        if size in pending:
            scanned += pos - pending[size]
        pending[size] = pos
    if pending:
        scanned += len(pending) * text.find("\n\n", last) - sum(pending.values())
    return _PER_SCANNED_CHAR * scanned


def _footnotes_cheap(t: _Text) -> int:
    refs = t.text.count("[^")
    return _PER_REPEAT_PAIR * refs * refs


def _footnotes_refined(t: _Text) -> int:
    """A repeated reference to a footnote tries every earlier number in turn; each looks its footnote up."""
    text = t.text
    refs = text.count("[^")
    if not refs or refs > _GATE:
        return _footnotes_cheap(t)
    labels = Counter(_FOOTNOTE_LABEL.findall(text))
    unread = refs - labels.total()  # labels too long to read here: assume one label, and defined
    defined = set(_FOOTNOTE_DEFINITION.findall(text))
    repeated = [count for label, count in labels.items() if label in defined]
    most = max(repeated, default=0)
    repeats = sum(count * count for count in repeated) + unread * (2 * most + unread)
    return _PER_REPEAT_PAIR * repeats + refs * (len(labels) + unread) // _FOOTNOTE_LOOKUPS_PER_UNIT


def _fences_cheap(t: _Text) -> int:
    return t.fences * t.length // _FENCE_CHARS_PER_UNIT


def _fences_refined(t: _Text) -> int:
    """From each fence line the preprocessor looks, through the whole text, for a bare twin to close it."""
    if not t.fences or t.fences > _GATE:
        return _fences_cheap(t)
    scanned = 0
    closer: dict[str, int] = {}
    for match in reversed(list(_FENCE.finditer(t.text))):
        fence, pos = match.group(1), match.start()
        scanned += closer.get(fence, t.length) - pos
        if match.group(2) is not None:
            closer[fence] = pos
    return scanned // _FENCE_CHARS_PER_UNIT


_BLOCK_TERMS: list[tuple[Callable[[_Text], int], Callable[[_Text], int]]] = [
    (_links_cheap, _links_refined),
    (_inline_cheap, _inline_refined),
    (_splits_cheap, _splits_refined),
    (_code_spans_cheap, _code_spans_refined),
    (_footnotes_cheap, _footnotes_refined),
    (_tables_cheap, _tables_refined),
    (_fences_cheap, _fences_refined),
]


# Cached rendering ------------------------------------------------------------------------------
# The cache key is the hash of everything the output depends on, so an entry can never go stale:
# a version never changes, and the same text with the same anchor renders the same in every draft
# that kept it unchanged. This is the one place that reaches for Django (its cache).

_CACHE_PREFIX = "md5"  # bump when the rendering itself, or what is cached, changes


def _cache_key(body: str, anchor: str, label: str, anchors: bool, words: BracketWords | None, clean: bool) -> str:
    parts = (body, anchor, label, str(anchors), repr(words), str(clean))
    key = "\x00".join(parts).encode("utf-8", "surrogatepass")
    digest = hashlib.sha256(key).hexdigest()
    return f"{_CACHE_PREFIX}:{digest}"


def bracket_words(language: str) -> BracketWords:
    """What bracketed text says besides its own words (:class:`BracketWords`), in ``language``."""
    from django.utils.translation import gettext, override

    with override(language):
        return BracketWords(
            option=gettext("Option %(n)d:"),
            opens=gettext("bracketed text:"),
            closes=gettext("end of bracketed text"),
            held_by=gettext("held by"),
        )


def render_many(
    items: list[tuple[str, str, str]], *, anchors: bool = True, language: str | None = None, clean: bool = False
) -> list[Rendered[SafeString]]:
    """Render ``(body, anchor, label)`` triples, from the cache where possible; ``html`` is marked safe.

    With ``language`` (the document's), bracketed text is labelled and announced in it
    (:func:`bracket_words`); ``clean`` leaves bracketed text out (see :func:`render_markdown`).

    One cache round trip for all hits and one for all misses, however many sections a page has.
    A body shown unrendered (see :func:`render_markdown`) is cached too, so a body too costly to
    render costs its check once, not on every request.
    """
    from django.core.cache import cache
    from django.utils.safestring import mark_safe

    words = bracket_words(language) if language else None
    keys = [_cache_key(*item, anchors, words, clean) for item in items]
    found = cache.get_many(keys)
    missing: dict[str, tuple[str, int, bool]] = {}
    out: list[Rendered[SafeString]] = []
    for key, (body, anchor, label) in zip(keys, items, strict=True):
        hit = found.get(key)
        if hit is None:
            rendered = render_markdown(body, anchor=anchor, label=label, anchors=anchors, words=words, clean=clean)
            hit = missing[key] = (rendered.html, rendered.paragraph_count, rendered.unrendered)
        out.append(Rendered(mark_safe(hit[0]), hit[1], hit[2]))  # noqa: S308 - sanitised by nh3 in render_markdown
    if missing:
        cache.set_many(missing)
    return out


def render_cached(
    body: str, *, anchor: str, label: str, anchors: bool = True, language: str | None = None
) -> Rendered[SafeString]:
    """Render one section body through the cache; ``html`` is marked safe."""
    return render_many([(body, anchor, label)], anchors=anchors, language=language)[0]

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
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as etree
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeVar

import markdown
import nh3
from markdown import util
from markdown.treeprocessors import Treeprocessor

if TYPE_CHECKING:
    from django.utils.safestring import SafeString

__all__ = ["Rendered", "paragraph_anchor", "paragraph_label", "render_cached", "render_many", "render_markdown"]


HtmlT = TypeVar("HtmlT", bound=str)


@dataclass(frozen=True)
class Rendered(Generic[HtmlT]):
    """A rendered section body: ``Rendered[str]`` fresh from the sanitiser, ``Rendered[SafeString]`` from the cache."""

    html: HtmlT  # sanitised HTML, safe to mark_safe
    paragraph_count: int  # number of top-level blocks ("paragraphs")


def paragraph_anchor(anchor: str, n: int) -> str:
    """The HTML id of paragraph ``n`` (1-based) of the section ``anchor``: ``s-7-3`` gives ``s-7-3-p2``."""
    return f"{anchor}-p{n}"


def paragraph_label(label: str, n: int) -> str:
    """How paragraph ``n`` of the section ``label`` is cited: ``"7.3 ¶2"``, or ``"¶2"`` with no label."""
    label = label.strip()
    return f"{label} ¶{n}" if label else f"¶{n}"


def render_markdown(body: str, *, anchor: str, label: str, anchors: bool = True) -> Rendered[str]:
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
    - A blank ``body`` gives ``Rendered("", 0)``.
    - With ``anchors=False`` the blocks are left unwrapped and unlinked (still counted): the
      redline compares two such renderings, where "¶3 became ¶4" would only be noise.

    Raises ``ValueError`` if ``anchor`` is not a plain id token (a letter, then letters,
    digits, ``-`` or ``_``).
    """
    if not _ANCHOR.fullmatch(anchor):
        raise ValueError(f"anchor must be a plain id token, got {anchor!r}")
    if not body.strip():
        return Rendered("", 0)
    # A fresh Markdown per call: instances are not thread-safe, and building one costs
    # ~0.1 ms against ~17 ms for a 5,000-word body. A reused threading.local instance
    # saved only ~0.3 ms (2%), for state (footnotes, anchor) carried between calls.
    md = _new_markdown()
    sections = _SectionTreeprocessor(md, anchor, label, anchors)
    md.treeprocessors.register(sections, "section-anchors", 12)
    html = md.convert(body)
    clean = nh3.clean(
        html,
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
    return Rendered(clean, sections.paragraph_count)


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
    "div": {"para", "footnote"},
    "a": {"para-ref", "footnote-ref", "footnote-backref"},
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


# Cached rendering ------------------------------------------------------------------------------
# The cache key is the hash of everything the output depends on, so an entry can never go stale:
# a version never changes, and the same text with the same anchor renders the same in every draft
# that kept it unchanged. This is the one place that reaches for Django (its cache).

_CACHE_PREFIX = "md2"  # bump when the rendering itself changes


def _cache_key(body: str, anchor: str, label: str, anchors: bool) -> str:
    digest = hashlib.sha256("\x00".join((body, anchor, label, str(anchors))).encode()).hexdigest()
    return f"{_CACHE_PREFIX}:{digest}"


def render_many(items: list[tuple[str, str, str]], *, anchors: bool = True) -> list[Rendered[SafeString]]:
    """Render ``(body, anchor, label)`` triples, from the cache where possible; ``html`` is marked safe.

    One cache round trip for all hits and one for all misses, however many sections a page has.
    """
    from django.core.cache import cache
    from django.utils.safestring import mark_safe

    keys = [_cache_key(*item, anchors) for item in items]
    found = cache.get_many(keys)
    missing: dict[str, tuple[str, int]] = {}
    out: list[Rendered[SafeString]] = []
    for key, (body, anchor, label) in zip(keys, items, strict=True):
        hit = found.get(key)
        if hit is None:
            rendered = render_markdown(body, anchor=anchor, label=label, anchors=anchors)
            hit = missing[key] = (rendered.html, rendered.paragraph_count)
        out.append(Rendered(mark_safe(hit[0]), hit[1]))  # noqa: S308 - sanitised by nh3 in render_markdown
    if missing:
        cache.set_many(missing, timeout=None)
    return out


def render_cached(body: str, *, anchor: str, label: str, anchors: bool = True) -> Rendered[SafeString]:
    """Render one section body through the cache; ``html`` is marked safe."""
    return render_many([(body, anchor, label)], anchors=anchors)[0]

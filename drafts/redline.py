"""The redline: a section's rendered text with deletions and insertions marked, well-formed.

Pure: takes two sanitised HTML renderings (``rendering.render_markdown(..., anchors=False)``)
and returns one HTML string. Both inputs come from nh3; this module adds only its own constant
tags and attributes, and re-escapes every piece of text it emits.

First both renderings are cut into their top-level elements, aligned as wholes (see "Blocks" below):
an inserted paragraph, list item or table row is one inserted item; aligned lists are compared item
by item, tables row by row and cell by cell. :func:`redline_rows` keeps that alignment as rows with
each side marked on its own (deletions on the old side, insertions on the new) for side by side.

Then, inside two aligned elements: both are cut into tokens - tags, and words of the text between them (with
``diffing.tokenize``) - and diffed with ``diffing.diff_tokens``. The output follows the *new*
rendering's tags exactly (so its structure is well-formed by construction): unchanged text as
is, inserted text in ``<ins>``, deleted text in ``<del>`` at the place it was removed, deletions
before insertions. Every wrapper closes before the next tag, so it never straddles an element.
Changes that have no words of their own are made visible too:

- a paragraph split (a new block boundary) shows an inserted pilcrow, a merge a deleted one;
- formatting added, removed or changed (bold, emphasis, a link's target) marks the words it
  covers with ``<ins class="format">`` and a hidden note for screen readers.

A section rewritten from scratch comes out as the whole old text in one ``<del>`` followed by the
whole new text in one ``<ins>``.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from difflib import SequenceMatcher

from drafts.diffing import diff_tokens, tokenize

_TAG = re.compile(r"<[^>]*>")
_TAG_NAME = re.compile(r"</?([a-zA-Z0-9]+)")
BLOCK_TAGS = frozenset({
    "p", "ul", "ol", "li", "table", "thead", "tbody", "tfoot", "tr", "th", "td", "blockquote", "pre",
    "h1", "h2", "h3", "h4", "h5", "h6", "div", "section", "hr",
})  # fmt: skip
VOID_TAGS = frozenset({"br", "hr"})
# Where text may not stand directly: deleted text found here waits for the next place it may.
_NO_TEXT = frozenset({"ul", "ol", "table", "thead", "tbody", "tfoot", "tr"})

REDLINE_TIMELIMIT = 0.1  # seconds
FORMAT_NOTE = "formatting changed: "
SPLIT_NOTE = "new paragraph"
MERGE_NOTE = "paragraphs joined"


def _tokens(rendered: str) -> list[str]:
    """Tags as single tokens; text unescaped and cut into words (re-escaped on output)."""
    out: list[str] = []
    position = 0
    for match in _TAG.finditer(rendered):
        if match.start() > position:
            out.extend(_text_tokens(rendered[position : match.start()]))
        out.append(match.group())
        position = match.end()
    if position < len(rendered):
        out.extend(_text_tokens(rendered[position:]))
    return out


def _text_tokens(text: str) -> list[str]:
    return tokenize(html.unescape(text))


def _is_tag(token: str) -> bool:
    # The tokenizer makes "<" and ">" tokens of their own, so typed text never looks like a tag.
    return len(token) > 2 and token[0] == "<" and token[-1] == ">"


def _tag_name(token: str) -> str:
    match = _TAG_NAME.match(token)
    return match.group(1).lower() if match else ""


def _opens(token: str) -> bool:
    return _is_tag(token) and not token.startswith("</") and not token.endswith("/>")


class _Writer:
    """Emits the new rendering's tags in order, with wrapped text between them."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # open elements: (name, its formatting changed)
        self.pending_deleted: list[str] = []
        self.removed_formatting = 0  # formatting elements of the old text that the new one dropped

    @property
    def format_depth(self) -> int:
        return self.removed_formatting + sum(1 for _name, changed in self.stack if changed)

    def text_allowed(self) -> bool:
        return not self.stack or self.stack[-1][0] not in _NO_TEXT

    def tag(self, token: str, *, format_changed: bool = False) -> None:
        name = _tag_name(token)
        self.out.append(token)
        if token.startswith("</"):
            while self.stack:
                if self.stack.pop()[0] == name:
                    break
        elif name not in VOID_TAGS and not token.endswith("/>"):
            self.stack.append((name, format_changed and name not in BLOCK_TAGS))
        if self.pending_deleted and self.text_allowed():
            self.deleted(self.pending_deleted)
            self.pending_deleted = []

    def equal(self, words: list[str]) -> None:
        text = html.escape("".join(words), quote=False)
        if not text:
            return
        if self.format_depth:
            self.out.append(f'<ins class="format"><span class="visually-hidden">{FORMAT_NOTE}</span>{text}</ins>')
        else:
            self.out.append(text)

    def deleted(self, words: list[str]) -> None:
        if not self.text_allowed():
            self.pending_deleted.extend(words)
            return
        text = html.escape("".join(words), quote=False)
        if text.strip():
            self.out.append(f"<del>{text}</del>")
        elif text:
            self.out.append(text)

    def inserted(self, words: list[str]) -> None:
        text = html.escape("".join(words), quote=False)
        if text.strip():
            self.out.append(f"<ins>{text}</ins>")
        elif text:
            self.out.append(text)

    def mark(self, kind: str) -> None:
        if not self.text_allowed():
            return
        if kind == "split":
            self.out.append(f'<ins class="para-mark" title="{SPLIT_NOTE}">¶<span class="visually-hidden"> '
                            f"{SPLIT_NOTE}</span></ins>")
        else:
            self.out.append(f'<del class="para-mark" title="{MERGE_NOTE}">¶<span class="visually-hidden"> '
                            f"{MERGE_NOTE}</span></del>")

    def finish(self) -> str:
        if self.pending_deleted:
            text = html.escape("".join(self.pending_deleted), quote=False)
            self.out.append(f"<p><del>{text}</del></p>")
        return "".join(self.out)


def _runs(tokens: list[str]) -> Iterator[tuple[bool, list[str]]]:
    """Consecutive tokens grouped as (is_tag, tokens)."""
    group: list[str] = []
    kind = False  # what the current group holds; read only once the group has a token
    for token in tokens:
        tag = _is_tag(token)
        if group and tag != kind:
            yield kind, group
            group = []
        kind = tag
        group.append(token)
    if group:
        yield kind, group


def _formatting(tags: list[str]) -> Counter:
    return Counter(t for t in tags if _tag_name(t) not in BLOCK_TAGS)


def _names(tags: list[str], *, opening: bool) -> Counter:
    return Counter(
        _tag_name(t) for t in tags if _opens(t) == opening and _tag_name(t) not in BLOCK_TAGS | VOID_TAGS
    )


def _block_opens(tags: list[str]) -> int:
    return sum(1 for t in tags if _opens(t) and _tag_name(t) in BLOCK_TAGS)


def _token_redline(old: str, new: str, segments: list) -> str:
    """The word-level redline of two renderings from their token diff (see the module docstring)."""
    writer = _Writer()
    for kind, first, second in segments:
        if kind == 0:
            for is_tag, group in _runs(first):
                if is_tag:
                    for token in group:
                        writer.tag(token)
                else:
                    writer.equal(group)
            continue
        deleted_tags = [t for t in first if _is_tag(t)]
        inserted_tags = [t for t in second if _is_tag(t)]
        format_changed = _formatting(deleted_tags) != _formatting(inserted_tags)
        splits = _block_opens(inserted_tags) - _block_opens(deleted_tags)
        deleted_words = [t for t in first if not _is_tag(t)]
        if deleted_words:
            writer.deleted(deleted_words)
        if splits < 0:
            writer.mark("merge")
        for is_tag, group in _runs(second):
            if is_tag:
                for token in group:
                    writer.tag(token, format_changed=format_changed)
                    if splits > 0 and _opens(token) and _tag_name(token) in BLOCK_TAGS and writer.text_allowed():
                        writer.mark("split")
                        splits -= 1
            else:
                writer.inserted(group)
        if format_changed:
            # Formatting the new text no longer has: the words it covered are still there, in the
            # runs that follow, until the old element's closing tag is passed.
            # Counted by element name: a link whose target changed is replaced, not removed.
            opened = _names(deleted_tags, opening=True) - _names(inserted_tags, opening=True)
            closed = _names(deleted_tags, opening=False) - _names(inserted_tags, opening=False)
            writer.removed_formatting = max(writer.removed_formatting + opened.total() - closed.total(), 0)
    return writer.finish()


def _token_sides(segments: list) -> tuple[str, str]:
    """Each side of a token diff alone, for side by side: the old tags with deleted words in ``<del>``,
    the new tags with inserted words in ``<ins>``. Each side follows its own tags exactly, and a
    wrapper never straddles a tag, so both are well-formed."""
    sides: tuple[list[str], list[str]] = ([], [])
    for kind, first, second in segments:
        for side, tokens in ((0, first), (1, second)):
            if kind == 0 and side == 1:
                tokens = first
            out = sides[side]
            for is_tag, group in _runs(tokens):
                if is_tag:
                    out.extend(group)
                    continue
                text = html.escape("".join(group), quote=False)
                if kind == 0 or not text.strip():
                    out.append(text)
                else:
                    mark = "del" if side == 0 else "ins"
                    out.append(f"<{mark}>{text}</{mark}>")
    return "".join(sides[0]), "".join(sides[1])


# --- Blocks: paragraphs, list items and table rows as wholes ---------------------------------------
# Before any word is diffed, both renderings are cut into their top-level elements, which are
# aligned as wholes (difflib): an inserted paragraph, list item or table row reads as one inserted
# item, never as words spliced into its neighbours with a "new paragraph" mark. Aligned elements of
# the same kind are compared inside: lists item by item, tables row by row and rows cell by cell, a
# paragraph word by word. Only where paragraphs were split or joined (one block's words now spread
# over several, or the reverse) is the stretch diffed as words across blocks, with the pilcrow marks.

_CONTAINERS = frozenset({"ul", "ol", "table", "thead", "tbody", "tfoot", "tr", "blockquote", "div", "section"})
_ITEMS = frozenset({"li", "tr", "td", "th"})  # aligned by likeness; never split or joined
_ROW_PARTS = frozenset({"thead", "tbody", "tfoot"})
_HAS_BLOCK = re.compile(r"<(?:p|ul|ol|table|blockquote|pre|div|h[1-6])\b")
# Two unequal items are the same item edited if the shorter has at least this share of its words in the other.
SAME_ITEM_MIN_SIMILARITY = 0.5
# A stretch of paragraphs is a split (or a join) if each shorter paragraph has at least this share
# of its words in the one longer paragraph.
SPLIT_MIN_CONTAINED = 0.7
ROW_INSERTED = "row inserted"
ROW_DELETED = "row deleted"


@dataclass(frozen=True)
class Row:
    """One aligned stretch of a section, for side by side: its old side with deletions marked, its new
    side with insertions marked ("" where that side has nothing), and both in one for the redline."""

    old: str
    new: str
    inline: str
    changed: bool


def _nodes(rendered: str) -> list[str] | None:
    """The top-level elements of a rendering, in order (text that stands between them on its own is a
    node too; whitespace between them is not). None if the markup does not nest."""
    nodes: list[str] = []
    depth, start, last = 0, 0, 0
    for match in _TAG.finditer(rendered):
        token = match.group()
        if depth == 0 and match.start() > last:
            between = rendered[last : match.start()].strip()
            if between:
                nodes.append(between)
        if token[1] == "/":
            depth -= 1
            if depth < 0:
                return None
            if depth == 0:
                nodes.append(rendered[start : match.end()])
                last = match.end()
        elif token.endswith("/>") or (token[1:3] in ("br", "hr") and _tag_name(token) in VOID_TAGS):
            if depth == 0:
                nodes.append(token)
                last = match.end()
        else:
            if depth == 0:
                start = match.start()
            depth += 1
    if depth:
        return None
    if rendered[last:].strip():
        nodes.append(rendered[last:].strip())
    return nodes


def _parts(node: str) -> tuple[str, str, str, str]:
    """An element's name, opening tag, content and closing tag ("" name for text)."""
    if not _is_tag(node[: node.find(">") + 1] if node.startswith("<") else ""):
        return "", "", node, ""
    opening = node[: node.find(">") + 1]
    name = _tag_name(opening)
    if name in VOID_TAGS or opening.endswith("/>"):
        return name, opening, "", ""
    closing = f"</{name}>"
    return name, opening, node[len(opening) : len(node) - len(closing)], closing


_PLAIN_WORD = re.compile(r"\w+")


def _words(node: str) -> set[str]:
    """The words of a node, to tell how alike two are (a rough, fast cut: likeness, not a diff)."""
    return set(_PLAIN_WORD.findall(html.unescape(_TAG.sub(" ", node)).lower()))


def _likeness(a: str, b: str) -> float:
    """The share of the shorter one's words the other has too (so an item that grew is still itself)."""
    first, second = _words(a), _words(b)
    if not first or not second:
        return 1.0 if first == second else 0.0
    return len(first & second) / min(len(first), len(second))


def _with_class(opening: str, name: str, css: str) -> str:
    return f'<{name} class="{css}"' + opening[len(name) + 1 :]


def _whole(node: str, mark: str) -> str:
    """A node inserted (``mark`` "ins") or deleted ("del") as a whole, marked where it may be: a list item
    or a table row keeps its element, its content is marked, and a hidden note says which."""
    name, opening, content, closing = _parts(node)
    note = ROW_INSERTED if mark == "ins" else ROW_DELETED
    state = "inserted" if mark == "ins" else "deleted"
    if not name:
        return f"<{mark}>{content}</{mark}>"
    if name in _ROW_PARTS:
        return opening + "\n".join(_whole(child, mark) for child in _nodes(content) or []) + closing
    if name == "tr":
        cells = _nodes(content) or []
        marked = [_whole(cell, mark) for cell in cells]
        if marked:
            _name, first_open, first_content, first_close = _parts(marked[0])
            marked[0] = f'{first_open}<span class="visually-hidden">{note}: </span>{first_content}{first_close}'
        return _with_class(opening, name, f"row-{state}") + "\n".join(marked) + closing
    if name in ("li", "td", "th"):
        inner = f'<{mark} class="block">{content}</{mark}>' if content.strip() else content
        return _with_class(opening, name, f"item-{state}") + inner + closing
    return f'<{mark} class="block">{node}</{mark}>'


def _split_or_join(olds: list[str], news: list[str]) -> bool:
    """Whether unequal runs of paragraphs are one cut into several or several made one."""
    if len(olds) == len(news) or min(len(olds), len(news)) != 1:
        return False
    if any(_tag_name(n) in _ITEMS for n in (*olds, *news)):
        return False
    whole, pieces = (olds[0], news) if len(olds) == 1 else (news[0], olds)
    inside = _words(whole)
    for piece in pieces:
        words = _words(piece)
        if words and len(words & inside) / len(words) < SPLIT_MIN_CONTAINED:
            return False
    return True


def _pairs(olds: list[str], news: list[str]) -> list[tuple[str | None, str | None]]:
    """Old and new nodes of a changed stretch paired in order: the same kind and alike, else on their own."""
    if len(olds) == len(news) and all(_tag_name(a) == _tag_name(b) for a, b in zip(olds, news, strict=True)):
        return list(zip(olds, news, strict=True))
    out: list[tuple[str | None, str | None]] = []
    j = 0
    for old in olds:
        best, best_score = None, SAME_ITEM_MIN_SIMILARITY
        for k in range(j, len(news)):
            if _tag_name(news[k]) == _tag_name(old):
                score = _likeness(old, news[k])
                if score >= best_score:
                    best, best_score = k, score
        if best is None:
            out.append((old, None))
            continue
        out.extend((None, n) for n in news[j:best])
        out.append((old, news[best]))
        j = best + 1
    out.extend((None, n) for n in news[j:])
    return out


def _words_diff(old: str, new: str, *, phrasing: bool = False) -> Row:
    """Two nodes (or stretches) diffed word by word; ``phrasing`` says they are the text inside a list
    item or a cell, where a rewrite is marked as text rather than as blocks."""
    segments = diff_tokens(_tokens(old), _tokens(new), timelimit=REDLINE_TIMELIMIT)
    if len(segments) == 1 and segments[0][0] == 1 and phrasing:
        deleted, inserted = f"<del>{old}</del>" if old.strip() else old, f"<ins>{new}</ins>" if new.strip() else new
        return Row(deleted, inserted, deleted + inserted, True)
    if len(segments) == 1 and segments[0][0] == 1:
        # Rewritten from scratch: one deletion, one insertion, each with its own structure.
        deleted, inserted = f'<del class="block rewrite">{old}</del>', f'<ins class="block rewrite">{new}</ins>'
        return Row(deleted, inserted, deleted + inserted, True)
    old_side, new_side = _token_sides(segments)
    return Row(old_side, new_side, _token_redline(old, new, segments), True)


def _compared(old: str, new: str) -> Row:
    """Two aligned nodes compared inside: containers child by child, the rest word by word."""
    old_name, old_open, old_content, old_close = _parts(old)
    name, opening, content, closing = _parts(new)
    if old_name != name:
        deleted, inserted = _whole(old, "del"), _whole(new, "ins")
        return Row(deleted, inserted, deleted + "\n" + inserted, True)
    nested = name in _CONTAINERS or (name == "li" and bool(_HAS_BLOCK.search(old_content + content)))
    if nested:
        old_children, new_children = _nodes(old_content), _nodes(content)
        if old_children is not None and new_children is not None:
            rows = _rows(old_children, new_children)
            return Row(
                old_open + "\n" + "\n".join(r.old for r in rows if r.old) + "\n" + old_close,
                opening + "\n" + "\n".join(r.new for r in rows if r.new) + "\n" + closing,
                opening + "\n" + "\n".join(r.inline for r in rows) + "\n" + closing,
                True,
            )
    if name in _ITEMS and not nested:
        inside = _words_diff(old_content, content, phrasing=True)
        return Row(
            old_open + inside.old + old_close, opening + inside.new + closing, opening + inside.inline + closing, True
        )
    return _words_diff(old, new)


def _rows(olds: list[str], news: list[str]) -> list[Row]:
    rows: list[Row] = []
    matcher = SequenceMatcher(None, olds, news, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            rows.extend(Row(o, n, n, False) for o, n in zip(olds[i1:i2], news[j1:j2], strict=True))
            continue
        if _split_or_join(olds[i1:i2], news[j1:j2]):
            old, new = "\n".join(olds[i1:i2]), "\n".join(news[j1:j2])
            rows.append(_words_diff(old, new))
            continue
        for old_node, new_node in _pairs(olds[i1:i2], news[j1:j2]):
            if old_node is None:
                assert new_node is not None
                inserted = _whole(new_node, "ins")
                rows.append(Row("", inserted, inserted, True))
            elif new_node is None:
                deleted = _whole(old_node, "del")
                rows.append(Row(deleted, "", deleted, True))
            else:
                rows.append(_compared(old_node, new_node))
    return rows


def redline_rows(old: str, new: str, *, rewritten: bool = False) -> list[Row]:
    """The section's redline as aligned rows, one per top-level element (or per stretch of paragraphs
    split or joined): each with the old side, the new side and both in one.

    ``rewritten`` says the caller already knows the text was rewritten from scratch (the word
    diff of the sources said so), which saves diffing the renderings.
    """
    if old == new:
        return [Row(o, o, o, False) for o in (_nodes(new) or [new])] if new.strip() else []
    if not old.strip():
        inserted = f'<ins class="block">{new}</ins>'
        return [Row("", inserted, inserted, True)] if new.strip() else []
    if not new.strip():
        return [Row(f'<del class="block">{old}</del>', "", f'<del class="block">{old}</del>', True)]
    if rewritten:
        deleted, inserted = f'<del class="block rewrite">{old}</del>', f'<ins class="block rewrite">{new}</ins>'
        return [Row(deleted, inserted, deleted + inserted, True)]
    old_nodes, new_nodes = _nodes(old), _nodes(new)
    if old_nodes is None or new_nodes is None:
        return [_words_diff(old, new)]
    return _rows(old_nodes, new_nodes)


def redline(old: str, new: str, *, rewritten: bool = False) -> str:
    """The new rendering with the changes from the old one marked (see the module docstring)."""
    if old == new:
        return new
    return "\n".join(row.inline for row in redline_rows(old, new, rewritten=rewritten))

"""The redline: a section's rendered text with deletions and insertions marked, well-formed.

Pure: takes two sanitised HTML renderings (``rendering.render_markdown(..., anchors=False)``)
and returns one HTML string. Both inputs come from nh3; this module adds only its own constant
tags and attributes, and re-escapes every piece of text it emits.

How: both renderings are cut into tokens - tags, and words of the text between them (with
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


def redline(old: str, new: str, *, rewritten: bool = False) -> str:
    """The new rendering with the changes from the old one marked (see the module docstring).

    ``rewritten`` says the caller already knows the text was rewritten from scratch (the word
    diff of the sources said so), which saves diffing the renderings.
    """
    if old == new:
        return new
    if not old.strip():
        return f'<ins class="block">{new}</ins>' if new.strip() else ""
    if not new.strip():
        return f'<del class="block">{old}</del>'
    # Half the word diff's time limit: past it the redline is coarser, never wrong, and a page of
    # pathological sections stays fast.
    segments = [(1, [], [])] if rewritten else diff_tokens(_tokens(old), _tokens(new), timelimit=REDLINE_TIMELIMIT)
    if len(segments) == 1 and segments[0][0] == 1:
        # Rewritten from scratch: one deletion, one insertion, each with its own structure.
        return f'<del class="block rewrite">{old}</del><ins class="block rewrite">{new}</ins>'
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

"""A three-way merge ready to show: each piece of the merged text with where it came from, and each
conflict as its base, their text and yours, every change against the base marked.

The editor merges Markdown, so the pieces are shown as source text (escaped, whitespace kept), with
``diffing.word_diff`` marking what each side changed: the same words a save would keep.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from django.utils.safestring import SafeString, mark_safe

from drafts import diffing
from drafts.merge import Conflict, MergeResult


@dataclass(frozen=True)
class PieceView:
    """One piece of a merge: ``source`` as in ``merge.Chunk``; ``marked`` the merged text with what the
    side that changed it changed (for "same": the text); ``conflict`` set for a conflict."""

    source: str
    marked: SafeString
    conflict: ConflictView | None = None


@dataclass(frozen=True)
class ConflictView:
    index: int
    base: SafeString
    theirs: SafeString  # their text, their changes to the base marked
    yours: SafeString
    conflict: Conflict

    @property
    def number(self) -> int:
        return self.index + 1

    @property
    def name(self) -> str:
        """The form's name for it (``ConflictResolutionForm``)."""
        return str(self.index)


def marked_change(base: str, text: str) -> SafeString:
    """``text`` with its word changes from ``base``: deletions in ``<del>``, insertions in ``<ins>``."""
    if base == text:
        return mark_safe(html.escape(text))  # noqa: S308 - escaped
    parts = []
    for op, piece in diffing.word_diff(base, text):
        escaped = html.escape(piece)
        parts.append(escaped if op == 0 else f"<del>{escaped}</del>" if op < 0 else f"<ins>{escaped}</ins>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece escaped


def _conflict(conflict: Conflict) -> ConflictView:
    return ConflictView(
        conflict.index,
        mark_safe(html.escape(conflict.base)),  # noqa: S308 - escaped
        marked_change(conflict.base, conflict.theirs),
        marked_change(conflict.base, conflict.yours),
        conflict,
    )


def three_way(merged: MergeResult) -> list[PieceView]:
    """The pieces of a merge in the order of the text, each conflict with its three texts."""
    out = []
    for chunk in merged.chunks:
        if chunk.conflict is None and not chunk.text.strip() and not chunk.base.strip():
            continue  # the blank lines between paragraphs: the pieces are shown apart anyway
        if chunk.conflict is not None:
            out.append(PieceView("conflict", SafeString(""), _conflict(chunk.conflict)))
        elif chunk.source == "same":
            out.append(PieceView("same", mark_safe(html.escape(chunk.text.strip("\n")))))  # noqa: S308 - escaped
        else:
            out.append(PieceView(chunk.source, marked_change(chunk.base, chunk.text)))
    return out


def conflicts_of(merged: MergeResult | None) -> list[ConflictView]:
    return [] if merged is None else [_conflict(c) for c in merged.conflicts]

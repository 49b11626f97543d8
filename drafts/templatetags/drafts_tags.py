"""Small template helpers."""

from __future__ import annotations

import functools
import html
from typing import TYPE_CHECKING, Any

from django import template
from django.utils import timezone, translation
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from drafts import selectors, values
from drafts.models import Draft, SectionStatus
from drafts.presenting.comparison import words_note

if TYPE_CHECKING:
    from datetime import datetime

    from django_stubs_ext import StrOrPromise

register = template.Library()


CHANGE_LABELS = {
    "added": _("added"), "removed": _("removed"), "moved": _("moved"), "renamed": _("renamed"),
    "renumbered": _("renumbered"), "modified": _("modified"),
}


@register.filter
def change_label(kind: str) -> StrOrPromise:
    """A compare change kind ("moved") as the reader's language says it."""
    return CHANGE_LABELS.get(kind, kind)


@functools.lru_cache(maxsize=512)
def _badges(changes: tuple[str, ...], language: str) -> SafeString:
    with translation.override(language):
        return format_html_join("", '<span class="badge badge-{}">{}</span>', ((c, change_label(c)) for c in changes))


@functools.lru_cache(maxsize=16)
def _compare_words(language: str) -> tuple[str, str, str]:
    with translation.override(language):
        words = (_("Moved from"), _("Previous change"), _("Next change"))
        moved, previous, following = (html.escape(str(w)) for w in words)
        return moved, previous, following


@register.filter
def badges(changes: tuple[str, ...]) -> SafeString:
    """``{{ s.change.changes|badges }}``: one badge per change kind, in the reader's language (one
    filter rather than a loop, made once per language: a 200-section compare shows them twice per section)."""
    return _badges(tuple(changes), translation.get_language() or "")


@register.simple_tag
def change_meta(section: Any, view: Any) -> SafeString:
    """A changed section's line on the compare page: its badges, where it moved from, the words changed,
    and links to the previous and next change (written here, not in the template: it is on every
    changed section of a 200-section compare)."""
    language = translation.get_language() or ""
    moved_from, previous, following = _compare_words(language)
    # Strings, not format_html: every value is escaped here or is already safe HTML (the badges).
    esc = html.escape
    parts = [f'<span class="badges">{badges(section.change.changes)}</span>']
    if section.moved:
        parts.append(f'<span class="moved-note">{moved_from} <a href="#{esc(section.away_anchor)}">'
                     f"<bdi>{esc(section.old_label)}</bdi></a></span>")
    change = section.change
    if change.words_inserted or change.words_deleted:
        parts.append(f"· {esc(_words_note(change.words_inserted, change.words_deleted, language))}")
    links = []
    if section.index > 1:
        links.append(f'<a href="#change-{section.index - 1}">{previous}</a>')
    if section.index < view.changed_count:
        links.append(f'<a href="#change-{section.index + 1}">{following}</a>')
    parts.append('<span class="change-nav">' + "\n".join(links) + "</span>")
    return mark_safe('<p class="change-meta">' + "\n".join(parts) + "</p>")  # noqa: S308 - escaped above


@functools.lru_cache(maxsize=4096)
def _words_note(inserted: int, deleted: int, language: str) -> str:
    """A section's "12 words inserted, 4 deleted" (``comparison.words_note``), once per count and language."""
    with translation.override(language):
        return words_note(inserted, deleted)


@functools.lru_cache(maxsize=64)
def _side_words(language: str, direction: str, old: str, new: str, reader: str) -> tuple[str, ...]:
    """What every side-by-side section of one compare repeats, escaped once: the text's language and
    direction, the column heads, the two sides' names and the notes for a side that is absent."""
    attrs = f'lang="{html.escape(language)}" dir="{html.escape(direction)}"'
    old, new = html.escape(old), html.escape(new)
    heads = (f'<p class="side-label old" aria-hidden="true">{old}</p>'
             f'<p class="side-label new" aria-hidden="true">{new}</p>')
    with translation.override(reader):
        not_here, removed = html.escape(str(_("(not in this version)"))), html.escape(str(_("(removed)")))
    return attrs, heads, old, new, not_here, removed


@register.simple_tag
def side_by_side(section: Any, view: Any, document: Any) -> SafeString:
    """A compared section side by side: one row per aligned stretch, the old side with its deletions
    on the left, the new with its insertions on the right, each changed cell named for screen readers."""
    old, new = view.side_labels
    return _side_by_side(section.rows, old, new, document,
                         old_absent=section.change.old is None, new_absent=section.change.new is None)


@register.simple_tag
def versions_side_by_side(result: Any, old_label: str, new_label: str, document: Any) -> SafeString:
    """Two versions of one section side by side (``presenting.comparison.TextComparison``)."""
    return _side_by_side(result.rows, str(old_label), str(new_label), document)


def _side_by_side(
    rows: Any, old: str, new: str, document: Any, *, old_absent: bool = False, new_absent: bool = False
) -> SafeString:
    # Written as strings: a 200-section compare has hundreds of rows.
    attrs, heads, old_label, new_label, not_here, removed = _side_words(
        document.language, document.text_direction, old, new, translation.get_language() or "",
    )
    sides = (("old", old_label, old_absent, not_here), ("new", new_label, new_absent, removed))
    cells = []
    for index, row in enumerate(rows):
        for (kind, label, absent, empty), text in zip(sides, (row.old, row.new), strict=True):
            css = f"{kind} changed" if row.changed else kind
            if text:
                hidden = f'<span class="visually-hidden">{label}: </span>' if row.changed else ""
                inner = f'<div class="body" {attrs}>{hidden}{text}</div>'
            else:
                inner = f'<p class="hint">{empty}</p>' if index == 0 and absent else ""
            cells.append(f'<div class="{css}">{inner}</div>')
    if not cells:
        cells = ['<div class="old"></div>', '<div class="new"></div>']
    # Every piece is escaped above or is the redline's own sanitised HTML.
    return mark_safe(f'<div class="side-by-side">{heads}' + "\n".join(cells) + "</div>")  # noqa: S308


@register.filter
def conflict_fields(form: Any, name: str) -> tuple:
    """``{% with choice=resolution|conflict_fields:"0" %}``: a conflict's radio buttons and its text field."""
    return form.choice_fields(name)


@register.filter
def when(moment: datetime | None) -> str:
    """``{{ draft.frozen_at|when }}``: "31 Dec 2026 18:00 CET", in the reader's time zone (see ``values.when``)."""
    return values.when(moment)


@register.filter
def utc_iso(moment: datetime | None) -> str:
    """``<time datetime="{{ moment|utc_iso }}">``: the instant in UTC, whatever zone the page is read in."""
    return values.utc_iso(moment)


@register.filter
def bdi(value: Any) -> SafeString:
    """``{% blocktranslate with ref=comment.reference|bdi %}``: the value, escaped, in a ``<bdi>``, so an ID,
    a name, a number or a heading keeps its own direction inside a translated sentence (one in Arabic
    around an English heading). A filter because the sentence's msgid must stay as translators have it."""
    return format_html("<bdi>{}</bdi>", value)


@register.filter
def get_item(mapping: dict, key):
    """``{{ counts|get_item:value }}``: a dictionary lookup with a variable key."""
    return mapping.get(key) if mapping else None


@register.inclusion_tag("drafts/_draft_notice.html", takes_context=True)
def draft_notice(context: template.Context, draft: Draft) -> dict:
    """At the top of every page of a draft that no longer takes comments: that it is closed or
    superseded, and a link to the draft that is open (one the reader may read)."""
    if not isinstance(draft, Draft) or draft.pk is None or draft.comments_open():
        return {"show": False}
    if draft.status != Draft.Status.SUPERSEDED and draft.comments_open_until is None:
        return {"show": False}  # a draft that never had a comment window, and nothing replaced it
    user = getattr(context.get("request"), "user", None)
    newest = selectors.open_draft(user, draft.document) if user is not None else None
    return {
        "show": True,
        "draft": draft,
        "newest": newest if newest is not None and newest.pk != draft.pk else None,
        "now": timezone.now(),
    }


@register.filter
def status_label(status: str) -> str:
    """``{{ snapshot.status|status_label }}``: "Agreed ad referendum" for ``agreed_ad_ref`` (empty if unknown)."""
    return str(SectionStatus(status).label) if status in SectionStatus.values else ""

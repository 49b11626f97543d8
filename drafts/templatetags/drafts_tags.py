"""Small template helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drafts import selectors, values
from drafts.models import Draft

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


@register.filter
def when(moment: datetime | None) -> str:
    """``{{ draft.frozen_at|when }}``: "31 Dec 2026 18:00 CET", in the reader's time zone (see ``values.when``)."""
    return values.when(moment)


@register.filter
def utc_iso(moment: datetime | None) -> str:
    """``<time datetime="{{ moment|utc_iso }}">``: the instant in UTC, whatever zone the page is read in."""
    return values.utc_iso(moment)


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

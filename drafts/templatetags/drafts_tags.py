"""Small template helpers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
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
def get_item(mapping: dict, key):
    """``{{ counts|get_item:value }}``: a dictionary lookup with a variable key."""
    return mapping.get(key) if mapping else None

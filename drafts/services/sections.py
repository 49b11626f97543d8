"""Sections of the working copy: add, edit, move, remove, restore, revert. Each change is exactly one revision.

Siblings shifted by an insertion or a move are updated in place without a version: their numbers
are derived, their text did not change.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import reversion
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.text import slugify
from django.utils.translation import gettext as _
from reversion.models import Version

from drafts import access, selectors, values
from drafts.access import Action
from drafts.models import CommentChange, Document, DraftComment, Section
from drafts.services import lineage
from drafts.services.submissions import submission_record, submitted_result

if TYPE_CHECKING:
    from drafts.access import UserModel


class EditConflict(Exception):
    """Someone saved the section after the editor opened it; nothing was written."""

    def __init__(self, section: Section, latest: Version | None) -> None:
        super().__init__(f"Section {section.key!r} changed since it was opened.")
        self.section = section
        self.latest = latest


def _save_version(section: Section, *, user: UserModel, message: str) -> Section:
    """Save a section as exactly one new revision (the only place a section version is made)."""
    section.version_number += 1
    section.full_clean()
    with reversion.create_revision(atomic=False):
        section.save()
        reversion.set_user(user)
        reversion.set_comment(message.strip()[:2000])
    return section


def _check_parent(document: Document, parent: Section | None, section: Section | None = None) -> None:
    if parent is None:
        return
    if parent.document_id != document.pk:
        raise ValidationError(
            {"parent": ValidationError(_("The parent must be a section of the same document."), code="foreign_parent")}
        )
    if parent.removed:
        raise ValidationError(
            {"parent": ValidationError(_("A section cannot be placed under a removed section."), code="removed_parent")}
        )
    if section is not None:
        ancestor: Section | None = parent
        while ancestor is not None:
            if ancestor.pk == section.pk:
                raise ValidationError(
                    {
                        "parent": ValidationError(
                            _("A section cannot be placed inside itself or one of its own subsections."),
                            code="own_ancestor",
                        )
                    }
                )
            ancestor = ancestor.parent


def _sibling_count(document: Document, parent: Section | None, exclude: Section | None = None) -> int:
    siblings = Section.objects.filter(document=document, parent=parent)
    if exclude is not None:
        siblings = siblings.exclude(pk=exclude.pk)
    return siblings.count()


def _open_slot(document: Document, parent: Section | None, position: int) -> None:
    Section.objects.filter(document=document, parent=parent, position__gte=position).update(position=F("position") + 1)


def _close_slot(document: Document, parent: Section | None, position: int) -> None:
    Section.objects.filter(document=document, parent=parent, position__gt=position).update(position=F("position") - 1)


def unique_key(document: Document, heading: str, taken: set[str] | None = None) -> str:
    """A new key made from a heading, unique within the document (and within ``taken``)."""
    base = slugify(heading)[:60].strip("-") or "section"
    if not base[0].isalnum():
        base = f"s-{base}"
    existing = set(Section.objects.filter(document=document, key__startswith=base).values_list("key", flat=True))
    existing |= taken or set()
    key, suffix = base, 2
    while key in existing:
        key, suffix = f"{base}-{suffix}", suffix + 1
    return key


@transaction.atomic
def section_create(
    *,
    document: Document,
    user: UserModel,
    heading: str,
    body: str = "",
    parent: Section | None = None,
    position: int | None = None,
    key: str = "",
    numbered: bool = True,
    message: str = "",
    submission: str = "",
) -> Section:
    """Add a section under ``parent`` at ``position`` (1-based; default last), as one revision.

    A repeated ``submission`` key (the form's one-time key) returns the section it added.
    """
    access.require(user, document, Action.EDIT_SECTIONS)
    # One writer at a time per document: positions shift, keys are made unique, repeats are spotted.
    document = Document.objects.select_for_update().get(pk=document.pk)
    already = submitted_result(user=user, action="section_create", key=submission)
    if already is not None:
        return Section.objects.get(pk=already)
    _check_parent(document, parent)
    last = _sibling_count(document, parent) + 1
    position = last if position is None else max(1, min(position, last))
    key = key.strip() or unique_key(document, heading)
    if Section.objects.filter(document=document, key=key).exists():
        raise ValidationError(
            {
                "key": ValidationError(
                    _("The key “%(key)s” is already used in this document.") % {"key": key}, code="duplicate_key"
                )
            }
        )
    section = Section(
        document=document,
        parent=parent,
        position=position,
        key=key,
        heading=heading.strip(),
        body=body,
        numbered=numbered,
    )
    _open_slot(document, parent, position)
    _save_version(section, user=user, message=message or _("Added"))
    submission_record(user=user, action="section_create", key=submission, result=section.pk)
    return section


@transaction.atomic
def section_update(
    *,
    section: Section,
    user: UserModel,
    base_version: int,
    heading: str,
    body: str,
    message: str,
    numbered: bool | None = None,
    addresses: Iterable[DraftComment] = (),
    link_as: str = CommentChange.How.CITED,
) -> Section:
    """Save new text for a section, unless someone saved it after ``base_version``.

    The row is locked first, so of two concurrent saves from the same base exactly one wins and
    the other raises :class:`EditConflict` with the winner's version: no update is ever lost.
    ``addresses`` are comments (on any draft of the document) the new version carries out; the
    links are stored with the version (``link_as`` says how they were made).
    """
    access.require(user, section.document, Action.EDIT_SECTIONS)
    addresses = list(addresses)
    foreign = [str(c) for c in addresses if c.draft.document_id != section.document_id or c.level]
    if foreign:
        raise ValidationError(
            {
                "addresses": ValidationError(
                    _("Not a comment on this document: %(refs)s.") % {"refs": ", ".join(foreign)},
                    code="foreign_comment",
                )
            }
        )
    current = Section.objects.select_for_update().get(pk=section.pk)
    if current.removed:
        raise ValidationError(_("This section has been removed; restore it before editing."), code="removed")
    new_numbered = current.numbered if numbered is None else numbered
    if (current.heading, current.body, current.numbered) == (heading.strip(), body, new_numbered):
        # Nothing to change, whoever saved last: an identical save sent twice (or one that says what
        # a colleague already saved) is not a conflict, and makes no empty version.
        return current
    if current.version_number != base_version:
        raise EditConflict(current, selectors.section_versions(current).first())
    current.heading, current.body, current.numbered = heading.strip(), body, new_numbered
    _save_version(current, user=user, message=message)
    if addresses:
        lineage.comment_changes_record(
            comments=addresses, version=lineage.section_version_now(current), section=current, user=user, how=link_as
        )
    return current


@transaction.atomic
def section_move(
    *, section: Section, user: UserModel, parent: Section | None, position: int, message: str = ""
) -> Section:
    """Move a section (with its subsections) under ``parent`` at ``position``; others renumber."""
    access.require(user, section.document, Action.EDIT_SECTIONS)
    current = Section.objects.select_for_update().get(pk=section.pk)
    _check_parent(current.document, parent, current)
    last = _sibling_count(current.document, parent, exclude=current) + 1
    position = max(1, min(position, last))
    if current.parent_id == (parent.pk if parent else None) and current.position == position:
        return current
    _close_slot(current.document, current.parent, current.position)
    _open_slot(current.document, parent, position)
    current.parent, current.position = parent, position
    return _save_version(current, user=user, message=message or _("Moved"))


@transaction.atomic
def section_remove(*, section: Section, user: UserModel, message: str = "") -> Section:
    """Mark a section removed (it and its subsections leave the working copy; nothing is deleted)."""
    access.require(user, section.document, Action.EDIT_SECTIONS)
    current = Section.objects.select_for_update().get(pk=section.pk)
    if current.removed:
        return current
    current.removed = True
    return _save_version(current, user=user, message=message or _("Removed"))


@transaction.atomic
def section_restore(*, section: Section, user: UserModel, message: str = "") -> Section:
    """Bring a removed section back where it stood."""
    access.require(user, section.document, Action.EDIT_SECTIONS)
    current = Section.objects.select_for_update().get(pk=section.pk)
    if not current.removed:
        return current
    parent = current.parent if current.parent_id else None
    if parent is not None and parent.removed:
        raise ValidationError(
            _("Restore the parent section “%(heading)s” first.") % {"heading": parent.heading},
            code="removed_parent",
        )
    current.removed = False
    return _save_version(current, user=user, message=message or _("Restored"))


@transaction.atomic
def section_revert(*, section: Section, user: UserModel, version: Version, message: str = "") -> Section:
    """Bring back the heading and text of an earlier version, as a new version.

    The section keeps its current place: moving is its own action, and reverting text should not
    silently reorder the document.
    """
    access.require(user, section.document, Action.EDIT_SECTIONS)
    current = Section.objects.select_for_update().get(pk=section.pk)
    if version.object_id != str(current.pk) or version.content_type_id != ContentType.objects.get_for_model(Section).pk:
        raise ValidationError(_("That version belongs to another section."), code="foreign_version")
    if current.removed:
        raise ValidationError(_("This section has been removed; restore it before editing."), code="removed")
    fields = version.field_dict
    current.heading, current.body = fields["heading"], fields["body"]
    current.numbered = fields.get("numbered", current.numbered)
    return _save_version(
        current,
        user=user,
        message=message
        or _("Reverted to the version of %(date)s")
        % {"date": values.when(version.revision.date_created)},
    )

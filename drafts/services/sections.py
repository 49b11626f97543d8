"""Sections of the working copy: add, edit, move, remove, restore, revert. Each change is exactly one revision.

Siblings shifted by an insertion or a move are updated in place without a version: their numbers
are derived, their text did not change.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
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
from drafts.merge import MergeResult, merge3, merge_line
from drafts.models import CommentChange, Document, DraftComment, Section
from drafts.services import lineage, tracking
from drafts.services import search as search_index
from drafts.services.submissions import submission_record, submitted_result

if TYPE_CHECKING:
    from drafts.access import UserModel


class EditConflict(Exception):
    """Someone saved the section after the editor opened it, changing what the editor changed too;
    nothing was written.

    ``body`` and ``heading`` are the three-way merges of the two changes against their common base
    (``base_version``), with each conflict marked; ``theirs`` the version saved in between.
    """

    def __init__(
        self,
        section: Section,
        latest: Version | None,
        *,
        base_version: int = 0,
        body: MergeResult | None = None,
        heading: MergeResult | None = None,
    ) -> None:
        super().__init__(f"Section {section.key!r} changed since it was opened.")
        self.section = section
        self.latest = latest
        self.base_version = base_version
        self.body = body
        self.heading = heading


@dataclass(frozen=True)
class Saved:
    """A section saved; if a colleague had saved it in between, the version whose changes were merged."""

    section: Section
    merged_with: Version | None = None
    merged_body: MergeResult | None = None
    created: bool = True  # False: nothing to change, no version made


def version_fields(section: Section, number: int) -> dict | None:
    """The heading, text and flags of a section's version ``number`` (1 = the first), or None.

    Every save makes exactly one version and adds one to ``version_number`` (``_save_version``), so
    version N is the section's N-th version, oldest first.
    """
    if number < 1 or number > section.version_number:
        return None
    version = selectors.section_versions(section).order_by("pk")[number - 1 : number].first()
    return version.field_dict if version is not None else None


def _merge_edit(
    current: Section, latest: Version | None, base_version: int, heading: str, body: str, numbered: bool
) -> tuple[str, str, bool, MergeResult]:
    """Merge an edit made from ``base_version`` with what was saved since (``current``), or raise
    :class:`EditConflict` with the three-way merge where the two overlap."""
    base = version_fields(current, base_version)
    if base is None:
        # No common base to merge against: everything either side has differs from "nothing".
        base = {"heading": "", "body": "", "numbered": current.numbered}
    merged_body = merge3(base["body"], current.body, body)
    merged_heading = merge_line(base["heading"], current.heading, heading)
    if not (merged_body.clean and merged_heading.clean):
        raise EditConflict(current, latest, base_version=base_version, body=merged_body, heading=merged_heading)
    # A flag both changed was changed to the same value (it has two).
    merged_numbered = numbered if numbered != base.get("numbered", current.numbered) else current.numbered
    return merged_heading.text, merged_body.text, merged_numbered, merged_body


def edit_conflict(section: Section, *, base_version: int, their_version: int, heading: str, body: str) -> EditConflict:
    """The conflict an editor is settling: their edit from ``base_version`` merged three-way with the
    colleague's ``their_version`` (as it was when the conflict was shown, whatever came since)."""
    base = version_fields(section, base_version) or {"heading": "", "body": ""}
    theirs = version_fields(section, their_version) or {"heading": section.heading, "body": section.body}
    versions = selectors.section_versions(section).order_by("pk")
    latest = versions[their_version - 1 : their_version].first() if their_version >= 1 else None
    return EditConflict(
        section,
        latest,
        base_version=base_version,
        body=merge3(base["body"], theirs["body"], body),
        heading=merge_line(base["heading"], theirs["heading"], heading.strip()),
    )


def _settled(merged: MergeResult, choices: dict[str, tuple[str, str]], *, heading: bool = False) -> str:
    picked: dict[int, str] = {}
    for conflict in merged.conflicts:
        choice, own = choices["heading" if heading else str(conflict.index)]
        if choice == "theirs":
            picked[conflict.index] = conflict.theirs
        elif choice == "yours":
            picked[conflict.index] = conflict.yours
        elif choice == "both":
            joint = "" if not conflict.theirs or conflict.theirs.endswith("\n") or not conflict.yours else "\n\n"
            picked[conflict.index] = conflict.theirs + joint + conflict.yours
        else:
            picked[conflict.index] = own
    return merged.resolved(picked)


def conflict_settled(conflict: EditConflict, choices: dict[str, tuple[str, str]]) -> tuple[str, str]:
    """The heading and text once each conflict is settled as chosen: ``choices`` maps a conflict's
    index (``"0"``, ``"1"``, …, ``"heading"``) to ("theirs" | "yours" | "both" | "own", the text written)."""
    assert conflict.body is not None and conflict.heading is not None
    heading = _settled(conflict.heading, choices, heading=True).strip()
    return heading, _settled(conflict.body, choices)


def who(user: UserModel | None) -> str:
    """How a version's author is named in messages: full name, else username."""
    if user is None:
        return _("the system")
    return user.get_full_name() or user.get_username()


def _merged_message(message: str, current: Section, theirs: Version | None) -> str:
    """The merged version's message: the editor's own, then which version of whose it merged."""
    author = who(theirs.revision.user) if theirs is not None else _("someone")
    note = _("merged with version %(number)d by %(who)s") % {"number": current.version_number, "who": author}
    return f"{message.strip()} ({note})" if message.strip() else note[:1].upper() + note[1:]


def _save_version(section: Section, *, user: UserModel, message: str) -> Section:
    """Save a section as exactly one new revision (the only place a section version is made)."""
    section.version_number += 1
    section.full_clean()
    with reversion.create_revision(atomic=False):
        section.save()
        reversion.set_user(user)
        reversion.set_comment(message.strip()[:2000])
    search_index.section_indexed(section)
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
    tracking.pen_holder_on_create(section=section, user=user)
    submission_record(user=user, action="section_create", key=submission, result=section.pk)
    return section


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
    reopen_reason: str = "",
) -> Section:
    """Save new text for a section (see :func:`section_save`); the section as saved."""
    return section_save(
        section=section, user=user, base_version=base_version, heading=heading, body=body, message=message,
        numbered=numbered, addresses=addresses, link_as=link_as, reopen_reason=reopen_reason,
    ).section


@transaction.atomic
def section_save(
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
    reopen_reason: str = "",
) -> Saved:
    """Save new text for a section edited from ``base_version``.

    The row is locked first, so concurrent saves queue up. If someone saved after ``base_version``,
    the two changes are merged against their common base (``merge.merge3``, by paragraph and then by
    word): where they do not overlap, the merge is saved as one version whose message names the
    version it merged; where they overlap, :class:`EditConflict` carries the three-way merge and
    nothing is written. No one's words are ever lost.
    ``addresses`` are comments (on any draft of the document) the new version carries out; the
    links are stored with the version (``link_as`` says how they were made).
    An agreed section (either agreed status) is edited by editors only, with a ``reopen_reason``; the
    save puts it back to "in review".
    """
    tracking.require_section_edit(user, section)
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
        return Saved(current, created=False)
    merged_with = None
    merged_body = None
    if current.version_number != base_version:
        merged_with = selectors.section_versions(current).first()
        heading, body, new_numbered, merged_body = _merge_edit(
            current, merged_with, base_version, heading.strip(), body, new_numbered
        )
        if (current.heading, current.body, current.numbered) == (heading, body, new_numbered):
            return Saved(current, created=False)  # what they saved already has every change of this edit
        message = _merged_message(message, current, merged_with)
    reopen_reason = tracking.agreed_edit_check(user, current, reopen_reason)
    current.heading, current.body, current.numbered = heading.strip(), body, new_numbered
    _save_version(current, user=user, message=message)
    if addresses or reopen_reason:
        version = lineage.section_version_now(current)
        tracking.agreed_reopen(section=current, user=user, reason=reopen_reason, version=version)
        if addresses:
            lineage.comment_changes_record(
                comments=addresses, version=version, section=current, user=user, how=link_as
            )
    return Saved(current, merged_with, merged_body)


@transaction.atomic
def section_move(
    *, section: Section, user: UserModel, parent: Section | None, position: int, message: str = ""
) -> Section:
    """Move a section (with its subsections) under ``parent`` at ``position``; others renumber."""
    tracking.require_section_edit(user, section)
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
    """Mark a section removed (it and its subsections leave the working copy; nothing is deleted).
    An agreed section is removed by editors only, with the message as the reason."""
    tracking.require_section_edit(user, section)
    current = Section.objects.select_for_update().get(pk=section.pk)
    if current.removed:
        return current
    reason = tracking.agreed_edit_check(user, current, message, field="message")
    current.removed = True
    _save_version(current, user=user, message=message or _("Removed"))
    if reason:
        tracking.agreed_reopen(section=current, user=user, reason=reason, version=lineage.section_version_now(current))
    return current


@transaction.atomic
def section_restore(*, section: Section, user: UserModel, message: str = "") -> Section:
    """Bring a removed section back where it stood."""
    tracking.require_section_edit(user, section)
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
def section_revert(
    *, section: Section, user: UserModel, version: Version, message: str = "", base_version: int | None = None
) -> Section:
    """Bring back the heading and text of an earlier version, as a new version.

    The section keeps its current place: moving is its own action, and reverting text should not
    silently reorder the document. The message names the version brought back by its number and
    author ("Reverted to version 3 (by Alice Member, 2 Dec 2026 14:05): <reason>"), so two versions
    saved in one minute are never confused. ``base_version`` is the version the person saw when they
    confirmed: if someone saved since, nothing is written (they would revert words they never saw).
    An agreed section is reverted by editors only, with the message as the reason.
    """
    tracking.require_section_edit(user, section)
    current = Section.objects.select_for_update().get(pk=section.pk)
    if version.object_id != str(current.pk) or version.content_type_id != ContentType.objects.get_for_model(Section).pk:
        raise ValidationError(_("That version belongs to another section."), code="foreign_version")
    if current.removed:
        raise ValidationError(_("This section has been removed; restore it before editing."), code="removed")
    if base_version is not None and current.version_number != base_version:
        raise ValidationError(
            _("Someone saved this section since you opened this page; nothing was reverted. Look at the change "
              "again below."),
            code="stale",
        )
    fields = version.field_dict
    numbered = fields.get("numbered", current.numbered)
    if (current.heading, current.body, current.numbered) == (fields["heading"], fields["body"], numbered):
        raise ValidationError(
            _("The section already reads as that version; there is nothing to revert."), code="unchanged"
        )
    reason = tracking.agreed_edit_check(user, current, message, field="message")
    number = selectors.section_versions(current).filter(pk__lte=version.pk).count()
    current.heading, current.body, current.numbered = fields["heading"], fields["body"], numbered
    note = _("Reverted to version %(number)d (by %(who)s, %(date)s)") % {
        "number": number,
        "who": who(version.revision.user),
        "date": values.when(version.revision.date_created),
    }
    _save_version(current, user=user, message=f"{note}: {message.strip()}" if message.strip() else note)
    if reason:
        tracking.agreed_reopen(section=current, user=user, reason=reason, version=lineage.section_version_now(current))
    return current

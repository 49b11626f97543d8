"""Every write in the app: one function per action, each in one transaction.

A change to a section is exactly one reversion revision (with the acting user and a message).
Siblings shifted by an insertion or a move are updated in place without a version: their
numbers are derived, their text did not change.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import reversion
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mass_mail
from django.db import transaction
from django.db.models import CharField, F, OuterRef, Subquery
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_comments.models import CommentFlag
from django_comments_xtd.models import MaxThreadLevelExceededException
from django_comments_xtd.views import notify_comment_followers
from reversion.models import Version

from drafts import numbering, selectors
from drafts.diffing import SectionState, compare_sections, temp_id
from drafts.models import (
    Disposition,
    Document,
    Draft,
    DraftComment,
    DraftSection,
    FrozenDraftError,
    Membership,
    Profile,
    Role,
    Section,
)


class EditConflict(Exception):
    """Someone saved the section after the editor opened it; nothing was written."""

    def __init__(self, section: Section, latest: Version | None) -> None:
        super().__init__(f"Section {section.key!r} changed since it was opened.")
        self.section = section
        self.latest = latest


@dataclass(frozen=True)
class SectionDraft:
    """A section's text as someone typed or imported it, before it is saved."""

    heading: str
    body: str = ""
    key: str = ""
    numbered: bool = True


# Documents and roles -----------------------------------------------------------------------------


@transaction.atomic
def document_create(
    *,
    slug: str,
    title: str,
    user: AbstractBaseUser | None,
    symbol: str = "",
    numbering_scheme: str = Document.Numbering.PRINCIPLES,
) -> Document:
    """Create a document; its creator (if any) becomes its editor."""
    document = Document(slug=slug, title=title.strip(), symbol=symbol.strip(), numbering=numbering_scheme)
    document.full_clean()
    document.save()
    if user is not None:
        Membership.objects.create(document=document, user=user, role=Role.EDITOR)
    return document


@transaction.atomic
def membership_set(*, document: Document, user: AbstractBaseUser, role: str) -> Membership:
    """Give a person one role on a document (replacing any role they had there)."""
    if role not in Role.values:
        raise ValidationError(_("Unknown role “%(role)s”.") % {"role": role}, code="unknown_role")
    membership, _created = Membership.objects.update_or_create(document=document, user=user, defaults={"role": role})
    return membership


# Sections ----------------------------------------------------------------------------------------


def _save_version(section: Section, *, user: AbstractBaseUser | None, message: str) -> Section:
    """Save a section as exactly one new revision (the only place a section version is made)."""
    section.version_number += 1
    section.full_clean()
    with reversion.create_revision(atomic=False):
        section.save()
        reversion.set_user(user if user is not None and user.is_authenticated else None)
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
    user: AbstractBaseUser | None,
    heading: str,
    body: str = "",
    parent: Section | None = None,
    position: int | None = None,
    key: str = "",
    numbered: bool = True,
    message: str = "",
) -> Section:
    """Add a section under ``parent`` at ``position`` (1-based; default last), as one revision."""
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
    return _save_version(section, user=user, message=message or _("Added"))


def latest_version(section: Section) -> Version | None:
    return Version.objects.get_for_object(section).select_related("revision__user").first()


@transaction.atomic
def section_update(
    *,
    section: Section,
    user: AbstractBaseUser | None,
    base_version: int,
    heading: str,
    body: str,
    message: str,
    numbered: bool | None = None,
) -> Section:
    """Save new text for a section, unless someone saved it after ``base_version``.

    The row is locked first, so of two concurrent saves from the same base exactly one wins and
    the other raises :class:`EditConflict` with the winner's version: no update is ever lost.
    """
    current = Section.objects.select_for_update().get(pk=section.pk)
    if current.version_number != base_version:
        raise EditConflict(current, latest_version(current))
    if current.removed:
        raise ValidationError(_("This section has been removed; restore it before editing."), code="removed")
    new_numbered = current.numbered if numbered is None else numbered
    if (current.heading, current.body, current.numbered) == (heading.strip(), body, new_numbered):
        return current  # nothing changed: no empty version
    current.heading, current.body, current.numbered = heading.strip(), body, new_numbered
    return _save_version(current, user=user, message=message)


@transaction.atomic
def section_move(
    *, section: Section, user: AbstractBaseUser | None, parent: Section | None, position: int, message: str = ""
) -> Section:
    """Move a section (with its subsections) under ``parent`` at ``position``; others renumber."""
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
def section_remove(*, section: Section, user: AbstractBaseUser | None, message: str = "") -> Section:
    """Mark a section removed (it and its subsections leave the working copy; nothing is deleted)."""
    current = Section.objects.select_for_update().get(pk=section.pk)
    if current.removed:
        return current
    current.removed = True
    return _save_version(current, user=user, message=message or _("Removed"))


@transaction.atomic
def section_restore(*, section: Section, user: AbstractBaseUser | None, message: str = "") -> Section:
    """Bring a removed section back where it stood."""
    current = Section.objects.select_for_update().get(pk=section.pk)
    if not current.removed:
        return current
    if current.parent_id and current.parent.removed:
        raise ValidationError(
            _("Restore the parent section “%(heading)s” first.") % {"heading": current.parent.heading},
            code="removed_parent",
        )
    current.removed = False
    return _save_version(current, user=user, message=message or _("Restored"))


@transaction.atomic
def section_revert(*, section: Section, user: AbstractBaseUser | None, version: Version, message: str = "") -> Section:
    """Bring back the heading and text of an earlier version, as a new version.

    The section keeps its current place: moving is its own action, and reverting text should not
    silently reorder the document.
    """
    current = Section.objects.select_for_update().get(pk=section.pk)
    if version.object_id != str(current.pk) or version.content_type_id != ContentType.objects.get_for_model(Section).pk:
        raise ValidationError(_("That version belongs to another section."), code="foreign_version")
    fields = version.field_dict
    current.heading, current.body = fields["heading"], fields["body"]
    current.numbered = fields.get("numbered", current.numbered)
    return _save_version(
        current,
        user=user,
        message=message
        or _("Reverted to the version of %(date)s")
        % {"date": timezone.localtime(version.revision.date_created).strftime("%Y-%m-%d %H:%M")},
    )


# Drafts ------------------------------------------------------------------------------------------


def _window_errors(opens: datetime | None, closes: datetime | None) -> None:
    if opens and closes and closes <= opens:
        raise ValidationError(
            {
                "comments_open_until": ValidationError(
                    _("The comment window must close after it opens."), code="window_order"
                )
            }
        )


@transaction.atomic
def draft_freeze(
    *,
    document: Document,
    user: AbstractBaseUser | None,
    label: str = "",
    visibility: str = Draft.Visibility.WORKING_GROUP,
    status: str = Draft.Status.CIRCULATED,
    comments_open_from: datetime | None = None,
    comments_open_until: datetime | None = None,
    note: str = "",
    comments_visible_to_all: bool = True,
) -> Draft:
    """Freeze the working copy as the document's next numbered draft.

    Comments decided on earlier drafts are marked as addressed in this one, and everyone who
    commented on the previous draft is told by e-mail once the freeze is committed.

    Records, for every live section, the exact version it has now, its number and its place.
    """
    # Lock the document row so two editors freezing at once get Draft n and Draft n+1.
    document = Document.objects.select_for_update().get(pk=document.pk)
    _window_errors(comments_open_from, comments_open_until)
    sections = list(
        Section.objects.filter(document=document).annotate(
            latest_version_id=Subquery(
                Version.objects.get_for_model(Section)
                .filter(object_id=Cast(OuterRef("pk"), CharField()))
                .order_by("-pk")
                .values("pk")[:1]
            )
        )
    )
    places = numbering.outline(numbering.Node(s.pk, s.parent_id, s.position, s.numbered, s.removed) for s in sections)
    if not places:
        raise ValidationError(_("The working copy has no sections to freeze."), code="empty")
    by_id = {s.pk: s for s in sections}
    last = document.drafts.order_by("-number").values_list("number", flat=True).first() or 0
    draft = Draft(
        document=document,
        number=last + 1,
        label=label.strip(),
        visibility=visibility,
        status=status,
        comments_open_from=comments_open_from,
        comments_open_until=comments_open_until,
        note=note,
        comments_visible_to_all=comments_visible_to_all,
        frozen_by=user if user is not None and user.is_authenticated else None,
    )
    draft.full_clean()
    draft.save()
    snapshots = []
    for place in places:
        section = by_id[place.id]
        if section.latest_version_id is None:
            raise ValidationError(
                _("Section “%(key)s” has no recorded version; it was written outside the services.")
                % {"key": section.key},
                code="unversioned",
            )
        snapshots.append(
            DraftSection(
                draft=draft,
                section=section,
                version_id=section.latest_version_id,
                key=section.key,
                parent_key=by_id[place.parent_id].key if place.parent_id else "",
                order=place.order,
                depth=place.depth,
                position=place.position,
                number=place.number,
                heading=section.heading,
                body=section.body,
            )
        )
    DraftSection.objects.bulk_create(snapshots, batch_size=500)
    _mark_addressed(draft)
    return draft


@transaction.atomic
def draft_update_settings(*, draft: Draft, **changes) -> Draft:
    """Change what may change on a frozen draft: label, status, visibility, comment window, note.

    Anything else (its number, its sections, when it was frozen) is refused.
    """
    unknown = set(changes) - Draft.EDITABLE_FIELDS
    if unknown:
        raise FrozenDraftError(f"A frozen draft cannot change {', '.join(sorted(unknown))}.")
    _window_errors(
        changes.get("comments_open_from", draft.comments_open_from),
        changes.get("comments_open_until", draft.comments_open_until),
    )
    for field, value in changes.items():
        setattr(draft, field, value.strip() if field == "label" else value)
    draft.full_clean(validate_unique=False)
    draft.save(update_fields=list(changes))
    return draft


# Import ------------------------------------------------------------------------------------------


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do), section keys by kind of change."""

    document: Document | None
    created_document: bool = False
    added: list[str] | None = None
    modified: list[str] | None = None
    moved: list[str] | None = None
    removed: list[str] | None = None
    restored: list[str] | None = None
    unchanged: list[str] | None = None

    def __post_init__(self) -> None:
        for name in ("added", "modified", "moved", "removed", "restored", "unchanged"):
            if getattr(self, name) is None:
                setattr(self, name, [])

    @property
    def changed(self) -> int:
        return len(self.added) + len(self.modified) + len(self.moved) + len(self.removed) + len(self.restored)

    def summary(self) -> str:
        return ", ".join(
            f"{len(getattr(self, name))} {name}"
            for name in ("added", "modified", "moved", "removed", "restored", "unchanged")
        )


def _file_outline(sections) -> tuple[list[int | None], list[int]]:
    """Each parsed section's parent (as an index into the file) and 1-based position among its siblings."""
    parents: list[int | None] = []
    positions: list[int] = []
    stack: list[int] = []
    counters: dict[int | None, int] = {}
    for index, parsed_section in enumerate(sections):
        del stack[parsed_section.depth :]
        parent_index = stack[-1] if stack else None
        parents.append(parent_index)
        counters[parent_index] = counters.get(parent_index, 0) + 1
        positions.append(counters[parent_index])
        stack.append(index)
    return parents, positions


def parsed_states(parsed) -> list[SectionState]:
    """A parsed file's sections as the diff engine takes them (keyless ones name parents by index)."""
    sections = parsed.sections
    parents, positions = _file_outline(sections)
    return [
        SectionState(key=s.key, heading=s.heading, body=s.body, position=positions[i], number=s.number or "",
                     parent=None if parents[i] is None else (sections[parents[i]].key or temp_id(parents[i])))
        for i, s in enumerate(sections)
    ]


def _match_existing(document: Document, parsed, existing: list[Section]) -> tuple[dict[int, Section], set[int]]:
    """Pair the file's sections (by index) with existing ones, as the compare aligns them.

    By key first, then by content, so renamed, moved and edited sections in a file without keys
    are recognised. Returns the pairs and the indexes of sections that really moved (their
    parent, or their place among unchanged neighbours, changed). A removed section whose key is
    in the file comes back (restored).
    """
    sections = parsed.sections
    new_states = parsed_states(parsed)
    comparison = compare_sections(selectors.working_copy_states(document), new_states)
    index_of = {id(state): i for i, state in enumerate(new_states)}
    by_key = {s.key: s for s in existing}
    matched: dict[int, Section] = {}
    moved: set[int] = set()
    for change in comparison.sections:
        if change.new is None:
            continue
        index = index_of[id(change.new)]
        if change.old is not None:
            matched[index] = by_key[change.old.key]
            if "moved" in change.changes:
                moved.add(index)
        elif change.new.key in by_key:
            matched[index] = by_key[change.new.key]
    # What content could not pair (a short text rewritten) still pairs by an unchanged heading.
    left = {}
    for change in comparison.sections:
        if change.old is not None and change.new is None:
            left.setdefault(change.old.heading, []).append(by_key[change.old.key])
    for index, parsed_section in enumerate(sections):
        if index not in matched and not parsed_section.key and left.get(parsed_section.heading):
            matched[index] = left[parsed_section.heading].pop(0)
    return matched, moved


@transaction.atomic
def document_import(
    *,
    parsed,
    slug: str,
    user: AbstractBaseUser | None,
    title: str = "",
    update: bool = False,
    message: str = "",
    messages: Mapping[str, str] | None = None,
    dry_run: bool = False,
) -> ImportReport:
    """Create a document from parsed Markdown, or with ``update`` revise an existing one.

    A revision matches sections as the compare aligns them (by key, then by content); only
    sections whose text or numbering changed, or that moved, get a new version (exactly one
    each); sections absent from the file are removed (never deleted); a dry run reports the
    same without writing anything.
    ``messages`` may give a section its own message by key; the others get ``message``.
    """
    existing_document = Document.objects.select_for_update().filter(slug=slug).first()
    if existing_document is not None and not update:
        raise ValidationError(
            _("A document with the slug “%(slug)s” exists; use --update to revise it.") % {"slug": slug}, code="exists"
        )
    if existing_document is None and update:
        raise ValidationError(_("There is no document “%(slug)s” to update.") % {"slug": slug}, code="missing")
    report = ImportReport(document=existing_document, created_document=existing_document is None)
    sections = parsed.sections
    message = message or _("Imported from file")
    if existing_document is None:
        document = Document(slug=slug, title=title or parsed.title)
        document.full_clean()
        if dry_run:
            report.added = [s.key or s.heading for s in sections]
            return report
        document = document_create(slug=slug, title=title or parsed.title, user=user)
        report.document = document
        existing: list[Section] = []
        matched: dict[int, Section] = {}
        moved: set[int] = set()
    else:
        document = existing_document
        existing = list(Section.objects.filter(document=document).select_related("parent"))
        matched, moved = _match_existing(document, parsed, existing)
    # Keys are per document: a key another document uses is no conflict.
    taken = {s.key for s in existing} | {s.key for s in sections if s.key}
    parents, positions = _file_outline(sections)
    saved: dict[int, Section] = {}
    for index, parsed_section in enumerate(sections):
        parent = saved.get(parents[index]) if parents[index] is not None else None
        numbered = parsed.numbered(parsed_section)
        section = matched.get(index)
        if section is None:
            key = parsed_section.key or unique_key(document, parsed_section.heading, taken)
            taken.add(key)
            report.added.append(key)
            if not dry_run:
                saved[index] = _import_new(
                    document,
                    user,
                    parsed_section,
                    key,
                    parent,
                    positions[index],
                    numbered,
                    (messages or {}).get(key, message),
                )
            else:
                saved[index] = Section(document=document, key=key, heading=parsed_section.heading)
            continue
        saved[index] = section
        text_changed = (section.heading, section.body, section.numbered) != (
            parsed_section.heading,
            parsed_section.body,
            numbered,
        )
        parent_changed = section.parent_id != (parent.pk if parent else None)
        kinds = []
        if text_changed:
            kinds.append(report.modified)
        if parent_changed or index in moved:
            kinds.append(report.moved)
        if section.removed:
            kinds.append(report.restored)
        for kind in kinds:
            kind.append(section.key)
        if not kinds:
            report.unchanged.append(section.key)
        if dry_run:
            continue
        if kinds:
            section.heading, section.body, section.numbered = parsed_section.heading, parsed_section.body, numbered
            section.parent, section.position, section.removed = parent, positions[index], False
            _save_version(section, user=user, message=(messages or {}).get(section.key, message))
        elif section.position != positions[index]:
            # A shift caused by others: the number is derived, so no version.
            Section.objects.filter(pk=section.pk).update(position=positions[index])
    kept = {s.pk for s in saved.values() if s.pk}
    for section in existing:
        if section.pk in kept or section.removed:
            continue
        report.removed.append(section.key)
        if not dry_run:
            section.removed = True
            _save_version(section, user=user, message=(messages or {}).get(section.key, message))
    return report


def _import_new(
    document: Document,
    user,
    parsed_section,
    key: str,
    parent: Section | None,
    position: int,
    numbered: bool,
    message: str,
) -> Section:
    if len(parsed_section.body) > 1_000_000:
        raise ValidationError(
            _("Section “%(heading)s” is longer than 1 MB.") % {"heading": parsed_section.heading}, code="too_long"
        )
    section = Section(
        document=document,
        parent=parent,
        position=position,
        key=key,
        heading=parsed_section.heading,
        body=parsed_section.body,
        numbered=numbered,
    )
    _open_slot(document, parent, position)
    return _save_version(section, user=user, message=message)


# Comments ----------------------------------------------------------------------------------------


class CommentRefused(Exception):
    """A comment that cannot be accepted; the message is meant for the person who wrote it."""


def profile_for(user: AbstractBaseUser) -> Profile:
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


def _organisation_code(profile: Profile) -> str:
    if profile.code:
        return profile.code
    if not profile.organisation.strip():
        return "IND"
    words = [w for w in re.split(r"[^\w]+", profile.organisation) if w and w[0].isalnum()]
    initials = "".join(w[0] for w in words if w[0].isupper()) or "".join(w[0] for w in words)
    code = re.sub(r"[^A-Z0-9]", "", initials.upper())[:8]
    return code or "ORG"


@transaction.atomic
def stakeholder_sign_up(
    *, username: str, password: str, email: str, first_name: str, last_name: str, organisation: str, category: str
) -> AbstractBaseUser:
    """Create a stakeholder's account and profile together."""
    user = get_user_model().objects.create_user(
        username=username, password=password, email=email, first_name=first_name, last_name=last_name
    )
    Profile.objects.create(user=user, organisation=organisation.strip(), category=category)
    return user


@transaction.atomic
def comment_post(*, form, user: AbstractBaseUser, draft: Draft, ip_address: str | None = None) -> DraftComment:
    """Store a validated comment form's comment on ``draft``, or refuse it with a reason.

    Refused (nothing stored): outside the comment window, more than ``COMMENTS_PER_MINUTE`` from
    one account in a minute. A double submission of the same text returns the first comment.
    The commenter's organisation and category are copied onto the comment, and it gets a stable
    ID (``OHCHR-003``) numbered per organisation within the draft.
    """
    # Lock the draft row: numbering IDs and spotting a double click need one writer at a time.
    draft = Draft.objects.select_for_update().get(pk=draft.pk)
    if not draft.comments_open():
        if draft.comments_open_until and timezone.now() >= draft.comments_open_until:
            raise CommentRefused(
                _("The comment period for %(draft)s closed on %(date)s.")
                % {"draft": draft.title, "date": _local(draft.comments_open_until)}
            )
        if draft.comments_open_from and timezone.now() < draft.comments_open_from:
            raise CommentRefused(
                _("The comment period for %(draft)s opens on %(date)s.")
                % {"draft": draft.title, "date": _local(draft.comments_open_from)}
            )
        raise CommentRefused(_("%(draft)s is not open for comments.") % {"draft": draft.title})
    comment = form.get_comment_object()  # returns the stored comment if this is a double submission
    if comment.pk:
        return comment
    recent = DraftComment.objects.filter(user=user, submit_date__gte=timezone.now() - timedelta(minutes=1)).count()
    if recent >= settings.COMMENTS_PER_MINUTE:
        raise CommentRefused(
            _("You have posted %(count)s comments in the last minute. Please wait a moment before posting again.")
            % {"count": recent}
        )
    profile = profile_for(user)
    comment.user, comment.ip_address = user, ip_address
    comment.user_name = user.get_full_name() or user.get_username()
    comment.user_email = user.email
    comment.organisation, comment.category = profile.organisation, profile.category
    comment.is_public = True
    if not comment.parent_id:
        code = _organisation_code(profile)
        taken = DraftComment.objects.filter(draft=draft, reference__startswith=f"{code}-").count()
        comment.reference = f"{code}-{taken + 1:03d}"
    try:
        comment.save()
    except MaxThreadLevelExceededException as exc:
        raise CommentRefused(_("Replies can only be one level deep.")) from exc
    transaction.on_commit(lambda: notify_comment_followers(comment))
    return comment


def _require_editor(user: AbstractBaseUser, draft: Draft) -> None:
    # The views check this too; the service is the last line, so no path can skip it.
    if not selectors.can_manage_drafts(user, draft.document):
        raise PermissionDenied(_("Only the document's editors decide on comments."))


@transaction.atomic
def comment_dispose(
    *, comments, user: AbstractBaseUser, draft: Draft, disposition: str, response: str | None = None
) -> int:
    """Record the editors' decision on one or more comments of ``draft``; returns how many changed."""
    _require_editor(user, draft)
    if disposition not in Disposition.values:
        raise ValidationError(_("Unknown disposition."), code="unknown_disposition")
    changes = {"disposition": disposition, "decided_by": user, "decided_at": timezone.now()}
    if response is not None:
        changes["response"] = response.strip()
    ids = [c.pk for c in comments]
    return DraftComment.objects.filter(pk__in=ids, draft=draft, level=0).update(**changes)


@transaction.atomic
def comment_hide(*, comment: DraftComment, user: AbstractBaseUser, reason: str) -> DraftComment:
    """Hide a comment from everyone but the working group, with the reason. Nothing is deleted."""
    _require_editor(user, comment.draft)
    if not reason.strip():
        raise ValidationError(_("Give the reason for hiding the comment."), code="reason_required")
    comment.is_public, comment.hidden_reason = False, reason.strip()
    comment.save(update_fields=["is_public", "hidden_reason"])
    return comment


@transaction.atomic
def comment_flag(*, comment: DraftComment, user: AbstractBaseUser) -> None:
    """Ask the editors to look at a comment (django-comments' removal suggestion flag), once per person."""
    CommentFlag.objects.get_or_create(comment=comment, user=user, flag=CommentFlag.SUGGEST_REMOVAL)


def _mark_addressed(draft: Draft) -> None:
    """Decided comments on earlier drafts are addressed in this one; their authors hear of it."""
    earlier = DraftComment.objects.filter(draft__document=draft.document, draft__number__lt=draft.number)
    earlier.filter(addressed_in__isnull=True, level=0).exclude(disposition=Disposition.PENDING).update(
        addressed_in=draft
    )
    previous = draft.document.drafts.filter(number=draft.number - 1).first()
    if previous is None:
        return
    recipients = sorted(
        set(
            DraftComment.objects.filter(draft=previous, level=0)
            .exclude(user_email="")
            .values_list("user_email", flat=True)
        )
    )
    if recipients:
        transaction.on_commit(lambda: _tell_commenters(draft, previous, recipients))


def _tell_commenters(draft: Draft, previous: Draft, recipients: list[str]) -> None:
    site = Site.objects.get_current()
    url = f"{settings.SITE_SCHEME}://{site.domain}{reverse('drafts:my_comments')}"
    subject = _("%(document)s: %(draft)s is out") % {"document": draft.document.title, "draft": draft.title}
    body = _(
        "%(draft)s of “%(document)s” has been published. You commented on %(previous)s; see what "
        "became of each of your comments at %(url)s"
    ) % {"draft": draft.title, "document": draft.document.title, "previous": previous.title, "url": url}
    messages = [(subject, body, settings.DEFAULT_FROM_EMAIL, [email]) for email in recipients]
    send_mass_mail(messages, fail_silently=False)


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%d %B %Y, %H:%M %Z")

"""Reads of documents, drafts and the working copy that depend on who is asking."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db.models import CharField, Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Cast
from django.utils import timezone
from reversion.models import Version

from drafts import numbering
from drafts.access import access_for, sees_everything
from drafts.models import ApiToken, Document, Draft, DraftSection, Membership, Section
from drafts.values import ExportSection

if TYPE_CHECKING:
    from drafts.access import User, UserModel


def drafts_visible_to(user: User, document: Document) -> QuerySet[Draft]:
    """The drafts of one document this person may read."""
    # With its silence procedure, if any (one join): the reading page shows it without another query.
    drafts = Draft.objects.filter(document=document).select_related("document", "silence")
    return drafts.filter(visibility__in=access_for(user, document).readable_visibilities)


def documents_visible_to(user: User) -> QuerySet[Document]:
    """Documents with at least one draft this person may read, or on which they have a role."""
    documents = Document.objects.all()
    if sees_everything(user):
        return documents
    visible = Q(Exists(Draft.objects.filter(document=OuterRef("pk"), visibility=Draft.Visibility.PUBLIC)))
    if user.is_authenticated:
        visible |= Q(Exists(Membership.objects.filter(document=OuterRef("pk"), user=user)))
    return documents.filter(visible)


def people_with_email(email: str) -> QuerySet[UserModel]:
    """The accounts an e-mail address belongs to (one at most: the address is unique ignoring case)."""
    return get_user_model().objects.filter(email__iexact=email.strip())


@dataclass(frozen=True)
class OutlineEntry:
    """A live section of the working copy with its derived number and place."""

    section: Section
    number: str
    label: str
    depth: int
    position: int

    @property
    def anchor(self) -> str:
        return numbering.anchor_for(self.number, self.section.key)


def working_copy(document: Document) -> tuple[list[OutlineEntry], list[Section]]:
    """The live outline of a document's working copy, and its removed sections (to restore)."""
    sections = list(Section.objects.filter(document=document))
    places = numbering.outline(numbering.Node(s.pk, s.parent_id, s.position, s.numbered, s.removed) for s in sections)
    by_id = {s.pk: s for s in sections}
    entries = [
        OutlineEntry(
            by_id[p.id],
            p.number,
            numbering.display_number(p.number, p.depth, document.numbering, document.language),
            p.depth,
            p.position,
        )
        for p in places
    ]
    live = {p.id for p in places}
    removed = [s for s in sections if s.pk not in live]
    return entries, removed


def draft_sections(draft: Draft) -> list[DraftSection]:
    """A frozen draft's sections in document order."""
    return list(DraftSection.objects.filter(draft=draft).order_by("order"))


def latest_version_id() -> Subquery:
    """The id of a section's latest version, as an annotation on a ``Section`` query (one query for all)."""
    versions = Version.objects.get_for_model(Section).filter(object_id=Cast(OuterRef("pk"), CharField()))
    return Subquery(versions.order_by("-pk").values("pk")[:1])


def section_versions(section: Section) -> QuerySet[Version]:
    """A section's history, newest first, with who made each change and why."""
    return Version.objects.get_for_object(section).select_related("revision__user")


@dataclass(frozen=True)
class HistoryEntry:
    """One version of a section as its history shows it: its number (1 = the first), and the frozen
    drafts (that the reader may see) whose snapshot is this version."""

    version: Version
    number: int
    drafts: tuple[Draft, ...]

    @property
    def author(self) -> str:
        user = self.version.revision.user
        return (user.get_full_name() or user.get_username()) if user is not None else ""


def section_history(user: User, section: Section) -> list[HistoryEntry]:
    """A section's versions, newest first, numbered oldest first (every save makes exactly one version and
    adds one to ``version_number``), each with the drafts it went into. Three queries, however long."""
    versions = list(section_versions(section))
    visible = set(drafts_visible_to(user, section.document).values_list("pk", flat=True))
    into: dict[int, list[Draft]] = {}
    snapshots = (
        DraftSection.objects.filter(section=section, draft_id__in=visible)
        .select_related("draft")
        .only("version_id", "draft__number", "draft__label", "draft__document_id")  # not the texts
        .order_by("draft__number")
    )
    for snapshot in snapshots:
        into.setdefault(snapshot.version_id, []).append(snapshot.draft)
    count = len(versions)
    return [HistoryEntry(v, count - i, tuple(into.get(v.pk, ()))) for i, v in enumerate(versions)]


def draft_export_sections(draft: Draft) -> list[ExportSection]:
    """A frozen draft's sections as the exports (Markdown, HTML, Word) take them."""
    return [
        ExportSection(key=s.key, heading=s.heading, body=s.body, depth=s.depth, number=s.number)
        for s in draft_sections(draft)
    ]


def working_copy_token(document: Document) -> str:
    """A fingerprint of the working copy: it changes whenever any section is saved, moved or removed.

    An import preview carries it, so applying refuses if the working copy changed in between.
    """
    rows = (
        Section.objects.filter(document=document)
        .order_by("pk")
        .values_list("pk", "version_number", "parent_id", "position", "removed")
    )
    return hashlib.sha256(repr(list(rows)).encode()).hexdigest()


def placement_choices(document: Document, moving: Section | None = None) -> QuerySet[Section]:
    """Live sections a section may be placed under (never itself or its own subsections)."""
    candidates = Section.objects.filter(document=document, removed=False)
    if moving is not None:
        entries, _removed = working_copy(document)
        inside, depth = set(), None
        for entry in entries:
            if entry.section.pk == moving.pk:
                depth = entry.depth
                inside.add(entry.section.pk)
            elif depth is not None and entry.depth > depth:
                inside.add(entry.section.pk)
            elif depth is not None:
                depth = None
        candidates = candidates.exclude(pk__in=inside)
    return candidates.order_by("parent_id", "position")


def drafts_taking_comments(document: Document) -> list[Draft]:
    """The document's drafts whose comment window is open now or still to come (what a freeze closes)."""
    return list(document.drafts.filter(comments_open_until__gt=timezone.now()).order_by("number"))


def open_draft(user: User, document: Document) -> Draft | None:
    """The draft this person should be sent to from an older one: the newest they may read that is open
    for comments, else the newest they may read."""
    readable = drafts_visible_to(user, document).order_by("-number")
    now = timezone.now()
    open_now = readable.filter(comments_open_until__gt=now).exclude(comments_open_from__gt=now).first()
    return open_now or readable.first()


def api_tokens_of(user: UserModel) -> QuerySet[ApiToken]:
    """A person's own API keys, newest first, revoked ones included (marked so)."""
    return ApiToken.objects.filter(user=user)

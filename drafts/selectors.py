"""Every read that depends on who is asking. Visibility is decided here and only here.

Pages, exports and commands ask these functions; a view that needs "may this person see X" calls
one of them and turns "no" into a 404, so the existence of something hidden never leaks.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _
from reversion.models import Version

from drafts import numbering
from drafts.diffing import SectionState
from drafts.interchange import ExportSection
from drafts.models import Document, Draft, DraftComment, DraftSection, Membership, Role, Section

User = AbstractBaseUser | AnonymousUser


def role_for(user: User, document: Document) -> str | None:
    """The person's role on the document; Django superusers act as editors everywhere."""
    if not user.is_authenticated:
        return None
    if user.is_superuser:
        return Role.EDITOR
    # One query per request and user, however many times a page asks.
    roles = getattr(user, "_document_roles", None)
    if roles is None:
        roles = dict(Membership.objects.filter(user=user).values_list("document_id", "role"))
        user._document_roles = roles  # type: ignore[union-attr]
    return roles.get(document.pk)


def can_see_working_copy(user: User, document: Document) -> bool:
    """Members and editors see (and edit) the working copy; nobody else knows it exists."""
    return role_for(user, document) in (Role.MEMBER, Role.EDITOR)


def can_manage_drafts(user: User, document: Document) -> bool:
    """Editors freeze drafts and change a draft's visibility, status and comment window."""
    return role_for(user, document) == Role.EDITOR


def drafts_visible_to(user: User, document: Document) -> QuerySet[Draft]:
    """The drafts of one document this person may read."""
    drafts = Draft.objects.filter(document=document).select_related("document")
    role = role_for(user, document)
    if role in (Role.MEMBER, Role.EDITOR):
        return drafts
    if role == Role.STAKEHOLDER:
        return drafts.filter(visibility__in=[Draft.Visibility.PUBLIC, Draft.Visibility.RESTRICTED])
    return drafts.filter(visibility=Draft.Visibility.PUBLIC)


def documents_visible_to(user: User) -> QuerySet[Document]:
    """Documents with at least one draft this person may read, or on which they have a role."""
    documents = Document.objects.all()
    if user.is_authenticated and user.is_superuser:
        return documents
    visible = Q(Exists(Draft.objects.filter(document=OuterRef("pk"), visibility=Draft.Visibility.PUBLIC)))
    if user.is_authenticated:
        visible |= Q(Exists(Membership.objects.filter(document=OuterRef("pk"), user=user)))
    return documents.filter(visible)


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


def section_versions(section: Section) -> QuerySet[Version]:
    """A section's history, newest first, with who made each change and why."""
    return Version.objects.get_for_object(section).select_related("revision__user")


# Comments ----------------------------------------------------------------------------------------


def comments_visible_to(user: User, draft: Draft) -> QuerySet[DraftComment]:
    """The comments on one draft this person may read (the draft itself must be visible to them).

    The working group sees every comment, hidden ones included. Others see published comments;
    where the draft keeps stakeholders' comments apart, only the threads they started.
    """
    comments = DraftComment.objects.filter(draft=draft).select_related("draft__document", "draft_section", "user")
    if can_see_working_copy(user, draft.document):
        return comments
    comments = comments.filter(is_public=True, is_removed=False)
    if draft.comments_visible_to_all:
        return comments
    if not user.is_authenticated:
        return comments.none()
    own_threads = DraftComment.objects.filter(draft=draft, user=user, level=0).values("thread_id")
    return comments.filter(thread_id__in=own_threads)


def comment_counts(comments: QuerySet[DraftComment]) -> dict[tuple[int | None, int | None], int]:
    """Counts of comments (not replies) by (draft section id, paragraph), in one query.

    ``(section_id, None)`` counts comments on the whole section; ``(None, None)`` on the whole draft.
    """
    rows = comments.filter(level=0).order_by().values_list("draft_section_id", "paragraph").annotate(n=Count("pk"))
    return {(section_id, paragraph): n for section_id, paragraph, n in rows}


def comments_of(user: User) -> QuerySet[DraftComment]:
    """A person's own comments across every draft, newest first, with where each one stands."""
    if not user.is_authenticated:
        return DraftComment.objects.none()
    return (
        DraftComment.objects.filter(user=user)
        .select_related("draft__document", "draft_section", "addressed_in")
        .order_by("-submit_date")
    )


def disposition_counts(comments: QuerySet[DraftComment]) -> dict[str, int]:
    rows = comments.filter(level=0).order_by().values_list("disposition").annotate(n=Count("pk"))
    return dict(rows)


def comments_filtered(
    comments: QuerySet[DraftComment],
    *,
    section: str = "",
    kind: str = "",
    disposition: str = "",
    category: str = "",
    organisation: str = "",
) -> QuerySet[DraftComment]:
    """Narrow a comment list the way the editors' table asks: section number or key, type, and so on."""
    if section:
        comments = comments.filter(Q(draft_section__number=section) | Q(draft_section__key=section))
    if kind:
        comments = comments.filter(kind=kind)
    if disposition:
        comments = comments.filter(disposition=disposition)
    if category:
        comments = comments.filter(category=category)
    if organisation:
        comments = comments.filter(organisation__icontains=organisation)
    return comments


# Compare -----------------------------------------------------------------------------------------

WORKING = "working"


@dataclass(frozen=True)
class Side:
    """One side of a comparison: a frozen draft, or the working copy (``draft`` None), or a file (``name``)."""

    document: Document
    draft: Draft | None
    states: list[SectionState]
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or (self.draft.title if self.draft else str(_("Working copy")))

    @property
    def ref(self) -> str:
        return str(self.draft.number) if self.draft else WORKING

    def as_json(self) -> dict:
        return {
            "draft": self.draft.number if self.draft else None,
            "label": (self.draft.label or self.draft.title) if self.draft else "Working copy",
        }


def working_copy_states(document: Document) -> list[SectionState]:
    """The live working copy as the diff engine sees it: key, heading, body, parent key, place, number."""
    entries, _removed = working_copy(document)
    keys = {e.section.pk: e.section.key for e in entries}
    return [
        SectionState(
            key=e.section.key,
            heading=e.section.heading,
            body=e.section.body,
            parent=keys.get(e.section.parent_id),
            position=e.position,
            number=e.number,
        )
        for e in entries
    ]


def draft_states(draft: Draft) -> list[SectionState]:
    return [
        SectionState(
            key=s.key, heading=s.heading, body=s.body, parent=s.parent_key or None, position=s.position, number=s.number
        )
        for s in draft_sections(draft)
    ]


def compare_side(user: User | None, document: Document, ref: str) -> Side | None:
    """A side this person may compare, or None: ``ref`` is a draft number or ``working``.

    ``user`` None is the command line (an administrator's tool): everything is visible.
    """
    if ref == WORKING:
        if user is not None and not can_see_working_copy(user, document):
            return None
        return Side(document, None, working_copy_states(document))
    if not str(ref).isdigit():
        return None
    drafts = Draft.objects.filter(document=document) if user is None else drafts_visible_to(user, document)
    draft = drafts.filter(number=int(ref)).first()
    if draft is None:
        return None
    return Side(document, draft, draft_states(draft))


def version_state(section: Section, version: Version) -> SectionState:
    """A section as one of its versions recorded it, for comparing versions."""
    fields = version.field_dict
    return SectionState(
        key=section.key, heading=fields["heading"], body=fields["body"], parent=None, position=1, number=""
    )


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

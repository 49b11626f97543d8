"""Reads of comments: who sees which comment, counts for the reading page, the editors' filters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet, Value

from drafts.access import access_for, readable_drafts, working_group_documents
from drafts.models import Draft, DraftComment

if TYPE_CHECKING:
    from drafts.access import User


def comments_visible_to(user: User, draft: Draft) -> QuerySet[DraftComment]:
    """The comments on one draft this person may read (the draft itself must be visible to them).

    The working group sees every comment, hidden ones included. Others see published comments;
    where the draft keeps stakeholders' comments apart, only the threads they started.
    """
    access = access_for(user, draft.document)
    comments = _with_addressed_readable(
        DraftComment.objects.filter(draft=draft).select_related("draft__document", "draft_section", "user"),
        Draft.objects.filter(document=draft.document_id, visibility__in=access.readable_visibilities),
    )
    if access.in_working_group:
        return comments.annotate(drafted_visible=Value(True))
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
    """A person's own comments on the drafts they may still read, newest first, with where each stands.

    A comment on a draft that has since been hidden from them leaves the list: its label, the
    editors' response and the draft it was addressed in are the draft's, not the commenter's.
    """
    if not user.is_authenticated:
        return DraftComment.objects.none()
    comments = DraftComment.objects.filter(readable_drafts(user, "draft__"), user=user)
    return (
        _with_addressed_readable(
            comments.select_related("draft__document", "draft_section", "addressed_in"),
            Draft.objects.filter(readable_drafts(user)),
        )
        .annotate(drafted_visible=_in_documents(working_group_documents(user)))
        .order_by("-submit_date")
    )


def _with_addressed_readable(comments: QuerySet[DraftComment], readable: QuerySet[Draft]) -> QuerySet[DraftComment]:
    """Annotate whether the reader may read the draft each comment was addressed in (see
    :attr:`DraftComment.addressed_draft`, which shows the reference only when this says so).

    A subquery, not a join: counts and ``exists()`` built on these lists drop the unused annotation
    and stay as cheap as before."""
    return comments.annotate(
        addressed_readable=ExpressionWrapper(Q(addressed_in__in=readable.values("pk")), output_field=BooleanField())
    )


def _in_documents(documents: list[int] | None) -> Value | ExpressionWrapper:
    """True for a comment on one of ``documents`` (None: every document)."""
    if documents is None or not documents:
        return Value(documents is None)
    return ExpressionWrapper(Q(document_id__in=documents), output_field=BooleanField())


def disposition_counts(comments: QuerySet[DraftComment]) -> dict[str, int]:
    rows = comments.filter(level=0).order_by().values_list("disposition").annotate(n=Count("pk"))
    return dict(rows)


def unpublished_decisions(draft: Draft) -> QuerySet[DraftComment]:
    """The comments of ``draft`` whose decision, as drafted, is not what stakeholders see yet (the
    working group's list: call it only for editors), in the order of the text."""
    return (
        DraftComment.objects.filter(draft=draft, level=0)
        .exclude(disposition=F("published_disposition"), response=F("published_response"))
        .select_related("draft__document", "draft_section")
        .order_by(*TABLE_ORDER)
    )


TABLE_ORDER = ("draft_section__order", "paragraph", "submit_date", "pk")


def comments_for_table(visible: QuerySet[DraftComment], filters: Mapping[str, str] | None) -> QuerySet[DraftComment]:
    """The editors' table: comments (not replies) narrowed by its filters, in the order of the text.

    The one filtering of comments: the table, its "next pending", the comment matrix (page and
    ``export_comments``) all narrow through here, with the data of a valid ``CommentFilterForm``."""
    comments = visible.filter(level=0)
    if filters:
        comments = comments_filtered(comments, **filters)
    return comments.order_by(*TABLE_ORDER)


def comments_for_matrix(visible: QuerySet[DraftComment], filters: Mapping[str, str] | None) -> QuerySet[DraftComment]:
    """The comment matrix: the editors' table's comments (the same filters), with the replies in their
    threads, in one query (the matrix shows each comment's replies, so none is read one by one)."""
    table = comments_for_table(visible, filters)
    return visible.filter(
        Q(pk__in=table.values("pk")) | Q(level__gt=0, thread_id__in=table.values("thread_id"))
    ).select_related("addressed_in")


def pending_neighbours(table: QuerySet[DraftComment], comment: DraftComment) -> tuple[int | None, int | None]:
    """The pending comments just before and after ``comment`` in the table's order (withdrawn ones
    skipped): where "previous" and "next" take an editor triaging, as ids. One query."""
    pending = list(
        table.filter(Q(disposition="pending", withdrawn_at__isnull=True) | Q(pk=comment.pk))
        .values_list("pk", flat=True)
    )
    if comment.pk not in pending:
        return None, (pending[0] if pending else None)
    at = pending.index(comment.pk)
    return (pending[at - 1] if at > 0 else None), (pending[at + 1] if at + 1 < len(pending) else None)


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

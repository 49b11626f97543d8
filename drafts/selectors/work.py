"""Reads of background work: a person's own jobs, and how a document's messages stand (editors)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Count, Max, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from drafts.models import Document, Draft, DraftComment, Job, Notice, OutboundMail

if TYPE_CHECKING:
    from drafts.access import User


def job_for(user: User, job_id: int) -> Job:
    """A job its own starter asks about; anyone else (signed in or not) gets a 404."""
    if not user.is_authenticated:
        raise Http404
    job = Job.objects.select_related("document").filter(pk=job_id, user_id=user.pk).first()
    if job is None:
        raise Http404
    return job


@dataclass(frozen=True)
class MailCounts:
    queued: int = 0
    sent: int = 0
    failed: int = 0

    @property
    def total(self) -> int:
        return self.queued + self.sent + self.failed


def mail_counts(mails: QuerySet[OutboundMail]) -> MailCounts:
    """How these messages stand, in one query."""
    rows = mails.order_by().values("state").annotate(n=Count("pk"))
    return MailCounts(**{row["state"]: row["n"] for row in rows})


def draft_mail_counts(draft: Draft) -> MailCounts:
    """The messages about a draft ("Draft 3 is out", decisions, follow-ups on its comments)."""
    return mail_counts(OutboundMail.objects.filter(notice__draft=draft))


def mails_of(document: Document) -> QuerySet[OutboundMail]:
    return OutboundMail.objects.filter(notice__document=document)


def outbox_of(document: Document) -> QuerySet[Notice]:
    """A document's notices, newest first, with their messages; the caller has checked the editor's access."""
    return (
        Notice.objects.filter(document=document)
        .select_related("draft", "comment")
        .prefetch_related("mails")
        .order_by("-created_at", "-pk")
    )


def public_state(slug: str) -> str | None:
    """Everything an anonymous page of the document ``slug`` shows that may still change, as one
    string; None when there is no such document or none of its drafts is public (then nothing is
    cached). Three queries.

    A frozen draft's text and numbering never change; what can is the document's own title and
    settings, which drafts are public and their settings (label, visibility, status, window, note),
    and the comments shown on them with their decisions. Any change to one of these changes the string,
    so a page cached under it is never stale (a silence procedure's breaks and its deadline passing
    too). While a window is open or still to come, the string also
    changes every ``PUBLIC_PAGE_MAX_AGE`` seconds, since the page says how long is left.
    """
    document = Document.objects.filter(slug=slug).first()
    if document is None:
        return None
    drafts = list(
        Draft.objects.filter(document=document, visibility=Draft.Visibility.PUBLIC)
        .order_by("number")
        .annotate(broken=Count("silence__breaks"), last_break=Max("silence__breaks__broken_at"))
        .values_list("pk", "number", *Draft.EDITABLE_FIELDS, "silence__until", "broken", "last_break")
    )
    if not drafts:
        return None
    shown = Q(is_public=True, is_removed=False)
    comments = DraftComment.objects.filter(draft__in=[row[0] for row in drafts]).aggregate(
        # A sum of ids, not a count: hiding one comment and showing another changes it too.
        shown=Sum("pk", filter=shown),
        submitted=Max("submit_date"),
        edited=Max("edited_at"),
        withdrawn=Max("withdrawn_at"),
        decided=Max("decided_at"),
        published=Max("published_at"),
        carried=Max("carried_at"),
        addressed=Sum("addressed_in_id"),
    )
    now = timezone.now()
    # A silence procedure shows its state: placed, broken (by whom), and over once its deadline passes.
    silences = [(row[0], row[-3] is not None and row[-3] <= now) for row in drafts]
    until = 2 + Draft.EDITABLE_FIELDS.index("comments_open_until")
    live = any(row[until] is not None and row[until] > now for row in drafts)
    bucket = int(now.timestamp() // max(settings.PUBLIC_PAGE_MAX_AGE, 1)) if live else None
    fixed = (document.pk, document.title, document.symbol, document.language, document.numbering, document.time_zone)
    return repr((fixed, drafts, sorted(comments.items()), silences, bucket))

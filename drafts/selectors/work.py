"""Reads of background work: a person's own jobs, and how a document's messages stand (editors)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, QuerySet
from django.http import Http404

from drafts.models import Document, Draft, Job, Notice, OutboundMail

if TYPE_CHECKING:
    from drafts.access import UserModel


def job_for(user: UserModel, job_id: int) -> Job:
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

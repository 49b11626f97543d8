"""The outbox: every message the app sends is recorded, sent by a task, retried, and accounted for.

1. A service records a :class:`Notice` in its own transaction (``notice_record``): the change and the
   duty to tell people of it commit together, or not at all.
2. After the commit, a task expands the notice into one :class:`OutboundMail` per recipient who may
   read what it quotes (``notice_expand``; DESIGN rule 7, through ``notifications``). Expanding twice
   writes nothing the second time.
3. A task sends the messages (``mails_deliver``) over one connection. A message is claimed before it
   is sent, so two senders never send it twice; a failure is recorded with its reason and retried
   with a growing delay, up to ``MAX_ATTEMPTS``; then it is *failed*, and an editor can send it again.
4. ``outbox_sweep`` (every half minute, from the worker's beat) picks up whatever a lost task left:
   notices never expanded, messages due for a retry, claims of a sender that was killed.

No request ever waits for SMTP, and no request fails because mail failed.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from drafts import access
from drafts.access import Action
from drafts.models import Document, Draft, DraftComment, Invitation, Notice, OutboundMail
from drafts.services import notifications
from drafts.services.background import enqueue_on_commit

if TYPE_CHECKING:
    from drafts.access import UserModel

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8  # about two hours of retries: 30 s, 1, 2, 4, 8, 16, 32 and 64 min apart


def claim_length() -> timedelta:
    """How long a sender holds the one message it is sending: longer than a send may take (connect, send
    and quit, each up to EMAIL_TIMEOUT). A sender killed mid-send holds that one message this long."""
    return timedelta(seconds=3 * settings.EMAIL_TIMEOUT + 30)

SWEEP_GRACE = timedelta(seconds=30)  # what the sweep leaves to the task that was just enqueued
BATCH = 100


def retry_delay(attempts: int) -> timedelta:
    """How long after its ``attempts``-th failure a message is tried again (30 s, then doubling)."""
    return timedelta(seconds=settings.OUTBOX_RETRY_SECONDS * 2 ** max(attempts - 1, 0))


# 1. Record ---------------------------------------------------------------------------------------


def notice_record(
    kind: Notice.Kind,
    *,
    document: Document,
    draft: Draft | None = None,
    comment: DraftComment | None = None,
    invitation: Invitation | None = None,
    **data: object,
) -> Notice:
    """Record that people must be told of something, in the caller's transaction; expanded after it commits."""
    notice = Notice.objects.create(
        kind=kind, document=document, draft=draft, comment=comment, invitation=invitation, data=data
    )
    enqueue_on_commit("notice_expand", notice.pk)
    return notice


# 2. Expand ---------------------------------------------------------------------------------------


def _followup(notice: Notice) -> list[notifications.Mail]:
    assert notice.comment is not None
    return notifications.followup_mails(notice.comment)


def _draft_published(notice: Notice) -> list[notifications.Mail]:
    assert notice.draft is not None
    previous = Draft.objects.get(pk=notice.data["previous"])
    return notifications.draft_published_mails(notice.draft, previous)


def _decisions_published(notice: Notice) -> list[notifications.Mail]:
    assert notice.draft is not None
    return notifications.decisions_published_mails(notice.draft, list(notice.data["comments"]))


def _invitation(notice: Notice) -> list[notifications.Mail]:
    assert notice.invitation is not None
    return notifications.invitation_mails(notice.invitation, has_account=bool(notice.data["has_account"]))


def _silence(notice: Notice) -> list[notifications.Mail]:
    assert notice.draft is not None
    return notifications.silence_mails(notice.draft, ended=notice.kind == Notice.Kind.SILENCE_ENDED)


_MAILS: dict[str, Callable[[Notice], list[notifications.Mail]]] = {
    Notice.Kind.FOLLOWUP: _followup,
    Notice.Kind.DRAFT_PUBLISHED: _draft_published,
    Notice.Kind.DECISIONS_PUBLISHED: _decisions_published,
    Notice.Kind.INVITATION: _invitation,
    Notice.Kind.SILENCE_BROKEN: _silence,
    Notice.Kind.SILENCE_ENDED: _silence,
}


@transaction.atomic
def notice_expand(notice_id: int) -> list[int]:
    """Write the notice's messages, once; returns their ids (none if it was expanded already or is gone)."""
    notice = (
        Notice.objects.select_for_update(of=("self",))
        .select_related("document", "draft", "comment", "invitation")
        .filter(pk=notice_id, expanded_at__isnull=True)
        .first()
    )
    if notice is None:
        return []
    mails, seen = [], set()
    for mail in _MAILS[notice.kind](notice):
        if mail.to.lower() in seen:
            continue  # one message per address, even if two accounts somehow share it
        seen.add(mail.to.lower())
        mails.append(OutboundMail(notice=notice, to=mail.to, subject=notifications.one_line(mail.subject)[:300],
                                  body=mail.body))
    OutboundMail.objects.bulk_create(mails)
    notice.expanded_at = timezone.now()
    notice.save(update_fields=["expanded_at"])
    ids = [m.pk for m in mails]
    if ids:
        enqueue_on_commit("mails_deliver", ids)
    return ids


# 3. Deliver --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Delivery:
    sent: int
    failed: int
    retry: list[int]  # ids still queued after this attempt

    @property
    def retry_in(self) -> float:
        """Seconds until the earliest of them is due."""
        due = OutboundMail.objects.filter(pk__in=self.retry).order_by("next_attempt_at").first()
        return max((due.next_attempt_at - timezone.now()).total_seconds(), 1.0) if due else 0.0


def _free() -> Q:
    """Held by no sender now."""
    return Q(claimed_until__isnull=True) | Q(claimed_until__lt=timezone.now())


def _sendable(mail_ids: Sequence[int]) -> list[OutboundMail]:
    """Of these, the messages queued, due and held by no sender now (each is claimed as it is sent)."""
    due = OutboundMail.objects.filter(
        _free(), pk__in=mail_ids, state=OutboundMail.State.QUEUED, next_attempt_at__lte=timezone.now()
    )
    return list(due.order_by("pk"))


def _claim(mail: OutboundMail) -> bool:
    """Take the message if it is still queued, due and held by no other sender (one conditional UPDATE)."""
    now = timezone.now()
    mail.claimed_until = now + claim_length()
    return bool(
        OutboundMail.objects.filter(
            _free(), pk=mail.pk, state=OutboundMail.State.QUEUED, next_attempt_at__lte=now
        ).update(claimed_until=mail.claimed_until)
    )


def _failed(mail: OutboundMail, error: BaseException) -> None:
    mail.attempts += 1
    mail.last_error = f"{type(error).__name__}: {error}"[:1000]
    mail.claimed_until = None
    if mail.attempts >= MAX_ATTEMPTS:
        mail.state = OutboundMail.State.FAILED
    else:
        mail.next_attempt_at = timezone.now() + retry_delay(mail.attempts)
    mail.save(update_fields=["attempts", "last_error", "claimed_until", "state", "next_attempt_at"])


def mails_deliver(mail_ids: Sequence[int]) -> Delivery:
    """Send these messages if they are still to be sent; record, for each, what happened."""
    sendable = _sendable(mail_ids)
    if not sendable:
        return Delivery(0, 0, [])
    sent = failed = 0
    mails: list[OutboundMail] = []
    connection = get_connection(fail_silently=False, timeout=settings.EMAIL_TIMEOUT)
    try:
        connection.open()
    except Exception as error:  # refused, timed out, TLS or login failed: every message waits for the retry
        for mail in sendable:
            if _claim(mail):
                _failed(mail, error)
                mails.append(mail)
        logger.warning("Mail server unavailable (%s); %d message(s) will be retried.", error, len(mails))
        return _delivery(mails, 0, len(mails))
    try:
        for mail in sendable:
            # Claimed one at a time, as it is sent: a sender killed now holds this one message only.
            if not _claim(mail):
                continue
            mails.append(mail)
            message = EmailMessage(mail.subject, mail.body, settings.DEFAULT_FROM_EMAIL, [mail.to])
            try:
                connection.send_messages([message])
            except Exception as error:  # one refused recipient must not hold back the others
                _failed(mail, error)
                failed += 1
                continue
            mail.state, mail.sent_at, mail.claimed_until = OutboundMail.State.SENT, timezone.now(), None
            mail.attempts += 1
            mail.save(update_fields=["state", "sent_at", "claimed_until", "attempts"])
            sent += 1
    finally:
        with contextlib.suppress(Exception):  # the messages are recorded; a failing QUIT changes nothing
            connection.close()
    return _delivery(mails, sent, failed)


def _delivery(mails: list[OutboundMail], sent: int, failed: int) -> Delivery:
    retry = [m.pk for m in mails if m.state == OutboundMail.State.QUEUED]
    return Delivery(sent, failed, retry)


# 4. Sweep, and sending again ---------------------------------------------------------------------


@dataclass(frozen=True)
class Sweep:
    expanded: int
    sent: int
    failed: int


def outbox_sweep(*, now_due: bool = False) -> Sweep:
    """Expand notices and send messages that no task took care of; ``now_due`` skips the grace period
    (the command and the tests, where nothing else is running)."""
    cutoff = timezone.now() - (timedelta(0) if now_due else SWEEP_GRACE)
    expanded = 0
    for notice_id in Notice.objects.filter(expanded_at__isnull=True, created_at__lte=cutoff).values_list(
        "pk", flat=True
    )[:BATCH]:
        expanded += bool(notice_expand(notice_id))
    sent = failed = 0
    now = timezone.now()
    due = OutboundMail.objects.filter(state=OutboundMail.State.QUEUED, next_attempt_at__lte=now).filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )
    if not now_due:
        due = due.filter(created_at__lte=cutoff)
    ids = list(due.order_by("next_attempt_at").values_list("pk", flat=True)[:BATCH])
    if ids:
        delivery = mails_deliver(ids)
        sent, failed = delivery.sent, delivery.failed
    return Sweep(expanded, sent, failed)


@transaction.atomic
def mails_send_again(*, user: UserModel, document: Document, mail_ids: Sequence[int]) -> int:
    """An editor sends failed messages of their document again: queued now, with a fresh count of attempts."""
    access.require(user, document, Action.MANAGE_DRAFTS)
    again = OutboundMail.objects.filter(
        pk__in=mail_ids, notice__document=document, state=OutboundMail.State.FAILED
    )
    ids = list(again.values_list("pk", flat=True))
    again.update(state=OutboundMail.State.QUEUED, attempts=0, next_attempt_at=timezone.now(), claimed_until=None)
    if ids:
        enqueue_on_commit("mails_deliver", ids)
    return len(ids)

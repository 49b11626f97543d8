"""``deliver_outbox``: send what the outbox holds now (the beat sweep's work, once, without waiting)."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from drafts.models import OutboundMail
from drafts.services import outbox, tracking


class Command(BaseCommand):
    help = (
        "Send every queued message that is due and write the messages of notices not yet expanded (the end "
        "of a silence procedure whose deadline passed among them), now, "
        "as the worker's sweep does every half minute. For a site run without a worker, or to see at once "
        "whether the mail server takes mail again. Prints how many were sent, failed for good, and left "
        "for a later retry."
    )

    def handle(self, *args, **options) -> None:
        tracking.silence_endings_record()
        sweep = outbox.outbox_sweep(now_due=True)
        waiting = OutboundMail.objects.filter(state=OutboundMail.State.QUEUED).count()
        self.stdout.write(f"expanded {sweep.expanded}\tsent {sweep.sent}\tfailed {sweep.failed}\tqueued {waiting}")

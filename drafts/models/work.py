"""Work done after the request: the outbox of messages, and jobs that take longer than a page may.

Both are records first and tasks second. A notice is written in the same transaction as the change
people must hear of, so it commits or rolls back with it; a task (``drafts.tasks``) turns it into
one message per recipient and sends each. If the queue is down when the change commits, the notice
waits in the database and the sweep sends it later: nothing is lost, and an editor can see, message
by message, what went out, what is still queued and why one failed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drafts.models.documents import Document


class Notice(models.Model):
    """Something that happened that people must be told of; a task expands it into messages."""

    class Kind(models.TextChoices):
        FOLLOWUP = "followup", _("New comment for followers")
        DRAFT_PUBLISHED = "draft_published", _("A new draft is out")
        DECISIONS_PUBLISHED = "decisions_published", _("Decisions published")
        INVITATION = "invitation", _("Invitation")
        SILENCE_BROKEN = "silence_broken", _("Silence broken")
        SILENCE_ENDED = "silence_ended", _("Silence procedure ended")

    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="notices")
    draft = models.ForeignKey("drafts.Draft", on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    comment = models.ForeignKey(
        "drafts.DraftComment", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    invitation = models.ForeignKey(
        "drafts.Invitation", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    # What else the kind needs, as ids and flags only: the previous draft, the decided comments.
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    expanded_at = models.DateTimeField(_("messages written"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notice")
        verbose_name_plural = _("notices")
        indexes = [models.Index(fields=["expanded_at", "created_at"], name="notice_pending")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.document})"


class OutboundMail(models.Model):
    """One message to one person, with what became of it."""

    class State(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="mails")
    to = models.EmailField(_("to"))
    subject = models.CharField(_("subject"), max_length=300)
    body = models.TextField(_("body"))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("queued"), default=timezone.now)
    next_attempt_at = models.DateTimeField(_("next attempt"), default=timezone.now)
    # A sender holds the message until then; a sender killed mid-send lets it go when this passes.
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("outgoing message")
        verbose_name_plural = _("outgoing messages")
        constraints = [models.UniqueConstraint(fields=["notice", "to"], name="mail_once_per_notice")]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="mail_due")]

    def __str__(self) -> str:
        return f"{self.to}: {self.subject} ({self.get_state_display()})"


class Job(models.Model):
    """Long work (an import, an export) done by a task while the person watches its progress page."""

    class Kind(models.TextChoices):
        IMPORT_PREVIEW = "import_preview", _("Preview of an import")
        IMPORT_APPLY = "import_apply", _("Import")
        EXPORT = "export", _("Export")

    class State(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, null=True, blank=True, related_name="jobs")
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.QUEUED)
    # The input: parameters as JSON, the uploaded text (Markdown) apart, since it may be large.
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    text = models.TextField(_("input"), blank=True)
    done = models.PositiveIntegerField(_("done"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    step = models.CharField(_("step"), max_length=200, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    output = models.BinaryField(_("file"), null=True, blank=True)
    output_name = models.CharField(_("file name"), max_length=200, blank=True)
    output_type = models.CharField(_("file type"), max_length=120, blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("job")
        verbose_name_plural = _("jobs")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk} ({self.get_state_display()})"

    def get_absolute_url(self) -> str:
        return reverse("drafts:job", args=[self.pk])

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

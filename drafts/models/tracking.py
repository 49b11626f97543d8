"""The tracker: where each section stands (its status and who holds the pen) and silence procedures."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drafts.models.documents import Section, SectionStatus
from drafts.models.drafts import Draft

REASON_MAX_LENGTH = 2000


class StatusChange(models.Model):
    """One change of a section's status: who, when, from what to what, and why."""

    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=20, choices=SectionStatus.choices)
    to_status = models.CharField(_("to"), max_length=20, choices=SectionStatus.choices)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(_("changed"), default=timezone.now)
    reason = models.TextField(_("reason"), max_length=REASON_MAX_LENGTH)
    # The version whose save reopened an agreed section, when that is what changed the status.
    version = models.ForeignKey(
        "reversion.Version", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["section", "changed_at", "pk"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(from_status=models.F("to_status")), name="status_change_changes"
            ),
            models.CheckConstraint(
                condition=models.Q(from_status__in=SectionStatus.values) & models.Q(to_status__in=SectionStatus.values),
                name="status_change_known",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.section.key}: {self.from_status} → {self.to_status}"


class PenHolder(models.Model):
    """A working-group member assigned to hold the pen on a section."""

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="pen_holders")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="pens")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    assigned_at = models.DateTimeField(_("assigned"), default=timezone.now)

    class Meta:
        ordering = ["section", "assigned_at", "pk"]
        verbose_name = _("pen-holder")
        verbose_name_plural = _("pen-holders")
        constraints = [models.UniqueConstraint(fields=["section", "user"], name="pen_holder_once_per_section")]

    def __str__(self) -> str:
        return f"{self.user} – {self.section.key}"


class Silence(models.Model):
    """A frozen draft placed under silence until a deadline.

    Its state is derived, never stored: before ``until`` it is under silence; after it, adopted under
    silence if nobody broke it, else broken. A scheduler only sends the e-mail; it decides nothing.
    """

    class State(models.TextChoices):
        UNDER_SILENCE = "under_silence", _("Under silence")
        ADOPTED = "adopted", _("Adopted under silence")
        BROKEN = "broken", _("Silence broken")

    draft = models.OneToOneField(Draft, on_delete=models.PROTECT, related_name="silence")
    until = models.DateTimeField(_("under silence until"))
    placed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    placed_at = models.DateTimeField(_("placed"), default=timezone.now)
    # When the "silence has ended" notice was recorded (once), by the sweep that noticed the deadline.
    end_noticed_at = models.DateTimeField(_("end announced"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-until"]
        verbose_name = _("silence procedure")
        verbose_name_plural = _("silence procedures")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(until__gt=models.F("placed_at")), name="silence_ends_after_placed"
            )
        ]

    def __str__(self) -> str:
        return f"{self.draft} – {self.until:%Y-%m-%d %H:%M}"

    def state(self, breaks: int, at: datetime | None = None) -> str:
        """The state at ``at`` (default now), given how many breaks were recorded before the deadline."""
        at = at or timezone.now()
        if breaks:
            return self.State.BROKEN
        return self.State.UNDER_SILENCE if at < self.until else self.State.ADOPTED

    def is_running(self, at: datetime | None = None) -> bool:
        return (at or timezone.now()) < self.until


class SilenceBreak(models.Model):
    """An invited stakeholder breaking silence before the deadline, with a written reason."""

    silence = models.ForeignKey(Silence, on_delete=models.PROTECT, related_name="breaks")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    # As they were when silence was broken, like a comment's.
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=20, blank=True)
    reason = models.TextField(_("reason"), max_length=REASON_MAX_LENGTH)
    broken_at = models.DateTimeField(_("broken"), default=timezone.now)

    class Meta:
        ordering = ["silence", "broken_at", "pk"]
        verbose_name = _("silence break")
        verbose_name_plural = _("silence breaks")
        constraints = [models.UniqueConstraint(fields=["silence", "user"], name="silence_broken_once_per_person")]

    def __str__(self) -> str:
        return f"{self.user} – {self.silence}"

"""Invitations to a document's restricted drafts, and forms already submitted once."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drafts.models.documents import Document


class Invitation(models.Model):
    """An editor's invitation of an e-mail address to a document's restricted drafts.

    Nobody gets access from an address typed by the editor: the invitation is e-mailed as a signed
    link, and access goes to the signed-in account that accepts it, which proves it reads that address.
    """

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("e-mail"))
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("sent"), default=timezone.now)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)

    class Meta:
        ordering = ["document", "-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} → {self.document}"

    @property
    def accepted(self) -> bool:
        return self.accepted_by_id is not None


class Submission(models.Model):
    """A form that was submitted and did its work, under the one-time key the form carried.

    A repeated submit (a double click, a reload, a retry after a timeout) finds its key here and
    returns the first result instead of doing the work twice.
    """

    key = models.CharField(_("key"), max_length=64)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(_("action"), max_length=40)
    result = models.PositiveBigIntegerField(_("result"))
    created_at = models.DateTimeField(_("submitted"), default=timezone.now)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("submission")
        verbose_name_plural = _("submissions")
        constraints = [models.UniqueConstraint(fields=["user", "action", "key"], name="submission_once")]

    def __str__(self) -> str:
        return f"{self.action} {self.key}"

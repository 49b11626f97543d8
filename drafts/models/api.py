"""Keys for the REST API: each person makes and revokes their own, for each tool that reads for them."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def key_digest(key: str) -> str:
    """What is stored of a key: its SHA-256 (the key itself is shown once, when it is made)."""
    return hashlib.sha256(key.encode()).hexdigest()


class ApiToken(models.Model):
    """One API key of one person. A revoked key stays (who had it, when it was last used) and is refused."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, help_text=_("What the key is for, e.g. “Delegation tool”."))
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(max_length=8, editable=False)  # the key's first characters, to tell keys apart
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("API key")
        verbose_name_plural = _("API keys")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

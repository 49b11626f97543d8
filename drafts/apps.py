from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DraftsConfig(AppConfig):
    name = "drafts"
    verbose_name = _("Drafting")
    default_auto_field = "django.db.models.BigAutoField"

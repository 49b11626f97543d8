from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class DraftsConfig(AppConfig):
    name = "drafts"
    verbose_name = _("Drafting")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import guidance.checks  # noqa: F401 - registers the production secret-key check
        from drafts import triggers
        from drafts.sites import name_the_site

        # Lifted before a migrate that runs migrations (SQLite cannot rebuild a table another table's
        # trigger reads) and (re)installed after every migrate: SQLite drops triggers on table rebuilds.
        pre_migrate.connect(triggers.uninstall_before_migrate, sender=self)
        post_migrate.connect(triggers.install_after_migrate, sender=self)
        post_migrate.connect(name_the_site, sender=self)

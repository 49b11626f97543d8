from __future__ import annotations

from django.apps import AppConfig
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_migrate, pre_migrate
from django.utils.translation import gettext_lazy as _


class DraftsConfig(AppConfig):
    name = "drafts"
    verbose_name = _("Drafting")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        import guidance.checks  # noqa: F401 - registers the production secret-key check
        from drafts import search_schema, tasks, triggers  # noqa: F401 - tasks registers the background work with Celery
        from drafts.sites import name_the_site

        # Lifted before a migrate that runs migrations (SQLite cannot rebuild a table another table's
        # trigger reads) and (re)installed after every migrate: SQLite drops triggers on table rebuilds.
        pre_migrate.connect(triggers.uninstall_before_migrate, sender=self)
        post_migrate.connect(triggers.install_after_migrate, sender=self)
        post_migrate.connect(search_schema.install_after_migrate, sender=self)
        post_migrate.connect(name_the_site, sender=self)
        user_logged_in.connect(_remember_time_zone, dispatch_uid="drafts.time_zone")


def _remember_time_zone(sender, request, user, **kwargs) -> None:
    """On sign-in, keep the person's time zone preference in the session (one query, once)."""
    from drafts.middleware import remember_time_zone
    from drafts.models import Profile

    if request is not None:
        remember_time_zone(request, Profile.objects.filter(user=user).values_list("time_zone", flat=True).first() or "")

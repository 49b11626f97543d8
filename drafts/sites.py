"""The Site record names this deployment in e-mails (django-comments-xtd's and ours)."""

from __future__ import annotations

from django.conf import settings


def name_the_site(sender, using: str = "default", **kwargs) -> None:
    """Keep Site 1 in step with SITE_DOMAIN and SITE_NAME after every migrate."""
    from django.contrib.sites.models import Site

    Site.objects.using(using).update_or_create(
        pk=settings.SITE_ID, defaults={"domain": settings.SITE_DOMAIN, "name": settings.SITE_NAME}
    )

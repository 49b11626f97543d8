"""Production refuses the development secret key: at start-up (WSGI/ASGI) and in ``check --deploy``."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.core.exceptions import ImproperlyConfigured

MESSAGE = (
    "SECRET_KEY is the development key while DEBUG is off. Set SECRET_KEY to a long random value "
    "(or DEBUG=1 for local development)."
)


def uses_development_secret() -> bool:
    return not settings.DEBUG and settings.SECRET_KEY == settings.DEVELOPMENT_SECRET_KEY


def refuse_development_secret() -> None:
    """Raise before a production server starts with the development secret key."""
    if uses_development_secret():
        raise ImproperlyConfigured(MESSAGE)


@register(Tags.security, deploy=True)
def development_secret_check(app_configs=None, **kwargs) -> list[Error]:
    return [Error(MESSAGE, id="guidance.E001")] if uses_development_secret() else []

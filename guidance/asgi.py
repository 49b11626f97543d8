"""ASGI entry point. Refuses to start with the development secret key."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guidance.settings")
application = get_asgi_application()

from guidance.checks import refuse_development_secret  # noqa: E402 - needs the settings loaded above

refuse_development_secret()

"""WSGI entry point: ``gunicorn guidance.wsgi``. Refuses to start with the development secret key."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guidance.settings")
application = get_wsgi_application()

from guidance.checks import refuse_development_secret  # noqa: E402 - needs the settings loaded above

refuse_development_secret()

"""WSGI entry point: ``gunicorn guidance.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guidance.settings")
application = get_wsgi_application()

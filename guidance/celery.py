"""The task queue: ``celery -A guidance worker`` runs ``drafts.tasks`` beside the web processes.

Without a broker (``CELERY_BROKER_URL`` / ``REDIS_URL`` unset, as under ``make run`` and the tests)
tasks run in-process the moment they are enqueued, so a newcomer needs nothing but the app.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guidance.settings")

app = Celery("guidance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

"""The project package; the task queue's app is loaded with it, so ``@shared_task`` finds it."""

from guidance.celery import app as celery_app

__all__ = ["celery_app"]

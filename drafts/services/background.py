"""Handing work to the task queue, after the transaction that asked for it has committed.

Services name a task (``drafts.tasks.<name>``) rather than import it: tasks sit above services in the
layers. Enqueueing never fails a request: the work is recorded in the database before it is
enqueued (a notice, a job), so when the broker is down the periodic sweep finds it and starts it.
"""

from __future__ import annotations

import logging
import time
from functools import partial

from celery import current_app
from django.db import transaction
from kombu.exceptions import OperationalError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
_last_warning = 0.0
# A broker that is down or unreachable: kombu wraps transport errors in its OperationalError.
_UNREACHABLE = (OSError, OperationalError, RedisError)


def enqueue(task: str, *args: object, countdown: float | None = None) -> bool:
    """Start ``drafts.tasks.<task>`` (in-process at once when eager); False if the broker could not take it."""
    global _last_warning
    try:
        current_app.tasks[f"drafts.tasks.{task}"].apply_async(args=args, countdown=countdown)
    except _UNREACHABLE as error:
        if time.monotonic() - _last_warning > 60:  # once a minute at most, not once per request
            _last_warning = time.monotonic()
            logger.warning("Task queue unreachable (%s); %s will be started by the sweep.", error, task)
        return False
    return True


def enqueue_on_commit(task: str, *args: object) -> None:
    """Enqueue once the current transaction commits (at once outside one); never if it rolls back."""
    transaction.on_commit(partial(enqueue, task, *args))

"""Background work on the task queue (Celery): mail from the outbox, long imports and exports.

Each task is thin, like a view: it names the service that does the work. Every task is idempotent
(the outbox claims a message before sending it; a job runs once), so a task delivered twice, after
a worker was killed or a broker restarted, does no harm.
"""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from drafts.services import jobs, outbox, tracking


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def notice_expand(notice_id: int) -> int:
    """One message per recipient of a notice; then they are sent."""
    return len(outbox.notice_expand(notice_id))


@shared_task(bind=True, autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=5)
def mails_deliver(self, mail_ids: list[int]) -> int:
    """Send the messages; those that failed are tried again later, each time after a longer wait."""
    delivery = outbox.mails_deliver(mail_ids)
    if delivery.retry and not self.request.is_eager:
        # In-process (make run, the tests) a retry would run at once; the sweep tries them when due.
        raise self.retry(args=(delivery.retry,), countdown=delivery.retry_in, max_retries=outbox.MAX_ATTEMPTS)
    return delivery.sent


@shared_task
def outbox_sweep() -> int:
    """What no task took care of (every half minute): notices never expanded, messages due for a
    retry, jobs never started or left half-way; and the end of each silence procedure whose deadline
    passed is announced."""
    tracking.silence_endings_record()
    sweep = outbox.outbox_sweep()
    jobs.jobs_sweep()
    return sweep.sent


@shared_task(autoretry_for=(DatabaseError,), retry_backoff=True, max_retries=3)
def job_run(job_id: int) -> str:
    """An import or an export, its progress recorded as it goes."""
    return jobs.job_run(job_id)

"""Jobs: work too long for a request (an import of thousands of sections, a PDF), run by a task.

The page that starts a job returns at once with the job's address; that page shows its progress and
then its result. A job runs once: ``job_run`` claims it (queued → running) with a conditional
update, so a task delivered twice does nothing the second time. What a job does is looked up by its
kind in :data:`HANDLERS`: each handler takes the job and a ``progress(done, total, step)`` callback
and returns the result (a dict shown by the job page), or raises ``JobFailed`` with a message for
the person who started it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import override

from drafts.models import Document, Job
from drafts.services.background import enqueue_on_commit

if TYPE_CHECKING:
    from drafts.access import UserModel

logger = logging.getLogger(__name__)

Progress = Callable[[int, int, str], None]

# What each kind of job does: "module.function", called as handler(job, progress) -> dict.
HANDLERS: dict[str, str] = {
    Job.Kind.IMPORT_PREVIEW: "drafts.services.import_jobs.import_preview",
    Job.Kind.IMPORT_APPLY: "drafts.services.import_jobs.import_apply",
    Job.Kind.EXPORT: "drafts.services.export_jobs.export_run",
}


class JobFailed(Exception):
    """The job could not do its work; the message is shown to the person who started it."""


def job_start(
    *,
    user: UserModel,
    kind: Job.Kind,
    document: Document | None = None,
    params: dict[str, Any] | None = None,
    text: str = "",
) -> Job:
    """Record a job and start it once the caller's transaction commits. Access is the caller's to check."""
    job = Job.objects.create(kind=kind, user=user, document=document, params=params or {}, text=text)
    enqueue_on_commit("job_run", job.pk)
    return job


def _progress(job_id: int) -> Progress:
    def report(done: int, total: int, step: str = "") -> None:
        # Its own statement, outside the job's work: the progress page sees it while the work goes on.
        Job.objects.filter(pk=job_id).update(done=done, total=total, step=step[:200])

    return report


def job_run(job_id: int) -> str:
    """Do the job if nobody has started it; returns its final state."""
    if not Job.objects.filter(pk=job_id, state=Job.State.QUEUED).update(
        state=Job.State.RUNNING, started_at=timezone.now()
    ):
        return Job.objects.filter(pk=job_id).values_list("state", flat=True).first() or "gone"
    job = Job.objects.select_related("user", "document").get(pk=job_id)
    handler = import_string(HANDLERS[job.kind])
    language = job.params.get("language") or "en"
    try:
        with override(language):
            result = handler(job, _progress(job.pk))
    except JobFailed as failure:
        _finish(job, Job.State.FAILED, error=str(failure))
    except Exception:
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        with override(language):
            _finish(job, Job.State.FAILED, error=_("Something went wrong on our side; nothing was changed."))
    else:
        _finish(job, Job.State.DONE, result=result or {})
    return Job.objects.values_list("state", flat=True).get(pk=job.pk)


def _finish(job: Job, state: Job.State, *, result: dict | None = None, error: str = "") -> None:
    fields = {"state": state, "finished_at": timezone.now(), "error": error}
    if result is not None:
        fields["result"] = result
    with transaction.atomic():
        Job.objects.filter(pk=job.pk).update(**fields)


def job_output(job: Job, *, data: bytes, name: str, content_type: str) -> None:
    """Keep the file a job made, for its page's download link."""
    Job.objects.filter(pk=job.pk).update(output=data, output_name=name, output_type=content_type)


STALLED_AFTER = 30 * 60  # seconds a job may run before the sweep calls it interrupted (a killed worker)


def jobs_sweep() -> int:
    """Start jobs whose task was lost; fail those whose worker died mid-way (they can be started again)."""
    now = timezone.now()
    waiting = Job.objects.filter(state=Job.State.QUEUED, created_at__lte=now - timedelta(seconds=30))
    started = 0
    for pk in waiting.values_list("pk", flat=True)[:100]:
        job_run(pk)
        started += 1
    Job.objects.filter(state=Job.State.RUNNING, started_at__lte=now - timedelta(seconds=STALLED_AFTER)).update(
        state=Job.State.FAILED,
        finished_at=now,
        error=_("The job was interrupted; nothing was changed. Start it again."),
    )
    return started

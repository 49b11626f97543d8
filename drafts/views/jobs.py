"""The progress page of a long import or export, and the file it made."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from drafts import selectors
from drafts.models import Job
from drafts.services import export_jobs
from drafts.views.common import download

REFRESH_SECONDS = 2


@require_GET
def job_detail(request: HttpRequest, job_id: int) -> HttpResponse:
    """How far the job is, reloading itself (no JavaScript needed) until it is done; then its result."""
    job = selectors.job_for(request.user, job_id)
    response = render(
        request,
        "drafts/job.html",
        {"job": job, "refresh": None if job.finished else REFRESH_SECONDS, "result": f"drafts/jobs/{job.kind}.html"},
    )
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def job_file(request: HttpRequest, job_id: int) -> HttpResponse:
    """The file a finished export made, for its starter."""
    job = selectors.job_for(request.user, job_id)
    if job.output is None or not job.output_name:
        raise Http404
    if job.kind == Job.Kind.EXPORT and not export_jobs.export_readable(job):
        raise Http404
    return download(bytes(job.output), job.output_name)

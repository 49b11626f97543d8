"""Imports too long for a request: the preview of a revised file, applying it, a new document from a big file.

The upload page asks :func:`import_needs_job`; for a long file it starts a preview job
(:func:`import_preview_start`) and sends the person to the job's page at once. The preview
(:func:`import_preview`) is the dry run of :func:`~drafts.services.imports.document_import`: what would
be added, modified, moved, removed and restored, and the working copy's state token it saw. Its page
offers "Apply as one change", which starts an apply job (:func:`import_apply_start`) from the preview's
own text; the apply (:func:`import_apply`) refuses if the working copy changed since the preview, then
imports in one transaction, its progress counted as sections are saved. Staff starting a document from
a long file get one apply job (:func:`document_create_start`).

Each handler acts as ``job.user`` through ``document_import``, which checks access itself: a person who
lost their role between the click and the run imports nothing.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, connection, transaction
from django.db.models.signals import post_save
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from drafts import access, interchange, selectors
from drafts.access import Action
from drafts.models import Document, Job, Section
from drafts.services.imports import ImportReport, document_import
from drafts.services.jobs import JobFailed, Progress, job_start

if TYPE_CHECKING:
    from drafts.access import UserModel
    from drafts.interchange import ParsedDocument

logger = logging.getLogger(__name__)

# The fewest parsed sections that make an import a job. Measured in the request (SQLite, development
# machine; a revision with every body changed, the worst case for both steps), preview / apply:
# 100 sections 0.14 / 0.40 s, 200 0.27 / 1.24 s, 300 0.59 / 1.70 s, 600 1.74 / 5.1 s, 1,000 3.6 / 10 s,
# 1,980 5.6 / 14 s. A revision changing one section in twenty previews 1,980 sections in 0.4 s, but the
# file's length is all the upload knows before the dry run, and creating a document costs what applying
# every section does (300 sections 1.4 s, 1,000 6 s). From 300 sections on, a page could keep someone
# waiting for seconds: those go to a job; below, the preview stays in the request with the full compare.
JOB_MIN_SECTIONS = 300
# Sections listed per kind of change on a job's page; the counts are always whole.
LISTED_MAX = 200
CHANGE_KINDS = ("added", "modified", "moved", "removed", "restored")

# Said by the page that applies a preview in the request too; translated where it is shown.
WORKING_COPY_CHANGED = gettext_noop(
    "The working copy changed after your preview. Upload the file again to see what it would change now."
)


def import_needs_job(parsed: ParsedDocument) -> bool:
    """Whether a file this long is previewed and imported by a job rather than in the request."""
    return len(parsed.sections) >= JOB_MIN_SECTIONS


def import_preview_start(
    *, user: UserModel, document: Document, text: str, message: str = "", name: str = "", language: str | None = None
) -> Job:
    """Start the preview of ``text`` (the uploaded file as Markdown) as a revision of ``document``.

    ``message`` is offered again when applying; ``name`` is the file's, shown on the page. Raises
    ``PermissionDenied`` unless ``user`` may import revisions of the document.
    """
    access.require(user, document, Action.MANAGE_DRAFTS)
    params = {"slug": document.slug, "message": message, "file": name,
              "language": language or translation.get_language()}
    return job_start(user=user, kind=Job.Kind.IMPORT_PREVIEW, document=document, params=params, text=text)


def import_apply_start(
    *, user: UserModel, document: Document, preview: Job, message: str = "", language: str | None = None
) -> Job:
    """Start applying ``preview`` (a finished preview job of ``user``'s for ``document``) as one change.

    Its text is the one previewed, never one posted again. Applying the same preview twice (a double
    click) returns the first apply job unless that one failed. Raises ``PermissionDenied`` unless
    ``user`` may import revisions, and ``ValidationError`` for a job that is not such a preview or a
    preview with nothing to apply.
    """
    access.require(user, document, Action.MANAGE_DRAFTS)
    if (preview.user_id, preview.kind, preview.document_id, preview.state) != (
        user.pk, Job.Kind.IMPORT_PREVIEW, document.pk, Job.State.DONE
    ):
        raise ValidationError(_("This is not a finished preview of this document; upload the file again."),
                              code="not_a_preview")
    if not preview.result.get("changed"):
        raise ValidationError(_("The file matches the working copy: nothing to import."), code="nothing")
    earlier = (
        Job.objects.filter(kind=Job.Kind.IMPORT_APPLY, user=user, document=document, params__preview=preview.pk)
        .exclude(state=Job.State.FAILED)
        .defer("text", "output")
        .order_by("-created_at", "-pk")
        .first()
    )
    if earlier is not None:
        return earlier
    params = {"preview": preview.pk, "slug": document.slug, "state": preview.result["state"], "message": message,
              "saves": preview.result["saves"], "language": language or translation.get_language()}
    return job_start(user=user, kind=Job.Kind.IMPORT_APPLY, document=document, params=params, text=preview.text)


def document_create_start(
    *,
    user: UserModel,
    parsed: ParsedDocument,
    text: str,
    slug: str,
    title: str = "",
    time_zone: str = "",
    message: str = "",
    language: str | None = None,
) -> Job:
    """Start creating the document ``slug`` from ``text`` (the file as Markdown; ``parsed`` is it read).

    Raises ``PermissionDenied`` unless ``user`` starts documents (staff); the slug is checked again
    when the job runs, since someone may take it in between.
    """
    access.require_document_creator(user)
    params = {"new": True, "slug": slug, "title": title, "time_zone": time_zone, "message": message,
              "saves": len(parsed.sections), "language": language or translation.get_language()}
    return job_start(user=user, kind=Job.Kind.IMPORT_APPLY, params=params, text=text)


def import_preview(job: Job, progress: Progress) -> dict[str, Any]:
    """The job handler (``jobs.HANDLERS``): what importing ``job.text`` into ``job.document`` would change.

    Nothing is written. The result holds the counts, the first :data:`LISTED_MAX` sections of each kind
    of change, the number of sections applying would save, and the working copy's state token.
    """
    failure = _("The file cannot be imported: %(error)s")
    document = _document(job, failure)
    progress(0, 2, _("Reading the file"))
    parsed = _parsed(job.text, failure)
    progress(1, 2, _("Comparing with the working copy"))
    with transaction.atomic():
        # The token of the working copy the dry run compares with, so an apply can tell it is the same.
        state = selectors.working_copy_token(document)
        report = _imported(
            lambda: document_import(parsed=parsed, slug=document.slug, user=job.user, update=True, dry_run=True),
            failure,
        )
    progress(2, 2, "")
    return {
        **_report_result(report, _headings(document, parsed)),
        "state": state,
        "saves": _saves(report),
        "sections": len(parsed.sections),
        "message": job.params.get("message", ""),
        "file": job.params.get("file", ""),
    }


def import_apply(job: Job, progress: Progress) -> dict[str, Any]:
    """The job handler (``jobs.HANDLERS``): import ``job.text``, as a revision of ``job.document`` (refused
    if its working copy is no longer the one previewed) or, with ``params["new"]``, as a new document.

    All or nothing, in one transaction; progress is the count of sections saved.
    """
    params = job.params
    aside = _progress_aside_possible()
    failure = _("Nothing was imported: %(error)s")
    parsed = _parsed(job.text, failure)
    total = params.get("saves") or len(parsed.sections)
    step = _("Saving the sections")
    progress(0, total, step)
    with transaction.atomic():
        if params.get("new"):
            document = None
            # Taken since the form checked it: said as the form says it, not as a revision's refusal.
            if Document.objects.filter(slug__iexact=params["slug"]).exists():
                raise JobFailed(failure % {"error": _("A document with this slug exists already.")})
        else:
            document = _document(job, failure)
            # Locked first, so an import or a freeze starting meanwhile waits for this one.
            Document.objects.select_for_update().filter(pk=document.pk).values_list("pk", flat=True).get()
            if selectors.working_copy_token(document) != params.get("state"):
                raise JobFailed(_(WORKING_COPY_CHANGED))
        with _saves_counted(progress, total=total, step=step, aside=aside) as saved:
            report = _imported(
                lambda: document_import(
                    parsed=parsed,
                    slug=params["slug"],
                    user=job.user,
                    title=params.get("title", ""),
                    update=document is not None,
                    message=params.get("message", ""),
                    time_zone=params.get("time_zone", ""),
                ),
                failure,
            )
        if report.document is not None and document is None:
            Job.objects.filter(pk=job.pk).update(document=report.document)
    progress(max(total, saved.count), max(total, saved.count), "")
    imported = cast(Document, report.document)  # only a dry run of a new document has none
    return {
        **_report_result(report, _headings(imported, parsed)),
        "created": report.created_document,
        "slug": imported.slug,
        "title": imported.title,
        "sections": len(parsed.sections),
    }


def _document(job: Job, failure: str) -> Document:
    """The job's document, if its starter may still import revisions of it (asked before anything is read)."""
    if job.document is None:
        raise JobFailed(_("The document is gone; nothing was imported."))
    try:
        access.require(job.user, job.document, Action.MANAGE_DRAFTS)
    except PermissionDenied as refusal:
        raise JobFailed(failure % {"error": refusal}) from refusal
    return job.document


def _parsed(text: str, failure: str) -> ParsedDocument:
    try:
        return interchange.parse_markdown(text)
    except interchange.ImportError_ as error:
        raise JobFailed(failure % {"error": error}) from error


def _imported(run: Callable[[], ImportReport], failure: str) -> ImportReport:
    """``run()``'s report, or ``JobFailed`` with the service's refusal in words (nothing was written:
    ``document_import`` is one transaction)."""
    try:
        report = run()
    except ValidationError as error:
        raise JobFailed(failure % {"error": " ".join(error.messages)}) from error
    except PermissionDenied as error:
        raise JobFailed(failure % {"error": str(error) or _("you may no longer do this.")}) from error
    return report


def _saves(report: ImportReport) -> int:
    """How many section saves applying the report makes: one per added, changed or removed section."""
    return (len(report.added) + len(report.removed)
            + len(set(report.modified) | set(report.moved) | set(report.restored)))


def _headings(document: Document, parsed: ParsedDocument) -> dict[str, str]:
    """Each key's heading: the file's for the sections it keys, else the working copy's."""
    headings = dict(Section.objects.filter(document=document).values_list("key", "heading"))
    headings.update({s.key: s.heading for s in parsed.sections if s.key})
    # An added section without a key in the file gets one made from its heading ("guideline-2" when
    # "guideline" is taken): found again by that heading's slug.
    for parsed_section in parsed.sections:
        if not parsed_section.key:
            headings.setdefault(slugify(parsed_section.heading)[:60].strip("-"), parsed_section.heading)
    return headings


def _heading(key: str, headings: dict[str, str]) -> str:
    return headings.get(key) or headings.get(re.sub(r"-\d+$", "", key), "")


def _report_result(report: ImportReport, headings: dict[str, str]) -> dict[str, Any]:
    """The report as a job's result (JSON): the counts, and the first sections of each kind of change."""
    return {
        "counts": report.counts,
        "changed": report.changed,
        "changes": {
            kind: [{"key": key, "heading": _heading(key, headings)} for key in getattr(report, kind)[:LISTED_MAX]]
            for kind in CHANGE_KINDS
        },
        "unlisted": {kind: max(0, len(getattr(report, kind)) - LISTED_MAX) for kind in CHANGE_KINDS},
    }


# Progress while the import's transaction is open -----------------------------------------------------------


@dataclass
class _SavedCount:
    count: int = 0


@contextmanager
def _saves_counted(progress: Progress, *, total: int, step: str, aside: bool) -> Iterator[_SavedCount]:
    """Count the sections saved in this thread while the block runs, and report the count every ~1% of
    ``total`` (a hundred small updates however long the file).

    ``document_import`` saves each new or changed section once; listening to ``post_save`` (as the
    ``import_document`` command's progress bar does) counts them without the service knowing of jobs.
    Only this thread's saves count: a worker running several jobs at once keeps each one's count apart.
    """
    saved = _SavedCount()
    every = max(1, -(-total // 100))  # rounded up: at most a hundred
    report: Progress = _ProgressAside(progress) if aside else progress
    thread = threading.get_ident()

    def on_save(**kwargs: Any) -> None:
        if threading.get_ident() != thread:
            return
        saved.count += 1
        if saved.count % every == 0:
            report(saved.count, max(total, saved.count), step)

    uid = f"import-job-progress-{id(saved)}"
    post_save.connect(on_save, sender=Section, weak=False, dispatch_uid=uid)
    try:
        yield saved
    finally:
        post_save.disconnect(sender=Section, dispatch_uid=uid)
        if isinstance(report, _ProgressAside):
            report.close()


def _progress_aside_possible() -> bool:
    """Whether progress can be written beside the import's transaction, by a second connection.

    PostgreSQL lets it write the job's row while the import holds its own rows, so the progress page sees
    each figure as it is written. SQLite allows one writer at a time (and the import holds the lock from
    its first statement); and inside a transaction already (the tests run jobs in theirs) the job's row is
    not committed for another connection to see. There, progress goes through the import's own connection
    and the page sees the last figure when the import commits.
    """
    return connection.vendor != "sqlite" and not connection.in_atomic_block


class _ProgressAside:
    """Progress written by a thread of its own, hence through a database connection of its own, outside
    the import's transaction. The import never waits for it, and a failed write only costs a figure."""

    def __init__(self, progress: Progress) -> None:
        self._progress = progress
        self._figures: queue.SimpleQueue[tuple[int, int, str] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._write, name="import-job-progress", daemon=True)
        self._thread.start()

    def __call__(self, done: int, total: int, step: str = "") -> None:
        self._figures.put((done, total, step))

    def close(self) -> None:
        self._figures.put(None)
        self._thread.join(timeout=30)

    def _write(self) -> None:
        try:
            while (figures := self._figures.get()) is not None:
                try:
                    self._progress(*figures)
                except DatabaseError:
                    logger.warning("Could not record an import's progress", exc_info=True)
        finally:
            connection.close()  # this thread's connection, opened by its first write

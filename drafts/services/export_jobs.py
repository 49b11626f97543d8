"""Exports too long for a request: a big draft as Word or PDF, a long comparison as a PDF redline.

A download page asks :func:`draft_export_needs_job` (or :func:`compare_pdf_needs_job`); when the file
would take more than a moment it starts a job with :func:`draft_export_start` (or
:func:`compare_pdf_start`) and sends the person to the job's page, which offers the file once made.
Visitors and small files keep the download made in the request: a job belongs to a signed-in person.

The job (:func:`export_run`) makes the file from its parameters alone, as the person who started it,
through the selectors the download uses, when it runs: their access may have changed since the click,
and a draft they may no longer read is not exported. A frozen draft never changes, so asking again for
the same file returns the job that made it (or is making it) instead of making it twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from drafts import access, interchange, selectors
from drafts.access import Action
from drafts.models import Document, Draft, DraftSection, Job
from drafts.presenting import comparison
from drafts.presenting.documents import draft_furniture
from drafts.services.jobs import JobFailed, Progress, job_output, job_start

if TYPE_CHECKING:
    from drafts.access import User, UserModel

# The most sections a download makes in the request; past them a job makes the file. Measured the request's
# way (bench/exports.py's documents and furniture, 2-core development machine), Word / PDF: 20 sections
# 0.3 / 1.3 s, 40 0.5 / 2.4 s, 60 0.6 / 3.1 s, 100 0.8 / 6.5 s, 200 2.0 / 13.5 s (2,000: 25 / 140 s). So a
# PDF past 60 sections, or Word past 200, would keep a person on a blank page for more than 2-3 s.
# Markdown and HTML are never jobs: 200 sections take 0.0002 s and 0.3 s (2,000: 0.01 s and 3 s).
EXPORT_INLINE_MAX_SECTIONS = {"docx": 200, "pdf": 60}
# The PDF redline prints the changed sections only, at the draft PDF's cost per section (32 changed
# sections 2.1 s, 72 4.1 s, 131 7.5 s, the comparison included): the same limit, on changed sections.
COMPARE_PDF_INLINE_MAX_CHANGED = EXPORT_INLINE_MAX_SECTIONS["pdf"]

_CONTENT_TYPES = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}
_DRAFT, _COMPARE_PDF = "draft", "compare_pdf"


def draft_export_needs_job(*, user: User, draft: Draft, fmt: str) -> bool:
    """Whether this download of ``draft`` is long enough to be made by a job (signed-in people only)."""
    limit = EXPORT_INLINE_MAX_SECTIONS.get(fmt)
    if limit is None or not user.is_authenticated:
        return False
    return DraftSection.objects.filter(draft=draft).count() > limit


def compare_pdf_needs_job(*, user: User, changed: int) -> bool:
    """Whether a PDF redline of ``changed`` sections is long enough to be made by a job."""
    return user.is_authenticated and changed > COMPARE_PDF_INLINE_MAX_CHANGED


def draft_export_start(*, user: UserModel, draft: Draft, fmt: str, language: str | None = None) -> Job:
    """The job making ``draft`` as ``fmt`` (Word or PDF) for ``user``, in ``language`` (the active one).

    Returns the user's job that already made this file (its file kept) or is still making it, if any;
    else starts one. Raises ``PermissionDenied`` if the user may not read the draft.
    """
    if fmt not in _CONTENT_TYPES:
        raise ValueError(f"{fmt!r} is made in the request; jobs make {', '.join(_CONTENT_TYPES)}")
    access.require(user, draft.document, Action.READ_DRAFT, draft)
    params = {"export": _DRAFT, "slug": draft.document.slug, "draft": draft.number, "format": fmt,
              "language": language or translation.get_language()}
    return _same_job(user, params, finished=True) or job_start(
        user=user, kind=Job.Kind.EXPORT, document=draft.document, params=params
    )


def compare_pdf_start(
    *, user: UserModel, document: Document, old_ref: str, new_ref: str, language: str | None = None
) -> Job:
    """The job making the PDF redline from ``old_ref`` to ``new_ref`` (draft numbers or ``working``).

    Dates are written in the active time zone, as the page would. A job still making the same redline
    is returned rather than a second started; a finished one is not: the reasons shown (versions,
    comments, what the reader may see of them) may have changed since. Raises ``PermissionDenied``
    unless the user may compare both sides.
    """
    if any(selectors.compare_side(user, document, ref) is None for ref in (old_ref, new_ref)):
        raise PermissionDenied(_("You cannot compare these drafts."))
    params = {"export": _COMPARE_PDF, "slug": document.slug, "from": old_ref, "to": new_ref,
              "language": language or translation.get_language(),
              "time_zone": timezone.get_current_timezone_name()}
    return _same_job(user, params, finished=False) or job_start(
        user=user, kind=Job.Kind.EXPORT, document=document, params=params
    )


def _same_job(user: UserModel, params: dict[str, Any], *, finished: bool) -> Job | None:
    """The user's newest export job with these parameters still to run or running, or (``finished``)
    done with its file kept."""
    reusable = Q(state__in=(Job.State.QUEUED, Job.State.RUNNING))
    if finished:
        reusable |= Q(state=Job.State.DONE, output__isnull=False)
    same = Job.objects.filter(kind=Job.Kind.EXPORT, user=user, **{f"params__{k}": v for k, v in params.items()})
    return same.filter(reusable).defer("output", "text").order_by("-created_at", "-pk").first()


def export_readable(job: Job) -> bool:
    """Whether the job's starter may still read what its file holds: a file made while they could is not
    handed out once they no longer may (DESIGN rule 7)."""
    user, params = job.user, job.params
    document = _visible_document(user, params.get("slug", ""))
    if document is None:
        return False
    if params.get("export") == _COMPARE_PDF:
        return all(selectors.compare_side(user, document, params[ref]) is not None for ref in ("from", "to"))
    return selectors.drafts_visible_to(user, document).filter(number=params.get("draft")).exists()


def export_run(job: Job, progress: Progress) -> dict[str, Any]:
    """The job handler (``jobs.HANDLERS``): make the file ``job.params`` describe, as ``job.user``, and keep it.

    Raises ``JobFailed`` when the user may no longer read what is exported, or the converter could
    not make the file (the reason said).
    """
    if job.params.get("export") == _COMPARE_PDF:
        return _compare_pdf(job, progress)
    return _draft_file(job, progress)


def _visible_document(user: UserModel, slug: str) -> Document | None:
    return selectors.documents_visible_to(user).filter(slug=slug).first()


def _draft_file(job: Job, progress: Progress) -> dict[str, Any]:
    user, fmt = job.user, job.params["format"]
    document = _visible_document(user, job.params["slug"])
    draft = None if document is None else selectors.drafts_visible_to(user, document).filter(
        number=job.params["draft"]).first()
    if document is None or draft is None:
        raise JobFailed(_("This draft is no longer one you may read, so its file was not made."))
    progress(0, 2, _("Collecting the sections"))
    sections = selectors.draft_export_sections(draft)
    furniture = draft_furniture(draft)
    progress(1, 2, _("Making the PDF") if fmt == "pdf" else _("Making the Word file"))
    content = _converted(lambda: interchange.export_as(
        fmt, title=document.title, label=furniture.label, scheme=document.numbering, language=document.language,
        sections=sections, furniture=furniture, pdf_seconds=interchange.PDF_MAX_SECONDS_OFFLINE))
    return _kept(job, content, f"{document.slug}-draft-{draft.number}.{fmt}", sections=len(sections))


def _compare_pdf(job: Job, progress: Progress) -> dict[str, Any]:
    user, params = job.user, job.params
    document = _visible_document(user, params["slug"])
    old = new = None
    if document is not None:
        old, new = (selectors.compare_side(user, document, params[ref]) for ref in ("from", "to"))
    if document is None or old is None or new is None:
        raise JobFailed(_("You may no longer see both sides of this comparison, so its PDF was not made."))
    with timezone.override(params.get("time_zone") or document.time_zone):
        progress(0, 2, _("Collecting the sections"))
        view = comparison.compare(old, new, changed_only=False, reasons=selectors.change_reasons(user, old, new))
        page = comparison.printable_redline(view, symbol=document.symbol)
    progress(1, 2, _("Making the PDF"))
    content = _converted(lambda: interchange.html_to_pdf(page, max_seconds=interchange.PDF_MAX_SECONDS_OFFLINE))
    return _kept(job, content, f"{document.slug}-{old.ref}-to-{new.ref}.pdf", sections=view.changed_count)


def _converted(make: Callable[[], str | bytes]) -> bytes:
    try:
        content = make()
    except interchange.ExportFailed as failure:
        raise JobFailed(_("The file could not be made: %(reason)s") % {"reason": failure}) from failure
    return content if isinstance(content, bytes) else content.encode()


def _kept(job: Job, content: bytes, name: str, *, sections: int) -> dict[str, Any]:
    job_output(job, data=content, name=name, content_type=_CONTENT_TYPES[name.rsplit(".", 1)[-1]])
    return {"name": name, "size": len(content), "sections": sections}

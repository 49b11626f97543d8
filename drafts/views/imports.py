"""Documents from files: start a new one (staff), or preview and apply a revised file (editors).

A long file (``import_jobs.import_needs_job``) is previewed and imported by a job: the upload returns at
once with the job's page, which shows its progress and then its result. Shorter files are previewed in
the request, with the full compare.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from drafts import access, forms, interchange, selectors, services
from drafts.access import Action
from drafts.models import Document
from drafts.presenting import comparison
from drafts.services import import_jobs
from drafts.values import Side
from drafts.views.common import acting_user, attempt, document_for, posted


@require_http_methods(["GET", "POST"])
def document_revise(request: HttpRequest, slug: str) -> HttpResponse:
    """Upload a revised file: first a preview of what would change, then apply it as one change."""
    document, _access = document_for(request, slug, Action.MANAGE_DRAFTS)
    if request.method == "POST" and "job" in request.POST:
        return _apply_preview_job(request, document)
    if request.method == "POST" and "apply" in request.POST:
        apply = forms.ApplyImportForm(request.POST)
        if apply.is_valid():
            if apply.cleaned_data["state"] != selectors.working_copy_token(document):
                messages.error(request, _(import_jobs.WORKING_COPY_CHANGED))
                return redirect("drafts:document_revise", slug=slug)
            try:
                parsed = interchange.parse_markdown(apply.cleaned_data["markdown_text"])
                report = services.document_import(
                    parsed=parsed,
                    slug=slug,
                    user=acting_user(request),
                    update=True,
                    message=apply.cleaned_data["message"],
                )
            except (interchange.ImportError_, ValidationError) as error:
                messages.error(request, _("Nothing was imported: %(error)s") % {"error": error})
                return redirect("drafts:document_revise", slug=slug)
            messages.success(request, _("Imported: %(summary)s.") % {"summary": report.summary()})
            return redirect(document)
    form = forms.ImportForm(posted(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        if import_jobs.import_needs_job(form.parsed):
            job = import_jobs.import_preview_start(
                user=acting_user(request),
                document=document,
                text=form.markdown_text,
                message=form.cleaned_data["message"],
                name=form.cleaned_data["file"].name,
            )
            return redirect(job)
        preview = attempt(
            form,
            lambda: services.document_import(
                parsed=form.parsed, slug=slug, user=acting_user(request), update=True, dry_run=True
            ),
        )
        if preview is not None:
            working = Side(document, None, selectors.working_copy_states(document))
            uploaded = Side(document, None, services.parsed_states(form.parsed), name=form.cleaned_data["file"].name)
            apply = forms.ApplyImportForm(
                initial={
                    "markdown_text": form.markdown_text,
                    "state": selectors.working_copy_token(document),
                    "message": form.cleaned_data["message"],
                }
            )
            return render(
                request,
                "drafts/import_preview.html",
                {
                    "document": document,
                    "report": preview,
                    "view": comparison.compare(working, uploaded),
                    "apply": apply,
                    "mode": "inline",
                },
            )
    return render(request, "drafts/import.html", {"document": document, "form": form, **_job_hint()})


def _apply_preview_job(request: HttpRequest, document: Document) -> HttpResponse:
    """Apply a preview job's file as one change, by a job; someone else's preview is a 404."""
    form = forms.ApplyPreviewForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(error) for errors in form.errors.values() for error in errors))
        return redirect("drafts:document_revise", slug=document.slug)
    preview = selectors.job_for(request.user, form.cleaned_data["job"])
    try:
        job = import_jobs.import_apply_start(
            user=acting_user(request), document=document, preview=preview, message=form.cleaned_data["message"]
        )
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
        return redirect("drafts:document_revise", slug=document.slug)
    return redirect(job)


@require_http_methods(["GET", "POST"])
def document_create(request: HttpRequest) -> HttpResponse:
    """Staff start a new document from a file; they become its editor."""
    if not access.can_create_documents(request.user):
        raise Http404
    form = forms.NewDocumentForm(posted(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if import_jobs.import_needs_job(form.parsed):
            job = import_jobs.document_create_start(
                user=acting_user(request),
                parsed=form.parsed,
                text=form.markdown_text,
                slug=data["slug"],
                title=data["title"],
                time_zone=data["time_zone"],
                message=data["message"],
            )
            return redirect(job)
        report = attempt(
            form,
            lambda: services.document_import(
                parsed=form.parsed,
                slug=data["slug"],
                user=acting_user(request),
                title=data["title"],
                message=data["message"],
                time_zone=data["time_zone"],
            ),
        )
        if report is not None and report.document is not None:
            messages.success(
                request,
                _("Created “%(title)s” with %(n)s sections.")
                % {"title": report.document.title, "n": len(report.added)},
            )
            return redirect(report.document)
    return render(request, "drafts/import.html", {"document": None, "form": form, **_job_hint()})


def _job_hint() -> dict[str, int]:
    return {"job_min_sections": import_jobs.JOB_MIN_SECTIONS}

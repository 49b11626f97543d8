"""Frozen drafts: the list, the reading page, downloads; freezing and a draft's settings (editors)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from drafts import forms, interchange, rendering, selectors, services
from drafts.access import Action
from drafts.models import Draft, SectionStatus
from drafts.numbering import display_number
from drafts.presenting.documents import draft_furniture
from drafts.services import export_jobs
from drafts.views.common import acting_user, attempt, document_for, download_made, draft_for, posted
from drafts.views.public_pages import public_page


@require_GET
def draft_list(request: HttpRequest, slug: str) -> HttpResponse:
    document, access = document_for(request, slug)
    drafts = selectors.drafts_visible_to(request.user, document).order_by("-number")
    return render(
        request,
        "drafts/draft_list.html",
        {"document": document, "drafts": drafts, "can_manage": access.allows(Action.MANAGE_DRAFTS)},
    )


READING_VIEWS = ("as_is", "clean", "options")  # ?view=: the text as is, the agreed text only, options side by side


@require_safe
@public_page("view")
def draft_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    draft, access = draft_for(request, slug, number)
    document = draft.document
    view = request.GET.get("view", "as_is")
    if view not in READING_VIEWS:
        view = "as_is"
    snapshots = selectors.draft_sections(draft)
    silence = selectors.silence_of(request.user, draft)
    rendered = rendering.render_many(
        [(s.body, s.anchor, s.number or s.heading) for s in snapshots],
        language=document.language, clean=view == "clean",
    )
    counts = selectors.comment_counts(selectors.comments_visible_to(request.user, draft))
    sections = []
    for snapshot, body in zip(snapshots, rendered, strict=True):
        paragraphs = [
            (n, counts[(snapshot.pk, n)]) for n in range(1, body.paragraph_count + 1) if (snapshot.pk, n) in counts
        ]
        sections.append(
            {
                "snapshot": snapshot,
                "html": body.html,
                "level": min(snapshot.depth + 2, 6),
                "label": display_number(snapshot.number, snapshot.depth, document.numbering, document.language),
                "whole": counts.get((snapshot.pk, None), 0),
                "paragraphs": paragraphs,
                "total": counts.get((snapshot.pk, None), 0) + sum(n for _p, n in paragraphs),
            }
        )
    return render(
        request,
        "drafts/draft_detail.html",
        {
            "document": document,
            "draft": draft,
            "sections": sections,
            "general_count": counts.get((None, None), 0),
            "comment_total": sum(counts.values()),
            "can_manage": access.allows(Action.MANAGE_COMMENTS),
            "can_see_all_comments": access.in_working_group,
            "view": view,
            "silence": silence,
            "can_break": access.allows(Action.BREAK_SILENCE, draft)
            and not (silence and silence.broken_by(request.user)),
            "can_place_silence": access.allows(Action.MANAGE_DRAFTS),
            "show_status": access.in_working_group or any(s.status != SectionStatus.DRAFTING for s in snapshots),
        },
    )


@require_GET
def draft_export(request: HttpRequest, slug: str, number: int, fmt: str) -> HttpResponse:
    """A draft the person may read, as Markdown (re-importable), printable HTML, Word or PDF (as circulated);
    a long Word or PDF file is made by a job, whose page a signed-in person is sent to."""
    draft, _access = draft_for(request, slug, number)
    if fmt not in interchange.EXPORT_FORMATS:
        raise Http404
    if export_jobs.draft_export_needs_job(user=request.user, draft=draft, fmt=fmt):
        job = export_jobs.draft_export_start(user=acting_user(request), draft=draft, fmt=fmt)
        return HttpResponseRedirect(job.get_absolute_url(), status=303)
    document, furniture = draft.document, draft_furniture(draft)
    return download_made(
        request,
        lambda: interchange.export_as(fmt, title=document.title, label=furniture.label, scheme=document.numbering,
                                      language=document.language, sections=selectors.draft_export_sections(draft),
                                      furniture=furniture),
        f"{document.slug}-draft-{draft.number}.{fmt}",
    )


@require_http_methods(["GET", "POST"])
def draft_freeze(request: HttpRequest, slug: str) -> HttpResponse:
    document, _access = document_for(request, slug, Action.MANAGE_DRAFTS)
    form = forms.DraftFreezeForm(posted(request))
    if request.method == "POST" and form.is_valid():
        settings_fields = {name: form.cleaned_data[name] for name in Draft.EDITABLE_FIELDS}
        draft = attempt(
            form,
            lambda: services.draft_freeze(
                document=document,
                user=acting_user(request),
                submission=form.cleaned_data["submission"],
                keep_previous_open=form.cleaned_data["keep_previous_open"],
                **settings_fields,
            ),
        )
        if draft is not None:
            messages.success(request, _("Froze %(draft)s.") % {"draft": draft.title})
            return redirect(draft)
    return render(
        request,
        "drafts/draft_freeze.html",
        {"document": document, "form": form, "taking_comments": selectors.drafts_taking_comments(document)},
    )


@require_http_methods(["GET", "POST"])
def draft_settings(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    document, _access = document_for(request, slug, Action.MANAGE_DRAFTS)
    draft: Draft = get_object_or_404(selectors.drafts_visible_to(request.user, document), number=number)
    form = forms.DraftSettingsForm(posted(request), instance=draft)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in Draft.EDITABLE_FIELDS}
        if attempt(form, lambda: services.draft_update_settings(draft=draft, user=acting_user(request), **changes)):
            messages.success(request, _("Saved the settings of %(draft)s.") % {"draft": draft.title})
            return redirect(draft)
    return render(request, "drafts/draft_settings.html", {"document": document, "draft": draft, "form": form})

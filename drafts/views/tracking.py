"""The tracker's pages: a section's status and pen-holders, "my sections", the progress dashboard,
and the silence procedure on a draft."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from drafts import forms, selectors, services
from drafts.access import Action
from drafts.models import SectionStatus
from drafts.presenting import progress as progress_presenting
from drafts.values import parse_id
from drafts.views.common import acting_user, attempt, document_for, draft_for, posted, section_of


@require_http_methods(["GET", "POST"])
def section_status(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """Move a section to its next status, or back, with a reason."""
    document, access = document_for(request, slug, Action.CHANGE_STATUS)
    section = section_of(document, key)
    moves = services.allowed_statuses(section.status, may_agree=access.may_agree())
    allowed = [(s, str(SectionStatus(s).label)) for s in moves]
    form = forms.StatusChangeForm(posted(request), allowed=allowed)
    if request.method == "POST" and form.is_valid():
        change = attempt(
            form,
            lambda: services.section_status_change(
                section=section, user=acting_user(request), to_status=form.cleaned_data["to_status"],
                reason=form.cleaned_data["reason"],
            ),
        )
        if change is not None:
            messages.success(
                request,
                _("“%(heading)s” is now “%(status)s”.")
                % {"heading": section.heading, "status": SectionStatus(change.to_status).label},
            )
            return redirect(section)
    return render(
        request,
        "drafts/tracking/section_status.html",
        {"document": document, "section": section, "form": form, "allowed": allowed,
         "changes": selectors.status_changes(section)},
    )


@require_http_methods(["GET", "POST"])
def section_pen_holders(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """Editors: who holds the pen on a section."""
    document, _access = document_for(request, slug, Action.MANAGE_MEMBERS)
    section = section_of(document, key)
    current = selectors.pen_holders_by_section(document).get(section.pk, [])
    form = forms.PenHoldersForm(
        posted(request), candidates=selectors.pen_holder_candidates(document),
        initial={"holders": [u.pk for u in current]},
    )
    if request.method == "POST" and form.is_valid():
        held = attempt(
            form,
            lambda: services.section_pen_holders_set(
                section=section, user=acting_user(request), holders=form.cleaned_data["holders"]
            ),
        )
        if held is not None:
            messages.success(request, _("Saved the pen-holders of “%(heading)s”.") % {"heading": section.heading})
            return redirect(section)
    return render(
        request, "drafts/tracking/section_pen_holders.html", {"document": document, "section": section, "form": form}
    )


@login_required
@require_GET
def my_sections(request: HttpRequest) -> HttpResponse:
    """The sections whose pen the signed-in person holds, on every document."""
    return render(request, "drafts/tracking/my_sections.html", {"held": selectors.sections_held_by(request.user)})


@require_http_methods(["GET", "POST"])
def document_progress(request: HttpRequest, slug: str) -> HttpResponse:
    """The dashboard: sections by status, brackets and their trend, comments pending, pen-holder workload."""
    document, access = document_for(request, slug, Action.SEE_WORKING_COPY)
    setting = forms.DocumentTrackingForm(posted(request), initial={"pen_holders_only": document.pen_holders_only})
    if request.method == "POST":
        access.require(Action.MANAGE_MEMBERS)
        if setting.is_valid():
            services.document_pen_holders_only_set(
                document=document, user=acting_user(request), on=setting.cleaned_data["pen_holders_only"]
            )
            messages.success(request, _("Saved the document's setting."))
            return redirect("drafts:document_progress", slug=slug)
    drafts = list(selectors.drafts_visible_to(request.user, document).order_by("number"))
    chosen = request.GET.get("draft", "working")
    draft = None
    if chosen != "working":
        number = parse_id(chosen)
        draft = next((d for d in drafts if d.number == number), None)
        if draft is None:
            raise Http404
    progress = selectors.progress(request.user, document, draft)
    return render(
        request,
        "drafts/tracking/progress.html",
        {
            "document": document, "drafts": drafts, "draft": draft, "progress": progress,
            "charts": progress_presenting.charts_for(progress), "setting": setting if access.is_editor else None,
        },
    )


@require_http_methods(["GET", "POST"])
def silence_place(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Editors: place a frozen draft under silence until a deadline."""
    draft, _access = draft_for(request, slug, number, Action.MANAGE_DRAFTS)
    document = draft.document
    form = forms.SilencePlaceForm(posted(request))
    if request.method == "POST" and form.is_valid():
        silence = attempt(
            form,
            lambda: services.silence_place(draft=draft, user=acting_user(request), until=form.cleaned_data["until"]),
        )
        if silence is not None:
            messages.success(request, _("%(draft)s is under silence.") % {"draft": draft.title})
            return redirect(draft)
    return render(
        request, "drafts/tracking/silence_place.html",
        {"document": document, "draft": draft, "form": form, "silence": selectors.silence_of(request.user, draft)},
    )


@require_http_methods(["GET", "POST"])
def silence_break(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Invited stakeholders: break the silence on a draft before its deadline, with a reason."""
    draft, _access = draft_for(request, slug, number, Action.BREAK_SILENCE)
    silence = selectors.silence_of(request.user, draft)
    if silence is None:
        raise Http404
    form = forms.SilenceBreakForm(posted(request))
    if request.method == "POST" and form.is_valid():
        broken = attempt(
            form,
            lambda: services.silence_break(draft=draft, user=acting_user(request), reason=form.cleaned_data["reason"]),
        )
        if broken is not None:
            messages.success(request, _("You broke silence on %(draft)s; everyone is told, with your reason.")
                             % {"draft": draft.title})
            return redirect(draft)
    return render(
        request, "drafts/tracking/silence_break.html",
        {"document": draft.document, "draft": draft, "form": form, "silence": silence},
    )

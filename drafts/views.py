"""Pages. Each view checks access through a selector, calls one service or selector, renders."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from reversion.models import Version

from drafts import forms, rendering, selectors, services
from drafts.models import Document, Draft, Section
from drafts.numbering import display_number


def _visible_document(request: HttpRequest, slug: str) -> Document:
    return get_object_or_404(selectors.documents_visible_to(request.user), slug=slug)


def _working_copy_document(request: HttpRequest, slug: str) -> Document:
    """The document, if this person may see its working copy; otherwise a 404 that reveals nothing."""
    document = _visible_document(request, slug)
    if not selectors.can_see_working_copy(request.user, document):
        raise Http404
    return document


def _editor_document(request: HttpRequest, slug: str) -> Document:
    document = _working_copy_document(request, slug)
    if not selectors.can_manage_drafts(request.user, document):
        raise PermissionDenied(_("Only the document's editors can do this."))
    return document


def _section(document: Document, key: str) -> Section:
    return get_object_or_404(Section.objects.select_related("parent"), document=document, key=key)


def _place_choices(document: Document, moving: Section | None = None) -> QuerySet[Section]:
    """Live sections a section may be placed under (never itself or its own subsections)."""
    candidates = Section.objects.filter(document=document, removed=False)
    if moving is not None:
        entries, _removed = selectors.working_copy(document)
        inside, depth = set(), None
        for entry in entries:
            if entry.section.pk == moving.pk:
                depth = entry.depth
                inside.add(entry.section.pk)
            elif depth is not None and entry.depth > depth:
                inside.add(entry.section.pk)
            elif depth is not None:
                depth = None
        candidates = candidates.exclude(pk__in=inside)
    return candidates.order_by("parent_id", "position")


def _posted(request: HttpRequest):
    """The posted data, or None for a GET: an empty POST is still a submission."""
    return request.POST if request.method == "POST" else None


def _form_error(form, error: ValidationError) -> None:
    """Show a service's refusal on the form field it concerns (or on the whole form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# Documents ---------------------------------------------------------------------------------------


@require_GET
def document_list(request: HttpRequest) -> HttpResponse:
    documents = selectors.documents_visible_to(request.user).order_by("title")
    return render(request, "drafts/document_list.html", {"documents": documents})


@require_GET
def document_detail(request: HttpRequest, slug: str) -> HttpResponse:
    document = _visible_document(request, slug)
    drafts = list(selectors.drafts_visible_to(request.user, document).order_by("-number"))
    context = {
        "document": document,
        "drafts": drafts,
        "role": selectors.role_for(request.user, document),
        "can_edit": selectors.can_see_working_copy(request.user, document),
        "can_manage": selectors.can_manage_drafts(request.user, document),
    }
    if context["can_edit"]:
        context["entries"], context["removed"] = selectors.working_copy(document)
    return render(request, "drafts/document_detail.html", context)


# Working copy ------------------------------------------------------------------------------------


@require_GET
def section_detail(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    document = _working_copy_document(request, slug)
    section = _section(document, key)
    entries, _removed = selectors.working_copy(document)
    entry = next((e for e in entries if e.section.pk == section.pk), None)
    label = entry.label if entry else section.heading
    html = rendering.render_cached(
        section.body,
        anchor=entry.anchor if entry else f"s-{section.key}",
        label=entry.number if entry and entry.number else section.heading,
    )
    return render(
        request,
        "drafts/section_detail.html",
        {"document": document, "section": section, "entry": entry, "label": label, "html": html},
    )


@require_http_methods(["GET", "POST"])
def section_edit(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    document = _working_copy_document(request, slug)
    section = _section(document, key)
    if section.removed:
        messages.error(request, _("This section has been removed; restore it before editing."))
        return redirect(section)
    conflict = None
    preview = None
    if request.method == "POST":
        form = forms.SectionEditForm(request.POST)
        if form.is_valid() and "preview" in request.POST:
            preview = rendering.render_markdown(form.cleaned_data["body"], anchor="preview", label=_("Preview")).html
        elif form.is_valid():
            data = form.cleaned_data
            try:
                services.section_update(
                    section=section,
                    user=request.user,
                    base_version=data["base_version"],
                    heading=data["heading"],
                    body=data["body"],
                    numbered=data["numbered"],
                    message=data["message"],
                )
            except services.EditConflict as exc:
                conflict = exc
                # The form now starts from the newer version, so saving again is a deliberate merge.
                form = forms.SectionEditForm(initial={**data, "base_version": exc.section.version_number})
                section = exc.section
            except ValidationError as error:
                _form_error(form, error)
            else:
                messages.success(request, _("Saved a new version of “%(heading)s”.") % {"heading": data["heading"]})
                return redirect(section)
    else:
        form = forms.SectionEditForm(
            initial={
                "heading": section.heading,
                "body": section.body,
                "numbered": section.numbered,
                "base_version": section.version_number,
            }
        )
    status = 409 if conflict else 200
    return render(
        request,
        "drafts/section_edit.html",
        {"document": document, "section": section, "form": form, "preview": preview, "conflict": conflict},
        status=status,
    )


@require_http_methods(["GET", "POST"])
def section_create(request: HttpRequest, slug: str) -> HttpResponse:
    document = _working_copy_document(request, slug)
    parents = _place_choices(document)
    form = forms.SectionCreateForm(
        _posted(request), parents=parents, initial={"parent": request.GET.get("parent"), "numbered": True}
    )
    preview = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "preview" in request.POST:
            preview = rendering.render_markdown(data["body"], anchor="preview", label=_("Preview")).html
        else:
            try:
                section = services.section_create(
                    document=document,
                    user=request.user,
                    heading=data["heading"],
                    body=data["body"],
                    parent=data["parent"],
                    position=data["position"],
                    key=data["key"],
                    numbered=data["numbered"],
                    message=data["message"],
                )
            except ValidationError as error:
                _form_error(form, error)
            else:
                messages.success(request, _("Added “%(heading)s”.") % {"heading": section.heading})
                return redirect(section)
    return render(request, "drafts/section_create.html", {"document": document, "form": form, "preview": preview})


@require_http_methods(["GET", "POST"])
def section_move(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    document = _working_copy_document(request, slug)
    section = _section(document, key)
    form = forms.SectionMoveForm(
        _posted(request),
        parents=_place_choices(document, moving=section),
        initial={"parent": section.parent_id, "position": section.position},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.section_move(
                section=section,
                user=request.user,
                parent=data["parent"],
                position=data["position"],
                message=data["message"],
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Moved “%(heading)s”.") % {"heading": section.heading})
            return redirect(document)
    return render(request, "drafts/section_move.html", {"document": document, "section": section, "form": form})


@require_http_methods(["GET", "POST"])
def section_remove(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    return _flag_section(request, slug, key, services.section_remove, _("Removed “%(heading)s”."), "remove")


@require_http_methods(["GET", "POST"])
def section_restore(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    return _flag_section(request, slug, key, services.section_restore, _("Restored “%(heading)s”."), "restore")


def _flag_section(request: HttpRequest, slug: str, key: str, action, done: str, verb: str) -> HttpResponse:
    """Remove and restore share one confirm-then-act page."""
    document = _working_copy_document(request, slug)
    section = _section(document, key)
    form = forms.MessageForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            action(section=section, user=request.user, message=form.cleaned_data["message"])
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, done % {"heading": section.heading})
            return redirect(document)
    return render(
        request, "drafts/section_confirm.html", {"document": document, "section": section, "form": form, "verb": verb}
    )


@require_GET
def section_history(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    document = _working_copy_document(request, slug)
    section = _section(document, key)
    versions = list(selectors.section_versions(section))
    return render(
        request,
        "drafts/section_history.html",
        {"document": document, "section": section, "versions": versions, "form": forms.MessageForm()},
    )


@require_POST
def section_revert(request: HttpRequest, slug: str, key: str, version_id: int) -> HttpResponse:
    document = _working_copy_document(request, slug)
    section = _section(document, key)
    version = get_object_or_404(selectors.section_versions(section), pk=version_id)
    form = forms.MessageForm(request.POST)
    message = form.cleaned_data["message"] if form.is_valid() else ""
    services.section_revert(section=section, user=request.user, version=version, message=message)
    messages.success(request, _("Reverted “%(heading)s”; the revert is a new version.") % {"heading": section.heading})
    return redirect("drafts:section_history", slug=document.slug, key=section.key)


@require_GET
def section_version(request: HttpRequest, slug: str, key: str, version_id: int) -> HttpResponse:
    document = _working_copy_document(request, slug)
    section = _section(document, key)
    version: Version = get_object_or_404(selectors.section_versions(section), pk=version_id)
    fields = version.field_dict
    html = rendering.render_cached(fields["body"], anchor=f"v{version.pk}", label=fields["heading"])
    return render(
        request,
        "drafts/section_version.html",
        {"document": document, "section": section, "version": version, "fields": fields, "html": html},
    )


# Drafts ------------------------------------------------------------------------------------------


@require_GET
def draft_list(request: HttpRequest, slug: str) -> HttpResponse:
    document = _visible_document(request, slug)
    drafts = selectors.drafts_visible_to(request.user, document).order_by("-number")
    return render(
        request,
        "drafts/draft_list.html",
        {"document": document, "drafts": drafts, "can_manage": selectors.can_manage_drafts(request.user, document)},
    )


@require_GET
def draft_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    document = _visible_document(request, slug)
    draft = get_object_or_404(selectors.drafts_visible_to(request.user, document), number=number)
    snapshots = selectors.draft_sections(draft)
    rendered = rendering.render_many([(s.body, s.anchor, s.number or s.heading) for s in snapshots])
    sections = [
        {
            "snapshot": s,
            "html": html,
            "label": display_number(s.number, s.depth, document.numbering),
            "level": min(s.depth + 2, 6),
        }
        for s, html in zip(snapshots, rendered, strict=True)
    ]
    return render(
        request,
        "drafts/draft_detail.html",
        {
            "document": document,
            "draft": draft,
            "sections": sections,
            "can_manage": selectors.can_manage_drafts(request.user, document),
        },
    )


@require_http_methods(["GET", "POST"])
def draft_freeze(request: HttpRequest, slug: str) -> HttpResponse:
    document = _editor_document(request, slug)
    form = forms.DraftFreezeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            draft = services.draft_freeze(
                document=document,
                user=request.user,
                label=data["label"],
                visibility=data["visibility"],
                status=data["status"],
                comments_open_from=data["comments_open_from"],
                comments_open_until=data["comments_open_until"],
                note=data["note"],
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Froze %(draft)s.") % {"draft": draft.title})
            return redirect(draft)
    return render(request, "drafts/draft_freeze.html", {"document": document, "form": form})


@require_http_methods(["GET", "POST"])
def draft_settings(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    document = _editor_document(request, slug)
    draft: Draft = get_object_or_404(selectors.drafts_visible_to(request.user, document), number=number)
    form = forms.DraftSettingsForm(_posted(request), instance=draft)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.draft_update_settings(
            draft=draft,
            label=data["label"],
            status=data["status"],
            visibility=data["visibility"],
            comments_open_from=data["comments_open_from"],
            comments_open_until=data["comments_open_until"],
            note=data["note"],
        )
        messages.success(request, _("Saved the settings of %(draft)s.") % {"draft": draft.title})
        return redirect(draft)
    return render(request, "drafts/draft_settings.html", {"document": document, "draft": draft, "form": form})

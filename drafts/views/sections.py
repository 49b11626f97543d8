"""The working copy's sections: read, add, edit (optimistically), move, remove, restore, history, revert."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from drafts import forms, rendering, selectors, services
from drafts.access import Action
from drafts.models import Document, Section, SectionStatus
from drafts.presenting import comparison, merging
from drafts.values import SectionState, parse_id
from drafts.views.common import acting_user, attempt, document_for, posted, preview, section_of


@require_GET
def section_detail(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    document, access = document_for(request, slug, Action.SEE_WORKING_COPY)
    section = section_of(document, key)
    holders = selectors.pen_holders_by_section(document).get(section.pk, [])
    entries, _removed = selectors.working_copy(document)
    entry = next((e for e in entries if e.section.pk == section.pk), None)
    label = entry.label if entry else section.heading
    html = rendering.render_cached(
        section.body,
        anchor=entry.anchor if entry else f"s-{section.key}",
        label=entry.number if entry and entry.number else section.heading,
        language=document.language,
    ).html
    return render(
        request,
        "drafts/section_detail.html",
        {
            "document": document, "section": section, "entry": entry, "label": label, "html": html,
            "pen_holders": holders, "can_edit": access.may_edit_section({u.pk for u in holders}),
            "can_assign": access.allows(Action.MANAGE_MEMBERS),
        },
    )


@require_http_methods(["GET", "POST"])
def section_edit(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    document, _access = document_for(request, slug, Action.EDIT_SECTIONS)
    section = section_of(document, key)
    if section.removed:
        messages.error(request, _("This section has been removed; restore it before editing."))
        return redirect(section)
    shown_preview = None

    def citable(refs: list[str]) -> dict:
        return selectors.citable_comments(request.user, document, refs)

    if request.method == "POST" and "preview" in request.POST:
        # A preview needs only the text; the message can wait until saving.
        form = forms.SectionEditForm(initial=request.POST.dict())
        shown_preview = preview(request, saved=section)
    elif request.method == "POST" and "resolve" in request.POST:
        return _settle_conflict(request, document, section, citable)
    elif request.method == "POST":
        form = forms.SectionEditForm(request.POST, citable=citable, agreed=SectionStatus.is_agreed(section.status))
        if form.is_valid():
            data = form.cleaned_data
            try:
                saved = attempt(
                    form,
                    lambda: services.section_save(
                        section=section,
                        user=acting_user(request),
                        base_version=data["base_version"],
                        heading=data["heading"],
                        body=data["body"],
                        numbered=data["numbered"],
                        message=data["message"],
                        addresses=data["addresses"],
                        reopen_reason=data.get("reopen_reason", ""),
                    ),
                )
            except services.EditConflict as exc:
                return _conflict_page(request, document, exc, data, addresses=request.POST.get("addresses", ""))
            if saved is not None:
                _say_saved(request, saved)
                return redirect(saved.section)
    else:
        form = forms.SectionEditForm(
            agreed=SectionStatus.is_agreed(section.status),
            initial={
                "heading": section.heading,
                "body": section.body,
                "numbered": section.numbered,
                "base_version": section.version_number,
            }
        )
    return render(
        request,
        "drafts/section_edit.html",
        {"document": document, "section": section, "form": form, "preview": shown_preview, "conflict": None},
    )


def _say_saved(request: HttpRequest, saved: services.Saved) -> None:
    """The message after a save; after a merge, what was merged with whose version."""
    heading = saved.section.heading
    if saved.merged_with is None or saved.merged_body is None:
        messages.success(request, _("Saved a new version of “%(heading)s”.") % {"heading": heading})
        return
    revision = saved.merged_with.revision
    messages.success(
        request,
        _(
            "Saved a new version of “%(heading)s”. %(who)s had saved version %(number)d meanwhile; their changes "
            "(%(theirs)d) and yours (%(yours)d) did not overlap, so both are kept in one version. Check the history "
            "to see the merge."
        )
        % {
            "heading": heading,
            "who": services.who(revision.user),
            "number": saved.section.version_number - 1,
            "theirs": saved.merged_body.theirs_changes(),
            "yours": saved.merged_body.yours_changes(),
        },
    )


def _conflict_page(
    request: HttpRequest,
    document: Document,
    conflict: services.EditConflict,
    yours: dict,
    *,
    addresses: str,
    form: forms.ConflictResolutionForm | None = None,
) -> HttpResponse:
    """The three-way page: base, theirs and yours for each conflict, every conflict to be settled by a choice."""
    assert conflict.body is not None and conflict.heading is not None
    conflicts = conflict.body.conflicts
    if form is None:
        initial = {
            "heading": yours["heading"],
            "body": yours["body"],
            "numbered": yours["numbered"],
            "message": yours.get("message", ""),
            "addresses": addresses,
            "base_version": conflict.base_version,
            "their_version": conflict.section.version_number,
        }
        initial |= {f"text_{c.index}": c.yours for c in conflicts}
        if not conflict.heading.clean:
            initial["text_heading"] = yours["heading"]
        form = forms.ConflictResolutionForm(
            initial=initial, conflicts=len(conflicts), heading_conflict=not conflict.heading.clean
        )
    heading_conflicts = merging.conflicts_of(conflict.heading)
    return render(
        request,
        "drafts/section_edit.html",
        {
            "document": document,
            "section": conflict.section,
            "conflict": conflict,
            "pieces": merging.three_way(conflict.body),
            "heading_conflict": heading_conflicts[0] if heading_conflicts else None,
            "resolution": form,
            "their_number": form["their_version"].value(),
        },
        status=409,
    )


def _settle_conflict(
    request: HttpRequest, document: Document, section: Section, citable: Callable[[list[str]], dict]
) -> HttpResponse:
    """A three-way page sent back: every conflict settled as chosen, then saved from their version (if
    someone saved again meanwhile, that is merged too, or shown as a new conflict)."""
    base_version = parse_id(request.POST.get("base_version"))
    their_version = parse_id(request.POST.get("their_version"))
    if base_version is None or their_version is None or their_version > section.version_number:
        messages.error(request, _("This merge page is out of date; here is the section as it is now."))
        return redirect("drafts:section_edit", slug=document.slug, key=section.key)
    body = request.POST.get("body", "").replace("\r\n", "\n")
    conflict = services.edit_conflict(
        section, base_version=base_version, their_version=their_version,
        heading=request.POST.get("heading", ""), body=body,
    )
    assert conflict.body is not None and conflict.heading is not None
    form = forms.ConflictResolutionForm(
        request.POST, citable=citable, conflicts=len(conflict.body.conflicts),
        heading_conflict=not conflict.heading.clean,
    )
    addresses = request.POST.get("addresses", "")
    if not form.is_valid():
        return _conflict_page(request, document, conflict, {}, addresses=addresses, form=form)
    data = form.cleaned_data
    heading, settled = services.conflict_settled(conflict, form.choices())
    try:
        saved = attempt(
            form,
            lambda: services.section_save(
                section=section,
                user=acting_user(request),
                base_version=their_version,
                heading=heading or data["heading"],
                body=settled,
                numbered=data["numbered"],
                message=data["message"],
                addresses=data["addresses"],
            ),
        )
    except services.EditConflict as again:
        again_yours = {**data, "heading": heading or data["heading"], "body": settled}
        return _conflict_page(request, document, again, again_yours, addresses=addresses)
    if saved is None:
        return _conflict_page(request, document, conflict, {}, addresses=addresses, form=form)
    messages.success(request, _("Saved a new version of “%(heading)s” with every conflict settled.")
                     % {"heading": saved.section.heading})
    return redirect(saved.section)


@require_http_methods(["GET", "POST"])
def section_create(request: HttpRequest, slug: str) -> HttpResponse:
    document, _access = document_for(request, slug, Action.EDIT_SECTIONS)
    parents = selectors.placement_choices(document)
    form = forms.SectionCreateForm(
        posted(request), parents=parents, initial={"parent": request.GET.get("parent"), "numbered": True}
    )
    shown_preview = None
    if request.method == "POST" and "preview" in request.POST:
        form = forms.SectionCreateForm(parents=parents, initial=request.POST.dict())
        shown_preview = preview(request)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        section = attempt(
            form,
            lambda: services.section_create(
                document=document,
                user=acting_user(request),
                heading=data["heading"],
                body=data["body"],
                parent=data["parent"],
                position=data["position"],
                key=data["key"],
                numbered=data["numbered"],
                message=data["message"],
                submission=data["submission"],
            ),
        )
        if section is not None:
            messages.success(request, _("Added “%(heading)s”.") % {"heading": section.heading})
            return redirect(section)
    return render(
        request, "drafts/section_create.html", {"document": document, "form": form, "preview": shown_preview}
    )


@require_http_methods(["GET", "POST"])
def section_move(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    document, _access = document_for(request, slug, Action.EDIT_SECTIONS)
    section = section_of(document, key)
    form = forms.SectionMoveForm(
        posted(request),
        parents=selectors.placement_choices(document, moving=section),
        initial={"parent": section.parent_id, "position": section.position},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        moved = attempt(
            form,
            lambda: services.section_move(
                section=section, user=acting_user(request), parent=data["parent"], position=data["position"],
                message=data["message"],
            ),
        )
        if moved is not None:
            messages.success(request, _("Moved “%(heading)s”.") % {"heading": section.heading})
            return redirect(document)
    return render(request, "drafts/section_move.html", {"document": document, "section": section, "form": form})


@require_http_methods(["GET", "POST"])
def section_remove(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    return _flag_section(request, slug, key, services.section_remove, _("Removed “%(heading)s”."), "remove")


@require_http_methods(["GET", "POST"])
def section_restore(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    return _flag_section(request, slug, key, services.section_restore, _("Restored “%(heading)s”."), "restore")


def _flag_section(
    request: HttpRequest, slug: str, key: str, action: Callable[..., Section], done: str, verb: str
) -> HttpResponse:
    """Remove and restore share one confirm-then-act page."""
    document, _access = document_for(request, slug, Action.EDIT_SECTIONS)
    section = section_of(document, key)
    form = forms.MessageForm(posted(request))
    if request.method == "POST" and form.is_valid():
        message = form.cleaned_data["message"]
        if attempt(form, lambda: action(section=section, user=acting_user(request), message=message)) is not None:
            messages.success(request, done % {"heading": section.heading})
            return redirect(document)
    return render(
        request, "drafts/section_confirm.html", {"document": document, "section": section, "form": form, "verb": verb}
    )


@require_GET
def section_history(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    document, _access = document_for(request, slug, Action.SEE_WORKING_COPY)
    section = section_of(document, key)
    entries = selectors.section_history(request.user, section)
    rows = list(zip(entries, [*entries[1:], None], strict=True))  # each with the one before it
    return render(
        request,
        "drafts/section_history.html",
        {"document": document, "section": section, "rows": rows, "changes": selectors.status_changes(section)},
    )


@require_http_methods(["GET", "POST"])
def section_revert(request: HttpRequest, slug: str, key: str, version_id: int) -> HttpResponse:
    """Confirm, then revert: the page shows what the revert will change and asks why; GET never writes."""
    document, _access = document_for(request, slug, Action.EDIT_SECTIONS)
    section = section_of(document, key)
    entries = {e.version.pk: e for e in selectors.section_history(request.user, section)}
    entry = entries.get(version_id)
    if entry is None:
        raise Http404
    form = forms.RevertForm(posted(request), initial={"base_version": section.version_number})
    if request.method == "POST" and form.is_valid():
        done = attempt(
            form,
            lambda: services.section_revert(
                section=section, user=acting_user(request), version=entry.version,
                message=form.cleaned_data["message"], base_version=form.cleaned_data["base_version"],
            ),
        )
        if done is not None:
            messages.success(
                request,
                _("Reverted “%(heading)s” to version %(number)d; the revert is a new version.")
                % {"heading": done.heading, "number": entry.number},
            )
            return redirect("drafts:section_history", slug=document.slug, key=section.key)
    current = SectionState(key=section.key, heading=section.heading, body=section.body, parent=None, position=1,
                           number="")
    result = comparison.compare_texts(current, selectors.version_state(section, entry.version))
    return render(
        request,
        "drafts/section_revert.html",
        {"document": document, "section": section, "entry": entry, "form": form, "result": result,
         "current": max(entries.values(), key=lambda e: e.number)},
    )


@require_GET
def section_version(request: HttpRequest, slug: str, key: str, version_id: int) -> HttpResponse:
    document, _access = document_for(request, slug, Action.SEE_WORKING_COPY)
    section = section_of(document, key)
    entry = next((e for e in selectors.section_history(request.user, section) if e.version.pk == version_id), None)
    if entry is None:
        raise Http404
    version, fields = entry.version, entry.version.field_dict
    html = rendering.render_cached(
        fields["body"], anchor=f"v{version.pk}", label=fields["heading"], language=document.language
    ).html
    return render(
        request,
        "drafts/section_version.html",
        {"document": document, "section": section, "version": version, "entry": entry, "fields": fields, "html": html},
    )

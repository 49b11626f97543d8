"""Pages. Each view checks access through a selector, calls one service or selector, renders."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from reversion.models import Version

from drafts import comparing, forms, interchange, matrix, rendering, selectors, services
from drafts.models import Disposition, Document, Draft, DraftSection, Role, Section
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


def _preview(request: HttpRequest):
    """The posted Markdown rendered as it will read (sanitised like everything else); nothing is saved."""
    body = request.POST.get("body", "")[: forms.BODY_MAX_CHARS]
    return mark_safe(rendering.render_markdown(body, anchor="preview", label=_("Preview")).html)  # noqa: S308 - nh3


DOWNLOAD_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


def _download(content: str | bytes, filename: str) -> HttpResponse:
    """A file to save (never shown inline), typed by its extension."""
    response = HttpResponse(content, content_type=DOWNLOAD_TYPES[filename.rsplit(".", 1)[-1]])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


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
    role = selectors.role_for(request.user, document)
    context = {
        "document": document,
        "drafts": drafts,
        "role": Role(role).label if role else None,
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
    ).html
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
    if request.method == "POST" and "preview" in request.POST:
        # A preview needs only the text; the message can wait until saving.
        form = forms.SectionEditForm(initial=request.POST.dict())
        preview = _preview(request)
    elif request.method == "POST":
        form = forms.SectionEditForm(request.POST)
        if form.is_valid():
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
    if request.method == "POST" and "preview" in request.POST:
        form = forms.SectionCreateForm(parents=parents, initial=request.POST.dict())
        preview = _preview(request)
    elif request.method == "POST" and form.is_valid():
        data = form.cleaned_data
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
    versions = list(zip(versions, [*versions[1:], None], strict=True))  # each with the one before it
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
    html = rendering.render_cached(fields["body"], anchor=f"v{version.pk}", label=fields["heading"]).html
    return render(
        request,
        "drafts/section_version.html",
        {"document": document, "section": section, "version": version, "fields": fields, "html": html},
    )


# Import ------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def document_revise(request: HttpRequest, slug: str) -> HttpResponse:
    """Upload a revised file: first a preview of what would change, then apply it as one change."""
    document = _editor_document(request, slug)
    if request.method == "POST" and "apply" in request.POST:
        apply = forms.ApplyImportForm(request.POST)
        if apply.is_valid():
            if apply.cleaned_data["state"] != selectors.working_copy_token(document):
                messages.error(
                    request,
                    _(
                        "The working copy changed after your preview. Upload the file again to "
                        "see what it would change now."
                    ),
                )
                return redirect("drafts:document_revise", slug=slug)
            try:
                parsed = interchange.parse_markdown(apply.cleaned_data["markdown_text"])
                report = services.document_import(
                    parsed=parsed, slug=slug, user=request.user, update=True, message=apply.cleaned_data["message"]
                )
            except (interchange.ImportError_, ValidationError) as error:
                messages.error(request, _("Nothing was imported: %(error)s") % {"error": error})
                return redirect("drafts:document_revise", slug=slug)
            messages.success(request, _("Imported: %(summary)s.") % {"summary": report.summary()})
            return redirect(document)
    form = forms.ImportForm(_posted(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            report = services.document_import(
                parsed=form.parsed, slug=slug, user=request.user, update=True, dry_run=True
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            working = selectors.Side(document, None, selectors.working_copy_states(document))
            uploaded = selectors.Side(
                document, None, services.parsed_states(form.parsed), name=form.cleaned_data["file"].name
            )
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
                    "report": report,
                    "view": comparing.compare(working, uploaded),
                    "apply": apply,
                    "mode": "inline",
                },
            )
    return render(request, "drafts/import.html", {"document": document, "form": form})


@require_http_methods(["GET", "POST"])
def document_create(request: HttpRequest) -> HttpResponse:
    """Staff start a new document from a file; they become its editor."""
    if not (request.user.is_authenticated and request.user.is_staff):
        raise Http404
    form = forms.NewDocumentForm(_posted(request), request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.document_import(
                parsed=form.parsed, slug=data["slug"], user=request.user, title=data["title"], message=data["message"]
            )
        except ValidationError as error:
            _form_error(form, error)
        else:
            messages.success(
                request,
                _("Created “%(title)s” with %(n)s sections.")
                % {"title": report.document.title, "n": len(report.added)},
            )
            return redirect(report.document)
    return render(request, "drafts/import.html", {"document": None, "form": form})


# Compare -----------------------------------------------------------------------------------------


@require_GET
def compare(request: HttpRequest, slug: str) -> HttpResponse:
    """Compare any two drafts the person may see (members: also the working copy)."""
    document = _visible_document(request, slug)
    refs = {str(d.number): d.title for d in selectors.drafts_visible_to(request.user, document).order_by("number")}
    if selectors.can_see_working_copy(request.user, document):
        refs[selectors.WORKING] = _("Working copy")
    if not refs:
        raise Http404
    choices = list(refs)
    old_ref = request.GET.get("from") or choices[max(len(choices) - 2, 0)]
    new_ref = request.GET.get("to") or choices[-1]
    old, new = (selectors.compare_side(request.user, document, ref) for ref in (old_ref, new_ref))
    if old is None or new is None:
        raise Http404
    show_all = request.GET.get("all") == "1"
    mode = "side" if request.GET.get("mode") == "side" else "inline"
    view = comparing.compare(old, new, changed_only=not show_all)
    return render(
        request,
        "drafts/compare.html",
        {
            "document": document,
            "view": view,
            "refs": refs,
            "old_ref": old.ref,
            "new_ref": new.ref,
            "show_all": show_all,
            "mode": mode,
            "summary": view.comparison.summary,
        },
    )


@require_GET
def compare_docx(request: HttpRequest, slug: str) -> HttpResponse:
    """The same comparison as a Word document whose changes are tracked (accept or reject in Word)."""
    document = _visible_document(request, slug)
    old, new = (selectors.compare_side(request.user, document, request.GET.get(k, "")) for k in ("from", "to"))
    if old is None or new is None:
        raise Http404
    view = comparing.compare(old, new, changed_only=False)
    author = request.user.get_full_name() or request.user.get_username() if request.user.is_authenticated else ""
    content = interchange.comparison_docx(view, author=author or "Drafting tracker", date=timezone.now())
    return _download(content, f"{document.slug}-{old.ref}-to-{new.ref}.docx")


@require_GET
def section_compare(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """Compare two versions of one section of the working copy (from its history)."""
    document = _working_copy_document(request, slug)
    section = _section(document, key)
    versions = {v.pk: v for v in selectors.section_versions(section)}
    try:
        old_version, new_version = versions[int(request.GET["a"])], versions[int(request.GET["b"])]
    except (KeyError, ValueError):
        raise Http404 from None
    states = [selectors.version_state(section, version) for version in (old_version, new_version)]
    result = comparing.compare_texts(*states)
    mode = "side" if request.GET.get("mode") == "side" else "inline"
    return render(
        request,
        "drafts/section_compare.html",
        {
            "document": document,
            "section": section,
            "old": old_version,
            "new": new_version,
            "result": result,
            "mode": mode,
        },
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


def _visible_draft(request: HttpRequest, slug: str, number: int) -> Draft:
    document = _visible_document(request, slug)
    return get_object_or_404(selectors.drafts_visible_to(request.user, document), number=number)


@require_GET
def draft_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    draft = _visible_draft(request, slug, number)
    document = draft.document
    snapshots = selectors.draft_sections(draft)
    rendered = rendering.render_many([(s.body, s.anchor, s.number or s.heading) for s in snapshots])
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
            "can_manage": selectors.can_manage_drafts(request.user, document),
            "can_see_all_comments": selectors.can_see_working_copy(request.user, document),
        },
    )


@require_GET
def draft_section(request: HttpRequest, slug: str, number: int, key: str) -> HttpResponse:
    draft = _visible_draft(request, slug, number)
    snapshot = get_object_or_404(DraftSection.objects.select_related("draft__document"), draft=draft, key=key)
    return _comment_page(request, draft, snapshot)


@require_GET
def draft_general_comments(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    return _comment_page(request, _visible_draft(request, slug, number), None)


def _paragraphs(snapshot: DraftSection | None) -> tuple[object, int]:
    if snapshot is None:
        return None, 0
    body = rendering.render_cached(snapshot.body, anchor=snapshot.anchor, label=snapshot.number or snapshot.heading)
    return body.html, body.paragraph_count


def _comment_page(
    request: HttpRequest,
    draft: Draft,
    snapshot: DraftSection | None,
    form=None,
    refusal: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """A section as frozen in a draft (or the draft as a whole), its comments and the comment form."""
    html, paragraphs = _paragraphs(snapshot)
    comments = selectors.comments_visible_to(request.user, draft).filter(draft_section=snapshot)
    if snapshot is None:
        comments = comments.filter(draft_section__isnull=True)
    comments = list(comments.order_by("thread_id", "order"))
    reply_to = next((c for c in comments if str(c.pk) == request.GET.get("reply_to") and c.allow_thread()), None)
    if form is None and request.user.is_authenticated and draft.comments_open():
        initial = {"reply_to": reply_to.pk if reply_to else 0, "paragraph": request.GET.get("paragraph")}
        form = forms.DraftCommentForm(snapshot or draft, paragraphs=paragraphs, initial=initial)
    return render(
        request,
        "drafts/draft_section.html",
        {
            "document": draft.document,
            "draft": draft,
            "snapshot": snapshot,
            "html": html,
            "comments": comments,
            "form": form,
            "reply_to": reply_to,
            "refusal": refusal,
            "label": display_number(snapshot.number, snapshot.depth, draft.document.numbering, draft.document.language)
            if snapshot
            else "",
            "can_manage": selectors.can_manage_drafts(request.user, draft.document),
            "can_see_all_comments": selectors.can_see_working_copy(request.user, draft.document),
        },
        status=status,
    )


def _comment_target(draft: Draft, data) -> DraftSection | Draft | None:
    """The object a posted comment is about, if it is this draft or one of its sections; else None."""
    target_type = data.get("content_type", "")
    try:
        object_pk = int(data.get("object_pk", ""))
    except ValueError:
        return None
    if target_type == "drafts.draftsection":
        return DraftSection.objects.select_related("draft__document").filter(draft=draft, pk=object_pk).first()
    if target_type == "drafts.draft" and object_pk == draft.pk:
        return draft
    return None


@require_POST
def comment_post(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    draft = _visible_draft(request, slug, number)
    if not request.user.is_authenticated:
        return redirect_to_login(draft.get_absolute_url())
    target = _comment_target(draft, request.POST)
    if target is None:
        return HttpResponseBadRequest(_("This comment form does not belong to this draft. Reload the page."))
    snapshot = target if isinstance(target, DraftSection) else None
    data = request.POST.copy()
    data.update(
        {"name": request.user.get_full_name() or request.user.get_username(), "email": request.user.email, "url": ""}
    )
    _html, paragraphs = _paragraphs(snapshot)
    form = forms.DraftCommentForm(target, data=data, paragraphs=paragraphs)
    if not request.user.email:
        return _comment_page(
            request,
            draft,
            snapshot,
            form,
            status=400,
            refusal=_("Add an e-mail address to your account before commenting: replies and decisions are sent there."),
        )
    if form.security_errors():
        if set(form.security_errors()) == {"timestamp"}:
            fresh = forms.DraftCommentForm(
                target,
                paragraphs=paragraphs,
                initial={
                    k: form.data.get(k) for k in ("comment", "paragraph", "quote", "kind", "proposed_text", "reply_to")
                },
            )
            return _comment_page(
                request,
                draft,
                snapshot,
                fresh,
                status=400,
                refusal=_(
                    "The form was open for too long and has expired. Your text is still here: check it and post again."
                ),
            )
        return HttpResponseBadRequest(_("The comment form failed its security check. Reload the page and try again."))
    if not form.is_valid():
        return _comment_page(request, draft, snapshot, form, status=400)
    try:
        comment = services.comment_post(
            form=form, user=request.user, draft=draft, ip_address=request.META.get("REMOTE_ADDR")
        )
    except services.CommentRefused as refusal:
        return _comment_page(request, draft, snapshot, form, refusal=str(refusal), status=403)
    messages.success(request, _("Your comment %(ref)s was posted.") % {"ref": comment.reference or ""})
    return redirect(comment.get_absolute_url())


@require_POST
def comment_flag(request: HttpRequest, slug: str, number: int, comment_id: int) -> HttpResponse:
    draft = _visible_draft(request, slug, number)
    if not request.user.is_authenticated:
        return redirect_to_login(draft.get_absolute_url())
    comment = get_object_or_404(selectors.comments_visible_to(request.user, draft), pk=comment_id)
    services.comment_flag(comment=comment, user=request.user)
    messages.success(request, _("Thank you: the editors will look at comment %(ref)s.") % {"ref": comment})
    return redirect(comment.get_absolute_url())


# The editors' table ---------------------------------------------------------------------------------

COMMENTS_PER_PAGE = 50


def _editor_draft(request: HttpRequest, slug: str, number: int) -> Draft:
    draft = _visible_draft(request, slug, number)
    if not selectors.can_manage_drafts(request.user, draft.document):
        if selectors.can_see_working_copy(request.user, draft.document):
            raise PermissionDenied(_("Only the document's editors decide on comments."))
        raise Http404
    return draft


@require_http_methods(["GET", "POST"])
def comment_table(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    draft = _editor_draft(request, slug, number)
    visible = selectors.comments_visible_to(request.user, draft)
    filters = forms.CommentFilterForm(request.GET or None)
    comments = visible.filter(level=0)
    if filters.is_valid():
        comments = selectors.comments_filtered(comments, **filters.cleaned_data)
    comments = comments.select_related("draft_section", "decided_by", "addressed_in").order_by(
        "draft_section__order", "paragraph", "submit_date"
    )
    # Prefixed: the filter form above has a "disposition" field too, and ids must not clash.
    bulk = forms.BulkDispositionForm(_posted(request), queryset=visible.filter(level=0), prefix="bulk")
    if request.method == "POST" and bulk.is_valid():
        changed = services.comment_dispose(
            comments=bulk.cleaned_data["comments"],
            user=request.user,
            draft=draft,
            disposition=bulk.cleaned_data["disposition"],
            response=bulk.cleaned_data["response"] or None,
        )
        messages.success(request, _("Set the disposition of %(n)s comments.") % {"n": changed})
        return redirect(request.get_full_path())
    page = Paginator(comments, COMMENTS_PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "drafts/comment_table.html",
        {
            "document": draft.document,
            "draft": draft,
            "page": page,
            "filters": filters,
            "bulk": bulk,
            "counts": selectors.disposition_counts(visible),
            "dispositions": Disposition.choices,
            "query": query.urlencode(),
        },
    )


@require_http_methods(["GET", "POST"])
def comment_decide(request: HttpRequest, slug: str, number: int, comment_id: int) -> HttpResponse:
    draft = _editor_draft(request, slug, number)
    comment = get_object_or_404(selectors.comments_visible_to(request.user, draft), pk=comment_id, level=0)
    form = forms.DispositionForm(_posted(request), instance=comment)
    hide = forms.HideCommentForm()
    if request.method == "POST" and form.is_valid():
        services.comment_dispose(
            comments=[comment],
            user=request.user,
            draft=draft,
            disposition=form.cleaned_data["disposition"],
            response=form.cleaned_data["response"],
        )
        messages.success(request, _("Saved the decision on %(ref)s.") % {"ref": comment})
        return redirect("drafts:comment_table", slug=slug, number=number)
    return render(
        request,
        "drafts/comment_decide.html",
        {"document": draft.document, "draft": draft, "comment": comment, "form": form, "hide": hide},
    )


@require_POST
def comment_hide(request: HttpRequest, slug: str, number: int, comment_id: int) -> HttpResponse:
    draft = _editor_draft(request, slug, number)
    comment = get_object_or_404(selectors.comments_visible_to(request.user, draft), pk=comment_id)
    form = forms.HideCommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for hiding the comment."))
    else:
        services.comment_hide(comment=comment, user=request.user, reason=form.cleaned_data["reason"])
        messages.success(request, _("Hid comment %(ref)s; it is kept with the reason.") % {"ref": comment})
    return redirect(comment.get_absolute_url())


@require_GET
def comment_export(request: HttpRequest, slug: str, number: int, fmt: str) -> HttpResponse:
    """The comment matrix as a download, for the working group (it holds every decision)."""
    draft = _visible_draft(request, slug, number)
    if not selectors.can_see_working_copy(request.user, draft.document) or fmt not in matrix.FORMATS:
        raise Http404
    rows = matrix.matrix_rows(selectors.comments_visible_to(request.user, draft).select_related("addressed_in"))
    name = f"{draft.document.slug}-draft-{draft.number}-comments.{fmt}"
    title = f"{draft.document.title}, {draft.title}"
    content = {
        "csv": lambda: matrix.matrix_csv(rows),
        "xlsx": lambda: matrix.matrix_xlsx(rows, title=title),
        "docx": lambda: matrix.matrix_docx(rows, title=title),
    }[fmt]()
    return _download(content, name)


@login_required
@require_GET
def my_comments(request: HttpRequest) -> HttpResponse:
    comments = selectors.comments_of(request.user)
    page = Paginator(comments, COMMENTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "drafts/my_comments.html", {"page": page})


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    form = forms.SignUpForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.stakeholder_sign_up(
            username=data["username"],
            password=data["password1"],
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            organisation=data["organisation"],
            category=data["category"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome. You can now comment on the drafts that are open for comments."))
        return redirect(_safe_next(request) or "drafts:document_list")
    return render(request, "registration/sign_up.html", {"form": form, "next": request.GET.get("next", "")})


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    document = _editor_document(request, slug)
    form = forms.InviteForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        user = form.cleaned_data["who"]
        if selectors.role_for(user, document) in (Role.EDITOR, Role.MEMBER):
            form.add_error("who", _("%(user)s is already in the working group.") % {"user": user})
        else:
            services.membership_set(document=document, user=user, role=Role.STAKEHOLDER)
            messages.success(
                request,
                _("%(user)s can now read and comment on the restricted drafts.")
                % {"user": user.get_full_name() or user.get_username()},
            )
            return redirect(document)
    stakeholders = document.memberships.filter(role=Role.STAKEHOLDER).select_related("user__profile")
    return render(request, "drafts/invite.html", {"document": document, "form": form, "stakeholders": stakeholders})


@require_GET
def draft_export(request: HttpRequest, slug: str, number: int, fmt: str) -> HttpResponse:
    """A draft the person may read, as Markdown (re-importable), printable HTML or Word."""
    draft = _visible_draft(request, slug, number)
    if fmt not in interchange.EXPORT_FORMATS:
        raise Http404
    document = draft.document
    content = interchange.export_as(fmt, title=document.title, label=draft.title, scheme=document.numbering,
                                    language=document.language, sections=selectors.draft_export_sections(draft))
    return _download(content, f"{document.slug}-draft-{draft.number}.{fmt}")


@require_http_methods(["GET", "POST"])
def draft_freeze(request: HttpRequest, slug: str) -> HttpResponse:
    document = _editor_document(request, slug)
    form = forms.DraftFreezeForm(_posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            settings_fields = {name: data[name] for name in forms.DraftSettingsForm.Meta.fields}
            draft = services.draft_freeze(document=document, user=request.user, **settings_fields)
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
        services.draft_update_settings(draft=draft, **data)
        messages.success(request, _("Saved the settings of %(draft)s.") % {"draft": draft.title})
        return redirect(draft)
    return render(request, "drafts/draft_settings.html", {"document": document, "draft": draft, "form": form})

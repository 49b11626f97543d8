"""The consultation: a section as frozen with its comments and the comment form, posting, flagging,
the editors' table and decisions, the comment matrix, and "My comments"."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST, require_safe

from drafts import forms, rendering, selectors, services
from drafts.access import Action, DocumentAccess
from drafts.interchange import matrix
from drafts.models import Disposition, Draft, DraftSection
from drafts.numbering import display_number
from drafts.presenting import lineage as present
from drafts.presenting.matrix import comment_matrix
from drafts.values import parse_id
from drafts.views.common import acting_user, download_made, draft_for, posted
from drafts.views.public_pages import public_page

COMMENTS_PER_PAGE = 50


@require_safe
@public_page()
def draft_section(request: HttpRequest, slug: str, number: int, key: str) -> HttpResponse:
    draft, access = draft_for(request, slug, number)
    snapshot = get_object_or_404(DraftSection.objects.select_related("draft__document"), draft=draft, key=key)
    return _comment_page(request, access, draft, snapshot)


@require_GET
def draft_general_comments(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    draft, access = draft_for(request, slug, number)
    return _comment_page(request, access, draft, None)


def _paragraphs(snapshot: DraftSection | None) -> tuple[SafeString | None, int]:
    if snapshot is None:
        return None, 0
    body = rendering.render_cached(
        snapshot.body, anchor=snapshot.anchor, label=snapshot.number or snapshot.heading,
        language=snapshot.draft.document.language,
    )
    return body.html, body.paragraph_count


def _comment_page(
    request: HttpRequest,
    access: DocumentAccess,
    draft: Draft,
    snapshot: DraftSection | None,
    form: forms.DraftCommentForm | None = None,
    refusal: str | None = None,
    status: int = 200,
) -> HttpResponse:
    """A section as frozen in a draft (or the draft as a whole), its comments and the comment form."""
    html, paragraphs = _paragraphs(snapshot)
    comments = selectors.comments_visible_to(request.user, draft).filter(draft_section=snapshot)
    if snapshot is None:
        comments = comments.filter(draft_section__isnull=True)
    shown = list(comments.order_by("thread_id", "order"))
    # The reply being written: asked for in the address, or posted by a reply form shown again with its errors.
    wanted = request.GET.get("reply_to") or (form.data.get("reply_to") if form is not None and form.is_bound else "")
    reply_to = next((c for c in shown if str(c.pk) == wanted and c.allow_thread() and not c.is_withdrawn), None)
    if form is None and access.allows(Action.COMMENT, draft) and draft.comments_open():
        initial = {"reply_to": reply_to.pk if reply_to else 0, "paragraph": request.GET.get("paragraph")}
        form = forms.DraftCommentForm(snapshot or draft, paragraphs=paragraphs, initial=initial)
    # One read of where comments went: this page's comments into the next draft, and the previous
    # draft's undecided comments carried over to this section.
    carried = {c.pk: c for c in selectors.carried_over(request.user, snapshot)} if snapshot else {}
    outcomes = present.outcomes(request.user, [*carried.values(), *(c for c in shown if not c.level)])
    return render(
        request,
        "drafts/draft_section.html",
        {
            "document": draft.document,
            "draft": draft,
            "snapshot": snapshot,
            "html": html,
            "comments": shown,
            "form": form,
            "reply_to": reply_to,
            "refusal": refusal,
            "label": display_number(snapshot.number, snapshot.depth, draft.document.numbering, draft.document.language)
            if snapshot
            else "",
            "can_manage": access.allows(Action.MANAGE_COMMENTS),
            "can_see_all_comments": access.in_working_group,
            "carried": [o for o in outcomes if o.comment.pk in carried],
            "landed": {o.comment.pk: o for o in outcomes},
        },
        status=status,
    )


def _comment_target(draft: Draft, data: QueryDict) -> DraftSection | Draft | None:
    """The object a posted comment is about, if it is this draft or one of its sections; else None."""
    target_type = data.get("content_type", "")
    object_pk = parse_id(data.get("object_pk", ""))
    if object_pk is None:
        return None
    if target_type == "drafts.draftsection":
        return DraftSection.objects.select_related("draft__document").filter(draft=draft, pk=object_pk).first()
    if target_type == "drafts.draft" and object_pk == draft.pk:
        return draft
    return None


@require_POST
def comment_post(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    draft, access = draft_for(request, slug, number)
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
            access,
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
                access,
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
        return _comment_page(request, access, draft, snapshot, form, status=400)
    try:
        comment = services.comment_post(
            form=form, user=request.user, draft=draft, ip_address=request.META.get("REMOTE_ADDR")
        )
    except services.CommentRefused as refusal:
        return _comment_page(request, access, draft, snapshot, form, refusal=str(refusal), status=403)
    messages.success(request, _("Your comment %(ref)s was posted.") % {"ref": comment.reference or ""})
    return redirect(comment.get_absolute_url())


@require_POST
def comment_flag(request: HttpRequest, slug: str, number: int, comment_id: int) -> HttpResponse:
    draft, _access = draft_for(request, slug, number)
    if not request.user.is_authenticated:
        return redirect_to_login(draft.get_absolute_url())
    comment = get_object_or_404(selectors.comments_visible_to(request.user, draft), pk=comment_id)
    services.comment_flag(comment=comment, user=request.user)
    messages.success(request, _("Thank you: the editors will look at comment %(ref)s.") % {"ref": comment})
    return redirect(comment.get_absolute_url())


# The editors' table ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def comment_table(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    draft, _access = draft_for(request, slug, number, Action.MANAGE_COMMENTS)
    visible = selectors.comments_visible_to(request.user, draft)
    filters = forms.CommentFilterForm(request.GET or None, sections=draft.sections.all())
    chosen = filters.cleaned_data if filters.is_valid() else None
    comments = selectors.comments_for_table(visible, chosen)
    comments = comments.select_related("draft_section", "decided_by", "addressed_in")
    # Prefixed: the filter form above has a "disposition" field too, and ids must not clash.
    bulk = forms.BulkDispositionForm(posted(request), queryset=visible.filter(level=0), prefix="bulk")
    if request.method == "POST" and bulk.is_valid():
        changed = services.comment_dispose(
            comments=bulk.cleaned_data["comments"],
            user=acting_user(request),
            draft=draft,
            disposition=bulk.cleaned_data["disposition"],
            response=bulk.cleaned_data["response"] or None,
        )
        messages.success(request, _("Set the disposition of %(n)s comments.") % {"n": changed})
        return redirect(request.get_full_path())
    page = Paginator(comments, COMMENTS_PER_PAGE).get_page(request.GET.get("page"))
    refused = filters.is_bound and not filters.is_valid()
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
            "unpublished": selectors.unpublished_decisions(draft).count(),
            "dispositions": Disposition.choices,
            "query": _without(request.GET, "page"),
            "filter_query": _without(request.GET, "page", "bulk-comments"),
            # The matrix downloads carry the filters the table shows, and nothing else of the address.
            "export_query": _filters_query(request.GET, filters) if chosen else "",
            "filtered": bool(chosen and any(chosen.values())),
            "ticked": request.POST.getlist("bulk-comments") if request.method == "POST" else [],
        },
        status=400 if refused or (bulk.is_bound and not bulk.is_valid()) else 200,
    )


def _filters_query(query: QueryDict, filters: forms.CommentFilterForm) -> str:
    kept = QueryDict(mutable=True)
    for name in filters.fields:
        if value := query.get(name, ""):
            kept[name] = value
    return kept.urlencode()


def _without(query: QueryDict, *names: str) -> str:
    kept = query.copy()
    for name in names:
        kept.pop(name, None)
    return kept.urlencode()


@require_http_methods(["GET", "POST"])
def comment_decide(request: HttpRequest, slug: str, number: int, comment_id: int) -> HttpResponse:
    """One comment to decide, beside the paragraph it is about and the change it proposes; the
    table's filters travel in the address, so "next pending" and "back to the table" keep them."""
    draft, _access = draft_for(request, slug, number, Action.MANAGE_COMMENTS)
    visible = selectors.comments_visible_to(request.user, draft)
    comment = get_object_or_404(visible, pk=comment_id, level=0)
    filters = forms.CommentFilterForm(request.GET or None)
    table = selectors.comments_for_table(visible, filters.cleaned_data if filters.is_valid() else None)
    previous, following = selectors.pending_neighbours(table, comment)
    query = _without(request.GET, "page")
    form = forms.DispositionForm(posted(request), instance=comment, initial={"seen": services.decision_stamp(comment)})
    conflict = None
    if request.method == "POST" and form.is_valid():
        try:
            services.comment_decide(
                comment=comment,
                user=acting_user(request),
                disposition=form.cleaned_data["disposition"],
                response=form.cleaned_data["response"],
                # A form that never carried the field (a script) asks for no check.
                seen=form.cleaned_data["seen"] if "seen" in request.POST else None,
            )
        except services.DecisionConflict as exc:
            # Theirs is saved; the form keeps what this editor typed, to save again on purpose.
            conflict = exc.comment
            form = forms.DispositionForm(
                instance=exc.comment,
                initial={**form.cleaned_data, "seen": services.decision_stamp(exc.comment)},
            )
        else:
            messages.success(request, _("Saved the decision on %(ref)s (not yet published).") % {"ref": comment})
            if request.POST.get("then") == "next" and following is not None:
                target = reverse("drafts:comment_decide", args=[slug, number, following])
            else:
                target = reverse("drafts:comment_table", args=[slug, number])
            return redirect(f"{target}?{query}" if query else target)
    (outcome,) = present.outcomes(request.user, [comment])
    versions = selectors.linkable_versions(comment)
    return render(
        request,
        "drafts/comment_decide.html",
        {
            "document": draft.document,
            "draft": draft,
            "comment": comment,
            "form": form,
            "hide": forms.HideCommentForm(),
            "conflict": conflict,
            "outcome": outcome,
            "proposal": present.proposal(comment),
            "edits": comment.edits.all(),
            "previous": previous,
            "following": following,
            "query": query,
            "changes": comment.changes.select_related("version__revision__user", "section").order_by("version"),
            "link": forms.LinkVersionsForm(versions=versions) if versions.exists() else None,
        },
        status=409 if conflict else 200,
    )


@require_http_methods(["GET", "POST"])
def decisions_publish(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The decisions drafted on a draft's comments, to publish all at once or a selection."""
    draft, _access = draft_for(request, slug, number, Action.MANAGE_COMMENTS)
    drafted = selectors.unpublished_decisions(draft)
    form = forms.PublishDecisionsForm(posted(request), queryset=drafted)
    if request.method == "POST" and form.is_valid():
        chosen = None if form.cleaned_data["scope"] == "all" else list(form.cleaned_data["comments"])
        published = services.decisions_publish(draft=draft, user=acting_user(request), comments=chosen)
        messages.success(
            request,
            _("Published %(n)s decisions; each commenter is sent one e-mail listing theirs.") % {"n": published},
        )
        return redirect("drafts:comment_table", slug=slug, number=number)
    return render(
        request,
        "drafts/decisions_publish.html",
        {"document": draft.document, "draft": draft, "form": form, "drafted": drafted},
        status=400 if form.is_bound else 200,
    )


# A commenter's own comment: reword or withdraw it while the window is open --------------------------


def _own_comment(request: HttpRequest, slug: str, number: int, comment_id: int):
    draft, _access = draft_for(request, slug, number, Action.COMMENT)
    comment = get_object_or_404(selectors.comments_visible_to(request.user, draft), pk=comment_id)
    if comment.user_id != request.user.pk:
        raise Http404
    return draft, comment


@require_http_methods(["GET", "POST"])
def comment_edit(request: HttpRequest, slug: str, number: int, comment_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    draft, comment = _own_comment(request, slug, number, comment_id)
    _html, paragraphs = _paragraphs(comment.draft_section)
    form = forms.CommentEditForm(posted(request), comment=comment, paragraphs=paragraphs)
    refusal = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.comment_edit(
                comment=comment,
                user=acting_user(request),
                text=data["comment"],
                proposed_text=data.get("proposed_text", ""),
                kind=data.get("kind"),
                paragraph=data.get("paragraph"),
                quote=data.get("quote", ""),
            )
        except services.CommentRefused as exc:
            refusal = str(exc)
        else:
            messages.success(request, _("Saved your changes to %(ref)s.") % {"ref": comment})
            return redirect(comment.get_absolute_url())
    return render(
        request,
        "drafts/comment_edit.html",
        {"document": draft.document, "draft": draft, "comment": comment, "form": form, "refusal": refusal},
        status=403 if refusal else 400 if form.is_bound else 200,
    )


@require_http_methods(["GET", "POST"])
def comment_withdraw(request: HttpRequest, slug: str, number: int, comment_id: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    draft, comment = _own_comment(request, slug, number, comment_id)
    refusal = None
    if request.method == "POST":
        try:
            services.comment_withdraw(comment=comment, user=acting_user(request))
        except services.CommentRefused as exc:
            refusal = str(exc)
        else:
            messages.success(
                request, _("Withdrew %(ref)s; it stays in the record, marked withdrawn.") % {"ref": comment}
            )
            return redirect(comment.get_absolute_url())
    return render(
        request,
        "drafts/comment_withdraw.html",
        {"document": draft.document, "draft": draft, "comment": comment, "refusal": refusal},
        status=403 if refusal else 200,
    )


@require_POST
def comment_hide(request: HttpRequest, slug: str, number: int, comment_id: int) -> HttpResponse:
    draft, _access = draft_for(request, slug, number, Action.MANAGE_COMMENTS)
    comment = get_object_or_404(selectors.comments_visible_to(request.user, draft), pk=comment_id)
    form = forms.HideCommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for hiding the comment."))
    else:
        services.comment_hide(comment=comment, user=acting_user(request), reason=form.cleaned_data["reason"])
        messages.success(request, _("Hid comment %(ref)s; it is kept with the reason.") % {"ref": comment})
    return redirect(comment.get_absolute_url())


@require_GET
def comment_export(request: HttpRequest, slug: str, number: int, fmt: str) -> HttpResponse:
    """The comment matrix as a download, for the working group (it holds every decision), narrowed by the
    editors' table's filters when the address carries them (``?section=7.3&kind=technical``)."""
    draft, access = draft_for(request, slug, number)
    if not access.in_working_group or fmt not in matrix.FORMATS:
        raise Http404
    # ?campaigns=1: each campaign of near-identical comments as one row with its signatories (the analysis page).
    asked = request.GET.copy()
    campaigns = asked.pop("campaigns", [""])[-1] == "1"
    filters = forms.CommentFilterForm(asked or None, sections=draft.sections.all())
    if filters.is_bound and not filters.is_valid():
        return HttpResponseBadRequest(
            _("The matrix cannot be filtered so. %(problems)s") % {"problems": " ".join(filters.problems())},
            content_type="text/plain; charset=utf-8",
        )
    made = comment_matrix(request.user, draft, filters.cleaned_data if filters.is_bound else None,
                          campaigns=campaigns)
    exporters: dict[str, Callable[[], str | bytes]] = {
        "csv": lambda: matrix.matrix_csv(made.rows),
        "xlsx": lambda: matrix.matrix_xlsx(made.rows, title=made.heading),
        "docx": lambda: matrix.matrix_docx(made.rows, title=made.heading, furniture=made.furniture),
    }
    return download_made(request, exporters[fmt], f"{made.filename}.{fmt}")


@login_required
@require_GET
def my_comments(request: HttpRequest) -> HttpResponse:
    comments = selectors.comments_of(request.user)
    page = Paginator(comments, COMMENTS_PER_PAGE).get_page(request.GET.get("page"))
    shown = present.outcomes(request.user, list(page))
    return render(request, "drafts/my_comments.html", {"page": page, "outcomes": shown})

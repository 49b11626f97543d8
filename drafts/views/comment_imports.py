"""Spreadsheets back in: a delegation downloads the comment template, fills it and uploads it; editors
upload the comment matrix with their decisions. Each upload is previewed, then stored on confirmation.

Both pages work in two posts without JavaScript: the file (answered by a preview that carries the rows,
signed), then the confirmation (which checks everything again and stores it, or shows why not)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from drafts import forms, services
from drafts.access import Action
from drafts.views.common import acting_user, download, draft_for, posted


@require_GET
def comment_template(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The draft's comment template (Excel), with its sections and the comment types to choose from."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    draft, _access = draft_for(request, slug, number, Action.COMMENT)
    content = services.comment_template(draft=draft, user=acting_user(request))
    return download(content, f"{draft.document.slug}-draft-{draft.number}-comment-template.xlsx")


@require_http_methods(["GET", "POST"])
def comments_upload(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Upload a filled comment template: a preview of every comment, then all of them stored as one action."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    draft, _access = draft_for(request, slug, number, Action.COMMENT)
    page: dict[str, Any] = {"document": draft.document, "draft": draft, "form": forms.CommentSheetForm()}
    if not request.user.email:
        page["refusal"] = _("Add an e-mail address to your account before commenting: replies and decisions "
                            "are sent there.")
    elif request.method == "POST" and "rows" in request.POST:
        confirm = forms.ConfirmCommentSheetForm(request.POST)
        if not confirm.is_valid():
            page["problems"] = confirm.errors.get("rows") or [_("Upload the file again.")]
        else:
            data = confirm.cleaned_data
            upload = _attempt(page, lambda: services.comments_upload(
                draft=draft, user=acting_user(request), lines=data["rows"], filename=data["filename"],
                followup=data["followup"], submission=data["submission"], ip_address=request.META.get("REMOTE_ADDR")))
            if upload is not None:
                references = [c.reference for c in upload.stored]
                messages.success(request, _("Stored %(n)s comments from %(file)s: %(ids)s.")
                                 % {"n": len(references), "file": data["filename"], "ids": ", ".join(references)})
                return redirect(draft)
    elif request.method == "POST":
        form = page["form"] = forms.CommentSheetForm(posted(request), request.FILES or None)
        if form.is_valid():
            preview = _attempt(page, lambda: services.comments_upload(
                draft=draft, user=acting_user(request), lines=form.lines, dry_run=True))
            if preview is not None:
                name = form.cleaned_data["file"].name
                confirm = forms.ConfirmCommentSheetForm.carrying(form.lines, filename=name, followup=True)
                return render(request, "drafts/comments_upload_preview.html",
                              {**page, "upload": preview, "confirm": confirm, "filename": name})
    refused = "refusal" in page or "problems" in page or page["form"].errors
    status = (403 if "refusal" in page else 400) if request.method == "POST" and refused else 200
    return render(request, "drafts/comments_upload.html", page, status=status)


@require_http_methods(["GET", "POST"])
def dispositions_upload(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Upload the comment matrix with decisions filled in: a report of what would change, then the change."""
    draft, _access = draft_for(request, slug, number, Action.MANAGE_COMMENTS)
    page: dict[str, Any] = {"document": draft.document, "draft": draft, "form": forms.DecisionSheetForm()}
    if request.method == "POST" and "rows" in request.POST:
        confirm = forms.ConfirmDecisionSheetForm(request.POST)
        if not confirm.is_valid():
            page["problems"] = confirm.errors.get("rows") or [_("Upload the file again.")]
        else:
            report = _attempt(page, lambda: services.decisions_import(
                draft=draft, user=acting_user(request), lines=confirm.cleaned_data["rows"]))
            if report is not None:
                messages.success(request, _(
                    "Saved %(changed)s decisions (not yet published); %(unchanged)s rows were unchanged.")
                    % {"changed": len(report.changes), "unchanged": len(report.unchanged)})
                return redirect("drafts:comment_table", slug=slug, number=number)
    elif request.method == "POST":
        form = page["form"] = forms.DecisionSheetForm(posted(request), request.FILES or None)
        if form.is_valid():
            preview = _attempt(page, lambda: services.decisions_import(
                draft=draft, user=acting_user(request), lines=form.lines, dry_run=True))
            if preview is not None:
                name = form.cleaned_data["file"].name
                confirm = forms.ConfirmDecisionSheetForm.carrying(form.lines, filename=name)
                return render(request, "drafts/dispositions_upload_preview.html",
                              {**page, "report": preview, "confirm": confirm, "filename": name})
    refused = "problems" in page or page["form"].errors
    return render(request, "drafts/dispositions_upload.html", page,
                  status=400 if request.method == "POST" and refused else 200)


T = TypeVar("T")


def _attempt(page: dict[str, Any], call: Callable[[], T]) -> T | None:
    """Run the service: its result, or None with its refusal put on the page (every problem, one per line)."""
    try:
        return call()
    except services.CommentRefused as refusal:
        page["refusal"] = str(refusal)
    except ValidationError as error:
        page["problems"] = error.messages
    return None

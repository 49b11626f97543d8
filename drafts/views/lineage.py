"""Lineage pages: applying a comment's proposed text, linking a decision to versions, the queue of
comments whose paragraph is gone, a draft's "what changed and why", and the response to comments."""

from __future__ import annotations

import json

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from drafts import forms, interchange, lineage, selectors, services
from drafts.access import Action
from drafts.models import Disposition, Draft, DraftComment, DraftSection, Section
from drafts.presenting import lineage as outcomes
from drafts.presenting import matrix, merging
from drafts.views.common import acting_user, attempt, download, download_made, draft_for, posted


def _decided_comment(request: HttpRequest, draft: Draft, comment_id: int) -> DraftComment:
    """A comment (not a reply) of this draft that this editor sees, else 404."""
    return get_object_or_404(selectors.comments_visible_to(request.user, draft), pk=comment_id, level=0)


@require_http_methods(["GET", "POST"])
def comment_apply(request: HttpRequest, slug: str, number: int, comment_id: int) -> HttpResponse:
    """The comment's section in the working copy with its proposed text applied: check, adjust, save."""
    draft, _access = draft_for(request, slug, number, Action.MANAGE_COMMENTS)
    comment = _decided_comment(request, draft, comment_id)
    snapshot = comment.draft_section
    if snapshot is None or not comment.proposed_text.strip():
        raise Http404
    section = Section.objects.get(pk=snapshot.section_id)
    back = redirect("drafts:comment_decide", slug=slug, number=number, comment_id=comment.pk)
    if section.removed:
        messages.error(request, _("This section has been removed; restore it before editing."))
        return back
    conflict = None
    yours = ""
    placed = True
    if request.method == "POST":
        form = forms.ApplyProposalForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                done = attempt(
                    form,
                    lambda: services.comment_apply_proposal(
                        comment=comment,
                        user=acting_user(request),
                        base_version=data["base_version"],
                        heading=data["heading"],
                        body=data["body"],
                        message=data["message"],
                        disposition=data["disposition"],
                        response=data["response"],
                        seen=data["seen"],
                    ),
                )
            except services.EditConflict as exc:
                # A colleague changed the words the proposal changes: the form starts again from their
                # saved text (the proposal placed in it again where it can be), the editor's text shown
                # beside it, so saving again never drops the colleague's words.
                conflict, yours, section = exc, data["body"], exc.section
                again = (
                    lineage.replace_paragraph(snapshot.body, comment.paragraph, section.body, comment.proposed_text)
                    if comment.paragraph
                    else None
                )
                form = forms.ApplyProposalForm(
                    initial={**data, "body": again if again is not None else section.body,
                             "heading": section.heading, "base_version": section.version_number}
                )
            except services.DecisionConflict as exc:
                messages.error(
                    request,
                    _("%(who)s decided %(ref)s meanwhile; nothing was saved. Their decision is shown below.")
                    % {"who": _name(exc.comment), "ref": exc.comment},
                )
                return back
            else:
                if done is not None:
                    messages.success(
                        request, _("Applied the proposed text of %(ref)s and saved the decision.") % {"ref": comment}
                    )
                    return back
    else:
        applied = None
        if comment.paragraph:
            applied = lineage.replace_paragraph(snapshot.body, comment.paragraph, section.body, comment.proposed_text)
        placed = applied is not None
        form = forms.ApplyProposalForm(
            initial={
                "heading": section.heading,
                "body": applied if applied is not None else section.body,
                "numbered": section.numbered,
                "base_version": section.version_number,
                "message": _("Applies %(ref)s (proposed text)") % {"ref": comment},
                "disposition": Disposition.ACCEPTED,
                "response": comment.response,
                "seen": services.decision_stamp(comment),
            }
        )
    return render(
        request,
        "drafts/comment_apply.html",
        {
            "document": draft.document,
            "draft": draft,
            "comment": comment,
            "section": section,
            "form": form,
            "placed": placed,
            "conflict": conflict,
            "yours": yours,
            "conflicts": merging.conflicts_of(conflict.body if conflict is not None else None),
        },
        status=409 if conflict else 200,
    )


def _name(comment: DraftComment) -> str:
    who = comment.decided_by
    return (who.get_full_name() or who.get_username()) if who is not None else _("Someone")


@require_POST
def comment_link(request: HttpRequest, slug: str, number: int, comment_id: int) -> HttpResponse:
    """Link the decision on a comment to versions of the working copy that carry it out."""
    draft, _access = draft_for(request, slug, number, Action.MANAGE_COMMENTS)
    comment = _decided_comment(request, draft, comment_id)
    form = forms.LinkVersionsForm(request.POST, versions=selectors.linkable_versions(comment))
    if not form.is_valid():
        messages.error(request, _("Choose at least one version of this section to link."))
    else:
        made = services.comment_link_versions(
            comment=comment, user=acting_user(request), versions=form.cleaned_data["versions"]
        )
        messages.success(
            request,
            ngettext("Linked %(ref)s to %(n)s version.", "Linked %(ref)s to %(n)s versions.", made)
            % {"ref": comment, "n": made},
        )
    return redirect("drafts:comment_decide", slug=slug, number=number, comment_id=comment.pk)


@require_GET
def orphan_queue(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """Comments on this draft whose paragraph is gone from the next: re-anchor them or confirm them orphaned."""
    draft, _access = draft_for(request, slug, number, Action.MANAGE_COMMENTS)
    return _orphan_page(request, draft)


def _following_sections(request: HttpRequest, draft: Draft) -> tuple[Draft | None, QuerySet[DraftSection]]:
    following = selectors.next_draft(request.user, draft)
    if following is None:
        return None, DraftSection.objects.none()
    return following, DraftSection.objects.filter(draft=following).order_by("order")


def _orphan_page(request: HttpRequest, draft: Draft, refused: forms.ReanchorForm | None = None,
                 refused_pk: int | None = None) -> HttpResponse:
    """The queue; a refused re-anchoring keeps what the editor chose, with the reason beside it."""
    following, sections = _following_sections(request, draft)
    waiting = selectors.orphans(request.user, draft) if following is not None else []
    rows = [
        (c, refused if c.pk == refused_pk and refused is not None
         else forms.ReanchorForm(sections=sections, prefix=f"c{c.pk}"))
        for c in waiting
    ]
    return render(
        request,
        "drafts/orphans.html",
        {"document": draft.document, "draft": draft, "following": following, "rows": rows},
        status=400 if refused is not None else 200,
    )


@require_POST
def comment_reanchor(request: HttpRequest, slug: str, number: int, comment_id: int) -> HttpResponse:
    draft, _access = draft_for(request, slug, number, Action.MANAGE_COMMENTS)
    comment = _decided_comment(request, draft, comment_id)
    queue = redirect("drafts:orphan_queue", slug=slug, number=number)
    if "orphan" in request.POST:
        services.comment_reanchor(comment=comment, user=acting_user(request), target=None)
        messages.success(request, _("%(ref)s is confirmed as having no place in the next draft.") % {"ref": comment})
        return queue
    following, sections = _following_sections(request, draft)
    form = forms.ReanchorForm(posted(request), sections=sections, prefix=f"c{comment.pk}")
    if form.is_valid():
        done = attempt(
            form,
            lambda: services.comment_reanchor(
                comment=comment,
                user=acting_user(request),
                target=form.cleaned_data["section"],
                paragraph=form.cleaned_data["paragraph"],
            ),
        )
        if done is not None:
            messages.success(request, _("%(ref)s is now anchored in %(draft)s.") % {"ref": comment, "draft": following})
            return queue
    return _orphan_page(request, draft, refused=form, refused_pk=comment.pk)


@require_GET
def draft_changes(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """What changed from the previous draft to this one, and why: visible exactly where the draft is."""
    draft, _access = draft_for(request, slug, number)
    log = outcomes.change_log(request.user, draft)
    return render(
        request, "drafts/draft_changes.html", {"document": draft.document, "draft": draft, "log": log, "mode": "inline"}
    )


RESPONSE_FORMATS = ("html", "json", "docx")


@require_GET
def draft_responses(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    """The response to comments on this draft: every comment with its decision, the response and
    where it landed in the next draft (HTML; ``?format=json`` or ``docx`` to download)."""
    draft, _access = draft_for(request, slug, number)
    fmt = request.GET.get("format", "html")
    if fmt not in RESPONSE_FORMATS:
        raise Http404
    name = f"{draft.document.slug}-draft-{draft.number}-responses.{fmt}"
    if fmt == "json":
        records = matrix.matrix_records(request.user, draft)  # as export_comments --format json gives them
        return download(json.dumps(records, ensure_ascii=False, indent=2) + "\n", name)
    shown = outcomes.outcomes(request.user, list(selectors.comments_about(request.user, draft)))
    if fmt == "docx":
        title = _("Response to comments on %(draft)s") % {"draft": draft.title}
        header, rows = outcomes.response_table(shown)
        return download_made(
            request,
            lambda: interchange.table_docx(
                f"{draft.document.title}: {title}", header, rows, widths=[10, 16, 8, 30, 22, 12, 26, 14]
            ),
            name,
        )
    following = selectors.next_draft(request.user, draft)
    return render(
        request,
        "drafts/draft_responses.html",
        {"document": draft.document, "draft": draft, "outcomes": shown, "following": following},
    )


"""The list of documents and a document's page (its drafts, and for the working group its outline)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from drafts import selectors
from drafts.access import Action
from drafts.models import Role
from drafts.services import outbox
from drafts.views.common import acting_user, document_for


@require_GET
def document_list(request: HttpRequest) -> HttpResponse:
    documents = selectors.documents_visible_to(request.user).order_by("title")
    return render(request, "drafts/document_list.html", {"documents": documents})


@require_GET
def document_detail(request: HttpRequest, slug: str) -> HttpResponse:
    document, access = document_for(request, slug)
    drafts = list(selectors.drafts_visible_to(request.user, document).order_by("-number"))
    context = {
        "document": document,
        "drafts": drafts,
        "role": Role(access.role).label if access.role else None,
        "can_edit": access.in_working_group,
        "can_manage": access.is_editor,
    }
    if access.in_working_group:
        context["entries"], context["removed"] = selectors.working_copy(document)
        context["pen_holders"] = selectors.pen_holders_by_section(document)
    return render(request, "drafts/document_detail.html", context)


@require_http_methods(["GET", "POST"])
def document_outbox(request: HttpRequest, slug: str) -> HttpResponse:
    """Editors: every message the document caused, to whom, and whether it went out (and if not, why)."""
    document, _access = document_for(request, slug, Action.MANAGE_DRAFTS)
    if request.method == "POST":
        chosen = [int(i) for i in request.POST.getlist("mail")[:1000] if i.isascii() and i.isdigit() and len(i) < 19]
        again = outbox.mails_send_again(user=acting_user(request), document=document, mail_ids=chosen)
        messages.success(request, ngettext("%(n)d message will be sent again.", "%(n)d messages will be sent again.",
                                           again) % {"n": again})
        return redirect("drafts:document_outbox", slug=slug)
    notices = Paginator(selectors.outbox_of(document), 25).get_page(request.GET.get("page"))
    return render(
        request,
        "drafts/document_outbox.html",
        {"document": document, "notices": notices,
         "counts": selectors.mail_counts(selectors.mails_of(document))},
    )

"""The list of documents and a document's page (its drafts, and for the working group its outline)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from drafts import selectors
from drafts.models import Role
from drafts.views.common import document_for


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
    return render(request, "drafts/document_detail.html", context)

"""The working copy read as one text: every live section, numbered and nested, for the working group."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from drafts import rendering, selectors
from drafts.access import Action
from drafts.views.common import document_for


@require_GET
def working_copy_text(request: HttpRequest, slug: str) -> HttpResponse:
    """The whole current text of the working copy, with a contents list; each section links to its pages."""
    document, _access = document_for(request, slug, Action.SEE_WORKING_COPY)
    entries, _removed = selectors.working_copy(document)
    # The same (body, anchor, label) as the section page renders, so the two share one cached rendering.
    rendered = rendering.render_many(
        [(e.section.body, e.anchor, e.number or e.section.heading) for e in entries], language=document.language
    )
    sections = [
        {"entry": entry, "html": body.html, "level": min(entry.depth + 2, 6)}
        for entry, body in zip(entries, rendered, strict=True)
    ]
    return render(request, "drafts/working_copy.html", {"document": document, "sections": sections})

"""Search across what a person may read: drafts, the working copy (the working group), comments and responses."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from drafts import forms, selectors


@require_GET
def search(request: HttpRequest) -> HttpResponse:
    """``/search/?q=…``: the results this person may see, best first; a query that cannot be searched
    answers 400 with the reason beside the box."""
    form = forms.SearchForm(request.GET or None, documents=selectors.documents_visible_to(request.user))
    results, status = None, 200
    if form.is_bound:
        if form.is_valid():
            results = selectors.search_results(request.user, form.cleaned_data["q"], **form.search_arguments())
        else:
            status = 400
    return render(request, "drafts/search/search.html", {"form": form, "results": results}, status=status)

"""Compare pages: two drafts (or a draft and the working copy) as a redline or as Word tracked changes,
and two versions of one section."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_safe

from drafts import interchange, selectors
from drafts.access import Action
from drafts.models import Document
from drafts.presenting import comparison
from drafts.services import export_jobs
from drafts.values import WORKING, parse_id
from drafts.views.common import acting_user, document_for, download_made, section_of
from drafts.views.public_pages import public_page

# Who a tracked change is by where no saved version says (a section renumbered because others moved).
TRACKER = "Drafting tracker"


@require_safe
@public_page("from", "to", "all", "mode")
def compare(request: HttpRequest, slug: str) -> HttpResponse:
    """Compare any two drafts the person may see (members: also the working copy)."""
    document, access = document_for(request, slug)
    refs = {str(d.number): d.title for d in selectors.drafts_visible_to(request.user, document).order_by("number")}
    if access.allows(Action.SEE_WORKING_COPY):
        refs[WORKING] = _("Working copy")
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
    view = comparison.compare(
        old, new, changed_only=not show_all, reasons=selectors.change_reasons(request.user, old, new)
    )
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


def _whole_comparison(request: HttpRequest, slug: str) -> tuple[Document, comparison.ComparisonView]:
    """The comparison of ``?from=`` and ``?to=`` with every section, and the reasons this reader may see."""
    document, _access = document_for(request, slug)
    old, new = (selectors.compare_side(request.user, document, request.GET.get(k, "")) for k in ("from", "to"))
    if old is None or new is None:
        raise Http404
    view = comparison.compare(old, new, changed_only=False, reasons=selectors.change_reasons(request.user, old, new))
    return document, view


@require_GET
def compare_docx(request: HttpRequest, slug: str) -> HttpResponse:
    """The same comparison as a Word document whose changes are tracked (accept or reject in Word)."""
    document, view = _whole_comparison(request, slug)
    return download_made(
        request,
        lambda: interchange.comparison_docx(
            view,
            author=TRACKER,
            date=comparison.word_changes_date(view),
            title_block=comparison.word_title_block(view),
            furniture=comparison.comparison_furniture(view, symbol=document.symbol),
        ),
        f"{document.slug}-{view.old.ref}-to-{view.new.ref}.docx",
    )


@require_GET
def compare_pdf(request: HttpRequest, slug: str) -> HttpResponse:
    """The same comparison as a printable redline (PDF, A4): the changed sections, insertions underlined,
    deletions struck through, with the reasons recorded for each. A long one is made by a job, whose page a
    signed-in person is sent to."""
    document, view = _whole_comparison(request, slug)
    if export_jobs.compare_pdf_needs_job(user=request.user, changed=view.changed_count):
        job = export_jobs.compare_pdf_start(
            user=acting_user(request), document=document, old_ref=view.old.ref, new_ref=view.new.ref
        )
        return HttpResponseRedirect(job.get_absolute_url(), status=303)
    page = comparison.printable_redline(view, symbol=document.symbol)
    return download_made(
        request, lambda: interchange.html_to_pdf(page), f"{document.slug}-{view.old.ref}-to-{view.new.ref}.pdf"
    )


@require_GET
def section_compare(request: HttpRequest, slug: str, key: str) -> HttpResponse:
    """Compare any two versions of one section of the working copy (picked in its history, either order)."""
    document, _access = document_for(request, slug, Action.SEE_WORKING_COPY)
    section = section_of(document, key)
    entries = {e.version.pk: e for e in selectors.section_history(request.user, section)}
    old_id, new_id = (parse_id(request.GET.get(k)) for k in ("a", "b"))
    if old_id not in entries or new_id not in entries:  # not ids, or not versions of this section
        raise Http404
    old, new = sorted((entries[old_id], entries[new_id]), key=lambda e: e.number)  # older first, however asked
    states = [selectors.version_state(section, entry.version) for entry in (old, new)]
    result = comparison.compare_texts(*states)
    mode = "side" if request.GET.get("mode") == "side" else "inline"
    return render(
        request,
        "drafts/section_compare.html",
        {
            "document": document,
            "section": section,
            "old": old.version,
            "new": new.version,
            "old_entry": old,
            "new_entry": new,
            "result": result,
            "mode": mode,
        },
    )

"""What every view needs: the one way to ask the access decision, to show a service's refusal, to send a file."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from django import forms as django_forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from drafts import interchange, rendering, selectors
from drafts.access import Action, DocumentAccess, access_for
from drafts.middleware import activate_for_document
from drafts.models import Document, Draft, Section
from drafts.presenting import comparison
from drafts.values import BODY_MAX_CHARS, HEADING_MAX_LENGTH, SectionState

if TYPE_CHECKING:
    from drafts.access import UserModel

T = TypeVar("T")

_ABOUT_A_DRAFT = (Action.READ_DRAFT, Action.COMMENT, Action.BREAK_SILENCE)


def _refuse(access: DocumentAccess, action: Action, draft: Draft | None = None) -> None:
    status = access.refusal(action, draft)
    if status == 404:
        raise Http404
    if status == 403:
        access.require(action, draft)  # raises PermissionDenied with the reason


def document_for(request: HttpRequest, slug: str, action: Action | None = None) -> tuple[Document, DocumentAccess]:
    """The document, if this person may see it (and do ``action``): else a 404 that reveals nothing,
    or a 403 for a working-group member asking for an editor's page."""
    document = get_object_or_404(selectors.documents_visible_to(request.user), slug=slug)
    activate_for_document(request, document.time_zone)
    access = access_for(request.user, document)
    if action is not None:
        _refuse(access, action)
    return document, access


def draft_for(
    request: HttpRequest, slug: str, number: int, action: Action = Action.READ_DRAFT
) -> tuple[Draft, DocumentAccess]:
    """A draft this person may read (and do ``action`` with), else 404 (or 403 as for :func:`document_for`)."""
    document, access = document_for(request, slug)
    draft = get_object_or_404(selectors.drafts_visible_to(request.user, document), number=number)
    _refuse(access, action, draft if action in _ABOUT_A_DRAFT else None)
    return draft, access


def acting_user(request: HttpRequest) -> UserModel:
    """The signed-in person a page acts for, once the access decision let them do something that needs a
    role or staff status (visitors have neither, so they never get this far).

    Refuses as the service itself would, should a page ever call it before that check.
    """
    user = request.user
    if not user.is_authenticated:
        raise PermissionDenied
    return user


def section_of(document: Document, key: str) -> Section:
    return get_object_or_404(Section.objects.select_related("parent"), document=document, key=key)


def posted(request: HttpRequest) -> QueryDict | None:
    """The posted data, or None for a GET: an empty POST is still a submission."""
    return request.POST if request.method == "POST" else None


@dataclass(frozen=True)
class Preview:
    """What a Preview button shows: the posted text as it will read and, when a saved section is being
    edited, the redline from its saved text (``unchanged`` when the posted text is the saved text)."""

    html: SafeString
    changes: comparison.TextComparison | None = None
    unchanged: bool = False


def preview(request: HttpRequest, *, saved: Section | None = None) -> Preview:
    """The posted Markdown rendered as it will read (sanitised like everything else) and, given the
    ``saved`` section it edits, its changes from that section's saved heading and body; nothing is saved."""
    # Browsers post CRLF line ends; the saved text has LF (see SectionTextFields.clean_body), and the
    # comparison must not show every line as changed.
    body = request.POST.get("body", "")[:BODY_MAX_CHARS].replace("\r\n", "\n").replace("\r", "\n")
    html = mark_safe(rendering.render_markdown(body, anchor="preview", label=_("Preview")).html)  # noqa: S308 - nh3
    if saved is None:
        return Preview(html)
    heading = request.POST.get("heading", "")[:HEADING_MAX_LENGTH].strip()
    if (heading, body) == (saved.heading, saved.body):
        return Preview(html, unchanged=True)
    old, new = (
        SectionState(key=saved.key, heading=h, body=b, parent=None, position=1, number="")
        for h, b in ((saved.heading, saved.body), (heading, body))
    )
    return Preview(html, comparison.compare_texts(old, new))


def form_error(form: django_forms.BaseForm, error: ValidationError) -> None:
    """Show a service's refusal on the form field it concerns (or on the whole form)."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def attempt(form: django_forms.BaseForm, call: Callable[[], T]) -> T | None:
    """Run a service for a valid form: its result, or None with its ``ValidationError`` shown on the form.

    The one way a view turns a service's refusal into a form error, so nothing half-saved is ever
    reported as saved.
    """
    try:
        return call()
    except ValidationError as error:
        form_error(form, error)
        return None


DOWNLOAD_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "md": "text/markdown; charset=utf-8",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def download_made(request: HttpRequest, make: Callable[[], str | bytes], filename: str) -> HttpResponse:
    """A file made on demand; when the converter cannot make it (a limit on its memory or time), a page
    that says so, never a 500."""
    try:
        content = make()
    except interchange.ExportFailed as failure:
        return render(request, "drafts/export_failed.html", {"reason": str(failure)}, status=503)
    return download(content, filename)


def download(content: str | bytes, filename: str) -> HttpResponse:
    """A file to save (never shown inline), typed by its extension."""
    response = HttpResponse(content, content_type=DOWNLOAD_TYPES[filename.rsplit(".", 1)[-1]])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

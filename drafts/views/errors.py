"""The error pages: 400, 403, 404, 500 and a refused form (CSRF), with the site's header and language.

Wired in ``guidance/urls.py`` (``handler400`` ... ``handler500``) and ``settings.CSRF_FAILURE_VIEW``.
None of them shows technical text: Django's messages for a 404 ("No Document matches the given
query.") or a CSRF failure ("CSRF cookie not set.") would say what exists or how the check works.
"""

from __future__ import annotations

import logging

from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.middleware.csrf import REASON_NO_CSRF_COOKIE
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

# What a visitor gets when even the 500 page cannot be rendered (the database is down, a template is
# broken): plain HTML that needs no query, no template and no translation catalogue.
FALLBACK_500 = (
    '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Drafting tracker</title></head>\n'
    "<body><main><h1>Something went wrong</h1>"
    "<p>The site could not complete this request. Please try again in a few minutes.</p></main></body>\n</html>\n"
)


# The handlers are decorated as Django's own are (django.views.defaults): a 404 from the URL resolver
# is answered before CsrfViewMiddleware.process_view runs, and the header's language form needs a token.
# Under /api/ the errors Django answers before a view runs (an address no endpoint matches, a request
# it cannot read) are JSON too, as the schema says every API answer is.
API_PREFIX = "/api/"
_API_ERRORS = {400: "Bad request.", 403: "Forbidden.", 404: "Not found.", 500: "Server error."}


def _api_error(request: HttpRequest, status: int) -> JsonResponse | None:
    if not request.path.startswith(API_PREFIX):
        return None
    return JsonResponse({"detail": _API_ERRORS[status]}, status=status)


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """400: the request could not be read (the exception's text is technical; it is logged, not shown)."""
    return _api_error(request, 400) or render(request, "400.html", status=400)


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    """403 with the reason the access decision gave (``PermissionDenied("Only the document's editors ...")``)
    and a link back to the page of this site the visitor came from, if any."""
    if request.path.startswith(API_PREFIX):
        return JsonResponse({"detail": str(exception) or _API_ERRORS[403]}, status=403)
    context = {"reason": str(exception) if exception else "", "back": _page_came_from(request)}
    return render(request, "403.html", context, status=403)


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """404, the same for a page that does not exist and one hidden from this person."""
    return _api_error(request, 404) or render(request, "404.html", status=404)


@requires_csrf_token
def server_error(request: HttpRequest) -> HttpResponse:
    """500 with the site's header if it can be rendered, else :data:`FALLBACK_500`."""
    if (api := _api_error(request, 500)) is not None:
        return api
    try:
        return render(request, "500.html", status=500)
    except Exception:
        # The original error is already logged by Django; this records why the page fell back.
        logger.exception("The 500 page could not be rendered; sent the plain fallback.")
        return HttpResponseServerError(FALLBACK_500)


def _page_came_from(request: HttpRequest) -> str:
    """The Referer if it is another page of this site, else "" (never a link off the site, nor to this page)."""
    referer = request.headers.get("referer", "")
    if referer == request.build_absolute_uri() or not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return ""
    return referer


def csrf_failure(request: HttpRequest, reason: str = "", template_name: str = "403_csrf.html") -> HttpResponse:
    """403 for a form whose CSRF check failed: it expired, or the browser blocks cookies."""
    return render(request, template_name, {"no_cookie": reason == REASON_NO_CSRF_COOKIE}, status=403)

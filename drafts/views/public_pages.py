"""Public pages kept whole: the anonymous reading, section and compare pages of public drafts.

A frozen draft never changes, so what an anonymous visitor sees of it changes only when something in
:func:`drafts.selectors.public_state` does (a draft's visibility or settings, the comments shown, the
decisions published), or with the language, or with a new release of the code. The page's strong
``ETag`` is a digest of exactly those, so:

- a browser or a CDN may keep the page for ``PUBLIC_PAGE_MAX_AGE`` seconds and then revalidate it
  (``If-None-Match``), which costs three small queries and answers 304 while nothing changed;
- the page itself is kept server-side under its ETag, so a visitor without it costs the same three
  queries and a cache read, not a render. Nothing needs deleting when something changes: the ETag
  changes, so the old entry is never asked for again and expires (``CACHE_SECONDS``).

Only anonymous GETs (and HEADs) without a session or a pending message are served this way (the page then holds
nothing personal: no name, no CSRF token, no form). A signed-in page is ``private``; a response that
sets a cookie, or is not a 200, is never kept.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from functools import cache, wraps
from pathlib import Path

from django.conf import settings
from django.core.cache import cache as page_cache
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags, quote_etag
from django.utils.translation import get_language

from drafts import selectors

View = Callable[..., HttpResponse]

# Cookies that make a page personal: a session (perhaps signed in) or a message waiting to be shown.
PERSONAL_COOKIES = (settings.SESSION_COOKIE_NAME, "messages")


def public_page(*params: str) -> Callable[[View], View]:
    """Serve the decorated view (whose first argument after the request is the document's slug) from the
    HTTP and server caches for anonymous visitors, as the module docstring says. ``params`` are the
    query parameters the page reads; an address with any other is rendered and never kept, so made-up
    addresses cannot fill the cache."""

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, slug: str, *args, **kwargs) -> HttpResponse:
            if not _anonymous_get(request):
                response = view(request, slug, *args, **kwargs)
                patch_cache_control(response, private=True)
                return response
            state = selectors.public_state(slug) if set(request.GET) <= set(params) else None
            if state is None:  # nothing public, or an address we do not keep: the view answers
                return view(request, slug, *args, **kwargs)
            query = sorted((name, value) for name in params for value in request.GET.getlist(name))
            etag = quote_etag(_digest(state, request.path, repr(query), get_language(), release()))
            if etag in parse_etags(request.headers.get("If-None-Match", "")):
                return _shareable(HttpResponseNotModified(), etag)
            key = f"public-page:{etag}"
            kept = page_cache.get(key)
            if kept is not None:
                content, content_type = kept
                return _shareable(HttpResponse(content, content_type=content_type), etag)
            response = view(request, slug, *args, **kwargs)
            if response.status_code != 200 or response.cookies or response.streaming:
                return response
            page_cache.set(key, (response.content, response["Content-Type"]))
            return _shareable(response, etag)

        return wrapped

    return decorate


def _anonymous_get(request: HttpRequest) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and not any(name in request.COOKIES for name in PERSONAL_COOKIES)
        and not request.user.is_authenticated
    )


def _shareable(response: HttpResponse, etag: str) -> HttpResponse:
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=settings.PUBLIC_PAGE_MAX_AGE)
    patch_vary_headers(response, ("Cookie", "Accept-Language"))
    return response


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:40]


@cache
def release() -> str:
    """What this process's code renders with: templates, static files, catalogs and the app's modules,
    by name, size and change time. A deploy restarts the processes, so a new release changes every
    ETag and no page made by the old code is served again."""
    root = Path(settings.BASE_DIR)
    stats = sorted(
        (str(path.relative_to(root)), path.stat().st_size, path.stat().st_mtime_ns)
        for folder, pattern in (("templates", "*"), ("static", "*"), ("locale", "*.mo"), ("drafts", "*.py"))
        for path in (root / folder).rglob(pattern)
        if path.is_file()
    )
    return _digest(repr(stats))

"""A Content-Security-Policy on every response; each request in the reader's time zone."""

from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from drafts.models.documents import time_zone_names


class ContentSecurityPolicyMiddleware:
    """Adds ``settings.CONTENT_SECURITY_POLICY`` unless the response set its own (Django 5.2 has no CSP)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
        return response


TIME_ZONE_SESSION_KEY = "drafts_time_zone"


class TimeZoneMiddleware:
    """Every request starts in the person's own time zone (their preference, kept in the session when
    they sign in or change it, so asking costs no query) or the site's; a page about a document then
    switches to the document's zone unless the person chose one (:func:`activate_for_document`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = _chosen(request)
        if chosen:
            timezone.activate(zoneinfo.ZoneInfo(chosen))
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


def _chosen(request: HttpRequest) -> str:
    session = getattr(request, "session", None)
    zone = session.get(TIME_ZONE_SESSION_KEY, "") if session is not None else ""
    return zone if zone and zone in time_zone_names() else ""


def activate_for_document(request: HttpRequest, zone: str) -> None:
    """Show and read dates in ``zone`` (a document's) for the rest of this request, unless the person
    set their own time zone."""
    if not _chosen(request):
        timezone.activate(zoneinfo.ZoneInfo(zone))


def remember_time_zone(request: HttpRequest, zone: str) -> None:
    """Keep the person's time zone preference for their session ("" for each document's own)."""
    if getattr(request, "session", None) is not None:
        request.session[TIME_ZONE_SESSION_KEY] = zone

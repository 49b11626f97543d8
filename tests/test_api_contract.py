"""The API's contract: Schemathesis generates requests from the OpenAPI schema (/api/schema/) for every
operation, good and bad, and checks each answer: never a 5xx, and status, headers, content type and body
all as the schema says. Bounded: a few dozen examples per operation, as a visitor and with a key."""

from __future__ import annotations

from datetime import timedelta

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.utils import timezone
from hypothesis import HealthCheck, settings
from rest_framework import throttling
from schemathesis.specs.openapi import checks as openapi_checks

from drafts import services
from drafts.models import Draft
from tests.factories import freeze, make_document, make_principles

CHECKS = [
    schemathesis.checks.not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
    openapi_checks.response_headers_conformance,
]


@pytest.fixture
def api_data(db, people, settings, monkeypatch):
    """A document with a public and a restricted draft open for comments; no throttling (DRF reads its rates
    into the throttle class once), so every generated request reaches its endpoint rather than a 429."""
    monkeypatch.setattr(throttling.SimpleRateThrottle, "THROTTLE_RATES", {"anon": None, "user": None})
    settings.COMMENTS_PER_MINUTE = 10_000
    document = make_document("guidance", editor=people["editor"], stakeholders=[people["ngo"]])
    make_principles(document, principles=2, guidelines=1)
    now = timezone.now()
    window = {"comments_open_from": now - timedelta(days=1), "comments_open_until": now + timedelta(days=9)}
    freeze(document, visibility=Draft.Visibility.PUBLIC)
    freeze(document, visibility=Draft.Visibility.RESTRICTED, keep_previous_open=True, **window)
    # Schemathesis calls the WSGI application itself, whose request signals would close the test's database
    # connection (and its transaction) after each request, as Django's own test client prevents.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def ngo_key(api_data, people) -> str:
    """A stakeholder's key: they read the restricted draft and may comment on it."""
    return services.api_token_create(user=people["ngo"], name="contract tests")[1]


# 25 generated requests per operation, the same ones on every run (derandomized), however slow the database.
BOUNDED = settings(
    max_examples=25, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
# Read as a client reads it, from the site itself (the schema needs no data; the tests' fixtures make some).
# Not schemathesis.pytest.from_fixture: its lazy loading writes a private attribute pytest 9 no longer has.
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


@schema.parametrize()
@BOUNDED
def test_every_operation_answers_within_its_schema_as_a_visitor(case, api_data) -> None:
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@BOUNDED
def test_every_operation_answers_within_its_schema_with_a_key(case, ngo_key) -> None:
    case.call_and_validate(headers={"Authorization": f"Token {ngo_key}"}, checks=CHECKS)

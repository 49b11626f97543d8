"""Every page carries a Content-Security-Policy that allows no inline script, and pages have none."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from drafts.models import Draft
from tests.factories import freeze, make_document, make_principles

pytestmark = pytest.mark.django_db


def test_pages_send_a_strict_csp_and_contain_no_inline_script(client) -> None:
    document = make_document("guidance")
    make_principles(document, principles=1, guidelines=1)
    freeze(document, visibility=Draft.Visibility.PUBLIC)
    for url in ("/", reverse("login"), reverse("sign_up"), document.get_absolute_url(),
                reverse("drafts:draft_detail", kwargs={"slug": "guidance", "number": 1})):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, url
        page = response.content.decode()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", page), url  # every script is a file
        assert " onclick=" not in page and " style=" not in page, url

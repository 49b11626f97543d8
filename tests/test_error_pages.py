"""The error pages: the site's header, the visitor's language, a reason where there is one, and no
technical text. A 404 reads the same whether the address is wrong or the thing is hidden.

This module is also the URLconf of the tests that need a view which fails (``@pytest.mark.urls``):
the site's own addresses and handlers, plus ``boom/`` and friends.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import OperationalError
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import include, path, reverse

from drafts.models import Draft
from drafts.views.errors import FALLBACK_500
from guidance import urls as site_urls
from tests.factories import freeze

pytestmark = pytest.mark.django_db

SITE_HEADER = "Drafting tracker"
NOT_FOUND = "This page does not exist, or it is not visible to you."
TECHNICAL_SECRET = "kaboom: internal detail 42"  # what a failing view says; no page may show it


def _boom(request: HttpRequest) -> HttpResponse:
    raise RuntimeError(TECHNICAL_SECRET)


def _suspicious(request: HttpRequest) -> HttpResponse:
    raise SuspiciousOperation(TECHNICAL_SECRET)


def _refused_without_reason(request: HttpRequest) -> HttpResponse:
    raise PermissionDenied


urlpatterns = [
    path("boom/", _boom),
    path("suspicious/", _suspicious),
    path("refused/", _refused_without_reason),
    path("", include(site_urls)),
]
handler400 = site_urls.handler400
handler403 = site_urls.handler403
handler404 = site_urls.handler404
handler500 = site_urls.handler500

with_failing_views = pytest.mark.urls(__name__)


def page_text(response) -> str:
    """The page as a reader sees its text: HTML entities decoded (the reasons contain apostrophes)."""
    return html.unescape(response.content.decode())


def the_same_page_whatever_the_path(response, requested: str) -> str:
    """The page with what must differ between two addresses taken out: the requested path (in the
    sign-in links and the language form) and the per-response CSRF token."""
    text = response.content.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value="TOKEN"', text)
    return text.replace(quote(requested, safe="/"), "PATH").replace(requested, "PATH")


def assert_sign_in_offered(response, requested: str) -> None:
    text = response.content.decode()
    assert f'href="{reverse("login")}?next={quote(requested, safe="/")}"' in text
    assert f'href="{reverse("sign_up")}?next=' in text


def assert_no_sign_in_offer(response) -> None:
    text = response.content.decode()
    assert "?next=" not in text
    assert reverse("sign_up") not in text


def assert_links_home(response) -> None:
    assert f'href="{reverse("drafts:document_list")}"' in response.content.decode()


def test_the_tests_run_without_debug():
    # With DEBUG on Django shows its technical pages instead of ours, and every test here would lie.
    assert settings.DEBUG is False


def test_a_hidden_draft_and_a_missing_page_read_the_same_to_a_visitor(client, make_guidance):
    document = make_guidance()
    restricted = freeze(document, visibility=Draft.Visibility.RESTRICTED)
    working_group = freeze(document, visibility=Draft.Visibility.WORKING_GROUP)
    hidden = [reverse("drafts:draft_detail", kwargs={"slug": document.slug, "number": d.number})
              for d in (restricted, working_group)]
    missing = ["/no-such-page/", reverse("drafts:draft_detail", kwargs={"slug": document.slug, "number": 99}),
               reverse("drafts:document_detail", kwargs={"slug": "no-such-document"})]

    pages = {}
    for requested in hidden + missing:
        response = client.get(requested)
        assert response.status_code == 404, requested
        assert NOT_FOUND in page_text(response)
        assert SITE_HEADER in page_text(response)
        assert_sign_in_offered(response, requested)
        assert_links_home(response)
        pages[requested] = the_same_page_whatever_the_path(response, requested)

    assert len(set(pages.values())) == 1, "a 404 must not tell a hidden draft from a missing page"


def test_the_sign_in_link_carries_the_whole_address(client, make_guidance):
    draft = freeze(make_guidance(), visibility=Draft.Visibility.RESTRICTED)
    requested = reverse("drafts:draft_detail", kwargs={"slug": "guidance", "number": draft.number}) + "?a=1&b=2"

    response = client.get(requested)

    assert response.status_code == 404
    assert f'{reverse("login")}?next={quote(requested, safe="/")}"' in response.content.decode()


def test_a_signed_in_stakeholder_is_not_offered_to_sign_in(client, make_guidance, people):
    draft = freeze(make_guidance(), visibility=Draft.Visibility.WORKING_GROUP)
    client.force_login(people["ngo"])

    response = client.get(reverse("drafts:draft_detail", kwargs={"slug": "guidance", "number": draft.number}))

    assert response.status_code == 404
    assert NOT_FOUND in page_text(response)
    assert_no_sign_in_offer(response)
    assert_links_home(response)


def test_a_member_on_the_editors_table_is_told_why(client, make_guidance, people):
    draft = freeze(make_guidance())
    client.force_login(people["member"])

    response = client.get(reverse("drafts:comment_table", kwargs={"slug": "guidance", "number": draft.number}))

    assert response.status_code == 403
    assert "403.html" in [t.name for t in response.templates]
    assert "Only the document's editors decide on comments." in page_text(response)
    assert SITE_HEADER in page_text(response)
    assert_no_sign_in_offer(response)
    assert_links_home(response)


@with_failing_views
def test_a_refusal_without_a_reason_still_explains_and_offers_to_sign_in(client):
    response = client.get("/refused/")

    assert response.status_code == 403
    assert "Your account does not allow this." in page_text(response)
    assert_sign_in_offered(response, "/refused/")


def test_a_form_sent_without_the_cookie_gets_the_expired_form_page(db):
    browser = Client(enforce_csrf_checks=True)

    response = browser.post(reverse("login"), {"username": "someone", "password": "whatever"})

    assert response.status_code == 403
    assert "403_csrf.html" in [t.name for t in response.templates]
    text = page_text(response)
    assert "The form has expired, or your browser blocks the cookies" in text
    assert "allow cookies for this site" in text
    assert "Go back, reload the page and try again." in text
    assert SITE_HEADER in text
    assert "CSRF" not in text  # Django's reason ("CSRF cookie not set.") is for the log, not the reader


def test_a_form_with_a_stale_token_gets_the_expired_form_page(db):
    browser = Client(enforce_csrf_checks=True)
    browser.get(reverse("login"))  # sets the CSRF cookie, as opening the form does
    assert settings.CSRF_COOKIE_NAME in browser.cookies

    response = browser.post(reverse("login"), {"username": "someone", "password": "whatever",
                                               "csrfmiddlewaretoken": "x" * 64})

    assert response.status_code == 403
    assert "The form has expired" in page_text(response)
    assert "allow cookies for this site" not in page_text(response)


@with_failing_views
def test_a_server_error_shows_the_sites_500_page(client):
    client.raise_request_exception = False

    response = client.get("/boom/")

    assert response.status_code == 500
    assert "500.html" in [t.name for t in response.templates]
    text = page_text(response)
    assert "Something went wrong" in text
    assert SITE_HEADER in text
    assert TECHNICAL_SECRET not in text
    assert "Traceback" not in text
    assert_links_home(response)


@with_failing_views
def test_a_server_error_with_the_database_down_falls_back_to_plain_html(client, monkeypatch):
    client.raise_request_exception = False

    def database_down(request):
        raise OperationalError("could not connect to server")

    # The header asks who is signed in, which reads the database: that is where the 500 page breaks.
    monkeypatch.setattr("django.contrib.auth.get_user", database_down)

    response = client.get("/boom/")

    assert response.status_code == 500
    assert response.content.decode() == FALLBACK_500
    assert TECHNICAL_SECRET not in response.content.decode()


@with_failing_views
def test_a_bad_request_shows_the_sites_400_page_without_the_detail(client):
    response = client.get("/suspicious/")

    assert response.status_code == 400
    text = page_text(response)
    assert "The request could not be read" in text
    assert SITE_HEADER in text
    assert TECHNICAL_SECRET not in text


def test_the_404_is_in_the_language_the_visitor_chose(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert '<html lang="fr"' in response.content.decode()


def test_the_404_is_in_the_sites_language_by_default(client):
    response = client.get("/no-such-page/")

    assert '<html lang="en"' in response.content.decode()


def test_a_refusal_links_back_to_the_page_of_this_site_the_visitor_came_from(client, make_guidance, people):
    draft = freeze(make_guidance())
    client.force_login(people["member"])
    came_from = "http://testserver" + draft.get_absolute_url()

    response = client.get(reverse("drafts:comment_table", kwargs={"slug": "guidance", "number": draft.number}),
                          headers={"referer": came_from})

    assert response.status_code == 403
    assert f'href="{came_from}"' in response.content.decode()


@pytest.mark.parametrize("referer", ["https://elsewhere.example/d/guidance/", "javascript:alert(1)"])
def test_a_refusal_never_links_back_off_the_site(client, make_guidance, people, referer):
    draft = freeze(make_guidance())
    client.force_login(people["member"])

    response = client.get(reverse("drafts:comment_table", kwargs={"slug": "guidance", "number": draft.number}),
                          headers={"referer": referer})

    assert response.status_code == 403
    assert referer not in page_text(response)
    assert "Go back to the page you came from" not in page_text(response)


# French: the interface strings already in the catalogue ("Se connecter", the access decision's reasons) are
# asserted; the error pages' own sentences are translated later, so only their language is checked here.


def test_a_visitor_asking_for_french_gets_the_404_and_its_sign_in_offer_in_french(client, make_guidance):
    draft = freeze(make_guidance(), visibility=Draft.Visibility.RESTRICTED)
    requested = reverse("drafts:draft_detail", kwargs={"slug": "guidance", "number": draft.number})

    response = client.get(requested, headers={"accept-language": "fr"})

    assert response.status_code == 404
    text = page_text(response)
    assert '<html lang="fr"' in text
    main = text[text.index("<main"):]
    assert f'href="{reverse("login")}?next={quote(requested, safe="/")}">Se connecter</a>' in main
    assert "Créer un compte" in main


def test_a_member_who_chose_french_is_told_why_in_french(client, make_guidance, people):
    draft = freeze(make_guidance())
    client.force_login(people["member"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"

    response = client.get(reverse("drafts:comment_table", kwargs={"slug": "guidance", "number": draft.number}))

    assert response.status_code == 403
    text = page_text(response)
    assert '<html lang="fr"' in text
    assert "Seuls les rédacteurs du document statuent sur les observations." in text
    assert "Only the document's editors" not in text


def test_the_expired_form_page_is_in_french_when_the_browser_asks_for_french(db):
    browser = Client(enforce_csrf_checks=True, headers={"accept-language": "fr"})

    response = browser.post(reverse("login"), {"username": "someone", "password": "whatever"})

    assert response.status_code == 403
    assert "403_csrf.html" in [t.name for t in response.templates]
    assert '<html lang="fr"' in response.content.decode()


@with_failing_views
def test_the_500_page_is_in_french_when_the_browser_asks_for_french(client):
    client.raise_request_exception = False

    response = client.get("/boom/", headers={"accept-language": "fr"})

    assert response.status_code == 500
    assert '<html lang="fr"' in response.content.decode()
    assert "Aller au contenu" in page_text(response)

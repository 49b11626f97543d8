"""Public drafts served from HTTP caches (drafts/views/public_pages.py): anonymous pages of public drafts
carry a strong ETag and may be shared; a conditional request is a 304; the page is kept whole and
served again without rendering, until something it shows changes; signed-in pages stay private; a
cache that stops mid-request costs nothing but the caching."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from drafts import services
from drafts.models import Draft, DraftSection
from tests.factories import freeze
from tests.test_mail_access import open_window, post

pytestmark = pytest.mark.django_db


@pytest.fixture
def public(make_guidance, people):
    """Two public drafts of the guidance, the second open for comments, with one comment shown on it."""
    document = make_guidance(principles=2, guidelines=1)
    freeze(document, visibility=Draft.Visibility.PUBLIC)
    second = freeze(document, visibility=Draft.Visibility.PUBLIC, comments_visible_to_all=True, **open_window())
    post(people["ngo"], DraftSection.objects.get(draft=second, key="p1"), "Detention must be the last resort")
    return document, second


def pages(document, draft) -> dict[str, str]:
    slug = document.slug
    return {
        "reading": reverse("drafts:draft_detail", kwargs={"slug": slug, "number": draft.number}),
        "section": reverse("drafts:draft_section", kwargs={"slug": slug, "number": draft.number, "key": "p1"}),
        "compare": reverse("drafts:compare", kwargs={"slug": slug}) + "?from=1&to=2",
    }


@pytest.mark.parametrize("page", ["reading", "section", "compare"])
def test_an_anonymous_page_may_be_shared_and_revalidates_with_a_304(client, public, page) -> None:
    url = pages(*public)[page]
    first = client.get(url)
    assert first.status_code == 200
    etag = first["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/"), "a strong ETag"
    assert {v.strip() for v in first["Cache-Control"].split(",")} == {"public", "max-age=300"}
    assert {"Cookie", "Accept-Language"} <= {v.strip() for v in first["Vary"].split(",")}
    assert not first.cookies, "a shared page sets no cookie"
    assert b"csrfmiddlewaretoken" not in first.content, "a shared page holds no token"

    with CaptureQueriesContext(connection) as queries:
        again = client.get(url, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again["ETag"] == etag and not again.content
    assert len(queries) <= 3

    with CaptureQueriesContext(connection) as queries:
        kept = client.get(url)
    assert kept.status_code == 200 and kept.content == first.content and kept["ETag"] == etag
    assert len(queries) <= 3, "served whole from the cache, not rendered again"

    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200
    head = client.head(url)  # what monitors and some caches ask
    assert head.status_code == 200 and head["ETag"] == etag and not head.content


def test_what_a_page_shows_changes_its_etag_and_its_content(client, public, people) -> None:
    document, draft = public
    url = pages(document, draft)["section"]
    before = client.get(url)
    assert b"Detention must be the last resort" in before.content

    # A new public comment is shown at once.
    post(people["state"], DraftSection.objects.get(draft=draft, key="p1"), "Children are never detained")
    posted = client.get(url)
    assert posted["ETag"] != before["ETag"] and b"Children are never detained" in posted.content
    assert client.get(url, headers={"If-None-Match": before["ETag"]}).status_code == 200

    # A comment hidden by the editors disappears at once.
    hidden = draft.comments.get(comment="Detention must be the last resort")
    services.comment_hide(comment=hidden, user=people["editor"], reason="Duplicate")
    after_hiding = client.get(url)
    assert after_hiding["ETag"] != posted["ETag"] and b"Detention must be the last resort" not in after_hiding.content

    # A draft's settings (its label) show at once on the pages of other drafts too.
    first = Draft.objects.get(document=document, number=1)
    reading = pages(document, first)["reading"]
    shown = client.get(reading)
    services.draft_update_settings(draft=draft, user=people["editor"], label="Revised draft")
    assert client.get(reading)["ETag"] != shown["ETag"]
    assert b"Revised draft" in client.get(pages(document, draft)["reading"]).content


def test_a_draft_taken_out_of_public_view_is_never_served_from_the_cache(client, public, people) -> None:
    document, draft = public
    urls = pages(document, draft)
    for url in urls.values():
        assert client.get(url).status_code == 200
    services.draft_update_settings(draft=draft, user=people["editor"], visibility=Draft.Visibility.WORKING_GROUP)
    assert client.get(urls["reading"]).status_code == 404
    assert client.get(urls["section"]).status_code == 404
    assert client.get(urls["compare"]).status_code == 404  # draft 2 is no longer there to compare


def test_each_language_is_its_own_page(client, public) -> None:
    url = pages(*public)["reading"]
    english = client.get(url, headers={"Accept-Language": "en"})
    french = client.get(url, headers={"Accept-Language": "fr"})
    assert english["ETag"] != french["ETag"]
    assert 'lang="fr"' in french.content.decode() and 'lang="en"' in english.content.decode()
    assert client.get(url, headers={"Accept-Language": "fr", "If-None-Match": english["ETag"]}).status_code == 200


def test_the_language_can_still_be_changed_without_a_token(public) -> None:
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    url = pages(*public)["reading"]
    response = browser.post(reverse("set_language"), {"language": "ar", "next": url})
    assert response.status_code == 302 and response.cookies["django_language"].value == "ar"
    assert 'dir="rtl"' in browser.get(url).content.decode()


def test_signed_in_pages_stay_private(client, public, people) -> None:
    client.force_login(people["ngo"])
    for url in pages(*public).values():
        response = client.get(url)
        assert response.status_code == 200
        assert "private" in response["Cache-Control"] and "public" not in response["Cache-Control"]
        assert "ETag" not in response


def test_a_visitor_with_a_session_or_a_message_is_not_served_a_shared_page(client, public) -> None:
    url = pages(*public)["reading"]
    shared = client.get(url)
    client.cookies["sessionid"] = "whatever"
    with CaptureQueriesContext(connection) as queries:
        own = client.get(url, headers={"If-None-Match": shared["ETag"]})
    assert own.status_code == 200 and "ETag" not in own and "private" in own["Cache-Control"]
    assert len(queries) > 3, "rendered for this visitor"


def test_made_up_addresses_are_answered_but_never_kept(client, public) -> None:
    from django.core.cache import cache

    url = pages(*public)["reading"]
    made_up = client.get(url + "?utm=1")
    assert made_up.status_code == 200 and "ETag" not in made_up
    kept = [key for key in cache._cache if "public-page:" in key]  # locmem's store
    assert not kept, "nothing kept for an address the page does not read"
    compare = pages(*public)["compare"]
    assert client.get(compare + "&mode=side")["ETag"] != client.get(compare)["ETag"]


def test_a_page_nobody_may_see_is_not_cached(client, make_guidance) -> None:
    document = make_guidance(principles=1, guidelines=1)
    freeze(document, visibility=Draft.Visibility.RESTRICTED)
    response = client.get(reverse("drafts:draft_detail", kwargs={"slug": document.slug, "number": 1}))
    assert response.status_code == 404 and "ETag" not in response


# A cache that stops mid-request ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def redis_cache(settings):
    """A real Redis of the test's own, behind the app's degrading cache; the test may stop it."""
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("redis-server is not installed")
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    for _attempt in range(50):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
            break
        except OSError:
            time.sleep(0.1)
    settings.CACHES = {
        "default": {
            "BACKEND": "guidance.cache.DegradingRedisCache",
            "LOCATION": f"redis://127.0.0.1:{port}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        }
    }
    yield server
    server.kill()
    server.wait()


def test_a_cache_stopped_mid_request_still_answers_the_page(client, public, redis_cache, monkeypatch, caplog) -> None:
    from django.core.cache import cache

    from drafts import selectors

    url = pages(*public)["section"]
    assert client.get(url).status_code == 200
    assert any(key.startswith(b":1:public-page:") for key in cache._cache.get_client().keys("*"))
    cache.clear()

    real_state = selectors.public_state

    def stop_the_cache_then_answer(slug: str):
        redis_cache.kill()
        redis_cache.wait()
        return real_state(slug)

    monkeypatch.setattr(selectors, "public_state", stop_the_cache_then_answer)
    with caplog.at_level("WARNING", logger="guidance.cache"):
        during = client.get(url)
        assert during.status_code == 200 and b"Detention must be the last resort" in during.content
        assert client.get(url).status_code == 200
    down = [record for record in caplog.records if record.name == "guidance.cache"]
    assert len(down) == 1, "the outage is logged once, not per request"

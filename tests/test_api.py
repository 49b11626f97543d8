"""The REST API: keys made and revoked on their page, the same access decision and services as the pages,
and a clear 4xx (with nothing stored) for every bad request."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from drafts import services
from drafts.access import system_actor
from drafts.models import ApiToken, Draft, DraftComment
from tests.factories import freeze, make_document, make_principles
from tests.test_access import open_window

pytestmark = pytest.mark.django_db



@pytest.fixture
def document(people):
    document = make_document(
        "guidance",
        editor=people["editor"],
        members=[people["member"]],
        stakeholders=[people["stakeholder"], people["ngo"], people["state"]],
    )
    make_principles(document, principles=2, guidelines=2)
    return document


@pytest.fixture
def drafts(document) -> dict[str, Draft]:
    working = freeze(document, visibility=Draft.Visibility.WORKING_GROUP)
    restricted = freeze(document, visibility=Draft.Visibility.RESTRICTED, **open_window())
    return {"working_group": working, "restricted": restricted}


def key_for(person) -> str:
    return services.api_token_create(user=person, name="tool")[1]


def auth(key: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {key}"}


def comments_url(number: int = 2) -> str:
    return reverse("api:comments", kwargs={"slug": "guidance", "number": number})


def post_json(client, url: str, body, key: str, **extra):
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(url, data=data, content_type=extra.pop("content_type", "application/json"), **auth(key), **extra)


# Keys --------------------------------------------------------------------------------------------


def test_a_person_makes_a_key_on_the_page_uses_it_and_revokes_it(client, people, drafts) -> None:
    client.force_login(people["stakeholder"])
    page = client.get(reverse("drafts:api_keys"))
    assert page.status_code == 200 and 'id="api-key-form"' in page.content.decode()
    form = page.context["form"]
    made = client.post(reverse("drafts:api_keys"), {name: "Delegation tool" for name in form.fields})
    assert made.status_code == 200 and made["Cache-Control"] == "no-store"
    token, key = made.context["made"]
    assert key in made.content.decode()  # shown this once
    assert key not in client.get(reverse("drafts:api_keys")).content.decode()
    stored = ApiToken.objects.get()
    assert stored.digest != key and key not in stored.digest  # only its hash is kept

    api = client.__class__()  # a program: no session
    listed = api.get(reverse("api:drafts", kwargs={"slug": "guidance"}), **auth(key))
    assert [d["number"] for d in listed.json()["results"]] == [2]  # the stakeholder reads the restricted draft
    assert api.get(reverse("api:drafts", kwargs={"slug": "guidance"})).status_code == 404  # a visitor: no such document

    revoke = client.post(reverse("drafts:api_key_revoke", kwargs={"token_id": token.pk}))
    assert revoke.status_code == 302
    refused = api.get(reverse("api:documents"), **auth(key))
    assert refused.status_code == 401 and refused["WWW-Authenticate"] == "Token"
    assert "revoked" in refused.json()["detail"]


def test_nobody_revokes_someone_elses_key(client, people) -> None:
    token, _key = services.api_token_create(user=people["ngo"], name="mine")
    client.force_login(people["state"])
    assert client.post(reverse("drafts:api_key_revoke", kwargs={"token_id": token.pk})).status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


@pytest.mark.parametrize("header", ["Token", "Token a b", "Token not-a-key", "Bearer \u00e9t\u00e9"])
def test_a_bad_key_is_a_401(client, header) -> None:
    response = client.get(reverse("api:documents"), HTTP_AUTHORIZATION=header.encode().decode("latin-1"))
    assert response.status_code == 401


def test_a_key_of_an_account_made_inactive_is_refused(client, people) -> None:
    key = key_for(people["ngo"])
    people["ngo"].is_active = False
    people["ngo"].save()
    assert client.get(reverse("api:documents"), **auth(key)).status_code == 401


# Reading -----------------------------------------------------------------------------------------


def test_hidden_drafts_are_404_and_sections_carry_markdown_and_html(client, people, drafts) -> None:
    key = key_for(people["stakeholder"])
    sections = client.get(reverse("api:sections", kwargs={"slug": "guidance", "number": 2}), **auth(key))
    assert sections.status_code == 200
    first = sections.json()["results"][1]
    assert (first["key"], first["number"], first["markdown"]) == ("p1", "1", "Principle 1 text.")
    assert 'id="s-1-p1"' in first["html"]
    for name in ("draft", "sections", "comments", "matrix"):
        url = reverse(f"api:{name}", kwargs={"slug": "guidance", "number": 1})
        assert client.get(url, **auth(key)).status_code == 404, name
    missing = client.get(reverse("api:document", kwargs={"slug": "nope"}), **auth(key))
    hidden = client.get(reverse("api:draft", kwargs={"slug": "guidance", "number": 1}), **auth(key))
    assert missing.status_code == hidden.status_code == 404
    assert missing.json() == hidden.json() == {"detail": "Not found."}  # no model named, nothing told apart
    assert client.get(reverse("api:matrix", kwargs={"slug": "guidance", "number": 2}), **auth(key)).status_code == 404


def test_compare_is_the_json_of_compare_drafts(client, capsys, people, drafts) -> None:
    key = key_for(people["member"])
    response = client.get(reverse("api:compare", kwargs={"slug": "guidance"}) + "?from=1&to=2", **auth(key))
    assert response.status_code == 200
    call_command("compare_drafts", "guidance", "1", "2", "--format", "json")
    assert response.json() == json.loads(capsys.readouterr().out)
    missing = client.get(reverse("api:compare", kwargs={"slug": "guidance"}), **auth(key))
    assert missing.status_code == 400
    stakeholder = key_for(people["stakeholder"])
    hidden = client.get(reverse("api:compare", kwargs={"slug": "guidance"}) + "?from=1&to=2", **auth(stakeholder))
    assert hidden.status_code == 404


def test_the_matrix_is_the_json_of_export_comments(client, capsys, people, drafts) -> None:
    key = key_for(people["ngo"])
    post_json(client, comments_url(), {"comment": "On 1.1.", "section": "p1-g1", "paragraph": 2}, key)
    editor = key_for(people["editor"])
    response = client.get(reverse("api:matrix", kwargs={"slug": "guidance", "number": 2}), **auth(editor))
    call_command("export_comments", "guidance", "2", "--format", "json", "--user", "editor")
    assert response.json() == json.loads(capsys.readouterr().out)
    bad = client.get(reverse("api:matrix", kwargs={"slug": "guidance", "number": 2}) + "?section=9.9", **auth(editor))
    assert bad.status_code == 400 and "section" in bad.json()


# Writing -----------------------------------------------------------------------------------------


def test_a_comment_posted_through_the_api_is_a_comment_like_any_other(client, people, drafts) -> None:
    key = key_for(people["ngo"])
    body = {
        "comment": "Name the writ.",
        "section": "p1-g1",
        "paragraph": 2,
        "kind": "technical",
        "proposed_text": "habeas corpus",
        "followup": True,
    }
    response = post_json(client, comments_url(), body, key)
    assert response.status_code == 201, response.content
    made = response.json()
    assert (made["reference"], made["number"], made["paragraph"], made["disposition"]) == (
        "MRN-001",
        "1.1",
        2,
        "pending",
    )
    stored = DraftComment.objects.get(pk=made["id"])
    assert (stored.organisation, stored.category, stored.followup, stored.user) == (
        "Migrant Rights Network",
        "ngo",
        True,
        people["ngo"],
    )
    listed = client.get(comments_url(), **auth(key)).json()
    assert [c["id"] for c in listed["results"]] == [made["id"]]
    reply = post_json(
        client,
        comments_url(),
        {"comment": "And a reply.", "section": "p1-g1", "reply_to": made["id"]},
        key_for(people["state"]),
    )
    assert reply.status_code == 201 and reply.json()["reply_to"] == made["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("not json", "detail"),
        ("[1, 2]", "non_field_errors"),
        ({"comment": 3.5, "paragraph": "two"}, "paragraph"),
        ({"comment": "x", "bogus": 1}, "bogus"),
        ({"comment": ""}, "comment"),
        ({"comment": "x", "kind": "angry"}, "kind"),
        ({"comment": "x", "section": "nope"}, "section"),
        ({"comment": "x", "section": "p1-g1", "paragraph": 99}, "paragraph"),
        ({"comment": "x", "reply_to": 987654}, "reply_to"),
        ({"comment": "x" * 20_000}, "comment"),
        ({"comment": "x", "proposed_text": None}, "proposed_text"),
    ],
)
def test_a_bad_comment_body_is_a_400_naming_the_field_and_stores_nothing(client, people, drafts, body, field) -> None:
    response = post_json(client, comments_url(), body, key_for(people["ngo"]))
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert not DraftComment.objects.exists()


def test_a_body_that_is_not_json_is_refused_as_such(client, people, drafts) -> None:
    response = post_json(
        client, comments_url(), "comment=x", key_for(people["ngo"]), content_type="application/x-www-form-urlencoded"
    )
    assert response.status_code == 415
    assert not DraftComment.objects.exists()


def test_the_comment_rules_of_the_page_hold_in_the_api(client, people, drafts, settings) -> None:
    key = key_for(people["ngo"])
    # Anonymous: 401; the working-group draft it cannot read: 404; the closed window and the rate limit: 403.
    assert client.post(comments_url(), data={"comment": "x"}, content_type="application/json").status_code == 401
    assert post_json(client, comments_url(1), {"comment": "x"}, key).status_code == 404
    settings.COMMENTS_PER_MINUTE = 2
    assert [post_json(client, comments_url(), {"comment": f"n{n}"}, key).status_code for n in range(3)] == [
        201,
        201,
        403,
    ]
    services.draft_update_settings(
        draft=drafts["restricted"], user=system_actor(), comments_open_until=timezone.now() - timedelta(minutes=1)
    )
    closed = post_json(client, comments_url(), {"comment": "late"}, key_for(people["state"]))
    assert closed.status_code == 403 and "closed" in closed.json()["detail"]
    assert DraftComment.objects.count() == 2


def test_a_browser_session_posts_only_with_its_csrf_token(people, drafts) -> None:
    from django.test import Client

    browser = Client(enforce_csrf_checks=True)
    browser.force_login(people["ngo"])
    refused = browser.post(comments_url(), data={"comment": "x"}, content_type="application/json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert browser.get(comments_url()).status_code == 200  # reading needs no token


@pytest.mark.parametrize("query", ["page_size=1000", "page_size=0", "page_size=x", "page=999", "page=x"])
def test_huge_or_odd_pages_are_a_clear_4xx(client, drafts, query) -> None:
    response = client.get(reverse("api:documents") + "?" + query)
    assert response.status_code in (400, 404)
    assert response.json()


def test_clients_are_throttled_with_a_retry_after(client, drafts, monkeypatch) -> None:
    from rest_framework import throttling

    # DRF reads the rates once, into the throttle class: set them there (undone after the test).
    monkeypatch.setattr(throttling.SimpleRateThrottle, "THROTTLE_RATES", {"anon": "3/min", "user": "5/min"})
    codes = [client.get(reverse("api:documents")).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    refused = client.get(reverse("api:documents"))
    assert int(refused["Retry-After"]) > 0 and "throttled" in refused.json()["detail"].lower()


def test_the_docs_page_lists_every_endpoint_without_javascript(client) -> None:
    page = client.get(reverse("api:docs"))
    html = page.content.decode()
    assert page.status_code == 200 and '<script src="/static/js/app.js"' in html
    for path in ("/api/documents/", "/api/search/", "/api/documents/{slug}/drafts/{number}/comments/"):
        assert path in html
    assert "Authorization: Token" in html
    schema = client.get(reverse("api:schema") + "?format=json")
    assert schema.status_code == 200 and schema.json()["openapi"].startswith("3.")

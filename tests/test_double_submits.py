"""Replies, duplicates and repeated submits: each finding of the attack round, through the pages people use.

Findings 7 (replies where the replier cannot see), 9 (legitimate comments dropped as duplicates),
10 (double submits) and 12 (``reply_to`` beyond the range of an id).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from drafts import services
from drafts.models import Draft, DraftComment, Section
from tests.factories import freeze

pytestmark = pytest.mark.django_db


def open_window() -> dict:
    now = timezone.now()
    return {"comments_open_from": now - timedelta(days=1), "comments_open_until": now + timedelta(days=7)}


@pytest.fixture
def draft(make_guidance):
    return freeze(make_guidance(principles=2, guidelines=1), visibility=Draft.Visibility.RESTRICTED, **open_window())


def page_form(client, url: str) -> dict:
    """The fields of the page's form as the browser would post them, from the form the page rendered."""
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    return {name: form[name].value() for name in form.fields if form[name].value() is not None}


def section_url(draft, key="p1", **query) -> str:
    url = reverse("drafts:draft_section", kwargs={"slug": draft.document.slug, "number": draft.number, "key": key})
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def post_comment(client, draft, key="p1", **fields):
    data = {**page_form(client, section_url(draft, key)), "kind": "general", **fields}
    data.pop("followup", None)
    return client.post(reverse("drafts:comment_post", kwargs={"slug": draft.document.slug, "number": draft.number}),
                       data)


# Finding 7 --------------------------------------------------------------------------------------------


def test_a_reply_into_a_kept_apart_thread_is_refused_and_stores_nothing(client, people, draft) -> None:
    client.force_login(people["ngo"])
    post_comment(client, draft, comment="Our private view")
    theirs = DraftComment.objects.get()
    services.draft_update_settings(draft=draft, user=people["editor"], comments_visible_to_all=False)
    client.force_login(people["state"])
    response = post_comment(client, draft, comment="Butting in", reply_to=theirs.pk)
    assert response.status_code == 403 and "does not exist here" in response.content.decode()
    assert DraftComment.objects.count() == 1


def test_a_reply_to_a_hidden_comment_is_refused(client, people, draft) -> None:
    client.force_login(people["ngo"])
    post_comment(client, draft, comment="Off topic")
    hidden = services.comment_hide(comment=DraftComment.objects.get(), user=people["editor"], reason="Off topic")
    client.force_login(people["state"])
    assert post_comment(client, draft, comment="Me too", reply_to=hidden.pk).status_code == 403
    assert DraftComment.objects.count() == 1
    client.force_login(people["member"])  # the working group sees hidden comments and may answer them
    assert post_comment(client, draft, comment="Noted", reply_to=hidden.pk).status_code == 302


@pytest.mark.parametrize("reply_to", [2**63, 2**64 + 5, -1])
def test_a_reply_to_an_id_out_of_range_is_a_form_error_not_a_500(client, people, draft, reply_to) -> None:
    client.force_login(people["ngo"])
    response = post_comment(client, draft, comment="Hello", reply_to=reply_to)
    assert response.status_code == 400
    assert DraftComment.objects.count() == 0


# Finding 9 --------------------------------------------------------------------------------------------


def test_the_same_words_on_another_paragraph_type_or_thread_are_comments_of_their_own(client, people, draft) -> None:
    client.force_login(people["ngo"])
    post_comment(client, draft, comment="Agreed.", paragraph=1)
    first = DraftComment.objects.get()
    post_comment(client, draft, comment="Agreed.", paragraph=1, kind="editorial")
    post_comment(client, draft, comment="Agreed.", key="p2")
    post_comment(client, draft, comment="Agreed.", reply_to=first.pk)
    assert DraftComment.objects.count() == 4
    assert len(set(DraftComment.objects.filter(level=0).values_list("reference", flat=True))) == 3


def test_a_true_double_submit_stores_one_comment_and_names_it(client, people, draft) -> None:
    client.force_login(people["ngo"])
    data = {**page_form(client, section_url(draft)), "kind": "general", "comment": "Twice by mistake", "paragraph": 1}
    url = reverse("drafts:comment_post", kwargs={"slug": draft.document.slug, "number": draft.number})
    first = client.post(url, data)
    second = client.post(url, data, follow=True)
    comment = DraftComment.objects.get()
    assert first.url.endswith(f"#c{comment.pk}")
    assert f"Your comment {comment.reference} was posted." in second.content.decode()


def test_a_repeat_after_the_duplicate_window_is_a_new_comment(client, people, draft) -> None:
    client.force_login(people["ngo"])
    post_comment(client, draft, comment="Still applies")
    DraftComment.objects.update(submit_date=timezone.now() - services.comments.DUPLICATE_WINDOW - timedelta(1))
    post_comment(client, draft, comment="Still applies")
    assert DraftComment.objects.count() == 2


# Finding 10 -------------------------------------------------------------------------------------------


def freeze_form(client, document) -> dict:
    data = page_form(client, reverse("drafts:draft_freeze", kwargs={"slug": document.slug}))
    return {**data, "label": "Second draft", "visibility": "restricted", "status": "circulated", "confirm": "on",
            "comments_visible_to_all": "on"}


def test_freezing_submitted_twice_makes_one_draft_and_one_mail(
    client, people, draft, mailoutbox, django_capture_on_commit_callbacks
) -> None:
    client.force_login(people["ngo"])
    post_comment(client, draft, comment="A point")
    client.force_login(people["editor"])
    data = freeze_form(client, draft.document)
    url = reverse("drafts:draft_freeze", kwargs={"slug": draft.document.slug})
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, data)
        second = client.post(url, data)
    assert first.status_code == second.status_code == 302 and first.url == second.url
    assert draft.document.drafts.count() == 2
    assert len(mailoutbox) == 1
    # A fresh form is a fresh key: freezing again on purpose still works.
    assert client.post(url, freeze_form(client, draft.document)).status_code == 302
    assert draft.document.drafts.count() == 3


def test_adding_a_section_submitted_twice_adds_it_once(client, people, draft) -> None:
    client.force_login(people["member"])
    url = reverse("drafts:section_create", kwargs={"slug": draft.document.slug})
    data = {**page_form(client, url), "heading": "Firewalls", "body": "Text.", "position": "", "key": "",
            "parent": "", "message": "New"}
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302
    assert list(Section.objects.filter(heading="Firewalls").values_list("key", flat=True)) == ["firewalls"]


def test_an_identical_edit_sent_twice_is_not_a_conflict(client, people, draft) -> None:
    client.force_login(people["member"])
    url = reverse("drafts:section_edit", kwargs={"slug": draft.document.slug, "key": "p1"})
    data = {**page_form(client, url), "body": "New words.", "message": "Tighter"}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)
    assert again.status_code == 302, "the second identical save reported a conflict"
    assert Section.objects.get(key="p1").body == "New words."

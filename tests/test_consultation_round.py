"""A consultation round as a secretariat runs it: replies, superseded drafts, IDs for ever, own
comments reworded or withdrawn, decisions drafted then published, and triage one comment after another.

Every page is driven through the form it renders (``tests.html_forms``), never a hand-made post.
"""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse
from django.utils import timezone

from drafts import services
from drafts.models import CommentEdit, Draft, DraftComment, DraftSection
from drafts.presenting.matrix import matrix_rows
from drafts.selectors import comments_visible_to
from tests.factories import freeze, system_actor
from tests.html_forms import rendered_fields, submit
from tests.test_comments import open_window, post_comment, section_url


@pytest.fixture
def document(make_guidance):
    return make_guidance(principles=3, guidelines=2)


@pytest.fixture
def draft(document):
    return freeze(document, visibility=Draft.Visibility.RESTRICTED, **open_window())


def comment_of(client, person, draft, key="p1-g1", **fields) -> DraftComment:
    client.force_login(person)
    response = post_comment(client, draft, key, **{"comment": "A comment.", **fields})
    assert response.status_code == 302, response.content[:500]
    return DraftComment.objects.filter(user=person).latest("pk")


def decide_url(comment, **query) -> str:
    url = reverse("drafts:comment_decide", args=[comment.draft.document.slug, comment.draft.number, comment.pk])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


# Replies ---------------------------------------------------------------------------------------------


def test_a_reply_posted_through_the_form_the_page_renders_is_saved_in_its_thread(client, people, draft) -> None:
    first = comment_of(client, people["ngo"], draft, paragraph=1, kind="technical")
    client.force_login(people["state"])
    page = client.get(section_url(draft, "p1-g1") + f"?reply_to={first.pk}")
    fields = rendered_fields(page.content, form_id="comment-form")
    assert "kind" not in fields["__names__"] and "paragraph" not in fields["__names__"]
    response = client.post(
        reverse("drafts:comment_post", args=["guidance", draft.number]), submit(fields, comment="We agree.")
    )
    assert response.status_code == 302
    reply = DraftComment.objects.get(comment="We agree.")
    assert (reply.parent_id, reply.level, reply.reference) == (first.pk, 1, "")


def test_a_reply_shown_again_with_its_error_is_still_a_reply(client, people, draft) -> None:
    first = comment_of(client, people["ngo"], draft)
    client.force_login(people["state"])
    fields = rendered_fields(
        client.get(section_url(draft, "p1-g1") + f"?reply_to={first.pk}").content, form_id="comment-form"
    )
    response = client.post(reverse("drafts:comment_post", args=["guidance", draft.number]), submit(fields, comment=""))
    assert response.status_code == 400
    again = rendered_fields(response.content, form_id="comment-form")
    assert again["reply_to"] == str(first.pk) and "kind" not in again["__names__"]
    assert "Reply to" in response.content.decode()
    assert DraftComment.objects.count() == 1


def test_a_reply_to_a_withdrawn_comment_is_refused_and_nothing_is_stored(client, people, draft) -> None:
    first = comment_of(client, people["ngo"], draft)
    client.force_login(people["state"])
    fields = rendered_fields(
        client.get(section_url(draft, "p1-g1") + f"?reply_to={first.pk}").content, form_id="comment-form"
    )
    services.comment_withdraw(comment=first, user=people["ngo"])
    post = reverse("drafts:comment_post", args=["guidance", draft.number])
    response = client.post(post, submit(fields, comment="Hm"))
    assert response.status_code == 403 and "withdrew" in response.content.decode()
    assert DraftComment.objects.count() == 1


# Freezing supersedes ---------------------------------------------------------------------------------


def test_freezing_through_the_form_supersedes_the_open_draft_after_saying_so(client, people, document, draft) -> None:
    client.force_login(people["editor"])
    url = reverse("drafts:draft_freeze", args=["guidance"])
    page = client.get(url)
    assert "Freezing supersedes them" in page.content.decode() and draft.title in page.content.decode()
    fields = rendered_fields(page.content, action="")
    response = client.post(url, submit(fields, confirm="on", label="Next"))
    assert response.status_code == 302
    draft.refresh_from_db()
    second = Draft.objects.get(document=document, number=2)
    assert draft.status == Draft.Status.SUPERSEDED
    assert draft.comments_open_until <= second.frozen_at + timezone.timedelta(seconds=1) and not draft.comments_open()
    # Every page of the superseded draft says so and points to the draft one may read.
    client.force_login(people["ngo"])
    services.draft_update_settings(draft=second, user=people["editor"], visibility=Draft.Visibility.RESTRICTED,
                                   **open_window())
    page = client.get(section_url(draft, "p1-g1")).content.decode()
    assert "Draft 1 is superseded." in page and second.get_absolute_url() in page
    assert "Read and comment on Draft 2 (Next)" in page


def test_the_editor_may_keep_the_previous_draft_open_on_purpose(client, people, document, draft) -> None:
    client.force_login(people["editor"])
    url = reverse("drafts:draft_freeze", args=["guidance"])
    fields = rendered_fields(client.get(url).content, action="")
    client.post(url, submit(fields, confirm="on", keep_previous_open="on"))
    draft.refresh_from_db()
    assert draft.status == Draft.Status.SUPERSEDED and draft.comments_open()


def test_a_window_not_yet_open_is_removed_by_the_freeze(people, document) -> None:
    later = timezone.now() + timezone.timedelta(days=3)
    first = freeze(document, comments_open_from=later, comments_open_until=later + timezone.timedelta(days=3))
    freeze(document)
    first.refresh_from_db()
    assert (first.comments_open_from, first.comments_open_until) == (None, None)


def test_a_signed_out_reader_of_a_closed_public_draft_is_pointed_to_the_open_one(client, people, document) -> None:
    first = freeze(document, **open_window())
    second = freeze(document, **open_window())
    page = client.get(first.get_absolute_url()).content.decode()
    assert "Draft 1 is superseded." in page and f'href="{second.get_absolute_url()}"' in page
    assert "superseded" not in client.get(second.get_absolute_url()).content.decode()


# Comment IDs, for ever -------------------------------------------------------------------------------


def test_ids_are_numbered_across_the_documents_drafts_and_the_database_refuses_a_repeat(
    client, people, document
) -> None:
    first = freeze(document, **open_window())
    one = comment_of(client, people["ngo"], first)
    second = freeze(document, **open_window())
    two = comment_of(client, people["ngo"], second)
    assert [one.reference, two.reference] == ["MRN-001", "MRN-002"]
    with pytest.raises(IntegrityError), transaction.atomic():
        DraftComment.objects.filter(pk=two.pk).update(reference="MRN-001")


@pytest.mark.django_db(transaction=True)
def test_the_migration_renumbers_ids_the_first_wave_repeated_and_publishes_its_decisions() -> None:
    """Data as the first wave left it (IDs numbered per draft), migrated forward."""
    before, after = ("drafts", "0008_lineage_and_comment_changes"), ("drafts", "0011_comment_ids_per_document")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps
    document = old.get_model("drafts", "Document").objects.create(slug="old", title="Old")
    drafts = [old.get_model("drafts", "Draft").objects.create(document=document, number=n) for n in (1, 2)]
    site = old.get_model("sites", "Site").objects.get_or_create(pk=1, defaults={"domain": "x", "name": "x"})[0]
    types = old.get_model("contenttypes", "ContentType").objects
    draft_type = types.get_or_create(app_label="drafts", model="draft")[0]
    comment_model = old.get_model("drafts", "DraftComment")

    def stored(draft, reference: str, **extra):
        return comment_model.objects.create(
            draft=draft, reference=reference, comment=reference, site=site, content_type=draft_type,
            object_pk=str(draft.pk), submit_date=timezone.now(), **extra)

    a = stored(drafts[0], "MRN-001", disposition="noted", response="Thanks.")
    b = stored(drafts[1], "MRN-001")
    c = stored(drafts[1], "MRN-002")
    executor = MigrationExecutor(connection)
    executor.migrate([after])
    migrated = executor.loader.project_state([after]).apps.get_model("drafts", "DraftComment")
    rows = {r.pk: r for r in migrated.objects.all()}
    assert (rows[a.pk].reference, rows[b.pk].reference, rows[c.pk].reference) == ("MRN-001", "MRN-003", "MRN-002")
    assert {r.document_id for r in rows.values()} == {document.pk}
    assert (rows[a.pk].published_disposition, rows[a.pk].published_response) == ("noted", "Thanks.")
    assert rows[b.pk].published_disposition == "pending"
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


# Own comments: reworded or withdrawn while the window is open -----------------------------------------


def test_an_author_rewords_a_comment_and_the_editors_read_the_earlier_wording(client, people, draft) -> None:
    comment = comment_of(client, people["ngo"], draft, comment="First words.", paragraph=1)
    page = client.get(section_url(draft, "p1-g1")).content.decode()
    edit = reverse("drafts:comment_edit", args=["guidance", draft.number, comment.pk])
    assert f'href="{edit}"' in page
    fields = rendered_fields(client.get(edit).content, action="")
    assert fields["comment"] == "First words." and fields["paragraph"] == "1"
    response = client.post(edit, submit(fields, comment="Better words."))
    assert response.status_code == 302
    comment.refresh_from_db()
    assert comment.comment == "Better words." and comment.edited_at is not None
    assert list(CommentEdit.objects.values_list("text", flat=True)) == ["First words."]
    client.force_login(people["editor"])
    decide = client.get(decide_url(comment)).content.decode()
    assert "First words." in decide and "Better words." in decide
    client.force_login(people["state"])
    assert "First words." not in client.get(section_url(draft, "p1-g1")).content.decode()


def test_after_the_window_closes_a_comment_can_be_neither_edited_nor_withdrawn(client, people, draft) -> None:
    comment = comment_of(client, people["ngo"], draft)
    edit = reverse("drafts:comment_edit", args=["guidance", draft.number, comment.pk])
    fields = rendered_fields(client.get(edit).content, action="")
    services.draft_update_settings(draft=draft, user=people["editor"], comments_open_until=timezone.now())
    response = client.post(edit, submit(fields, comment="Too late."))
    assert response.status_code == 403 and "closed" in response.content.decode()
    withdraw = reverse("drafts:comment_withdraw", args=["guidance", draft.number, comment.pk])
    assert client.post(withdraw).status_code == 403
    comment.refresh_from_db()
    assert (comment.comment, comment.withdrawn_at, CommentEdit.objects.count()) == ("A comment.", None, 0)


def test_a_withdrawn_comment_stays_in_the_thread_and_the_matrix_marked_withdrawn(client, people, draft) -> None:
    comment = comment_of(client, people["ngo"], draft)
    withdraw = reverse("drafts:comment_withdraw", args=["guidance", draft.number, comment.pk])
    assert "is not deleted" in client.get(withdraw).content.decode()
    assert client.post(withdraw).status_code == 302
    page = client.get(section_url(draft, "p1-g1")).content.decode()
    assert "Withdrawn by its author" in page and "A comment." in page
    rows = matrix_rows(comments_visible_to(people["editor"], draft))
    assert [(r.reference, r.disposition) for r in rows] == [(comment.reference, "Withdrawn")]
    with pytest.raises(services.CommentRefused):
        services.comment_edit(comment=comment, user=people["ngo"], text="Changed my mind.")


def test_a_decided_comment_keeps_its_words(client, people, draft) -> None:
    comment = comment_of(client, people["ngo"], draft)
    services.comment_dispose(comments=[comment], user=people["editor"], draft=draft, disposition="noted")
    with pytest.raises(services.CommentRefused):
        services.comment_edit(comment=comment, user=people["ngo"], text="Other words.")


# Decisions: drafted, then published -------------------------------------------------------------------


def test_stakeholders_see_a_decision_only_once_it_is_published(
    client, people, draft, django_capture_on_commit_callbacks
) -> None:
    comment = comment_of(client, people["ngo"], draft)
    client.force_login(people["editor"])
    fields = rendered_fields(client.get(decide_url(comment)).content, action="")
    client.post(decide_url(comment), submit(fields, disposition="rejected", response="Out of scope."))
    for person in ("member", "editor"):
        client.force_login(people[person])
        assert "Out of scope." in client.get(section_url(draft, "p1-g1")).content.decode(), person
    for person in ("ngo", "state"):
        client.force_login(people[person])
        page = client.get(section_url(draft, "p1-g1")).content.decode()
        assert "Out of scope." not in page and "Not retained" not in page, person
        assert "Out of scope." not in client.get(reverse("drafts:my_comments")).content.decode()
    client.logout()
    assert "Out of scope." not in client.get(
        reverse("drafts:draft_responses", args=["guidance", draft.number])).content.decode()
    # Published through the page, as the editor would: one mail to the commenter.
    client.force_login(people["editor"])
    publish = reverse("drafts:decisions_publish", args=["guidance", draft.number])
    fields = rendered_fields(client.get(publish).content, action="")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(publish, submit(fields, scope="all"))
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["ngo@example.org"]] and "Out of scope." in mail.outbox[0].body
    client.force_login(people["ngo"])
    page = client.get(section_url(draft, "p1-g1")).content.decode()
    assert "Out of scope." in page and "Not retained" in page
    # A change after publishing is drafted again: the stakeholder keeps seeing the published one.
    services.comment_dispose(comments=[comment], user=people["editor"], draft=draft, disposition="noted",
                             response="Noted after all.")
    page = client.get(section_url(draft, "p1-g1")).content.decode()
    assert "Out of scope." in page and "Noted after all." not in page


def test_publishing_a_selection_publishes_only_the_ticked_ones(client, people, draft) -> None:
    one = comment_of(client, people["ngo"], draft)
    two = comment_of(client, people["ngo"], draft, key="p2-g1")
    services.comment_dispose(comments=[one, two], user=people["editor"], draft=draft, disposition="noted")
    client.force_login(people["editor"])
    publish = reverse("drafts:decisions_publish", args=["guidance", draft.number])
    fields = rendered_fields(client.get(publish).content, action="")
    nothing = client.post(publish, submit(fields, scope="selected"))
    assert nothing.status_code == 400 and "Tick at least one decision" in nothing.content.decode()
    assert not DraftComment.objects.filter(published_at__isnull=False).exists()
    client.post(publish, submit(fields, scope="selected", comments=[str(two.pk)]))
    assert list(DraftComment.objects.filter(published_disposition="noted").values_list("pk", flat=True)) == [two.pk]


# Triage ----------------------------------------------------------------------------------------------


def test_triage_goes_from_pending_comment_to_pending_comment_keeping_the_filters(client, people, draft) -> None:
    a = comment_of(client, people["ngo"], draft, key="p1-g1", paragraph=1, kind="editorial",
                   proposed_text="The first paragraph, reworded.")
    b = comment_of(client, people["ngo"], draft, key="p2-g1", kind="technical")
    c = comment_of(client, people["ngo"], draft, key="p3-g1", kind="editorial")
    client.force_login(people["editor"])
    table = client.get(reverse("drafts:comment_table", args=["guidance", draft.number]) + "?kind=editorial")
    assert decide_url(a, kind="editorial") in table.content.decode()
    page = client.get(decide_url(a, kind="editorial"))
    html = page.content.decode()
    section = DraftSection.objects.get(draft=draft, key="p1-g1")
    assert section.body.split("\n\n")[0].strip()[:20] in html  # the paragraph commented on, beside the proposal
    assert "<ins>" in html and "The first paragraph, reworded." in html
    assert decide_url(c, kind="editorial") in html and decide_url(b) not in html  # next pending, within the filter
    fields = rendered_fields(html, action="")
    response = client.post(decide_url(a, kind="editorial"), submit(fields, disposition="noted", then="next"))
    assert response.status_code == 302 and response["Location"] == decide_url(c, kind="editorial")
    page = client.get(response["Location"]).content.decode()
    assert decide_url(a) not in page.split("Previous pending")[0][-300:]  # a is decided: no longer "previous"
    fields = rendered_fields(page, action="")
    response = client.post(decide_url(c, kind="editorial"), submit(fields, disposition="noted", then="table"))
    assert response["Location"].endswith("/comments/?kind=editorial")


def test_a_bulk_decision_with_nothing_ticked_says_what_to_do(client, people, draft) -> None:
    comment_of(client, people["ngo"], draft)
    client.force_login(people["editor"])
    url = reverse("drafts:comment_table", args=["guidance", draft.number])
    page = client.get(url)
    assert 'data-select-all="bulk-comments"' in page.content.decode()
    fields = rendered_fields(page.content, action="")
    response = client.post(url, submit(fields, **{"bulk-disposition": "noted"}))
    assert response.status_code == 400
    html = response.content.decode()
    assert "Tick at least one comment" in html and "This field is required" not in html
    assert not DraftComment.objects.exclude(disposition="pending").exists()


def test_system_actor_is_not_an_author(people, draft, client) -> None:
    comment = comment_of(client, people["ngo"], draft)
    with pytest.raises(Exception):  # noqa: B017
        services.comment_withdraw(comment=comment, user=system_actor())


def test_a_drafted_decision_does_not_take_a_comment_off_the_stakeholders_carried_over_list(
    client, people, document, draft
) -> None:
    comment = comment_of(client, people["ngo"], draft, paragraph=1)
    services.comment_dispose(comments=[comment], user=people["editor"], draft=draft, disposition="noted")
    second = freeze(document, visibility=Draft.Visibility.RESTRICTED)
    page = client.get(section_url(second, "p1-g1")).content.decode()
    assert "carried over from Draft 1" in page and comment.reference in page  # not published: still undecided
    client.force_login(people["editor"])
    assert "carried over from Draft 1" not in client.get(section_url(second, "p1-g1")).content.decode()

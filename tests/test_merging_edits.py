"""Concurrent edits of one section (issue 14): merged when they do not overlap, settled on a three-way
page when they do; never one colleague's words silently dropped. Through the forms the pages render."""

from __future__ import annotations

import pytest
from django.urls import reverse

from drafts import selectors, services
from drafts.models import Section
from tests.factories import make_document, make_section, make_user, versions_of
from tests.html_forms import rendered_fields, submit

pytestmark = pytest.mark.django_db

BASE = "First paragraph about access.\n\nSecond paragraph about detention.\n\nThird paragraph about return."


@pytest.fixture
def setting():
    alice, bob = make_user("alice", first_name="Alice", last_name="Member"), make_user("bob")
    document = make_document(members=[alice, bob])
    section = make_section(document, "Heading", BASE)
    return document, section, alice, bob


def edit_url(section: Section) -> str:
    return reverse("drafts:section_edit", kwargs={"slug": section.document.slug, "key": section.key})


def opened(client, user, section: Section) -> dict:
    """The edit form as the person opened it (so from the version it showed them)."""
    client.force_login(user)
    response = client.get(edit_url(section))
    assert response.status_code == 200
    return rendered_fields(response.content, action="")


def test_edits_to_different_paragraphs_from_one_base_are_merged_into_one_version(client, setting) -> None:
    _document, section, alice, bob = setting
    alice_form, bob_form = opened(client, alice, section), opened(client, bob, section)
    client.force_login(alice)
    body = BASE.replace("about access", "about access to justice")
    assert client.post(edit_url(section), submit(alice_form, body=body, message="Alice")).status_code == 302
    client.force_login(bob)
    body = BASE.replace("about return", "about safe and dignified return")
    response = client.post(edit_url(section), submit(bob_form, body=body, message="Bob's point"), follow=True)
    assert response.status_code == 200 and "Conflict" not in response.content.decode()
    section.refresh_from_db()
    assert "access to justice" in section.body and "safe and dignified return" in section.body
    assert section.version_number == 3 and versions_of(section) == 3
    # The version's message names the version it merged and its author; so does the page.
    newest = selectors.section_versions(section).first()
    assert newest.revision.comment == "Bob's point (merged with version 2 by Alice Member)"
    assert newest.revision.user == bob
    assert "Alice Member had saved version 2 meanwhile" in response.content.decode()


def test_overlapping_edits_get_the_three_way_page_and_nothing_is_saved(client, setting) -> None:
    _document, section, alice, bob = setting
    alice_form, bob_form = opened(client, alice, section), opened(client, bob, section)
    client.force_login(alice)
    client.post(edit_url(section), submit(alice_form, body=BASE.replace("detention", "immigration detention"),
                                          message="Alice"))
    client.force_login(bob)
    response = client.post(edit_url(section), submit(bob_form, body=BASE.replace("detention", "administrative "
                                                                                  "detention"), message="Bob"))
    assert response.status_code == 409
    page = response.content.decode()
    assert "immigration" in page and "administrative" in page and "Conflict 1" in page
    section.refresh_from_db()
    assert "immigration detention" in section.body and versions_of(section) == 2
    fields = rendered_fields(page, action="")
    # Saving without settling the conflict saves nothing and says what is missing.
    unsettled = client.post(edit_url(section), submit(fields))
    assert unsettled.status_code == 409 and "Choose how to settle conflict 1." in unsettled.content.decode()
    assert versions_of(section) == 2
    # Keeping both keeps every word of both.
    both = client.post(edit_url(section), submit(rendered_fields(unsettled.content, action=""), choice_0="both"))
    assert both.status_code == 302
    section.refresh_from_db()
    assert "immigration detention" in section.body and "administrative detention" in section.body
    assert "First paragraph about access." in section.body and "Third paragraph about return." in section.body
    assert versions_of(section) == 3


@pytest.mark.parametrize(("choice", "kept", "gone"), [("theirs", "immigration", "administrative"),
                                                     ("yours", "administrative", "immigration")])
def test_keeping_one_side_of_a_conflict_keeps_the_rest_of_both(client, setting, choice, kept, gone) -> None:
    _document, section, alice, bob = setting
    alice_form, bob_form = opened(client, alice, section), opened(client, bob, section)
    client.force_login(alice)
    client.post(edit_url(section), submit(alice_form, body=BASE.replace("detention", "immigration detention")
                                          .replace("access", "access to justice"), message="Alice"))
    client.force_login(bob)
    response = client.post(edit_url(section), submit(bob_form, body=BASE.replace("detention", "administrative "
                                                      "detention").replace("return", "safe return"), message="Bob"))
    assert response.status_code == 409
    saved = client.post(edit_url(section), submit(rendered_fields(response.content, action=""), choice_0=choice))
    assert saved.status_code == 302
    section.refresh_from_db()
    assert kept in section.body and gone not in section.body
    assert "access to justice" in section.body and "safe return" in section.body  # both clean changes kept


def test_a_save_while_settling_is_merged_in_too(client, setting) -> None:
    _document, section, alice, bob = setting
    alice_form, bob_form = opened(client, alice, section), opened(client, bob, section)
    client.force_login(alice)
    client.post(edit_url(section), submit(alice_form, body=BASE.replace("detention", "immigration detention"),
                                          message="Alice"))
    client.force_login(bob)
    response = client.post(edit_url(section), submit(bob_form, body=BASE.replace("detention", "administrative "
                                                                                  "detention"), message="Bob"))
    fields = rendered_fields(response.content, action="")
    # Alice saves again, elsewhere, while Bob is settling the conflict.
    services.section_update(section=Section.objects.get(pk=section.pk), user=alice, base_version=2,
                            heading="Heading", body=Section.objects.get(pk=section.pk).body.replace(
                                "First", "Opening"), message="Alice again")
    saved = client.post(edit_url(section), submit(fields, choice_0="yours"))
    assert saved.status_code == 302
    section.refresh_from_db()
    assert "Opening paragraph" in section.body and "administrative detention" in section.body
    assert versions_of(section) == 4


def test_the_conflict_page_names_the_colleague_and_their_version(client, setting) -> None:
    _document, section, alice, bob = setting
    alice_form, bob_form = opened(client, alice, section), opened(client, bob, section)
    client.force_login(alice)
    client.post(edit_url(section), submit(alice_form, heading="Alice's heading", message="Alice"))
    client.force_login(bob)
    response = client.post(edit_url(section), submit(bob_form, heading="Bob's heading", message="Bob"))
    assert response.status_code == 409
    page = response.content.decode()
    assert "<bdi>Alice Member</bdi> saved version 2" in page and "The heading" in page
    fields = rendered_fields(page, action="")
    saved = client.post(edit_url(section), submit(fields, choice_heading="own", text_heading="A joint heading"))
    assert saved.status_code == 302
    section.refresh_from_db()
    assert section.heading == "A joint heading"


def test_a_stale_merge_page_is_refused_without_saving(client, setting) -> None:
    _document, section, _alice, bob = setting
    client.force_login(bob)
    response = client.post(edit_url(section), {"resolve": "1", "base_version": "1", "their_version": "9",
                                                "heading": "H", "body": "B", "message": "m"})
    assert response.status_code == 302 and versions_of(section) == 1


def test_merging_in_the_service_keeps_both_and_says_so(setting) -> None:
    _document, section, alice, bob = setting
    services.section_update(section=section, user=alice, base_version=1, heading="Heading",
                            body=BASE.replace("First", "Opening"), message="Alice")
    saved = services.section_save(section=section, user=bob, base_version=1, heading="Heading",
                                  body=BASE.replace("Third", "Last"), message="")
    assert saved.merged_with is not None and saved.merged_body is not None
    assert saved.merged_body.theirs_changes() == 1 and saved.merged_body.yours_changes() == 1
    assert saved.section.body == BASE.replace("First", "Opening").replace("Third", "Last")
    assert selectors.section_versions(section).first().revision.comment == "Merged with version 2 by Alice Member"


def test_an_overlap_raises_the_conflict_with_the_three_way_merge_and_writes_nothing(setting) -> None:
    _document, section, alice, bob = setting
    services.section_update(section=section, user=alice, base_version=1, heading="Heading",
                            body=BASE.replace("access", "justice"), message="Alice")
    with pytest.raises(services.EditConflict) as raised:
        services.section_save(section=section, user=bob, base_version=1, heading="Heading",
                              body=BASE.replace("access", "remedies"), message="Bob")
    merged = raised.value.body
    assert merged is not None and len(merged.conflicts) == 1
    conflict = merged.conflicts[0]
    assert "justice" in conflict.theirs and "remedies" in conflict.yours and "access" in conflict.base
    assert versions_of(section) == 2

"""A section's history (issue 14): any two versions compared, each version's drafts, and a revert that
asks first, wants a reason and names the version it brings back. Through the forms the pages render."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from drafts import selectors, services
from drafts.models import Draft
from tests.factories import freeze, make_document, make_section, make_user, versions_of
from tests.html_forms import rendered_fields, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    alice = make_user("alice", first_name="Alice", last_name="Member")
    stakeholder = make_user("stakeholder")
    document = make_document(members=[alice], stakeholders=[stakeholder])
    section = make_section(document, "Heading", "Version one text.")
    freeze(document, visibility=Draft.Visibility.PUBLIC)  # Draft 1 holds version 1
    for n in (2, 3):
        services.section_update(section=section, user=alice, base_version=n - 1, heading="Heading",
                                body=f"Version {n} text.", message=f"Make it {n}")
    freeze(document, visibility=Draft.Visibility.PUBLIC)  # Draft 2 holds version 3
    section.refresh_from_db()
    return document, section, alice, stakeholder


def url(name: str, section, **extra) -> str:
    return reverse(f"drafts:{name}", kwargs={"slug": section.document.slug, "key": section.key, **extra})


def test_history_numbers_versions_and_says_which_draft_each_went_into(client, setting) -> None:
    _document, section, alice, _stakeholder = setting
    client.force_login(alice)
    response = client.get(url("section_history", section))
    rows = response.context["rows"]
    assert [entry.number for entry, _previous in rows] == [3, 2, 1]
    assert [[d.number for d in entry.drafts] for entry, _previous in rows] == [[2], [], [1]]
    page = response.content.decode()
    assert "Version 3" in page and "Draft 2" in page and "Draft 1" in page


def test_the_history_costs_the_same_queries_however_many_versions_and_drafts(client, setting) -> None:
    document, section, alice, _stakeholder = setting
    client.force_login(alice)
    with CaptureQueriesContext(connection) as before:
        client.get(url("section_history", section))
    for n in range(4, 10):
        services.section_update(section=section, user=alice, base_version=n - 1, heading="Heading",
                                body=f"Version {n} text.", message=f"Make it {n}")
        freeze(document)
    with CaptureQueriesContext(connection) as after:
        response = client.get(url("section_history", section))
    assert len(response.context["rows"]) == 9
    assert len(after) <= len(before), "\n".join(q["sql"][:150] for q in after)


def test_any_two_versions_are_compared_in_either_order(client, setting) -> None:
    _document, section, alice, _stakeholder = setting
    client.force_login(alice)
    history = client.get(url("section_history", section))
    form = rendered_fields(history.content, action=url("section_compare", section))
    first, third = (e.version.pk for e, _p in history.context["rows"][::-2])
    assert {form["a"], form["b"]} == {str(history.context["rows"][1][0].version.pk), str(third)}
    for a, b in ((first, third), (third, first)):
        response = client.get(url("section_compare", section), {"a": a, "b": b})
        assert response.status_code == 200
        assert (response.context["old_entry"].number, response.context["new_entry"].number) == (1, 3)
        page = response.content.decode()
        assert "From version 1" in page and "to version 3 (<bdi>Alice Member</bdi>" in page
    other = make_section(section.document, "Other", "x")
    foreign = selectors.section_versions(other).first()
    assert client.get(url("section_compare", section), {"a": first, "b": foreign.pk}).status_code == 404


def test_a_revert_asks_first_and_writes_nothing_until_confirmed(client, setting) -> None:
    _document, section, alice, _stakeholder = setting
    client.force_login(alice)
    first = selectors.section_history(alice, section)[-1].version
    revert = url("section_revert", section, version_id=first.pk)
    confirm = client.get(revert)
    assert confirm.status_code == 200 and versions_of(section) == 3
    page = confirm.content.decode()
    assert "<del>" in page and "<ins>" in page  # what the revert will change
    fields = rendered_fields(confirm.content, action="")
    missing = client.post(revert, submit(fields))
    assert "Say why you revert" in missing.content.decode() and versions_of(section) == 3
    done = client.post(revert, submit(fields, message="The first wording was agreed"))
    assert done.status_code == 302 and versions_of(section) == 4
    section.refresh_from_db()
    assert section.body == "Version one text."
    newest = selectors.section_versions(section).first()
    assert newest.revision.comment.startswith("Reverted to version 1 (by ")
    assert newest.revision.comment.endswith("): The first wording was agreed")


def test_a_revert_confirmed_before_a_colleague_saved_is_refused(client, setting) -> None:
    _document, section, alice, _stakeholder = setting
    client.force_login(alice)
    first = selectors.section_history(alice, section)[-1].version
    revert = url("section_revert", section, version_id=first.pk)
    fields = rendered_fields(client.get(revert).content, action="")
    services.section_update(section=section, user=alice, base_version=3, heading="Heading", body="Newer.",
                            message="Meanwhile")
    response = client.post(revert, submit(fields, message="Back"))
    assert "Someone saved this section since you opened this page" in response.content.decode()
    section.refresh_from_db()
    assert section.body == "Newer." and versions_of(section) == 4


def test_the_revert_message_names_the_version_and_its_author(setting) -> None:
    _document, section, alice, _stakeholder = setting
    second = selectors.section_history(alice, section)[1].version
    services.section_revert(section=section, user=alice, version=second, message="Why")
    comment = selectors.section_versions(section).first().revision.comment
    assert comment.startswith("Reverted to version 2 (by Alice Member, ") and comment.endswith("): Why")


def test_reverting_to_what_the_section_already_reads_is_refused(client, setting) -> None:
    _document, section, alice, _stakeholder = setting
    client.force_login(alice)
    current = selectors.section_history(alice, section)[0].version
    revert = url("section_revert", section, version_id=current.pk)
    response = client.post(revert, submit(rendered_fields(client.get(revert).content, action=""), message="x"))
    assert "already reads as that version" in response.content.decode() and versions_of(section) == 3


def test_stakeholders_and_outsiders_cannot_see_or_revert(client, setting) -> None:
    _document, section, alice, stakeholder = setting
    first = selectors.section_history(alice, section)[-1].version
    for user in (stakeholder, make_user("outsider")):
        client.force_login(user)
        assert client.get(url("section_history", section)).status_code == 404
        assert client.get(url("section_revert", section, version_id=first.pk)).status_code == 404
        assert client.post(url("section_revert", section, version_id=first.pk), {"message": "x"}).status_code == 404
    assert versions_of(section) == 3

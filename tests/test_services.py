"""The rules of DESIGN.md that services keep: one revision per change, nothing half-saved, frozen is frozen."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, transaction
from reversion.models import Revision, Version

from drafts import selectors, services
from drafts.access import system_actor
from drafts.models import BODY_MAX_CHARS, Draft, DraftSection, FrozenDraftError, Section
from tests.factories import freeze, make_document, make_principles, make_section, make_user, versions_of

pytestmark = pytest.mark.django_db


def assert_single_revision(action, *, user, message: str | None = None):
    """Run ``action`` and check it made exactly one revision, by ``user``, with the message."""
    revisions_before = Revision.objects.count()
    result = action()
    assert Revision.objects.count() == revisions_before + 1
    revision = Revision.objects.order_by("-pk").first()
    assert revision.user == user
    assert revision.version_set.count() == 1
    if message is not None:
        assert revision.comment == message
    return result


def outline_numbers(document) -> dict[str, str]:
    entries, _removed = selectors.working_copy(document)
    return {e.section.key: e.number for e in entries}


# One revision per change ---------------------------------------------------------------------------


def test_every_kind_of_section_change_is_exactly_one_revision_with_user_and_message() -> None:
    user = make_user()
    document = make_document(editor=user)
    first = assert_single_revision(
        lambda: make_section(document, "First", key="first", user=user, message="Add"), user=user, message="Add"
    )
    second = make_section(document, "Second", key="second", user=user)
    assert_single_revision(
        lambda: services.section_update(
            section=first,
            user=user,
            base_version=first.version_number,
            heading="First, renamed",
            body="New words",
            message="Reword after consultation",
        ),
        user=user,
        message="Reword after consultation",
    )
    assert_single_revision(
        lambda: services.section_move(section=second, user=user, parent=None, position=1, message="Second goes first"),
        user=user,
    )
    assert_single_revision(lambda: services.section_remove(section=second, user=user, message="Merged"), user=user)
    assert_single_revision(lambda: services.section_restore(section=second, user=user), user=user)
    oldest = Version.objects.get_for_object(first).last()
    assert_single_revision(lambda: services.section_revert(section=first, user=user, version=oldest), user=user)
    first.refresh_from_db()
    assert (first.heading, first.body) == ("First", "Some text.")
    assert versions_of(first) == 3  # a revert is a new version; history is never rewritten


def test_saving_unchanged_text_makes_no_version() -> None:
    document = make_document()
    section = make_section(document)
    services.section_update(
        section=section, user=system_actor(), base_version=1, heading=section.heading, body=section.body,
        message="nothing",
    )
    assert versions_of(section) == 1


def test_moving_a_sibling_does_not_version_the_sections_it_shifts() -> None:
    document = make_document()
    a, b, c = (make_section(document, h, key=h.lower()) for h in ("A", "B", "C"))
    services.section_move(section=c, user=system_actor(), parent=None, position=1)
    assert outline_numbers(document) == {"c": "1", "a": "2", "b": "3"}
    assert (versions_of(a), versions_of(b), versions_of(c)) == (1, 1, 2)


def test_moving_a_guideline_to_another_principle_renumbers_both() -> None:
    document = make_document()
    sections = {s.key: s for s in make_principles(document, principles=2, guidelines=3)}
    services.section_move(section=sections["p1-g2"], user=system_actor(), parent=sections["p2"], position=1)
    numbers = outline_numbers(document)
    assert numbers["p1-g2"] == "2.1"
    assert numbers["p1-g3"] == "1.2"
    assert numbers["p2-g1"] == "2.2"
    assert numbers["intro"] == ""


# Bad input changes nothing ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("heading", "body", "code"),
    [
        ("", "text", "blank_heading"),
        ("   ", "text", "blank_heading"),
        ("x" * 301, "text", "max_length"),
        ("Fine", "x" * (BODY_MAX_CHARS + 1), "max_length"),
    ],
)
def test_bad_section_text_is_refused_and_nothing_is_saved(heading: str, body: str, code: str) -> None:
    document = make_document()
    section = make_section(document, "Original", "Original text")
    with pytest.raises(ValidationError) as refused:
        services.section_update(
            section=section, user=system_actor(), base_version=1, heading=heading, body=body, message="m"
        )
    assert code in {e.code for errors in refused.value.error_dict.values() for e in errors}
    section.refresh_from_db()
    assert (section.heading, section.body, section.version_number) == ("Original", "Original text", 1)
    assert versions_of(section) == 1
    with pytest.raises(ValidationError):
        services.section_create(document=document, user=system_actor(), heading=heading, body=body)
    assert Section.objects.filter(document=document).count() == 1


def test_duplicate_key_is_refused() -> None:
    document = make_document()
    make_section(document, key="p1")
    with pytest.raises(ValidationError) as refused:
        make_section(document, key="p1")
    assert refused.value.error_dict["key"][0].code == "duplicate_key"
    assert Section.objects.filter(document=document).count() == 1


def test_the_database_refuses_a_duplicate_key_even_outside_the_services() -> None:
    document = make_document()
    make_section(document, key="p1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Section.objects.create(document=document, key="p1", heading="Sneaky")


def test_a_parent_from_another_document_is_refused() -> None:
    ours, theirs = make_document(), make_document()
    foreign = make_section(theirs)
    with pytest.raises(ValidationError) as refused:
        make_section(ours, parent=foreign)
    assert refused.value.error_dict["parent"][0].code == "foreign_parent"
    mine = make_section(ours, key="mine")
    with pytest.raises(ValidationError):
        services.section_move(section=mine, user=system_actor(), parent=foreign, position=1)
    assert Section.objects.filter(document=ours).count() == 1


def test_a_section_cannot_become_its_own_ancestor() -> None:
    document = make_document()
    top = make_section(document, "Top", key="top")
    child = make_section(document, "Child", key="child", parent=top)
    grandchild = make_section(document, "Grandchild", key="grandchild", parent=child)
    for new_parent in (top, grandchild):
        with pytest.raises(ValidationError) as refused:
            services.section_move(section=top, user=system_actor(), parent=new_parent, position=1)
        assert refused.value.error_dict["parent"][0].code == "own_ancestor"
    top.refresh_from_db()
    assert top.parent_id is None and versions_of(top) == 1


# Optimistic editing -------------------------------------------------------------------------------


def test_a_stale_save_is_refused_and_the_newer_text_is_kept() -> None:
    alice, bob = make_user("alice"), make_user("bob")
    document = make_document(members=[alice, bob])
    section = make_section(document, "Heading", "Original", user=alice)
    opened_at = section.version_number
    services.section_update(
        section=section, user=alice, base_version=opened_at, heading="Heading", body="Alice's words", message="Alice"
    )
    with pytest.raises(services.EditConflict) as conflict:
        services.section_update(
            section=section, user=bob, base_version=opened_at, heading="Heading", body="Bob's words", message="Bob"
        )
    assert conflict.value.latest.revision.user == alice
    assert conflict.value.section.body == "Alice's words"
    section.refresh_from_db()
    assert section.body == "Alice's words"
    assert versions_of(section) == 2


# Freezing ------------------------------------------------------------------------------------------


def test_freezing_records_each_live_sections_version_number_and_place() -> None:
    document = make_document()
    sections = {s.key: s for s in make_principles(document, principles=2, guidelines=2)}
    services.section_remove(section=sections["p1-g1"], user=system_actor())
    draft = freeze(document, label="Zero draft")
    snapshots = {s.key: s for s in DraftSection.objects.filter(draft=draft)}
    assert draft.number == 1
    assert "p1-g1" not in snapshots
    assert [(s.key, s.number, s.parent_key, s.position) for s in sorted(snapshots.values(), key=lambda s: s.order)] == [
        ("intro", "", "", 1),
        ("p1", "1", "", 2),
        ("p1-g2", "1.1", "p1", 1),
        ("p2", "2", "", 3),
        ("p2-g1", "2.1", "p2", 1),
        ("p2-g2", "2.2", "p2", 2),
    ]
    latest = Version.objects.get_for_object(sections["p1-g2"]).first()
    assert snapshots["p1-g2"].version == latest
    assert freeze(document).number == 2


def test_a_frozen_draft_keeps_its_text_when_the_working_copy_changes() -> None:
    document = make_document()
    section = make_section(document, "Heading", "As frozen")
    draft = freeze(document)
    services.section_update(
        section=section, user=system_actor(), base_version=1, heading="Heading", body="Changed later", message="edit"
    )
    assert DraftSection.objects.get(draft=draft).body == "As frozen"


def test_freezing_an_empty_working_copy_is_refused() -> None:
    document = make_document()
    with pytest.raises(ValidationError):
        freeze(document)
    assert not Draft.objects.filter(document=document).exists()


def test_writes_to_a_frozen_draft_are_refused_by_the_models() -> None:
    document = make_document()
    make_section(document)
    draft = freeze(document)
    snapshot = DraftSection.objects.get(draft=draft)
    snapshot.body = "tampered"
    with pytest.raises(FrozenDraftError):
        snapshot.save()
    with pytest.raises(FrozenDraftError):
        snapshot.delete()
    with pytest.raises(FrozenDraftError):
        DraftSection.objects.filter(draft=draft).update(body="tampered")
    with pytest.raises(FrozenDraftError):
        DraftSection.objects.filter(draft=draft).delete()
    draft.number = 7
    with pytest.raises(FrozenDraftError):
        draft.save()
    with pytest.raises(FrozenDraftError):
        draft.delete()
    assert DraftSection.objects.get(draft=draft).body == "Some text."


def test_writes_to_a_frozen_draft_are_refused_by_the_database() -> None:
    document = make_document()
    make_section(document)
    draft = freeze(document)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE drafts_draftsection SET body = 'tampered' WHERE draft_id = %s", [draft.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE drafts_draft SET number = 9 WHERE id = %s", [draft.pk])
    assert DraftSection.objects.get(draft=draft).body == "Some text."
    assert Draft.objects.get(pk=draft.pk).number == 1


def test_an_editor_can_still_change_a_frozen_drafts_settings() -> None:
    document = make_document()
    make_section(document)
    draft = freeze(document, visibility=Draft.Visibility.WORKING_GROUP)
    services.draft_update_settings(
        draft=draft,
        user=system_actor(),
        label="Zero draft",
        status=Draft.Status.SUPERSEDED,
        visibility=Draft.Visibility.PUBLIC,
        comments_open_from=None,
        comments_open_until=None,
    )
    draft.refresh_from_db()
    assert (draft.label, draft.visibility, draft.number) == ("Zero draft", "public", 1)


def test_the_database_refuses_two_drafts_with_one_number() -> None:
    document = make_document()
    make_section(document)
    freeze(document)
    with pytest.raises(IntegrityError), transaction.atomic():
        Draft.objects.create(document=document, number=1)

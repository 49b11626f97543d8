"""Hardening: sealed drafts below the models, one-line visible names, slugs whatever their case,
strict ids in addresses and query strings, and no revert of a removed section.

Each test here failed on the code before the fix. Names introduced by the fix (``parse_id``,
``validate_single_line``) are imported inside the tests that need them, so that every other test
fails for the reason it is about.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.urls import reverse
from reversion.models import Version

from drafts import services
from drafts.access import system_actor
from drafts.models import Document, Draft, DraftSection, FrozenDraftError, Section
from tests.factories import freeze, make_document, make_principles, make_section, make_user, versions_of

pytestmark = pytest.mark.django_db

MAX_ID = 2**63 - 1


def assert_refused(error: ValidationError, code: str, field: str | None = None) -> None:
    """The refusal carries ``code`` (on ``field``, when the error is about one)."""
    errors = error.error_dict[field] if field else error.error_list
    assert code in [e.code for e in errors], errors


# A. A frozen draft keeps exactly the sections it recorded ---------------------------------------


@pytest.fixture
def frozen():
    """A frozen draft of two sections, and a third section written after it (so it has a version)."""
    document = make_document()
    make_section(document, "One")
    make_section(document, "Two")
    draft = freeze(document)
    later = make_section(document, "Written after the freeze")
    return draft, later


def snapshot_fields(draft: Draft, section: Section) -> dict:
    """The fields of a snapshot that would be valid in every way but one: its draft is frozen already."""
    return {
        "draft": draft,
        "section": section,
        "version": Version.objects.get_for_object(section).first(),
        "key": section.key,
        "order": 99,
        "depth": 0,
        "position": 3,
        "number": "3",
        "heading": section.heading,
        "body": section.body,
    }


def test_a_freeze_seals_its_draft_and_a_draft_cannot_be_unsealed(frozen) -> None:
    draft, _later = frozen
    assert Draft.objects.get(pk=draft.pk).sealed
    assert "sealed" in Draft.frozen_columns() and "sealed" not in Draft.EDITABLE_FIELDS
    with pytest.raises(FrozenDraftError):
        Draft.objects.filter(pk=draft.pk).update(sealed=False)
    draft.sealed = False
    with pytest.raises(FrozenDraftError):
        draft.save(update_fields=["sealed"])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE drafts_draft SET sealed = false WHERE id = %s", [draft.pk])
    assert Draft.objects.get(pk=draft.pk).sealed


def test_the_models_refuse_to_add_a_section_to_a_frozen_draft(frozen) -> None:
    draft, later = frozen
    with pytest.raises(FrozenDraftError):
        DraftSection.objects.create(**snapshot_fields(draft, later))
    with pytest.raises(FrozenDraftError):
        DraftSection(**snapshot_fields(draft, later)).save()
    with pytest.raises(FrozenDraftError):
        DraftSection.objects.bulk_create([DraftSection(**snapshot_fields(draft, later))])
    assert DraftSection.objects.filter(draft=draft).count() == 2


def test_the_models_refuse_to_change_or_delete_a_frozen_draft_through_a_queryset(frozen) -> None:
    draft, _later = frozen
    with pytest.raises(FrozenDraftError):
        Draft.objects.filter(pk=draft.pk).update(number=5)
    with pytest.raises(FrozenDraftError):
        Draft.objects.filter(pk=draft.pk).delete()
    Draft.objects.filter(pk=draft.pk).update(label="Zero draft")  # the editable settings still change
    assert Draft.objects.get(pk=draft.pk).label == "Zero draft"


def test_the_database_refuses_to_add_or_remove_a_frozen_drafts_sections_or_the_draft(frozen) -> None:
    draft, later = frozen
    snapshot = DraftSection(**snapshot_fields(draft, later))
    fields = [f for f in DraftSection._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    values = [f.get_db_prep_value(getattr(snapshot, f.attname), connection) for f in fields]
    placeholders = ", ".join(["%s"] * len(fields))
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO drafts_draftsection ({columns}) VALUES ({placeholders})", values)  # noqa: S608
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM drafts_draftsection WHERE draft_id = %s", [draft.pk])
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM drafts_draft WHERE id = %s", [draft.pk])
    assert DraftSection.objects.filter(draft=draft).count() == 2
    assert Draft.objects.filter(pk=draft.pk).exists()


def _trigger_names() -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {name for (name,) in cursor.fetchall() if name.startswith("drafts_")}


@pytest.mark.django_db(transaction=True)
def test_a_flush_empties_a_database_with_frozen_drafts_and_leaves_the_triggers_in_place() -> None:
    document = make_document()
    make_section(document)
    freeze(document)
    triggers = _trigger_names()
    call_command("flush", interactive=False, verbosity=0)
    assert not Draft.objects.exists() and not DraftSection.objects.exists()
    assert _trigger_names() == triggers


SEALING_MIGRATION = ("drafts", "0006_draft_sealed_single_line_names_slug_ignoring_case")


@pytest.mark.django_db(transaction=True)
def test_migrating_back_and_forth_rebuilds_the_draft_table_and_keeps_drafts_sealed() -> None:
    document = make_document()
    make_section(document)
    draft = freeze(document)
    triggers = _trigger_names()
    sealing = MigrationLoader(connection).graph.node_map[SEALING_MIGRATION]
    before_sealing = next(parent.key for parent in sealing.parents if parent.key[0] == "drafts")
    # Going back removes the sealed column: on SQLite a rebuild of drafts_draft, which SQLite refuses
    # while a trigger on drafts_draftsection reads that table, unless the migrate lifts the triggers.
    call_command("migrate", *before_sealing, verbosity=0)
    call_command("migrate", verbosity=0)
    assert Draft.objects.get(pk=draft.pk).sealed
    assert _trigger_names() == triggers
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM drafts_draftsection WHERE draft_id = %s", [draft.pk])


# B. Names shown on one line: no line breaks, no hidden characters, something visible ---------------

NOT_ONE_VISIBLE_LINE = {
    "newline": ("Two\nlines", "control_character"),
    "carriage return": ("Zero draft\r\nBcc: someone@example.org", "control_character"),
    "tab": ("Tab\there", "control_character"),
    "C1 next line": ("Next\x85line", "control_character"),
    "line separator": ("One\u2028two", "control_character"),
    "right-to-left override": ("Guidance \u202eenil", "bidi_control"),
    "isolate": ("\u2067Guidance\u2069", "bidi_control"),
    "zero-width only": ("\u200b\u200c\u200d", "invisible"),
    "word joiner and BOM": ("\u2060\ufeff", "invisible"),
    "Hangul filler": ("\u3164", "invisible"),
}
ONE_VISIBLE_LINE = [
    "Principle 7: dignity",
    "الكرامة\u200f",  # Arabic with a right-to-left mark
    "می\u200cخواهم",  # Persian with a zero-width non-joiner inside a word
    "👩\u200d⚖️ judges",  # an emoji sequence joined by ZWJ
]


@pytest.mark.parametrize("value, code", NOT_ONE_VISIBLE_LINE.values(), ids=NOT_ONE_VISIBLE_LINE.keys())
def test_the_single_line_rule_refuses_breaks_hidden_controls_and_invisible_text(value, code) -> None:
    from drafts.models.documents import validate_single_line

    with pytest.raises(ValidationError) as refused:
        validate_single_line(value)
    assert refused.value.code == code


@pytest.mark.parametrize("value", ONE_VISIBLE_LINE)
def test_the_single_line_rule_accepts_real_names_in_any_script(value) -> None:
    from drafts.models.documents import validate_single_line

    validate_single_line(value)
    make_section(make_document(), value)


@pytest.mark.parametrize("value, code", NOT_ONE_VISIBLE_LINE.values(), ids=NOT_ONE_VISIBLE_LINE.keys())
def test_a_section_heading_must_be_one_visible_line(value, code) -> None:
    document = make_document()
    section = make_section(document, "Fine")
    with pytest.raises(ValidationError) as refused:
        make_section(document, value)
    assert_refused(refused.value, "blank_heading" if code == "invisible" else code, "heading")
    with pytest.raises(ValidationError):
        services.section_update(
            section=section, user=system_actor(), base_version=1, heading=value, body="", message="edit"
        )
    assert list(Section.objects.filter(document=document).values_list("heading", flat=True)) == ["Fine"]
    assert versions_of(section) == 1


@pytest.mark.parametrize("label", ["Zero draft\r\nBcc: all@example.org", "Zero\ndraft", "\u202eZero draft", "\u200b"])
def test_a_draft_label_must_be_one_visible_line_when_frozen_and_when_changed(label) -> None:
    document = make_document()
    make_section(document)
    with pytest.raises(ValidationError) as refused:
        freeze(document, label=label)
    assert "label" in refused.value.error_dict
    assert not Draft.objects.filter(document=document).exists()
    draft = freeze(document, label="Zero draft")
    with pytest.raises(ValidationError):
        services.draft_update_settings(draft=draft, user=system_actor(), label=label)
    assert Draft.objects.get(pk=draft.pk).label == "Zero draft"


def test_the_draft_settings_form_takes_the_labels_rule_from_the_model() -> None:
    from drafts import forms

    form = forms.DraftSettingsForm(
        data={"label": "Zero\ndraft", "visibility": "public", "status": "circulated", "comments_visible_to_all": "on"}
    )
    assert not form.is_valid()
    assert "label" in form.errors


@pytest.mark.parametrize("field", ["title", "symbol"])
@pytest.mark.parametrize("value", ["A/HRC/WG\n2017", "\u202eGuidance", "\u200b\ufeff"])
def test_a_documents_title_and_symbol_must_be_one_visible_line(field, value) -> None:
    values = {"title": "Guidance", "symbol": "", field: value}
    with pytest.raises(ValidationError) as refused:
        services.document_create(slug="guidance", user=system_actor(), **values)
    assert field in refused.value.error_dict
    assert not Document.objects.exists()


# C. Slugs are unique whatever their case ---------------------------------------------------------


def test_two_documents_cannot_have_slugs_that_differ_only_in_case() -> None:
    make_document("Guide")
    with pytest.raises(ValidationError) as refused:
        make_document("guide")
    assert_refused(refused.value, "slug_taken", "slug")
    with pytest.raises(IntegrityError), transaction.atomic():
        Document.objects.create(slug="GUIDE", title="Guide")
    assert list(Document.objects.values_list("slug", flat=True)) == ["Guide"]


# D. Ids are plain ASCII digits within a database id's range ---------------------------------------

# "²" and "١" pass str.isdigit(), int() reads "١" (Arabic-Indic one), " 2" and "1_0"; the last two overflow.
NOT_IDS = ["²", "١", "+2", " 2", "2 ", "2.0", "1_0", "-1", str(MAX_ID + 1), "99999999999999999999"]


def test_parse_id_reads_plain_digits_within_range_only() -> None:
    from drafts.values import parse_id

    assert [parse_id(text) for text in ("2", "0", "007", str(MAX_ID))] == [2, 0, 7, MAX_ID]
    assert [parse_id(text) for text in [*NOT_IDS, "", None]] == [None] * (len(NOT_IDS) + 2)


@pytest.fixture
def two_public_drafts() -> Document:
    """Draft 1 and Draft 2 of a small public document (anyone may compare them), with p1-g1 edited between."""
    document = make_document("guidance")
    make_principles(document, principles=1, guidelines=1)
    freeze(document)
    services.section_update(
        section=Section.objects.get(document=document, key="p1-g1"), user=system_actor(), base_version=1,
        heading="Guideline 1.1", body="Changed.", message="edit",
    )
    freeze(document)
    return document


@pytest.mark.parametrize("name", ["drafts:compare", "drafts:compare_docx"])
def test_a_compare_ref_that_is_not_a_plain_draft_number_is_no_draft(client, two_public_drafts, name) -> None:
    url = reverse(name, kwargs={"slug": two_public_drafts.slug})
    assert client.get(url, {"from": "1", "to": "2"}).status_code == 200
    for ref in NOT_IDS:
        for query in ({"from": ref, "to": "2"}, {"from": "1", "to": ref}):
            assert client.get(url, query).status_code == 404, query


def test_a_version_compare_with_an_odd_version_id_is_404(client, two_public_drafts) -> None:
    client.force_login(make_user(is_superuser=True))  # an editor of every document
    section = Section.objects.get(document=two_public_drafts, key="p1-g1")
    first, second = sorted(Version.objects.get_for_object(section).values_list("pk", flat=True))
    url = reverse("drafts:section_compare", kwargs={"slug": two_public_drafts.slug, "key": section.key})
    assert client.get(url, {"a": first, "b": second}).status_code == 200
    for value in ("²", "١", f" {first}", f"+{first}", str(MAX_ID + 1)):
        assert client.get(url, {"a": value, "b": second}).status_code == 404, value


def test_ids_in_addresses_past_a_database_id_are_404_not_500(client, two_public_drafts) -> None:
    client.force_login(make_user(is_superuser=True))
    document = f"/d/{two_public_drafts.slug}"
    for number in (MAX_ID, MAX_ID + 1, 10**30):
        assert client.get(f"{document}/drafts/{number}/").status_code == 404
        assert client.get(f"{document}/s/p1-g1/history/{number}/").status_code == 404
        assert client.post(f"{document}/s/p1-g1/history/{number}/revert/").status_code == 404
        assert client.get(f"{document}/drafts/1/comments/{number}/").status_code == 404
        assert client.post(f"{document}/drafts/1/comments/{number}/hide/", {"reason": "spam"}).status_code == 404
        assert client.post(f"{document}/drafts/1/comments/{number}/flag/").status_code == 404


def test_addresses_take_only_ascii_digits_and_are_made_with_them() -> None:
    from drafts.converters import IdConverter

    assert reverse("drafts:draft_detail", kwargs={"slug": "guidance", "number": 2}) == "/d/guidance/drafts/2/"
    for value in (-1, MAX_ID + 1):
        with pytest.raises(ValueError):
            IdConverter().to_url(value)
    with pytest.raises(ValueError):
        IdConverter().to_python(str(MAX_ID + 1))


# E. A removed section is restored before it is reverted -------------------------------------------


def test_reverting_a_removed_section_is_refused_and_makes_no_version() -> None:
    document = make_document()
    section = make_section(document, "Heading", "First words")
    services.section_update(
        section=section, user=system_actor(), base_version=1, heading="Heading", body="Second words", message="edit"
    )
    first = Version.objects.get_for_object(section).last()
    services.section_remove(section=section, user=system_actor())
    with pytest.raises(ValidationError) as refused:
        services.section_revert(section=section, user=system_actor(), version=first)
    assert_refused(refused.value, "removed")
    section.refresh_from_db()
    assert (section.removed, section.body, versions_of(section)) == (True, "Second words", 3)

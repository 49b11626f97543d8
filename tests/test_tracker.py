"""The tracker: section status and its workflow, pen-holders, bracketed text, the silence procedure,
the progress dashboard and the ``progress`` command. One test per rule; forms are filled as the pages
render them (tests/html_forms.py)."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from drafts import brackets, rendering, selectors, services
from drafts.interchange import export_as, export_markdown, parse_markdown
from drafts.models import (
    Draft,
    DraftSection,
    Notice,
    PenHolder,
    Profile,
    Section,
    SectionStatus,
    Silence,
    SilenceBreak,
    StatusChange,
)
from drafts.values import ExportSection
from tests.factories import freeze, make_document, make_principles, make_user, versions_of
from tests.html_forms import rendered_fields, submit
from tests.libreoffice import docx_text, needs_libreoffice, needs_poppler, pdf_text

pytestmark = pytest.mark.django_db

CAST = ("editor", "member", "other", "ngo", "outsider")


@pytest.fixture
def world(db) -> tuple[dict, object]:
    people = {name: make_user(name, email=f"{name}@example.org", first_name=name.title()) for name in CAST}
    Profile.objects.create(user=people["ngo"], organisation="Migrant Rights Network", category="ngo")
    document = make_document("guidance", editor=people["editor"], members=[people["member"], people["other"]],
                             stakeholders=[people["ngo"]])
    make_principles(document, principles=2, guidelines=2)
    return people, document


def section(document, key: str = "p1-g1") -> Section:
    return Section.objects.get(document=document, key=key)


def move(person, sec: Section, to: str, reason: str = "Ready.") -> StatusChange:
    return services.section_status_change(section=sec, user=person, to_status=to, reason=reason)


def agree(editor, sec: Section) -> None:
    for status in (SectionStatus.IN_REVIEW, SectionStatus.AGREED_AD_REF, SectionStatus.AGREED):
        move(editor, sec, status)


# Status workflow -------------------------------------------------------------------------------


def test_a_section_moves_forward_one_step_and_back_to_any_earlier_step(world) -> None:
    people, document = world
    sec = section(document)
    assert sec.status == SectionStatus.DRAFTING
    agree(people["editor"], sec)
    move(people["editor"], sec, SectionStatus.DRAFTING, "Reopened at the chair's request.")
    assert section(document).status == SectionStatus.DRAFTING
    changes = list(StatusChange.objects.filter(section=sec).order_by("pk").values_list("from_status", "to_status"))
    assert changes == [("drafting", "in_review"), ("in_review", "agreed_ad_ref"), ("agreed_ad_ref", "agreed"),
                       ("agreed", "drafting")]


@pytest.mark.parametrize("to", ["agreed_ad_ref", "agreed", "drafting", "nonsense"])
def test_an_unknown_transition_is_refused_and_nothing_is_written(world, to) -> None:
    people, document = world
    with pytest.raises(ValidationError) as refusal:
        move(people["editor"], section(document), to)
    assert refusal.value.error_dict["to_status"][0].code == "unknown_transition"
    assert not StatusChange.objects.exists() and section(document).status == SectionStatus.DRAFTING


def test_a_status_change_says_why(world) -> None:
    people, document = world
    with pytest.raises(ValidationError):
        move(people["member"], section(document), SectionStatus.IN_REVIEW, reason="  \u200b ")
    assert not StatusChange.objects.exists()


@pytest.mark.parametrize("who", ["ngo", "outsider"])
def test_a_stakeholder_cannot_change_a_status(world, client, who) -> None:
    people, document = world
    with pytest.raises(PermissionDenied):
        move(people[who], section(document), SectionStatus.IN_REVIEW)
    client.force_login(people[who])
    url = reverse("drafts:section_status", kwargs={"slug": "guidance", "key": "p1-g1"})
    response = client.post(url, {"to_status": "in_review", "reason": "Because."})
    assert response.status_code == 404  # the working copy's pages do not exist for them
    assert not StatusChange.objects.exists() and section(document).status == SectionStatus.DRAFTING


def test_members_review_but_only_editors_agree(world) -> None:
    people, document = world
    sec = section(document)
    move(people["member"], sec, SectionStatus.IN_REVIEW)
    with pytest.raises(PermissionDenied):
        move(people["member"], sec, SectionStatus.AGREED_AD_REF)
    move(people["editor"], sec, SectionStatus.AGREED_AD_REF)
    with pytest.raises(PermissionDenied):
        move(people["member"], sec, SectionStatus.IN_REVIEW)  # taking it back from agreed: editors too
    assert section(document).status == SectionStatus.AGREED_AD_REF


def test_the_status_page_offers_only_the_allowed_moves_and_records_the_change(world, client) -> None:
    people, _document = world
    client.force_login(people["member"])
    url = reverse("drafts:section_status", kwargs={"slug": "guidance", "key": "p1-g1"})
    fields = rendered_fields(client.get(url).content, form_id="status-form")
    assert fields["to_status"] == "in_review" and "reason" in fields["__names__"]
    page = client.get(url).content.decode()
    assert 'value="agreed' not in page  # a member is not offered what only editors may do
    response = client.post(url, submit(fields, reason="Text is stable."))
    assert response.status_code == 302
    change = StatusChange.objects.get()
    assert (change.to_status, change.changed_by, change.reason) == ("in_review", people["member"], "Text is stable.")
    history = client.get(reverse("drafts:section_history", kwargs={"slug": "guidance", "key": "p1-g1"}))
    assert "Text is stable." in history.content.decode()


def test_editing_an_agreed_section_is_for_editors_with_a_reason_and_reopens_it(world, client) -> None:
    people, document = world
    sec = section(document)
    agree(people["editor"], sec)
    before = versions_of(sec)
    with pytest.raises(PermissionDenied):
        services.section_save(section=sec, user=people["member"], base_version=sec.version_number,
                              heading=sec.heading, body="Changed.", message="m")
    client.force_login(people["editor"])
    url = reverse("drafts:section_edit", kwargs={"slug": "guidance", "key": "p1-g1"})
    fields = rendered_fields(client.get(url).content, form_id="section-form")
    assert "reopen_reason" in fields["__names__"]
    refused = client.post(url, submit(fields, body="Changed.", message="Tighter wording."))
    assert refused.status_code == 200 and "Why reopen it?" in refused.content.decode()
    assert versions_of(sec) == before and section(document).status == SectionStatus.AGREED  # nothing saved
    client.post(url, submit(fields, body="Changed.", message="Tighter wording.", reopen_reason="Late objection."))
    assert versions_of(sec) == before + 1
    now = section(document)
    assert (now.body, now.status) == ("Changed.", SectionStatus.IN_REVIEW)
    reopened = StatusChange.objects.filter(section=sec).latest("pk")
    assert (reopened.from_status, reopened.reason, reopened.version_id is not None) == (
        "agreed", "Late objection.", True)


def test_status_is_frozen_with_the_draft_and_the_compare_says_so(world) -> None:
    people, document = world
    sec = section(document)
    move(people["editor"], sec, SectionStatus.IN_REVIEW)
    first = freeze(document)
    move(people["editor"], sec, SectionStatus.AGREED_AD_REF)
    second = freeze(document)
    assert DraftSection.objects.get(draft=first, key="p1-g1").status == "in_review"
    assert DraftSection.objects.get(draft=second, key="p1-g1").status == "agreed_ad_ref"
    out = StringIO()
    call_command("compare_drafts", "guidance", "1", "2", "--format", "json", stdout=out)
    entry = next(s for s in json.loads(out.getvalue())["sections"] if s["key"] == "p1-g1")
    assert (entry["from"]["status"], entry["to"]["status"]) == ("in_review", "agreed_ad_ref")


# Pen-holders ------------------------------------------------------------------------------------


def test_pen_holders_are_the_working_group(world) -> None:
    people, document = world
    with pytest.raises(ValidationError):
        services.section_pen_holders_set(section=section(document), user=people["editor"], holders=[people["ngo"]])
    with pytest.raises(PermissionDenied):
        services.section_pen_holders_set(section=section(document), user=people["member"], holders=[people["member"]])
    assert not PenHolder.objects.exists()


def test_with_the_setting_only_pen_holders_and_editors_edit_a_section(world, client) -> None:
    people, document = world
    sec = section(document)
    client.force_login(people["editor"])
    page = client.get(reverse("drafts:section_pen_holders", kwargs={"slug": "guidance", "key": "p1-g1"}))
    fields = rendered_fields(page.content, form_id="pen-holders-form")
    client.post(page.wsgi_request.path, submit(fields, holders=[str(people["member"].pk)]))
    assert list(PenHolder.objects.values_list("user__username", flat=True)) == ["member"]
    progress = client.get(reverse("drafts:document_progress", kwargs={"slug": "guidance"}))
    setting = rendered_fields(progress.content, form_id="setting-form")
    client.post(progress.wsgi_request.path, submit(setting, pen_holders_only="on"))
    document.refresh_from_db()
    assert document.pen_holders_only

    def save(person) -> None:
        current = section(document)
        services.section_save(section=current, user=person, base_version=current.version_number,
                              heading=current.heading, body=f"By {person.username}.", message="m")

    with pytest.raises(PermissionDenied):
        save(people["other"])
    assert section(document).body.startswith("First paragraph")
    save(people["member"])
    save(people["editor"])
    assert section(document).body == "By editor."
    # A section without pen-holders is closed to members too under the setting.
    with pytest.raises(PermissionDenied):
        services.section_save(section=section(document, "p2-g1"), user=people["other"], base_version=1,
                              heading="x", body="y", message="m")
    client.force_login(people["member"])
    mine = client.get(reverse("drafts:my_sections")).content.decode()
    assert "Guideline 1.1" in mine and "Guideline 2.1" not in mine
    assert sec.pk in selectors.pen_holders_by_section(document)


# Bracketed text ---------------------------------------------------------------------------------


def test_an_unbalanced_bracket_is_refused_with_its_line_and_column_and_nothing_is_saved(world, client) -> None:
    people, document = world
    client.force_login(people["member"])
    url = reverse("drafts:section_edit", kwargs={"slug": "guidance", "key": "p1-g1"})
    fields = rendered_fields(client.get(url).content, form_id="section-form")
    before = versions_of(section(document))
    response = client.post(url, submit(fields, body="First line.\n\nStates [[shall || should] act.", message="m"))
    page = response.content.decode()
    assert response.status_code == 200 and "Line 3, column 8" in page
    assert versions_of(section(document)) == before


@pytest.mark.parametrize(("body", "code"), [
    ("a ]] b", "bracket_unopened"),
    ("a || b", "bracket_option_outside"),
    ("[[a [[b [[c]] ]] ]]", "bracket_too_deep"),
    ("[[a]]{ , }", "bracket_empty_holders"),
])
def test_each_bracket_mistake_is_refused_by_the_service(world, body, code) -> None:
    people, document = world
    sec = section(document)
    with pytest.raises(ValidationError) as refusal:
        services.section_save(section=sec, user=people["member"], base_version=sec.version_number,
                              heading=sec.heading, body=body, message="m")
    assert code in str(refusal.value.error_dict["body"][0].code)
    assert section(document).body != body


def test_brackets_render_with_visible_marks_options_and_holders_and_announce_themselves() -> None:
    html = rendering.render_markdown(
        "States [[shall || should]] act [[now]]{EU, G77}.", anchor="s-1", label="1",
        words=rendering.BracketWords(),
    ).html
    assert '<span class="bracketed options">' in html and html.count('<span class="option">') == 2
    assert "Option 1:" in html and "Option 2:" in html and "(EU, G77)" in html
    assert '<span class="visually-hidden"> bracketed text: </span>' in html
    clean = rendering.render_markdown("States [[shall || should]] act [[now]]{EU}.", anchor="s-1", label="1",
                                      clean=True)
    assert "shall" not in clean.html and "EU" not in clean.html and "States act." in clean.html


def test_the_clean_view_keeps_paragraph_numbers(world) -> None:
    body = "[[A whole paragraph in brackets.]]\n\nAgreed text."
    as_is = rendering.render_markdown(body, anchor="s-1", label="1")
    clean = rendering.render_markdown(body, anchor="s-1", label="1", clean=True)
    assert as_is.paragraph_count == clean.paragraph_count == 2
    assert 'id="s-1-p2"' in clean.html and "A whole paragraph" not in clean.html


def test_the_markdown_round_trip_keeps_brackets_exactly() -> None:
    body = "States [[shall || should]] act, [[in [[good]] faith]]{EU, G77}.\n\nCode: `[[x]]`."
    text = export_markdown("T", [ExportSection(key="a", heading="A", body=body, depth=0, number="1")], "decimal")
    assert parse_markdown(text).sections[0].body == body


def test_compare_counts_brackets_opened_and_closed(world) -> None:
    people, document = world
    sec = section(document)
    services.section_save(section=sec, user=people["member"], base_version=sec.version_number,
                          heading=sec.heading, body="A [[one]] and [[two || three]].", message="m")
    freeze(document)
    sec = section(document)
    services.section_save(section=sec, user=people["member"], base_version=sec.version_number,
                          heading=sec.heading, body="A one and [[two || three]] and [[four]] [[five]].", message="m")
    freeze(document)
    out = StringIO()
    call_command("compare_drafts", "guidance", "1", "2", "--format", "json", stdout=out)
    summary = json.loads(out.getvalue())["summary"]
    assert (summary["brackets_opened"], summary["brackets_closed"]) == (2, 1)


def test_the_draft_page_offers_three_views_in_a_constant_number_of_queries(client, world,
                                                                           django_assert_max_num_queries) -> None:
    people, document = world
    sec = section(document)
    services.section_save(section=sec, user=people["member"], base_version=sec.version_number,
                          heading=sec.heading, body="States [[shall || should]] act.", message="m")
    freeze(document)
    large = make_document("large", editor=people["editor"])
    make_principles(large, principles=20, guidelines=9)
    freeze(large)
    for slug in ("guidance", "large"):
        for view in ("as_is", "clean", "options"):
            with django_assert_max_num_queries(7):
                response = client.get(reverse("drafts:draft_detail", kwargs={"slug": slug, "number": 1}),
                                      {"view": view})
            assert response.status_code == 200
    page = client.get(reverse("drafts:draft_detail", kwargs={"slug": "guidance", "number": 1}), {"view": "clean"})
    assert "should" not in page.content.decode() and "States act." in page.content.decode()


# Silence procedure ------------------------------------------------------------------------------


@pytest.fixture
def silent(world):
    people, document = world
    draft = freeze(document, visibility=Draft.Visibility.RESTRICTED)
    services.silence_place(draft=draft, user=people["editor"], until=timezone.now() + timedelta(days=2))
    return people, draft


def test_only_editors_place_a_draft_under_silence_and_only_until_a_later_time(world) -> None:
    people, document = world
    draft = freeze(document)
    with pytest.raises(PermissionDenied):
        services.silence_place(draft=draft, user=people["member"], until=timezone.now() + timedelta(days=1))
    with pytest.raises(ValidationError):
        services.silence_place(draft=draft, user=people["editor"], until=timezone.now() - timedelta(minutes=1))
    assert not Silence.objects.exists()


def test_silence_is_derived_from_the_deadline_and_the_breaks(silent) -> None:
    _people, draft = silent
    silence = Silence.objects.get(draft=draft)
    assert silence.state(0) == Silence.State.UNDER_SILENCE
    assert silence.state(0, at=silence.until + timedelta(seconds=1)) == Silence.State.ADOPTED
    assert silence.state(1, at=silence.until + timedelta(seconds=1)) == Silence.State.BROKEN


def test_an_invited_stakeholder_breaks_silence_with_a_reason_and_everyone_is_told(
    silent, client, django_capture_on_commit_callbacks
) -> None:
    people, draft = silent
    client.force_login(people["ngo"])
    url = reverse("drafts:silence_break", kwargs={"slug": "guidance", "number": draft.number})
    fields = rendered_fields(client.get(url).content, form_id="silence-break-form")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, submit(fields, reason="Paragraph 2 is not acceptable."))
    assert response.status_code == 302
    broken = SilenceBreak.objects.get()
    assert (broken.user, broken.organisation) == (people["ngo"], "Migrant Rights Network")
    told = {to.split("@")[0] for message in mail.outbox for to in message.to}
    assert told == {"editor", "member", "other", "ngo"}  # everyone with a role who reads the draft
    assert all("Paragraph 2 is not acceptable." in message.body for message in mail.outbox)
    page = client.get(draft.get_absolute_url()).content.decode()
    assert "Silence broken by" in page and "Migrant Rights Network" in page


@pytest.mark.parametrize("who", ["member", "editor", "outsider"])
def test_only_invited_stakeholders_break_silence(silent, who) -> None:
    people, draft = silent
    with pytest.raises((PermissionDenied, ValidationError)):
        services.silence_break(draft=draft, user=people[who], reason="No.")
    assert not SilenceBreak.objects.exists()


def test_silence_cannot_be_broken_after_the_deadline(silent) -> None:
    people, draft = silent
    Silence.objects.filter(draft=draft).update(until=timezone.now() - timedelta(seconds=1),
                                               placed_at=timezone.now() - timedelta(days=1))
    with pytest.raises(ValidationError) as refusal:
        services.silence_break(draft=draft, user=people["ngo"], reason="Too late?")
    assert refusal.value.code == "silence_over" and not SilenceBreak.objects.exists()


def test_the_end_of_silence_is_announced_once(silent, client, django_capture_on_commit_callbacks) -> None:
    people, draft = silent
    Silence.objects.filter(draft=draft).update(until=timezone.now() - timedelta(seconds=1),
                                               placed_at=timezone.now() - timedelta(days=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert services.silence_endings_record() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.silence_endings_record() == 0
    assert Notice.objects.filter(kind=Notice.Kind.SILENCE_ENDED).count() == 1
    assert len(mail.outbox) == 4 and all("adopted under silence" in m.subject for m in mail.outbox)
    client.force_login(people["ngo"])
    assert "Adopted under silence" in client.get(draft.get_absolute_url()).content.decode()


# Progress ---------------------------------------------------------------------------------------


def test_the_progress_command_prints_the_json_contract(world) -> None:
    people, document = world
    sec = section(document)
    services.section_save(section=sec, user=people["member"], base_version=sec.version_number,
                          heading=sec.heading, body="A [[one || two]] and [[three]]{EU}.", message="m")
    services.section_pen_holders_set(section=sec, user=people["editor"], holders=[people["member"]])
    move(people["member"], section(document), SectionStatus.IN_REVIEW)
    out = StringIO()
    call_command("progress", "guidance", "--format", "json", stdout=out)
    data = json.loads(out.getvalue())
    assert set(data) == {"document", "draft", "sections", "totals"} and data["draft"] is None
    row = next(s for s in data["sections"] if s["key"] == "p1-g1")
    assert row == {"key": "p1-g1", "number": "1.1", "heading": "Guideline 1.1", "status": "in_review",
                   "pen_holders": ["member"], "brackets_open": 2, "options": 1, "comments_pending": 0}
    assert data["totals"]["brackets_open"] == 2 and data["totals"]["sections"] == len(data["sections"])
    freeze(document)
    out = StringIO()
    call_command("progress", "guidance", "--draft", "1", stdout=out)
    assert "in_review" in out.getvalue() and "2 brackets open" in out.getvalue()


def test_the_progress_command_is_for_the_working_group(world) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("progress", "guidance", "--user", "ngo", stdout=StringIO())


def test_the_dashboard_is_for_the_working_group_and_its_queries_do_not_grow(
    world, client, django_assert_max_num_queries
) -> None:
    people, document = world
    freeze(document)
    large = make_document("large", editor=people["editor"])
    make_principles(large, principles=20, guidelines=9)
    freeze(large)
    freeze(large)
    client.force_login(people["editor"])
    for slug in ("guidance", "large"):
        for shown in ("working", "1"):
            with django_assert_max_num_queries(12):
                response = client.get(reverse("drafts:document_progress", kwargs={"slug": slug}), {"draft": shown})
            assert response.status_code == 200
    page = response.content.decode()
    assert page.count("<svg") == 5 and 'role="img"' in page and "<table" in page
    client.force_login(people["ngo"])
    assert client.get(reverse("drafts:document_progress", kwargs={"slug": "guidance"})).status_code == 404
    client.logout()
    assert client.get(reverse("drafts:document_progress", kwargs={"slug": "guidance"})).status_code == 404


def test_bracket_counts_agree_with_the_parser() -> None:
    body = "A [[one || two]] and [[three [[four]]]]{EU}."
    counted = selectors.bracket_counts([body, body])
    assert counted[0] == counted[1] == brackets.count(body)
    assert (counted[0].brackets, counted[0].options) == (3, 1)


# Word and PDF -----------------------------------------------------------------------------------

_BRACKETED = [ExportSection(key="a", heading="Access", depth=0, number="1",
                            body="States [[shall || should]] ensure access [[to justice]]{EU, G77}.")]


@needs_libreoffice
def test_word_shows_brackets_as_square_brackets_with_numbered_options_in_libreoffice() -> None:
    data = export_as("docx", title="T", label="Draft 1", sections=_BRACKETED, scheme="decimal", language="en")
    text = " ".join(docx_text(data).split())
    assert "States [Option 1: shall / Option 2: should] ensure access [to justice] (EU, G77)." in text
    assert "[[" not in text and "||" not in text


@needs_poppler
def test_the_pdf_shows_brackets_and_options_labelled_in_the_text_language() -> None:
    data = export_as("pdf", title="T", label="Draft 1", sections=_BRACKETED, scheme="decimal", language="fr")
    text = " ".join(pdf_text(data, layout=False).split())
    # The labels are in the text's language (French typography: a space before the colon).
    assert "States [Option 1 : shall / Option 2 : should] ensure access [to justice] (EU, G77)." in text
    assert "crochets" not in text and "[[" not in text  # no screen-reader text in a PDF


def test_the_compare_page_shows_statuses_and_brackets(world, client) -> None:
    people, document = world
    sec = section(document)
    move(people["editor"], sec, SectionStatus.IN_REVIEW)
    freeze(document)
    move(people["editor"], section(document), SectionStatus.AGREED_AD_REF)
    sec = section(document)
    services.section_save(section=sec, user=people["editor"], base_version=sec.version_number, heading=sec.heading,
                          body="Now [[bracketed]].", message="m", reopen_reason="One more bracket.")
    client.force_login(people["member"])
    page = client.get(reverse("drafts:compare", kwargs={"slug": "guidance"}), {"from": 1, "to": "working"})
    text = page.content.decode()
    assert "Brackets opened: 1, closed: 0" in text
    move(people["editor"], section(document), SectionStatus.AGREED_AD_REF)
    text = client.get(reverse("drafts:compare", kwargs={"slug": "guidance"}), {"from": 1, "to": "working"}).content
    assert "Status: In review → Agreed ad referendum" in text.decode()


def test_an_import_with_a_bracket_mistake_is_refused_whole(world, tmp_path) -> None:
    from django.core.management.base import CommandError

    _people, document = world
    before = sorted(Section.objects.filter(document=document).values_list("key", "body"))
    source = tmp_path / "revised.md"
    source.write_text("# Guidance\n\n## Introduction {#intro}\n\nFine [[text]].\n\n"
                      "## Principle 1: Principle heading 1 {#p1}\n\nOne\n[[two || three\n\nfour.\n", encoding="utf-8")
    with pytest.raises(CommandError, match="Line 2, column 1"):
        call_command("import_document", str(source), "--slug", "guidance", "--update", stdout=StringIO(),
                     stderr=StringIO())
    assert sorted(Section.objects.filter(document=document).values_list("key", "body")) == before

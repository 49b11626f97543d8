"""Compare: the redline of each micro-case, the compare pages and the compare_drafts contract."""

from __future__ import annotations

import io
import json
from html.parser import HTMLParser

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from drafts import services
from drafts.models import Draft, Section
from drafts.redline import redline
from drafts.rendering import render_markdown
from tests.factories import freeze

VOID = {"br", "hr", "img"}


class _Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag) -> None:
        if not self.stack or self.stack.pop() != tag:
            self.errors.append(tag)


def assert_well_formed(markup: str) -> None:
    checker = _Balance()
    checker.feed(markup)
    checker.close()
    assert not checker.errors and not checker.stack, (checker.errors, checker.stack, markup)


def red(old: str, new: str) -> str:
    def html(text: str) -> str:
        return render_markdown(text, anchor="s-1", label="1", anchors=False).html

    marked = redline(html(old), html(new))
    assert_well_formed(marked)
    return marked


# The redline ---------------------------------------------------------------------------------------


def test_a_replaced_word_is_deleted_then_inserted() -> None:
    marked = red("States should ensure access.", "States must ensure access.")
    assert "<del>should </del><ins>must </ins>ensure" in marked


def test_bold_added_is_visible_as_a_formatting_change() -> None:
    marked = red("States should act now.", "States should **act** now.")
    assert '<strong><ins class="format">' in marked and "act</ins>" in marked
    assert "<del>" not in marked


def test_bold_removed_is_visible_too() -> None:
    marked = red("States should **act** now.", "States should act now.")
    assert '<ins class="format">' in marked and "<strong>" not in marked


def test_a_changed_link_target_is_visible_and_keeps_the_new_link() -> None:
    marked = red("See [the site](https://a.example) here.", "See [the site](https://b.example) here.")
    assert 'href="https://b.example"' in marked and 'href="https://a.example"' not in marked
    assert '<ins class="format"><span class="visually-hidden">formatting changed: </span>the site</ins>' in marked
    assert "here." in marked and marked.count('class="format"') == 1


def test_a_paragraph_split_and_a_merge_are_marked() -> None:
    split = red("First sentence here. Second sentence there.", "First sentence here.\n\nSecond sentence there.")
    assert split.count("<p>") == 2 and 'class="para-mark"' in split and "<ins" in split
    merged = red("First sentence here.\n\nSecond sentence there.", "First sentence here. Second sentence there.")
    assert merged.count("<p>") == 1 and '<del class="para-mark"' in merged


def test_a_list_item_added_is_inserted_inside_the_list() -> None:
    marked = red("- one\n- two", "- one\n- two\n- three")
    # The whole item is the insertion (issue 14): no pilcrow, no words spliced into a neighbour.
    assert marked.count("<li") == 3 and '<li class="item-inserted"><ins class="block">three</ins></li>' in marked
    assert "para-mark" not in marked


def test_a_section_rewritten_from_scratch_is_one_deletion_and_one_insertion() -> None:
    marked = red("The quick brown fox jumps over the dog.", "Entirely different wording appears instead here.")
    assert marked.count("<del") == 1 and marked.count("<ins") == 1
    assert marked.index("<del") < marked.index("<ins")


def test_text_in_the_redline_stays_escaped() -> None:
    marked = red("Plain text.", "Plain <script>alert(1)</script> text & more.")
    assert "<script>" not in marked and "&lt;script&gt;" in marked and "&amp; more" in marked


def test_headings_lists_emphasis_and_tables_survive_intact() -> None:
    old = "Intro *soft* words.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n1. first\n2. second"
    new = "Intro *soft* wording.\n\n| a | b |\n|---|---|\n| 1 | 3 |\n\n1. first\n2. second\n3. third"
    marked = red(old, new)
    assert "<em>soft</em>" in marked and "<table>" in marked and "<ol>" in marked
    assert "<del>2</del><ins>3</ins>" in marked


def test_non_latin_scripts_diff_by_word_and_chinese_by_character() -> None:
    assert "<del>يجب</del>" in red("على الدول يجب أن تضمن", "على الدول ينبغي أن تضمن") or \
        "<del>يجب " in red("على الدول يجب أن تضمن", "على الدول ينبغي أن تضمن")
    chinese = red("国家应当保护移民", "国家必须保护移民")
    assert "<del>应当</del><ins>必须</ins>" in chinese.replace("</del><del>", "").replace("</ins><ins>", "")


# Pages ---------------------------------------------------------------------------------------------

pytestmark_db = pytest.mark.django_db


@pytest.fixture
def document(make_guidance, people):
    document = make_guidance(principles=3, guidelines=2)
    sections = {s.key: s for s in Section.objects.filter(document=document)}
    freeze(document, visibility=Draft.Visibility.PUBLIC)
    services.section_update(section=sections["p2-g1"], user=people["member"], base_version=1,
                            heading="Guideline 2.1", body="First paragraph of 2.1, **amended**.\n\nSecond "
                            "paragraph of 2.1.", message="Amend")
    services.section_move(section=sections["p1-g2"], user=people["member"], parent=sections["p3"], position=1)
    freeze(document, visibility=Draft.Visibility.RESTRICTED)
    services.section_update(section=sections["p3-g2"], user=people["member"], base_version=1,
                            heading="Guideline 3.2, renamed", body=sections["p3-g2"].body, message="Rename")
    return document


def compare_url(**query) -> str:
    return reverse("drafts:compare", kwargs={"slug": "guidance"}) + "?" + "&".join(f"{k}={v}" for k, v in query.items())


@pytestmark_db
def test_compare_two_drafts_shows_the_summary_and_only_changed_sections(client, people, document) -> None:
    client.force_login(people["stakeholder"])
    response = client.get(compare_url(**{"from": 1, "to": 2}))
    assert response.status_code == 200
    view = response.context["view"]
    # 1.2 moved to become 3.1, so the guidelines of Principle 3 were renumbered, not moved.
    assert {s.change.key: s.change.changes for s in view.sections} == {
        "p1-g2": ("moved",), "p2-g1": ("modified",), "p3-g1": ("renumbered",), "p3-g2": ("renumbered",)}
    page = response.content.decode()
    assert "<strong><ins>amended</ins></strong>" in page and 'id="change-1"' in page and 'href="#change-2"' in page
    whole = client.get(compare_url(**{"from": 1, "to": 2, "all": 1})).context["view"]
    assert len(whole.sections) == 10
    side = client.get(compare_url(**{"from": 1, "to": 2, "mode": "side"})).content.decode()
    assert 'class="side-by-side"' in side


@pytestmark_db
def test_compare_with_the_working_copy_is_for_members_only(client, people, document) -> None:
    client.force_login(people["member"])
    view = client.get(compare_url(**{"from": 2, "to": "working"})).context["view"]
    assert [s.change.changes for s in view.sections] == [("renamed",)]
    client.force_login(people["stakeholder"])
    assert client.get(compare_url(**{"from": 2, "to": "working"})).status_code == 404


@pytestmark_db
def test_compare_respects_visibility_and_unknown_drafts_are_404(client, people, document) -> None:
    assert client.get(compare_url(**{"from": 1, "to": 2})).status_code == 404  # draft 2 is restricted
    client.force_login(people["stakeholder"])
    assert client.get(compare_url(**{"from": 1, "to": 9})).status_code == 404
    assert client.get(compare_url(**{"from": "x", "to": 2})).status_code == 404


@pytestmark_db
def test_a_draft_compared_with_itself_says_there_are_no_changes(client, people, document) -> None:
    client.force_login(people["stakeholder"])
    response = client.get(compare_url(**{"from": 2, "to": 2}))
    assert "No changes: the two texts are identical." in response.content.decode()


@pytestmark_db
def test_two_versions_of_a_section_compare_from_its_history(client, people, document) -> None:
    client.force_login(people["member"])
    section = Section.objects.get(document=document, key="p2-g1")
    history = client.get(reverse("drafts:section_history", kwargs={"slug": "guidance", "key": "p2-g1"}))
    (newest, _previous), (oldest, _none) = ((a.version, b) for a, b in history.context["rows"])
    url = reverse("drafts:section_compare", kwargs={"slug": "guidance", "key": section.key})
    response = client.get(f"{url}?a={oldest.pk}&b={newest.pk}")
    assert response.status_code == 200 and "<strong><ins>amended</ins></strong>" in response.content.decode()
    assert "What changed" in history.content.decode()
    client.force_login(people["stakeholder"])
    assert client.get(f"{url}?a={oldest.pk}&b={newest.pk}").status_code == 404


# The command contract ------------------------------------------------------------------------------


def run(*args) -> str:
    out = io.StringIO()
    call_command("compare_drafts", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


@pytestmark_db
def test_compare_drafts_json_follows_the_contract(document, capsys) -> None:
    call_command("compare_drafts", "guidance", "1", "2", "--format", "json", stderr=io.StringIO())
    data = json.loads(capsys.readouterr().out)
    assert data["document"] == "guidance"
    assert data["from"] == {"draft": 1, "label": "Draft 1"} and data["to"]["draft"] == 2  # no label: its title
    assert data["summary"]["moved"] == 1 and data["summary"]["modified"] == 1
    moved = next(s for s in data["sections"] if s["key"] == "p1-g2")
    assert moved["changes"] == ["moved"]
    assert moved["from"] == {"number": "1.2", "heading": "Guideline 1.2", "parent": "p1", "position": 2,
                             "status": "drafting"}
    assert moved["to"]["parent"] == "p3" and moved["to"]["number"] == "3.1"
    call_command("compare_drafts", "guidance", "2", "working", "--format", "json", stderr=io.StringIO())
    assert json.loads(capsys.readouterr().out)["to"] == {"draft": None, "label": "Working copy"}


@pytestmark_db
def test_compare_drafts_text_html_and_errors(document, capsys, tmp_path) -> None:
    call_command("compare_drafts", "guidance", "1", "2", stderr=io.StringIO())
    text = capsys.readouterr().out
    assert "[moved] 1.2 → 3.1 Guideline 1.2" in text and "[modified] 2.1 Guideline 2.1" in text
    target = tmp_path / "out.html"
    call_command("compare_drafts", "guidance", "1", "2", "--format", "html", "-o", str(target),
                 stderr=io.StringIO())
    assert capsys.readouterr().out == ""
    assert "<strong><ins>amended</ins></strong>" in target.read_text()
    call_command("compare_drafts", "guidance", "2", "2", stderr=io.StringIO())
    assert "No changes." in capsys.readouterr().out
    with pytest.raises(CommandError, match="has no draft '7'"):
        call_command("compare_drafts", "guidance", "1", "7")
    with pytest.raises(CommandError, match="No document"):
        call_command("compare_drafts", "nope", "1", "2")


@pytestmark_db
def test_compare_downloads_as_word_with_tracked_changes(client, people, document, tmp_path) -> None:
    import zipfile

    client.force_login(people["stakeholder"])
    url = reverse("drafts:compare_docx", kwargs={"slug": "guidance"})
    response = client.get(f"{url}?from=1&to=2")
    xml = zipfile.ZipFile(io.BytesIO(response.content)).read("word/document.xml").decode()
    # Each change is by the member who saved it, not by whoever downloads the file.
    assert "<w:ins " in xml and 'w:author="member"' in xml and 'w:author="stakeholder"' not in xml
    assert "<w:moveTo " in xml and "<w:moveFrom " in xml  # 1.2 moved to become 3.1
    assert client.get(f"{url}?from=2&to=working").status_code == 404
    client.logout()
    assert client.get(f"{url}?from=1&to=2").status_code == 404  # draft 2 is restricted
    target = tmp_path / "c.docx"
    call_command("compare_drafts", "guidance", "1", "2", "--format", "docx", "-o", str(target),
                 stderr=io.StringIO())
    assert "<w:ins " in zipfile.ZipFile(target).read("word/document.xml").decode()


@pytestmark_db
def test_the_public_can_compare_their_only_visible_draft_with_itself(client, document) -> None:
    response = client.get(compare_url(**{"from": 1, "to": 1}))
    assert response.status_code == 200 and "No changes" in response.content.decode()
    assert client.get(compare_url()).status_code == 200

"""The comparison as a Word document a delegate can trust: it says what it compares, each change is
by the person and at the time of the version that made it, moves are Word moves (so Reject All gives
the earlier draft in its own order), an inserted list item is one inserted item, and the reasons are
Word comments. Checked in the XML, and in LibreOffice, which accepts or rejects every change itself.
"""

from __future__ import annotations

import difflib
import io
import re
import zipfile
from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest
from django.core.management import call_command
from django.urls import reverse
from hypothesis import given, settings
from hypothesis import strategies as st

from drafts import interchange, selectors, services
from drafts.access import system_actor
from drafts.interchange import tracked
from drafts.models import Document, Draft, Section
from drafts.numbering import anchor_for
from drafts.presenting import comparison as comparing
from drafts.rendering import render_markdown
from drafts.values import SectionState, Side
from tests.factories import freeze, make_document, make_principles, make_user
from tests.generate import generate_pair
from tests.libreoffice import A4_PORTRAIT, docx_text, needs_libreoffice, needs_poppler, pdf_page_sizes, pdf_pages
from tests.test_docx_exports import W, document_xml, paragraphs

pytestmark = pytest.mark.django_db


def edit(section: Section, user, *, body: str | None = None, heading: str | None = None, message: str = "") -> None:
    section.refresh_from_db()
    services.section_update(
        section=section, user=user, base_version=section.version_number,
        heading=section.heading if heading is None else heading,
        body=section.body if body is None else body, message=message,
    )


def move(section: Section, *, parent: Section | None, position: int) -> None:
    section.refresh_from_db()
    services.section_move(section=section, user=system_actor(), parent=parent, position=position, message="Moved")


def view_of(document: Document, old: str = "1", new: str = "2") -> comparing.ComparisonView:
    """The whole comparison as the Word download makes it, with the reasons its reader may see."""
    sides = [selectors.compare_side(system_actor(), document, ref) for ref in (old, new)]
    return comparing.compare(*sides, changed_only=False, reasons=selectors.change_reasons(system_actor(), *sides))


def word_of(view: comparing.ComparisonView) -> bytes:
    return interchange.comparison_docx(
        view, author="Drafting tracker", date=comparing.word_changes_date(view),
        title_block=comparing.word_title_block(view),
    )


def reference_text(side, states) -> list[str]:
    depths = tracked._depths(side.states)
    sections = [interchange.ExportSection(s.key, s.heading, s.body, depths[s], s.number) for s in states]
    data = interchange.export_docx(side.document.title, side.label, sections, side.document.numbering)
    return paragraphs(document_xml(data), accept=True)


@pytest.fixture
def moved_pair():
    """Principle 1 (with its guidelines) moved after Principle 2 (the comparison calls Principle 2 moved),
    guideline 2.2 moved under Principle 3, a numbered and a bulleted list item inserted, a table row
    added, two editors at work."""
    alice = make_user("alice", first_name="Alice", last_name="Author")
    bruno = make_user("bruno", first_name="Bruno", last_name="Blanc")
    document = make_document("moves", title="Moves & <lists>", editor=alice, members=[bruno])
    made = {s.key: s for s in make_principles(document, principles=3, guidelines=2)}
    numbered = "States should:\n\n1. inform migrants\n2. provide interpreters\n3. assist consulates"
    edit(made["p3-g2"], alice, body=numbered)
    edit(made["p3-g1"], alice, body="- first\n- second\n- third\n\n| A | B |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |")
    freeze(document, label="Zero draft")
    edit(made["p3-g2"], alice, message="Add a legal-aid step", body=(
        "States should:\n\n1. inform migrants\n2. offer free legal aid\n3. provide interpreters\n4. assist consulates"))
    edit(made["p3-g1"], bruno, message="As asked by IND-002", body=(
        "- first\n- second and a half\n- second\n- third\n\n| A | B |\n|---|---|\n| 1 | 2 |\n| x | y |\n| 3 | 4 |"))
    move(made["p1"], parent=None, position=3)
    move(made["p2-g2"], parent=made["p3"], position=1)
    freeze(document, label="First draft")
    return document, alice, bruno


def test_a_moved_section_is_a_word_move_and_each_button_gives_its_drafts_order(moved_pair) -> None:
    document, _alice, _bruno = moved_pair
    view = view_of(document)
    root = document_xml(word_of(view))
    starts = {tag: [e.get(W + "name") for e in root.iter(W + f"{tag}RangeStart")] for tag in ("moveFrom", "moveTo")}
    assert starts["moveFrom"] and sorted(starts["moveFrom"]) == sorted(starts["moveTo"])  # each move has two places
    ends = {tag: [e.get(W + "id") for e in root.iter(W + f"{tag}RangeEnd")] for tag in ("moveFrom", "moveTo")}
    for tag in ("moveFrom", "moveTo"):
        assert sorted(ends[tag]) == sorted(e.get(W + "id") for e in root.iter(W + f"{tag}RangeStart"))
    assert list(root.iter(W + "moveFrom")) and list(root.iter(W + "moveTo"))
    assert paragraphs(root, accept=True) == reference_text(view.new, view.new.states)
    assert paragraphs(root, accept=False) == reference_text(view.old, view.old.states)


def test_each_section_is_changed_by_the_author_and_at_the_time_of_its_last_version(moved_pair) -> None:
    document, _alice, _bruno = moved_pair
    view = view_of(document)
    root = document_xml(word_of(view))
    by_place: dict[str, set[tuple[str, str]]] = {}  # heading bookmark -> (author, date) of its revisions
    place = ""
    for element in root.find(W + "body"):
        if element.tag == W + "bookmarkStart":
            place = element.get(W + "name")
        for revision in element.iter():
            if revision.tag in {W + "ins", W + "del", W + "moveTo", W + "moveFrom"}:
                by_place.setdefault(place, set()).add((revision.get(W + "author"), revision.get(W + "date")))
    sections = {s.change.key: s for s in view.sections}

    def at(key: str) -> str:
        return f"{sections[key].reasons.messages[-1].at:%Y-%m-%dT%H:%M:%SZ}"

    def place_of(key: str) -> str:
        new = sections[key].change.new
        return anchor_for(new.number, key)

    assert by_place[place_of("p3-g2")] == {("Alice Author", at("p3-g2"))}
    assert by_place[place_of("p3-g1")] == {("Bruno Blanc", at("p3-g1"))}  # its inserted table row too
    # Renumbered only because others moved: no version says, so the tracker at the later draft's freeze.
    frozen = f"{Draft.objects.get(document=document, number=2).frozen_at:%Y-%m-%dT%H:%M:%SZ}"
    assert sections["p1-g1"].change.changes == ("renumbered",) and not sections["p1-g1"].reasons.messages
    assert by_place[place_of("p1-g1")] == {("Drafting tracker", frozen)}
    # A moved section's two places are by whoever moved it, when it was moved.
    moved = sections["p2-g2"]
    assert moved.change.changes == ("moved",)
    assert by_place[place_of("p2-g2")] == {(moved.reasons.messages[-1].user, at("p2-g2"))}


def test_an_inserted_list_item_or_table_row_is_one_whole_inserted_item(moved_pair) -> None:
    document, _alice, _bruno = moved_pair
    view = view_of(document)
    root = document_xml(word_of(view))
    inserted = [" ".join("".join(t.text or "" for t in r.iter(W + "t")).split()) for r in root.iter(W + "ins")]
    deleted = ["".join(t.text or "" for t in r.iter(W + "delText")) for r in root.iter(W + "del")]
    assert "offer free legal aid" in inserted and "second and a half" in inserted
    # Nothing after the inserted numbered item is deleted and inserted again because its number changed.
    assert not any(word in "".join(deleted) for word in ("interpreters", "consulates", "third"))
    rows = [r for r in root.iter(W + "tr") if r.find(f"{W}trPr/{W}ins") is not None]
    assert ["".join(t.text or "" for t in row.iter(W + "t")) for row in rows] == ["xy"]


def test_the_title_block_says_what_is_compared_and_reasons_are_word_comments(moved_pair) -> None:
    document, _alice, _bruno = moved_pair
    view = view_of(document)
    data = word_of(view)
    root = document_xml(data)
    text = [" ".join("".join(t.text or "" for t in p.iter(W + "t")).split()) for p in root.iter(W + "p")]
    block = next(line for line in text if line.startswith("Comparison of"))
    drafts = {d.number: d for d in Draft.objects.filter(document=document)}
    assert "Draft 1 (Zero draft)" in block and "Draft 2 (First draft)" in block
    assert block.count(f"{drafts[2].frozen_at:%Y}") == 2 and "frozen" in block
    assert text[0] == "Moves & <lists>"  # the title, escaped by the XML and readable
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        comments = ElementTree.fromstring(archive.read("word/comments.xml"))  # noqa: S314 - our own file
    said = [" ".join("".join(t.text or "" for t in c.iter(W + "t")).split()) for c in comments.iter(W + "comment")]
    assert any("Add a legal-aid step" in c and "Alice Author" in c for c in said)
    assert any("As asked by IND-002" in c for c in said)
    assert any(c.startswith("Moved from Principle 2: Principle heading 2") for c in said)
    assert any(c.startswith("Moved from 2.2 Guideline 2.2") and "Drafting system: Moved" in c for c in said)


def test_the_compare_page_offers_the_word_file_and_it_downloads_for_who_may_see_both_drafts(client, moved_pair) -> None:
    document, alice, _bruno = moved_pair
    client.force_login(alice)
    page = client.get(reverse("drafts:compare", kwargs={"slug": document.slug}), {"from": "1", "to": "2"})
    link = re.search(r'href="([^"]*tracked-changes\.docx[^"]*)"', page.content.decode())
    assert link, "the compare page links its Word file"
    response = client.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert list(document_xml(b"".join(response.streaming_content) if response.streaming else response.content)
                .iter(W + "moveTo"))


# In LibreOffice ----------------------------------------------------------------------------------


def _words(text: str, *, from_heading: str) -> list[str]:
    """The words from the first section heading on (the title page says what the file is, by design),
    without the control characters LibreOffice writes for comment anchors."""
    text = re.sub(r"[\x00-\x08\x0b-\x1f]", "", text)
    return text[text.index(from_heading):].split()


@needs_libreoffice
def test_libreoffice_accepting_all_gives_the_later_draft_and_rejecting_all_the_earlier_one(moved_pair) -> None:
    document, _alice, _bruno = moved_pair
    view = view_of(document)
    data = word_of(view)
    first = "Introduction"
    for changes, side in (("accept", view.new), ("reject", view.old)):
        depths = tracked._depths(side.states)
        sections = [interchange.ExportSection(s.key, s.heading, s.body, depths[s], s.number) for s in side.states]
        plain = interchange.export_docx(side.document.title, side.label, sections, side.document.numbering)
        assert _words(docx_text(data, changes=changes), from_heading=first) == _words(
            docx_text(plain), from_heading=first), changes


@needs_libreoffice
def test_libreoffice_gives_both_demo_drafts_back_word_for_word(settings) -> None:
    settings.DEBUG = True  # load_demo creates users with known passwords, so it insists
    call_command("load_demo", stdout=io.StringIO(), stderr=io.StringIO())
    document = Document.objects.get(slug="migrants-in-vulnerable-situations")
    view = view_of(document)
    assert view.comparison.summary["moved"], "the demo pair has moved sections"
    data = word_of(view)
    first = "Introduction"
    for changes, number in (("accept", 2), ("reject", 1)):
        draft = Draft.objects.get(document=document, number=number)
        plain = interchange.export_docx(document.title, draft.title, selectors.draft_export_sections(draft),
                                        document.numbering)
        assert _words(docx_text(data, changes=changes), from_heading=first) == _words(
            docx_text(plain), from_heading=first), changes


# Numbered lists written alike (pure) ---------------------------------------------------------------

_item_text = st.text(alphabet="abc xyz", min_size=1, max_size=12).map(lambda t: t.strip() or "a")


@st.composite
def numbered_bodies(draw) -> str:
    """Markdown with numbered and bulleted lists, nested one level, numbers as people type them."""
    lines = ["Intro."]
    for _list in range(draw(st.integers(1, 3))):
        lines.append("")
        start = draw(st.integers(1, 12))
        for n in range(draw(st.integers(1, 6))):
            number = start + n if draw(st.booleans()) else draw(st.integers(1, 99))
            lines.append(f"{number}. {draw(_item_text)}")
            if draw(st.booleans()):
                marker = draw(st.sampled_from(["-", "1.", "7."]))
                lines.append(f"    {marker} {draw(_item_text)}")
        if draw(st.booleans()):
            lines += ["", draw(_item_text)]
    return "\n".join(lines)


@settings(max_examples=150, deadline=None)
@given(numbered_bodies())
def test_writing_every_item_with_its_lists_first_number_changes_nothing_a_reader_sees(body) -> None:
    alike = tracked._numbered_alike(body)
    assert render_markdown(alike, anchor="s-1", label="1").html == render_markdown(body, anchor="s-1", label="1").html
    assert tracked._numbered_alike(alike) == alike


def test_an_item_inserted_into_a_numbered_list_renumbers_nothing_in_the_tracked_text() -> None:
    old = "States should:\n\n1. inform\n2. assist\n3. report\n"
    new = "States should:\n\n1. inform\n2. protect\n3. assist\n4. report\n"
    marked = tracked._tracked_body(old, new)
    inserted = re.findall("\ufdd0(.*?)\ufdd1", marked)
    deleted = re.findall("\ufdd2(.*?)\ufdd3", marked)
    assert [i.strip("\ufdd4") for i in inserted] == ["protect"] and deleted == []


# The redline as PDF ------------------------------------------------------------------------------


@needs_poppler
def test_the_compare_page_offers_a_pdf_redline_on_a4_with_the_symbol_and_page_numbers(client, moved_pair) -> None:
    document, alice, _bruno = moved_pair
    document.symbol = "GMG/WG/2026/CRP.1 <&>"
    document.save()
    client.force_login(alice)
    page = client.get(reverse("drafts:compare", kwargs={"slug": document.slug}), {"from": "1", "to": "2"})
    link = re.search(r'href="([^"]*redline\.pdf[^"]*)"', page.content.decode())
    assert link, "the compare page links its PDF redline"
    response = client.get(link.group(1).replace("&amp;", "&"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert 'filename="moves-1-to-2.pdf"' in response["Content-Disposition"]
    pdf = response.content
    sizes = pdf_page_sizes(pdf)
    assert sizes and set(sizes) == {A4_PORTRAIT}
    pages = pdf_pages(pdf)
    assert "Comparison of Draft 1 (Zero draft)" in " ".join(pages[0].split())
    for number, text in enumerate(pages, start=1):
        assert "GMG/WG/2026/CRP.1 <&>" in text and re.search(rf"^\s*{number}\s*/\s*{len(pages)}\s*$", text, re.M)
    words = " ".join(" ".join(pages).split())
    assert "offer free legal aid" in words and "Add a legal-aid step" in words  # the change and its reason
    # Who may not see a draft gets no redline of it.
    client.logout()
    document_drafts = Draft.objects.filter(document=document)
    document_drafts.update(visibility=Draft.Visibility.RESTRICTED)
    assert client.get(link.group(1).replace("&amp;", "&")).status_code == 404


@needs_poppler
def test_compare_drafts_writes_the_pdf_redline(moved_pair, tmp_path) -> None:
    document, _alice, _bruno = moved_pair
    target = tmp_path / "redline.pdf"
    call_command("compare_drafts", document.slug, "1", "2", "--format", "pdf", "-o", str(target),
                 stderr=io.StringIO())
    assert target.read_bytes().startswith(b"%PDF-") and set(pdf_page_sizes(target.read_bytes())) == {A4_PORTRAIT}


@needs_libreoffice
def test_libreoffice_gives_both_drafts_of_the_200_section_pair_back_word_for_word() -> None:
    """The generated pair (tests/generate.py): 200 sections, ~60,000 words, sections moved across principles
    and within one, added, removed, renamed and edited. Before moves were Word moves, Reject All left 1,905
    words out of place."""
    pair = generate_pair()
    document = Document(slug="pair", title="Generated pair", numbering="principles", language="en")

    def side(sections) -> Side:
        return Side(document, None, [SectionState(s.key, s.heading, s.body, s.parent, s.position, s.number)
                                     for s in sections])

    old, new = side(pair.old), side(pair.new)
    view = comparing.compare(old, new, changed_only=False)
    assert view.comparison.summary["moved"] >= 3
    data = interchange.comparison_docx(view, author="Bench", date=datetime(2026, 3, 1, tzinfo=UTC))
    for changes, chosen in (("accept", new), ("reject", old)):
        depths = tracked._depths(chosen.states)
        sections = [interchange.ExportSection(s.key, s.heading, s.body, depths[s], s.number) for s in chosen.states]
        plain = interchange.export_docx(document.title, "", sections, document.numbering)
        first = chosen.states[0].heading
        got, expected = (_words(docx_text(d, changes=c), from_heading=first)
                         for d, c in ((data, changes), (plain, "as_is")))
        differing = [(op, got[a:b][:12], expected[c:d][:12])
                     for op, a, b, c, d in difflib.SequenceMatcher(None, got, expected, autojunk=False).get_opcodes()
                     if op != "equal"]
        assert not differing, (changes, len(got), len(expected), differing[:5])


PARAGRAPH_CASES = {
    "an item appended after an edited last item": ("- a\n- b.", "- a\n- b;\n- c."),
    "words added at a paragraph's end, then a paragraph": ("Para one.", "Para one. And more.\n\nPara two."),
    "an item added after words added to the one before": ("- a\n- b.", "- a\n- b. More.\n- c."),
}


@needs_libreoffice
@pytest.mark.parametrize("case", PARAGRAPH_CASES)
def test_libreoffice_rejects_paragraphs_inserted_after_words_inserted_without_joining_the_next(case) -> None:
    """LibreOffice reads words inserted at a paragraph's end and whole paragraphs inserted after it as one
    insertion over the break between them; Word's way of writing it (the break before is inserted) keeps
    Reject All from joining the paragraph to the next section's heading."""
    old_body, new_body = PARAGRAPH_CASES[case]
    document = Document(slug="p", title="Paragraphs", numbering="principles", language="en")

    def side(body: str, *, added: bool) -> Side:
        states = [SectionState("a", "A", body, None, 1, "1")]
        if added:
            states.append(SectionState("n", "New", "New text.", None, 2, "2"))
        states.append(SectionState("b", "B", "Next text.", None, len(states) + 1, str(len(states) + 1)))
        return Side(document, None, states)

    old, new = side(old_body, added=False), side(new_body, added=True)
    data = interchange.comparison_docx(
        comparing.compare(old, new, changed_only=False), author="X", date=datetime(2026, 3, 1, tzinfo=UTC)
    )
    for changes, chosen in (("accept", new), ("reject", old)):
        depths = tracked._depths(chosen.states)
        sections = [interchange.ExportSection(s.key, s.heading, s.body, depths[s], s.number) for s in chosen.states]
        plain = interchange.export_docx(document.title, "", sections, document.numbering)
        got = docx_text(data, changes=changes)
        expected = docx_text(plain)
        assert got[got.index("Principle 1"):].splitlines() == expected[expected.index("Principle 1"):].splitlines()

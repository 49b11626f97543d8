"""Word exports: a comparison as tracked changes (``comparison_docx``) and the comment matrix (``matrix_docx``).

Each Word file is read back as Word would: word/document.xml parsed with ``xml.etree``, then "Accept
All" and "Reject All" worked out from the w:ins / w:del marks, which must give the new and the old
draft exactly as ``export_docx`` writes them. Pandoc costs ~0.1-0.5 s a call, so each Word file is
made once per module (``redline``, ``reference_paragraphs``) and shared by the tests that read it.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from datetime import UTC, datetime
from xml.etree import ElementTree

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from drafts import interchange, selectors, services
from drafts.access import system_actor
from drafts.interchange import tracked
from drafts.interchange.matrix import WORD_COLUMNS, matrix_docx
from drafts.models import Document, Draft, DraftComment, DraftSection, Section
from drafts.presenting import comparison as comparing
from drafts.presenting.matrix import matrix_rows
from drafts.values import Side
from tests.factories import freeze, make_document, make_section

pytestmark = pytest.mark.django_db

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
AUTHOR = "Secretariat <editor> & co"
WHEN = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)


# Reading a .docx as Word would ------------------------------------------------------------------


def document_xml(data: bytes, part: str = "word/document.xml") -> ElementTree.Element:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return ElementTree.fromstring(archive.read(part))  # noqa: S314 - files the code under test just wrote


def revisions(root: ElementTree.Element, tag: str) -> list[ElementTree.Element]:
    """Every w:ins or w:del that wraps runs (not the marks on paragraphs and rows)."""
    return [r for r in root.iter(W + tag) if len(r)]


def tracked_text(root: ElementTree.Element) -> tuple[str, str]:
    """(inserted, deleted): the w:t text inside w:ins and the w:delText inside w:del, in document order."""
    inserted = "".join(t.text or "" for r in revisions(root, "ins") for t in r.iter(W + "t"))
    deleted = "".join(t.text or "" for r in revisions(root, "del") for t in r.iter(W + "delText"))
    return inserted, deleted


def _has_mark(properties: ElementTree.Element | None, tag: str) -> bool:
    return properties is not None and properties.find(tag) is not None


def paragraphs(root: ElementTree.Element, *, accept: bool) -> list[str]:
    """The paragraphs Word shows after Accept All (``accept``) or Reject All, whitespace collapsed.

    Tracked paragraph marks join a paragraph to the next one; tracked rows disappear; a move's old
    place (``w:moveFrom``) goes with Accept All, its new place (``w:moveTo``) with Reject All. The
    body is read from its first section heading (Heading 2 or deeper): what comes before is the title
    page, which says what the file is and differs by design. Empty paragraphs are left out.
    """
    dropped = {W + "del", W + "moveFrom"} if accept else {W + "ins", W + "moveTo"}  # what the button takes away
    texts = {W + "t"} if accept else {W + "t", W + "delText"}
    started = body_of(root) is None  # footnotes.xml has no title page
    out: list[str] = []
    carry = ""

    def text_of(element: ElementTree.Element) -> str:
        if element.tag in dropped:
            return ""
        if element.tag in texts:
            return element.text or ""
        return "".join(text_of(child) for child in element)

    def walk(element: ElementTree.Element) -> None:
        nonlocal carry, started
        for child in element:
            if child.tag == W + "tr" and any(_has_mark(child.find(W + "trPr"), tag) for tag in dropped):
                continue
            if child.tag != W + "p":
                walk(child)
                continue
            properties = child.find(W + "pPr")
            style = properties.find(W + "pStyle") if properties is not None else None
            level = style.get(W + "val", "") if style is not None else ""
            started = started or (level.startswith("Heading") and level != "Heading1")
            if not started:
                continue
            text = carry + "".join(text_of(c) for c in child if c.tag != W + "pPr")
            mark = properties.find(W + "rPr") if properties is not None else None
            if any(_has_mark(mark, tag) for tag in dropped):
                carry = text
                continue
            carry = ""
            if text.strip():
                out.append(" ".join(text.split()))

    body = body_of(root)
    walk(root if body is None else body)  # footnotes.xml has no body: its notes are walked in order
    if carry.strip():
        out.append(" ".join(carry.split()))
    return out


def body_of(root: ElementTree.Element) -> ElementTree.Element | None:
    return root.find(W + "body")


def view_of(document: Document, old: str = "1", new: str = "2") -> comparing.ComparisonView:
    return comparing.compare(
        *(selectors.compare_side(system_actor(), document, ref) for ref in (old, new)), changed_only=False
    )


def section_chunks(root: ElementTree.Element) -> list[list[ElementTree.Element]]:
    """The body split at section headings (Heading 2 and deeper): one list of elements per section."""
    chunks: list[list[ElementTree.Element]] = []
    for element in root.find(W + "body"):
        style = element.find(f"{W}pPr/{W}pStyle")
        level = style.get(W + "val", "") if style is not None else ""
        if level.startswith("Heading") and level != "Heading1":
            chunks.append([])
        if chunks:
            chunks[-1].append(element)
    return chunks


def chunk_text(elements: list[ElementTree.Element]) -> tuple[str, str]:
    """(inserted, deleted) text of one section's elements."""
    wrapper = ElementTree.Element(W + "body")
    wrapper.extend(elements)
    return tracked_text(wrapper)


# Made once per module: pandoc is the slow part, and the same drafts make the same files.
_made: dict[tuple, bytes] = {}


def redline(view: comparing.ComparisonView) -> bytes:
    """``comparison_docx`` of a view, made once per distinct content."""
    key = ("redline", interchange.tracked_changes_markdown(view))
    if key not in _made:
        _made[key] = interchange.comparison_docx(view, author=AUTHOR, date=WHEN)
    return _made[key]


def reference_paragraphs(side: Side, sections: list[interchange.ExportSection]) -> dict[str, list[str]]:
    """The paragraphs of ``sections`` exported alone with ``export_docx``: body and notes."""
    key = ("plain", side.document.title, tuple(sections))
    if key not in _made:
        _made[key] = interchange.export_docx(side.document.title, side.label, sections, side.document.numbering)
    data = _made[key]
    return {
        "body": paragraphs(document_xml(data), accept=True),
        "notes": paragraphs(document_xml(data, "word/footnotes.xml"), accept=True),
    }


def assert_accept_and_reject_give_both_drafts(data: bytes, view: comparing.ComparisonView) -> None:
    """Accept All gives the new draft and Reject All the old one, paragraph by paragraph, notes included.

    A moved section is a Word move, so each button gives its draft's order too.
    """
    old_depths, new_depths = tracked._depths(view.old.states), tracked._depths(view.new.states)
    old = [interchange.ExportSection(s.key, s.heading, s.body, old_depths[s], s.number) for s in view.old.states]
    new = [interchange.ExportSection(s.key, s.heading, s.body, new_depths[s], s.number) for s in view.new.states]
    for accept, side, sections in ((True, view.new, new), (False, view.old, old)):
        expected = reference_paragraphs(side, sections)
        assert paragraphs(document_xml(data), accept=accept) == expected["body"]
        assert paragraphs(document_xml(data, "word/footnotes.xml"), accept=accept) == expected["notes"]


def edit(section: Section, *, heading: str | None = None, body: str | None = None) -> Section:
    section.refresh_from_db()
    return services.section_update(
        section=section,
        user=system_actor(),
        base_version=section.version_number,
        heading=section.heading if heading is None else heading,
        body=section.body if body is None else body,
        message="Edited",
    )


# Tracked changes: one case per section ------------------------------------------------------------

# (heading, old body, new body): each section of one document shows one kind of change.
MICRO = [
    ("Unchanged", "Nothing changes here, *nothing* at all.", "Nothing changes here, *nothing* at all."),
    ("Word replaced", "The cat sat on the mat.", "The dog sat on the mat."),
    ("Bold added", "Every migrant has dignity and rights.", "Every migrant has **dignity** and rights."),
    ("Paragraph split", "First sentence. Second sentence.", "First sentence.\n\nSecond sentence."),
    (
        "List item added",
        "States should:\n\n- inform migrants\n- provide interpreters",
        "States should:\n\n- inform migrants\n- provide interpreters\n- assist consulates",
    ),
    ("Access to justice", "Courts are open to all.", "Courts are open to all."),  # renamed below
]


@pytest.fixture
def micro() -> comparing.ComparisonView:
    document = make_document("micro", title="Micro cases")
    made = {heading: make_section(document, heading, old, key=f"m{i}") for i, (heading, old, _) in enumerate(MICRO)}
    removed = make_section(document, "Removed section", "Text that goes away.", key="gone")
    freeze(document, label="Zero draft")
    for heading, _old, new in MICRO:
        edit(made[heading], body=new)
    edit(made["Access to justice"], heading="Access to courts")
    services.section_remove(section=removed, user=system_actor())
    make_section(document, "Added section", "Brand new text.", key="new")
    freeze(document, label="First draft")
    return view_of(document)


# (section index in the comparison, inserted text, deleted text)
MICRO_EXPECTED = {
    "nothing changed": (0, "", ""),
    "a word replaced": (1, "dog", "cat"),
    "bold added": (2, "dignity", "dignity"),
    "a paragraph split": (3, "", " "),
    "a list item added": (4, "assist consulates", ""),
    "a heading renamed": (5, "courts", "justice"),
    "a section removed": (6, "", "Principle 7: Removed sectionText that goes away."),
    "a section added": (7, "Principle 7: Added sectionBrand new text.", ""),
}


@pytest.mark.parametrize("case", MICRO_EXPECTED)
def test_each_change_is_a_word_tracked_change_of_exactly_its_words(micro, case) -> None:
    index, inserted, deleted = MICRO_EXPECTED[case]
    assert [s.change.changes for s in micro.sections] == [
        (),
        *[("modified",)] * 4,
        ("renamed",),
        ("removed",),
        ("added",),
    ]
    chunks = section_chunks(document_xml(redline(micro)))
    assert len(chunks) == len(micro.sections)
    assert chunk_text(chunks[index]) == (inserted, deleted)


def test_every_revision_names_its_author_and_date_and_has_its_own_id(micro) -> None:
    data = redline(micro)
    ids = []
    for part in ("word/document.xml", "word/footnotes.xml"):
        root = document_xml(data, part)
        for tag in ("ins", "del"):
            for revision in root.iter(W + tag):
                assert revision.get(W + "author") == AUTHOR
                assert revision.get(W + "date") == "2026-03-01T09:30:00Z"
                ids.append(revision.get(W + "id"))
    root = document_xml(data)
    bookmarks = [b.get(W + "id") for b in root.iter(W + "bookmarkStart")]
    assert len(ids) > 10 and len(set(ids)) == len(ids) and not set(ids) & set(bookmarks)
    # Deleted words are w:delText inside w:del, never w:t; inserted words are w:t.
    assert all(not list(r.iter(W + "t")) for r in revisions(root, "del"))
    assert all(not list(r.iter(W + "delText")) for r in revisions(root, "ins"))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml = archive.read("word/document.xml").decode()
    assert not re.search("[\ufdd0-\ufdd6]", xml)


def test_formatting_travels_with_the_words_and_marks_track_paragraphs_and_list_items(micro) -> None:
    chunks = section_chunks(document_xml(redline(micro)))
    bold = chunks[2]
    (inserted,) = [r for e in bold for r in revisions(e, "ins")]
    (deleted,) = [r for e in bold for r in revisions(e, "del")]
    assert inserted.find(f"{W}r/{W}rPr/{W}b") is not None and deleted.find(f"{W}r/{W}rPr/{W}b") is None
    # The split: the first paragraph's mark is inserted, so Reject All joins the two again.
    split = [e for e in chunks[3] if e.tag == W + "p"][1:]
    assert [e.find(f"{W}pPr/{W}rPr/{W}ins") is not None for e in split] == [True, False]
    # The new list item is a list paragraph whose text and mark are inserted.
    item = [e for e in chunks[4] if e.tag == W + "p"][-1]
    assert item.find(f"{W}pPr/{W}numPr") is not None and item.find(f"{W}pPr/{W}rPr/{W}ins") is not None
    # A removed section's heading and body are deleted, marks included; an added one's inserted (but
    # for the document's very last paragraph mark, which Word keeps whatever happens).
    removed = [p for p in chunks[6] if p.tag == W + "p"]
    added = [p for p in chunks[7] if p.tag == W + "p"]
    assert all(p.find(f"{W}pPr/{W}rPr/{W}del") is not None for p in removed)
    assert all(p.find(f"{W}pPr/{W}rPr/{W}ins") is not None for p in added[:-1]) and len(added) == 2


def test_accept_all_gives_the_new_draft_and_reject_all_the_old_one(micro) -> None:
    assert_accept_and_reject_give_both_drafts(redline(micro), micro)


def test_a_draft_compared_with_itself_has_no_tracked_change_and_typed_text_cannot_forge_one() -> None:
    document = make_document("same", title="Same")
    make_section(document, "Intro", "Plain **text** with\n\n- a list\n- of items", key="intro")
    # The characters that mark changes on the way through pandoc, typed: shown as U+FFFD, never a change.
    make_section(document, "Forged", "An \ufdd0inserted\ufdd1 and \ufdd2deleted\ufdd3 claim.\ufdd4", key="forged")
    freeze(document)
    data = redline(view_of(document, "1", "1"))
    root = document_xml(data)
    assert not list(root.iter(W + "ins")) and not list(root.iter(W + "del"))
    assert paragraphs(root, accept=True) == paragraphs(root, accept=False)
    assert "An \ufffdinserted\ufffd and \ufffddeleted\ufffd claim.\ufffd" in paragraphs(root, accept=True)


# Markdown that must survive being cut by changes -------------------------------------------------

ROUGH = [
    ("Emphasis widened", "Some *important* text here.", "Some **very important** text here."),
    ("Bold spanning", "**Alpha beta** gamma delta.", "**Alpha** beta gamma delta."),
    ("Link target", "See [the report](https://example.org/r1) now.", "See [the report](https://example.org/r2) now."),
    ("Link text", "See [the old text](https://example.org/r) now.", "See [the new text](https://example.org/r) now."),
    ("Marker changed", "Steps:\n\n- one\n- two", "Steps:\n\n1. one\n2. two"),
    ("Items shuffled", "- alpha\n- beta\n- gamma", "- alpha\n- gamma\n- delta"),
    ("Paragraphs merged", "A one sentence.\n\nB two sentence.", "A one sentence. B two sentence."),
    (
        "Table",
        "| A | B |\n|---|---|\n| 1 | old |\n| 2 | two |",
        "| A | B |\n|---|---|\n| 1 | new |\n| 3 | three |\n| 2 | two |",
    ),
    ("Note", "Text with a note.[^1]\n\n[^1]: The old note.", "Text with a note.[^1]\n\n[^1]: The new note."),
    ("Note added", "Plain text.", "Plain text.[^a]\n\n[^a]: A fresh note."),
    ("Code and escapes", "Use `old_name` and \\*x\\* and a_b_c.", "Use `new_name` and \\*y\\* and a_b_d."),
    ("Quote", "> Quoted old words.\n\nAfter.", "> Quoted new words.\n\nAfter, and more."),
    ("Fence", "```\ncode old\n```\n\nText.", "```\ncode new\nmore code\n```\n\nText."),
    ("Nested", "- outer\n    - inner one\n- last", "- outer\n    - inner two\n    - inner three\n- last"),
    ("Rewritten", "Completely different words in this body.", "Nothing whatsoever is shared by the replacement."),
    ("Soft breaks", "Line one of a\nparagraph that goes on.", "Line one of a\nparagraph that now goes on\nand on."),
    ("Emptied", "This text will be gone.", ""),
    ("Filled", "", "This text is new."),
    ("Sentinel typed", "A \ue000 typed sentinel.", "A \ue001 typed sentinel changed."),
]


def test_changes_inside_markdown_syntax_still_give_both_drafts_exactly() -> None:
    document = make_document("rough", title="Rough cases")
    made = [make_section(document, heading, old, key=f"r{i}") for i, (heading, old, _) in enumerate(ROUGH)]
    freeze(document)
    for section, (_heading, _old, new) in zip(made, ROUGH, strict=True):
        edit(section, body=new)
    freeze(document)
    view = view_of(document)
    data = redline(view)
    assert_accept_and_reject_give_both_drafts(data, view)
    root = document_xml(data)
    chunks = section_chunks(root)
    # Emphasis is never cut: the whole emphasised phrase is replaced, formatting and all.
    assert chunk_text(chunks[0]) == ("very important", "important")
    assert chunk_text(chunks[2]) == ("the report", "the report")  # the link target changed
    assert chunk_text(chunks[3]) == ("new", "old")  # only the link text changed
    note_inserted, note_deleted = tracked_text(document_xml(data, "word/footnotes.xml"))
    assert (note_inserted[:3], note_deleted[:3]) == ("new", "old") and "A fresh note." in note_inserted
    # Whole table rows inserted and deleted are tracked rows.
    rows = [tr for tr in root.iter(W + "tr") if tr.find(f"{W}trPr/{W}ins") is not None]
    assert [" ".join(t.text for t in tr.iter(W + "t")) for tr in rows] == ["3 three"]


# The demo --------------------------------------------------------------------------------------


def test_the_demo_pair_compares_in_well_under_a_few_seconds_and_accept_reject_give_both_drafts(settings) -> None:
    settings.DEBUG = True  # load_demo creates users with known passwords, so it insists
    call_command("load_demo", stdout=io.StringIO(), stderr=io.StringIO())
    document = Document.objects.get(slug="migrants-in-vulnerable-situations")
    view = view_of(document)
    started = time.perf_counter()
    data = interchange.comparison_docx(view, author=AUTHOR, date=WHEN)
    elapsed = time.perf_counter() - started
    assert elapsed < 5, f"comparison_docx took {elapsed:.2f} s on the demo pair"  # ~0.5 s, pandoc most of it
    root = document_xml(data)
    summary = view.comparison.summary
    assert summary["added"] and summary["removed"] and summary["renamed"] and summary["modified"] > 10
    assert len(revisions(root, "ins")) > summary["modified"] and revisions(root, "del")
    assert_accept_and_reject_give_both_drafts(data, view)


# The comment matrix ------------------------------------------------------------------------------


def test_the_comment_matrix_is_a_landscape_table_with_one_row_per_comment_shown_literally() -> None:
    document = make_document("matrix", title="Guidance")
    make_section(document, "Dignity", "Every migrant has dignity.", key="p1")
    draft = freeze(document, visibility=Draft.Visibility.PUBLIC)
    section = draft.sections.get(key="p1")
    texts = ["Plain comment.", "A | pipe | and **stars**\nsecond line # not a heading", "<b>tags</b> and [a](link)"]
    for n, text in enumerate(texts, start=1):
        DraftComment(
            draft=draft,
            draft_section=section,
            paragraph=1,
            content_type=ContentType.objects.get_for_model(DraftSection),
            object_pk=str(section.pk),
            site_id=1,
            user_name="Ngo",
            organisation="Migrant Rights Network",
            comment=text,
            submit_date=WHEN,
            is_public=True,
            reference=f"MRN-{n:03d}",
        ).save()
    rows = matrix_rows(DraftComment.objects.filter(draft=draft).select_related("draft_section"))
    data = matrix_docx(rows, title="Guidance, Draft 1")
    root = document_xml(data)

    size = root.find(f"{W}body/{W}sectPr/{W}pgSz")
    assert size.get(W + "orient") == "landscape" and int(size.get(W + "w")) > int(size.get(W + "h"))
    (table,) = root.iter(W + "tbl")
    table_rows = table.findall(W + "tr")
    assert table_rows[0].find(f"{W}trPr/{W}tblHeader") is not None  # repeated on every page
    assert cells(table_rows[0]) == [str(c) for c in WORD_COLUMNS]
    assert len(table_rows) == 1 + len(texts)
    body = [cells(row) for row in table_rows[1:]]
    # The ID, the section and paragraph, and the type share the first, narrow column.
    assert [row[0] for row in body] == [f"MRN-00{n}\n1 ¶1\nGeneral" for n in (1, 2, 3)]
    assert [row[3] for row in body] == texts  # Markdown-looking text and line breaks exactly as typed
    assert body[1][1].splitlines()[:2] == ["Migrant Rights Network", "Ngo"]
    assert body[1][2] == "Every migrant has dignity."  # the paragraph commented on


def cells(row: ElementTree.Element) -> list[str]:
    """A table row's cells as text, w:br line breaks as newlines."""
    return [
        "".join((e.text or "") if e.tag == W + "t" else "\n" for e in cell.iter() if e.tag in (W + "t", W + "br"))
        for cell in row.findall(W + "tc")
    ]

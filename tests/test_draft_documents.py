"""A draft as a secretariat circulates it: Word and PDF in UN form (issue 13).

A4 pages, sober styles, the symbol in the running header, "N/M" page numbers, the first page's UN block
(symbol, distribution, date, original), the label under the title, paragraphs numbered as the app cites
them, core properties, the text's language and direction; and the editable copy (``--keys``) without any
of the numbers, so it re-imports unchanged. The Word XML is read as Word would; the PDFs with poppler;
the Word file is also opened in LibreOffice (``tests.libreoffice``). Pandoc, WeasyPrint and LibreOffice
are the slow parts, so each file is made once per module and shared by the tests that read it.
"""

from __future__ import annotations

import base64
import io
import random
import re
import zipfile
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from reversion.models import Version

from drafts import interchange, rendering
from drafts.interchange import ExportFailed, ExportSection, PageFurniture
from drafts.interchange.word import markdown_to_docx
from drafts.models import Document, Draft
from drafts.presenting.documents import draft_furniture
from tests.factories import freeze, make_document, make_section
from tests.generate import build_document
from tests.libreoffice import docx_text, needs_libreoffice, pdf_page_sizes, pdf_pages, pdf_text, to_pdf

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
FROZEN = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
FURNITURE = PageFurniture(symbol="GMG/WG/2026/CRP.1", title="Guidance on migrants", label="Draft 3 (First draft)",
                          date=FROZEN, author="Global Migration Group", language="en", original="English")
SECTIONS = [
    ExportSection("intro", "Introduction", "Why these principles.\n\nThey are *not* binding.[^1]\n\n[^1]: Adopted.",
                  0, ""),
    ExportSection("p1", "Dignity", "Every migrant has **dignity**.\n\n- inform migrants\n- provide interpreters\n\n"
                  "| Measure | Applies to |\n|---|---|\n| Reporting | adults |\n\n---\n\nA last paragraph.", 0, "1"),
    ExportSection("p1-g1", "Access to justice", "Courts are open to all.", 1, "1.1"),
]
ARABIC = [ExportSection("p1", "الكرامة", "لكل مهاجر الحق في الكرامة.\n\nوالاحترام للجميع.", 0, "1")]


def generated(count: int) -> list[ExportSection]:
    """``count`` sections of the test generator's realistic text (~330 words a guideline)."""
    tree, _headings = build_document(random.Random(13), sections=count)
    return [ExportSection(s.key, s.heading, s.body, s.depth, s.number.removeprefix("Principle "))
            for s in tree.flatten()]


_made: dict[tuple, bytes] = {}


def made(fmt: str, sections: list[ExportSection] = SECTIONS, furniture: PageFurniture | None = FURNITURE, *,
         keys: bool = False, title: str = "Guidance on migrants") -> bytes:
    """export_as as the download calls it, made once per distinct input."""
    key = (fmt, tuple(sections), furniture, keys, title)
    if key not in _made:
        label = furniture.label if furniture is not None else ""
        language = furniture.language if furniture is not None else "en"
        content = interchange.export_as(fmt, title=title, label=label, sections=sections, scheme="principles",
                                        language=language, keys=keys, furniture=furniture)
        _made[key] = content if isinstance(content, bytes) else content.encode()
    return _made[key]


def part(data: bytes, name: str) -> ElementTree.Element:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return ElementTree.fromstring(archive.read(name))  # noqa: S314 - files the code under test just wrote


def parts(data: bytes) -> set[str]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return set(archive.namelist())


def text_of(element: ElementTree.Element) -> str:
    return "".join(t.text or "" for t in element.iter(W + "t"))


def body_paragraphs(data: bytes) -> list[tuple[str, str]]:
    """(style, text) of every paragraph of the body, in order."""
    out = []
    for p in part(data, "word/document.xml").iter(W + "p"):
        style = p.find(f"{W}pPr/{W}pStyle")
        out.append((style.get(W + "val") if style is not None else "", text_of(p)))
    return out


def section_properties(data: bytes) -> ElementTree.Element:
    return part(data, "word/document.xml").find(f"{W}body/{W}sectPr")


def header_and_footer_parts(data: bytes) -> dict[str, str]:
    """{"default header": "word/header1.xml", ...}: what w:sectPr references, resolved through the relationships."""
    targets = {r.get("Id"): r.get("Target") for r in part(data, "word/_rels/document.xml.rels")}
    found = {}
    for kind in ("header", "footer"):
        for reference in section_properties(data).findall(f"{W}{kind}Reference"):
            found[f"{reference.get(W + 'type')} {kind}"] = "word/" + targets[reference.get(R + "id")]
    return found


# Word: the page, the styles, header and footer ---------------------------------------------------------


def test_the_word_page_is_a4_with_margins_and_the_styles_are_black_serif_and_bold_headings() -> None:
    sections = section_properties(made("docx"))
    size, margins = sections.find(W + "pgSz"), sections.find(W + "pgMar")
    assert (size.get(W + "w"), size.get(W + "h"), size.get(W + "orient")) == ("11906", "16838", None)
    assert all(int(margins.get(W + side)) >= 1134 for side in ("top", "right", "bottom", "left"))
    styles = part(made("docx"), "word/styles.xml")
    by_id = {s.get(W + "styleId"): s for s in styles.iter(W + "style")}
    for style_id in ("Heading1", "Heading2", "Heading3", "Title", "Subtitle", "Hyperlink"):
        assert by_id[style_id].find(f"{W}rPr/{W}color") is None, f"{style_id} has a colour"
    for style_id in ("Heading1", "Heading2", "Heading3"):
        assert by_id[style_id].find(f"{W}rPr/{W}b") is not None
        assert by_id[style_id].find(f"{W}rPr/{W}rFonts").get(W + "ascii") == "Times New Roman"
    defaults = styles.find(f"{W}docDefaults/{W}rPrDefault/{W}rPr")
    assert defaults.find(W + "rFonts").get(W + "ascii") == "Times New Roman"
    assert defaults.find(W + "sz").get(W + "val") == "24"  # 12 pt
    assert defaults.find(W + "lang").get(W + "val") == "en"
    assert not re.search(r'w:color w:val="(?!000000|6E6E6E)', ElementTree.tostring(styles, encoding="unicode"))


def test_the_running_header_holds_the_symbol_and_every_footer_a_page_field() -> None:
    data = made("docx")
    found = header_and_footer_parts(data)
    assert set(found) == {"default header", "first header", "default footer", "first footer"}
    assert set(found.values()) <= parts(data)
    assert section_properties(data).find(W + "titlePg") is not None  # the first page has its own header
    assert text_of(part(data, found["default header"])) == "GMG/WG/2026/CRP.1"
    for footer in (found["default footer"], found["first footer"]):
        root = part(data, footer)
        instructions = [i.text.strip() for i in root.iter(W + "instrText")]
        assert instructions == ["PAGE", "NUMPAGES"]
        assert [f.get(W + "fldCharType") for f in root.iter(W + "fldChar")] == ["begin", "separate", "end"] * 2
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        types = archive.read("[Content_Types].xml").decode()
    assert all(f'PartName="/{name}"' in types for name in found.values())


def test_the_first_page_is_in_un_form_and_the_label_comes_under_the_title() -> None:
    data = made("docx")
    first = part(data, header_and_footer_parts(data)["first header"])
    lines = [text_of(p) for p in first.iter(W + "p")]
    assert lines == ["GMG/WG/2026/CRP.1", "Distribution: General", "1 March 2026", "Original: English"]
    assert [p.find(f"{W}pPr/{W}jc").get(W + "val") for p in first.iter(W + "p")] == ["right"] * 4
    assert body_paragraphs(data)[:3] == [
        ("Heading1", "Guidance on migrants"), ("Subtitle", "Draft 3 (First draft)"), ("Heading2", "Introduction"),
    ]


def test_core_properties_carry_title_creator_language_and_the_freeze_time() -> None:
    root = part(made("docx"), "docProps/core.xml")
    values = {element.tag.rsplit("}", 1)[-1]: element.text for element in root}
    assert values["title"] == "Guidance on migrants"
    assert values["creator"] == "Global Migration Group"
    assert values["language"] == "en"
    assert values["created"] == values["modified"] == "2026-03-01T09:30:00Z"


def test_without_furniture_the_page_is_still_a4_numbered_and_the_core_title_the_heading() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    data = markdown_to_docx("# Plain <title> & more\n\n## A section\n\nText.\n")
    size = section_properties(data).find(W + "pgSz")
    assert (size.get(W + "w"), size.get(W + "h")) == ("11906", "16838")
    assert set(header_and_footer_parts(data)) == {"default footer"}
    values = {e.tag.rsplit("}", 1)[-1]: e.text for e in part(data, "docProps/core.xml")}
    assert values["title"] == "Plain <title> & more"
    created = datetime.strptime(values["created"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    assert before - timedelta(seconds=1) <= created <= datetime.now(UTC) + timedelta(seconds=1)


def test_a_landscape_page_is_the_a4_page_turned_and_tables_still_turn_it() -> None:
    size = section_properties(markdown_to_docx("# T\n\nText.\n", landscape=True)).find(W + "pgSz")
    assert (size.get(W + "w"), size.get(W + "h"), size.get(W + "orient")) == ("16838", "11906", "landscape")
    table = interchange.table_docx("Matrix", ["A", "B"], [["x", "y"]], widths=[1, 2])
    size = section_properties(table).find(W + "pgSz")
    assert (size.get(W + "w"), size.get(W + "h"), size.get(W + "orient")) == ("16838", "11906", "landscape")
    assert len(section_properties(table).findall(W + "pgSz")) == 1


# Word: paragraph numbers, and the editable copy without them --------------------------------------------


def numbers_in(data: bytes) -> list[str]:
    root = part(data, "word/document.xml")
    return [text_of(r).strip() for r in root.iter(W + "r")
            if (s := r.find(f"{W}rPr/{W}rStyle")) is not None and s.get(W + "val") == "ParagraphNumber"]


def test_each_paragraph_shows_its_number_as_the_app_cites_it_and_the_editable_copy_none() -> None:
    expected = [f"¶{n}" for s in SECTIONS
                for n in range(1, rendering.render_markdown(s.body, anchor="p", label="").paragraph_count + 1)]
    assert numbers_in(made("docx")) == expected == ["¶1", "¶2", "¶1", "¶2", "¶3", "¶4", "¶1"]
    paragraphs = body_paragraphs(made("docx"))
    assert any(text == "¶1\u00a0Why these principles." for _style, text in paragraphs)
    # A list is one paragraph (its first item carries the number), a table is numbered on a line above it.
    assert any(text == "¶2\u00a0inform migrants" for _style, text in paragraphs)
    assert any(text == "¶3\u00a0" for _style, text in paragraphs)
    assert numbers_in(made("docx", keys=True)) == []


def test_a_section_whose_blocks_pandoc_counts_otherwise_gets_no_numbers_rather_than_wrong_ones() -> None:
    data = markdown_to_docx(
        '# T\n\n## A {#s-1 paragraphs="3"}\n\nOne.\n\nTwo.\n\n## B {#s-2 paragraphs="1"}\n\nThree.\n'
    )
    assert numbers_in(data) == ["¶1"]  # section A claims 3 paragraphs, pandoc sees 2: none numbered


def test_the_circulated_and_the_editable_word_copies_read_back_as_the_same_document() -> None:
    circulated = interchange.parse_docx(made("docx"), default_title="x")
    editable = interchange.parse_docx(made("docx", keys=True), default_title="x")
    assert circulated.title == editable.title == "Guidance on migrants"
    assert [(s.heading, s.number) for s in circulated.sections] == [("Introduction", None), ("Dignity", "1"),
                                                                    ("Access to justice", "1.1")]
    assert [s.key for s in editable.sections] == ["intro", "p1", "p1-g1"]
    assert [s.body_lines for s in circulated.sections] == [s.body_lines for s in editable.sections]
    assert not any("¶" in line or "Draft 3" in line for s in circulated.sections for line in s.body_lines)


# Word: bad input and right-to-left text ---------------------------------------------------------------

NASTY = "A <b>&amp; \x01bell\x07 ‮right-to-left‬ مرحبا"


def test_angle_brackets_ampersands_control_characters_and_rtl_text_reach_word_escaped_and_readable() -> None:
    furniture = PageFurniture(symbol=f"A/{NASTY}/1", title=f"Title {NASTY}", label=f"Label {NASTY}", date=FROZEN,
                              author=f"<{NASTY}>", original="English")
    sections = [ExportSection("k", f"Heading {NASTY}", f"Body {NASTY}", 0, "1")]
    data = made("docx", sections, furniture, title=f"Title {NASTY}")
    readable = "A <b>&amp; bell right-to-left مرحبا".replace("\u202e", "")
    found = header_and_footer_parts(data)
    paragraphs = [text for _style, text in body_paragraphs(data)]
    assert paragraphs[0].replace("\u202e", "").replace("\u202c", "") == f"Title {readable}"
    assert paragraphs[1].replace("\u202e", "").replace("\u202c", "") == f"Label {readable}"
    assert "Principle 1: Heading A <b>&amp;" in paragraphs[2]
    header = text_of(part(data, found["default header"]))
    assert header.startswith("A/A <b>&amp; ") and "\x01" not in header and "مرحبا" in header
    values = {e.tag.rsplit("}", 1)[-1]: e.text for e in part(data, "docProps/core.xml")}
    assert values["title"].startswith("Title A <b>&amp; ") and "\x07" not in values["title"]
    for name in parts(data):
        if name.endswith(".xml"):
            part(data, name)  # every part parses: nothing unescaped, no character XML cannot hold


def test_an_arabic_draft_is_right_to_left_in_word_from_header_to_footer() -> None:
    furniture = PageFurniture(symbol="A/HRC/1", title="مبادئ", label="المشروع 1", date=FROZEN, language="ar",
                              original="Arabic")
    data = made("docx", ARABIC, furniture, title="مبادئ توجيهية")
    document = part(data, "word/document.xml")
    texts = [p for p in document.iter(W + "p") if text_of(p).strip()]
    assert texts and all(p.find(f"{W}pPr/{W}bidi") is not None for p in texts)
    assert all(r.find(f"{W}rPr/{W}rtl") is not None for p in texts for r in p.findall(W + "r"))
    assert section_properties(data).find(W + "bidi") is not None
    lang = part(data, "word/styles.xml").find(f"{W}docDefaults/{W}rPrDefault/{W}rPr/{W}lang")
    assert lang.get(W + "bidi") == "ar"
    for name in header_and_footer_parts(data).values():
        assert all(p.find(f"{W}pPr/{W}bidi") is not None for p in part(data, name).iter(W + "p"))
    assert "1 مارس، 2026" in [text_of(p) for p in part(data, "word/header2.xml").iter(W + "p")]


# PDF ----------------------------------------------------------------------------------------------------

LONG = generated(40)


def assert_un_pages(pdf: bytes, pages: list[str]) -> None:
    """A4 pages, each with the symbol and "n/N"; the first in UN form (symbol, distribution, date, original, title)."""
    assert len(pages) >= 5
    assert set(pdf_page_sizes(pdf)) == {(595, 842)}
    for n, page in enumerate(pages, start=1):
        assert "GMG/WG/2026/CRP.1" in page, f"page {n} has no symbol"
        assert re.search(rf"^\s*{n}/{len(pages)}\s*$", page, re.MULTILINE), f"page {n} has no number"
    first = [line.strip() for line in pages[0].splitlines() if line.strip()]
    assert first[:6] == ["GMG/WG/2026/CRP.1", "Distribution: General", "1 March 2026", "Original: English",
                         "Guidance on migrants", "Draft 3 (First draft)"]


@needs_libreoffice
def test_the_pdf_is_a4_with_the_symbol_on_every_page_numbered_pages_and_the_un_first_page() -> None:
    pdf = made("pdf", LONG)
    pages = pdf_pages(pdf)
    assert_un_pages(pdf, pages)
    assert pages[1].count("GMG/WG/2026/CRP.1") == 1  # the running header, not the block


@needs_libreoffice
def test_the_pdf_numbers_paragraphs_as_the_app_cites_them() -> None:
    text = pdf_text(made("pdf"), layout=False)
    assert re.search(r"¶1\s+Why these principles\.", text) and re.search(r"¶2\s+They are not binding", text)
    assert re.search(r"¶4\s+A last paragraph\.", text)


@needs_libreoffice
def test_bad_input_reaches_the_pdf_escaped_and_readable() -> None:
    furniture = PageFurniture(symbol=f"A/{NASTY}/1", label=f"Label {NASTY}", date=FROZEN, original="English")
    sections = [ExportSection("k", f"Heading {NASTY}", f"Body {NASTY}", 0, "1")]
    text = pdf_text(made("pdf", sections, furniture, title=f"Title {NASTY}"), layout=False)
    # Typed "&amp;" is text in a heading, and an entity in a body's Markdown, as on the web page.
    for expected in ("A/A <b>&amp; bell", "Title A <b>&amp; bell", "Label A <b>&amp; bell",
                     "Heading A <b>&amp; bell", "Body A <b>& bell"):
        assert expected in text
    assert "مرحبا" in text and "\x01" not in text and "\x07" not in text


@needs_libreoffice
def test_an_arabic_pdf_runs_right_to_left() -> None:
    furniture = PageFurniture(symbol="A/HRC/1", label="المشروع 1", date=FROZEN, language="ar", original="Arabic")
    page = interchange.export_html("مبادئ توجيهية", "المشروع 1", ARABIC, "principles", furniture=furniture)
    assert '<html lang="ar" dir="rtl">' in page and "@top-left" in page
    text = pdf_text(made("pdf", ARABIC, furniture, title="مبادئ توجيهية"), layout=False)
    text = re.sub("[\u202a-\u202e]", "", text)  # the embedding marks pdftotext adds around right-to-left runs
    assert "الكرامة" in text and "لكل مهاجر الحق في الكرامة" in text and "مارس" in text and "¶" in text


def test_html_to_pdf_fetches_nothing_but_data_urls(tmp_path) -> None:
    dot = base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
    )
    (tmp_path / "dot.png").write_bytes(dot)
    local = interchange.html_to_pdf(f'<p>x <img src="{(tmp_path / "dot.png").as_uri()}" width="40"></p>')
    inline = interchange.html_to_pdf(f'<p>x <img src="data:image/png;base64,{base64.b64encode(dot).decode()}"></p>')
    assert local.startswith(b"%PDF-") and b"/Image" not in local
    assert b"/Image" in inline


def test_a_pdf_past_its_time_limit_is_refused_with_the_reason() -> None:
    page = interchange.export_html("Long", "Draft 1", generated(60), "principles")
    with pytest.raises(ExportFailed, match="took longer than 1 seconds"):
        interchange.html_to_pdf(page, max_seconds=1)


# Through what the user gets: the draft page, the download, the command -------------------------------


@pytest.fixture
def draft(db, monkeypatch) -> Draft:
    # A frozen draft's freeze time never changes once written, so the draft is frozen at FROZEN.
    # Django caches a field's default function on first use (Field._get_default), so that is what is replaced.
    monkeypatch.setattr(Draft._meta.get_field("frozen_at"), "_get_default", lambda: FROZEN)
    document = make_document("gmg", title="Guidance on <migrants> & more", symbol="GMG/WG/2026/CRP.1")
    make_section(document, "Introduction", "Why these principles.\n\nA second paragraph.", key="intro",
                 numbered=False)
    make_section(document, "Dignity", "Every migrant has dignity.", key="p1")
    draft = freeze(document, label="First draft", visibility=Draft.Visibility.PUBLIC)
    assert draft.frozen_at == FROZEN
    return draft


def test_the_draft_page_offers_the_pdf_next_to_word(client, draft) -> None:
    page = client.get(draft.get_absolute_url()).content.decode()
    downloads = re.search(r'<p class="downloads">(.*?)</p>', page, re.DOTALL).group(1)
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', downloads)
    assert [text for _href, text in links][:2] == ["Word", "PDF"]
    assert links[1][0] == reverse("drafts:draft_export", kwargs={"slug": "gmg", "number": 1, "fmt": "pdf"})


@needs_libreoffice
def test_the_pdf_download_is_a_pdf_file_with_the_documents_furniture(client, draft) -> None:
    response = client.get(reverse("drafts:draft_export", kwargs={"slug": "gmg", "number": 1, "fmt": "pdf"}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="gmg-draft-1.pdf"'
    first = pdf_pages(response.content)[0]
    for line in ("GMG/WG/2026/CRP.1", "Distribution: General", "1 March 2026", "Original: English",
                 "Guidance on <migrants> & more", "Draft 1 (First draft)"):
        assert line in first
    assert re.search(r"¶2\s+A second paragraph\.", pdf_text(response.content, layout=False))


def test_the_word_download_carries_the_documents_symbol_date_and_language(client, draft) -> None:
    Document.objects.filter(pk=draft.document_id).update(time_zone="Asia/Tokyo")
    response = client.get(reverse("drafts:draft_export", kwargs={"slug": "gmg", "number": 1, "fmt": "docx"}))
    assert response["Content-Disposition"] == 'attachment; filename="gmg-draft-1.docx"'
    data = response.content
    assert text_of(part(data, header_and_footer_parts(data)["default header"])) == "GMG/WG/2026/CRP.1"
    values = {e.tag.rsplit("}", 1)[-1]: e.text for e in part(data, "docProps/core.xml")}
    assert (values["title"], values["created"], values["language"]) == (
        "Guidance on <migrants> & more", "2026-03-01T09:30:00Z", "en")
    assert "1 March 2026" in [text_of(p) for p in part(data, "word/header2.xml").iter(W + "p")]  # 18:30 in Tokyo
    assert body_paragraphs(data)[1] == ("Subtitle", "Draft 1 (First draft)")


def test_a_pdf_stopped_at_its_limits_is_a_page_that_says_so(client, draft, monkeypatch) -> None:
    def too_long(html, *, max_seconds):
        raise ExportFailed(f"the document is too large to convert to PDF: it took longer than {max_seconds} seconds.")

    monkeypatch.setattr("drafts.interchange.pdf.html_to_pdf", too_long)
    response = client.get(reverse("drafts:draft_export", kwargs={"slug": "gmg", "number": 1, "fmt": "pdf"}))
    assert response.status_code == 503
    assert "took longer than 30 seconds" in response.content.decode()


def test_an_arabic_documents_furniture_is_in_arabic_with_its_original_named_in_english(draft) -> None:
    Document.objects.filter(pk=draft.document_id).update(language="ar")
    draft.refresh_from_db()
    furniture = draft_furniture(draft)
    assert (furniture.language, furniture.original, furniture.symbol) == ("ar", "Arabic", "GMG/WG/2026/CRP.1")
    assert draft.title == "Draft 1 (First draft)"  # the reader's pages are in English...
    assert furniture.label == "المشروع 1 (First draft)"  # ...the text, and so its label, in Arabic
    assert furniture.date == FROZEN and furniture.title == "Guidance on <migrants> & more"


def run(*args, stdout=None) -> str:
    err = io.StringIO()
    call_command(*args, stdout=stdout or io.StringIO(), stderr=err)
    return err.getvalue()


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_export_draft_writes_a_pdf_and_refuses_one_to_a_terminal_or_a_text_stream(draft, tmp_path) -> None:
    target = tmp_path / "draft.pdf"
    err = run("export_draft", "gmg", "1", "--format", "pdf", "-o", str(target))
    assert target.read_bytes().startswith(b"%PDF-") and "as pdf to" in err
    with pytest.raises(CommandError, match="-o FILE"):
        run("export_draft", "gmg", "1", "--format", "pdf", stdout=_Terminal())
    with pytest.raises(CommandError, match="-o FILE"):
        run("export_draft", "gmg", "1", "--format", "pdf")  # a StringIO takes no bytes


def test_the_circulated_word_copy_and_the_editable_one_both_reimport_without_a_new_version(draft, tmp_path) -> None:
    circulated, editable = tmp_path / "circulated.docx", tmp_path / "editable.docx"
    run("export_draft", "gmg", "1", "--format", "docx", "-o", str(circulated))
    run("export_draft", "gmg", "1", "--format", "docx", "--keys", "-o", str(editable))
    assert numbers_in(circulated.read_bytes()) == ["¶1", "¶2", "¶1"] and numbers_in(editable.read_bytes()) == []
    versions = Version.objects.count()
    for path in (editable, circulated):
        err = run("import_document", str(path), "--slug", "gmg", "--update")
        assert "0 added, 0 modified, 0 moved, 0 removed, 0 restored, 2 unchanged" in err
    assert Version.objects.count() == versions


# LibreOffice opens the Word file -------------------------------------------------------------------------


@needs_libreoffice
def test_libreoffice_lays_the_word_draft_out_on_a4_with_the_symbol_and_a_number_on_every_page() -> None:
    data = made("docx", LONG)
    pdf = to_pdf(data, ".docx")
    pages = pdf_pages(pdf)
    assert_un_pages(pdf, pages)
    shown = set(re.findall(r"\w+", docx_text(data)))
    written = {word for s in LONG for word in re.findall(r"\w+", f"{s.heading} {s.body}")}
    assert written <= shown, f"missing in LibreOffice: {sorted(written - shown)[:10]}"

"""What users typed goes out in every export format intact where the format can hold it, and safe.

XML 1.0 (so a workbook and a Word file) cannot hold C0 controls other than tab and line ends, nor
U+FFFE / U+FFFF: they are left out, never a 500 or a file nobody can open. A spreadsheet would run a
cell starting with = + - @ as a formula: the CSV quotes such a cell (it has no cell types), the
workbook types it as text and keeps it exactly as typed.
"""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from drafts import interchange
from drafts.interchange.matrix import MatrixRow, matrix_csv, matrix_docx, matrix_xlsx
from drafts.interchange.word import PandocLimitError
from drafts.models import Draft
from tests.factories import freeze
from tests.test_comments import open_window, post_comment
from tests.test_docx_exports import document_xml

CONTROL = "\x00\x01\x08\x0b\x0c\x0e\x1f\ufffe\uffff"


def row(**fields: str) -> MatrixRow:
    values = dict(reference="MRN-001", organisation="Migrant Rights Network", category="NGO / civil society",
                  section="7.3", paragraph="2", kind="General", comment="", proposed="", disposition="Pending",
                  response="", addressed_in="")
    return MatrixRow(**{**values, **fields})


def workbook(rows: list[MatrixRow], title: str = "Comments on Draft 1"):
    return load_workbook(io.BytesIO(matrix_xlsx(rows, title=title)))


def matrix_cells(book, line: int = 1) -> dict:
    """The cells of the workbook matrix's ``line``-th data row by column name (its header follows the title rows)."""
    sheet = book.active
    at = next(row[0].row for row in sheet.iter_rows(max_row=10) if row[0].value == "ID")
    return {header.value: cell for header, cell in zip(sheet[at], sheet[at + line], strict=True)}


def csv_cells(text: str, line: int = 1) -> dict:
    return list(csv.DictReader(io.StringIO(newline="", initial_value=text)))[line - 1]


def test_control_characters_in_any_cell_leave_a_workbook_that_opens() -> None:
    book = workbook([row(organisation=f"Org{CONTROL}", comment=f"Line one\x0bline two{CONTROL}.",
                         proposed=f"{CONTROL}Keep\ttabs\nand line ends", response="Fine\x1f.")],
                    title=f"Comments{CONTROL} on Draft 1")
    cells = {name: cell.value for name, cell in matrix_cells(book).items()}
    assert cells["Organisation"] == "Org" and cells["Comment"] == "Line oneline two." and cells["Response"] == "Fine."
    assert cells["Proposed change"] == "Keep\ttabs\nand line ends"
    assert book.properties.title == "Comments on Draft 1"


def test_a_control_character_cannot_hide_a_formula() -> None:
    cells = matrix_cells(workbook([row(comment="\x0b=HYPERLINK(\"https://evil.example\")", proposed="\ufffe@SUM(1)")]))
    comment, proposed = cells["Comment"], cells["Proposed change"]
    assert (comment.value, comment.data_type) == ("=HYPERLINK(\"https://evil.example\")", "s")  # text, not a formula
    assert (proposed.value, proposed.data_type) == ("@SUM(1)", "s")


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_that_starts_like_a_formula_is_quoted_in_the_csv_and_text_in_the_workbook(start) -> None:
    text = f"{start}1+1"
    assert csv_cells(matrix_csv([row(comment=text)]))["Comment"] == f"'{text}"
    # XML reads a carriage return back as a line feed; the cell's type is what matters.
    cell = matrix_cells(workbook([row(comment=text)]))["Comment"]
    assert (cell.value, cell.data_type) == (text.replace("\r", "\n"), "s")


def test_the_csv_keeps_what_people_typed() -> None:
    text = f"Line one\x0bline two, \"quoted\"; {CONTROL}"
    assert csv_cells(matrix_csv([row(comment=text)]))["Comment"] == text


def test_the_word_matrix_holds_no_character_xml_cannot_hold() -> None:
    data = matrix_docx([row(comment=f"Line one\x0bline two{CONTROL}.")], title=f"Comments{CONTROL}")
    assert "Line oneline two." in "".join(document_xml(data).itertext())  # parsed: well-formed


def test_a_draft_exported_to_word_holds_no_character_xml_cannot_hold() -> None:
    section = interchange.ExportSection(key="p1", heading=f"Dignity{CONTROL}", body=f"Every{CONTROL} migrant.",
                                        depth=0, number="1")
    data = interchange.export_docx(f"Guidance{CONTROL}", f"Draft{CONTROL} 1", [section], "principles")
    for part in ("word/document.xml", "docProps/core.xml"):
        document_xml(data, part)  # parsed: well-formed


@pytest.mark.django_db
def test_the_comment_matrix_downloads_as_a_workbook_whatever_a_comment_holds(client, people, make_guidance) -> None:
    draft = freeze(make_guidance(principles=1, guidelines=1), visibility=Draft.Visibility.RESTRICTED, **open_window())
    client.force_login(people["ngo"])
    assert post_comment(client, draft, key="p1-g1", comment="Pasted from Word:\x0bline two",
                        proposed_text="=1+1").status_code == 302
    client.force_login(people["editor"])
    response = client.get(reverse("drafts:comment_export",
                                  kwargs={"slug": "guidance", "number": draft.number, "fmt": "xlsx"}))
    assert response.status_code == 200
    cells = matrix_cells(load_workbook(io.BytesIO(response.content)))
    assert [cells[name].value for name in ("Comment", "Proposed change")] == ["Pasted from Word:line two", "=1+1"]
    assert cells["Proposed change"].data_type == "s"  # text, never a formula


@pytest.mark.django_db
def test_a_word_export_stopped_at_the_converters_limits_is_a_page_that_says_so(client, make_guidance, monkeypatch):
    """Rule 9: a conversion that hits pandoc's memory or time limit answers with a message, not a 500."""
    draft = freeze(make_guidance(principles=1, guidelines=1), visibility=Draft.Visibility.PUBLIC)

    def too_big(*args, **kwargs):
        raise PandocLimitError("it took longer than 30 seconds")

    monkeypatch.setattr("drafts.interchange.word._run_pandoc", too_big)
    url = reverse("drafts:draft_export", kwargs={"slug": draft.document.slug, "number": draft.number, "fmt": "docx"})
    response = client.get(url)
    assert response.status_code == 503
    assert "took longer than 30 seconds" in response.content.decode()
    assert client.get(url.replace(".docx", ".md")).status_code == 200

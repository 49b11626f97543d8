"""The spreadsheets that come back, read without a database: the comment template as written, and what
the readers refuse (each with the row it is on) or keep exactly as typed."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import zipfile

import pytest
from openpyxl import Workbook, load_workbook

from drafts.interchange import comment_sheets
from drafts.interchange.comment_sheets import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    TEMPLATE_HEADER_ROW,
    SectionNames,
    SheetError,
    comment_template_xlsx,
    read_comment_sheet,
    read_decision_sheet,
    sheet_sections,
)
from drafts.interchange.matrix import STAMP_COLUMN, MatrixRow, matrix_csv, matrix_docx, matrix_stamp, matrix_xlsx
from drafts.values import ExportSection

HEADER = ["Section", "Paragraph", "Type", "Comment", "Proposed change"]
SECTIONS = [
    ExportSection(key="intro", heading="Introduction", body="", depth=0, number=""),
    ExportSection(key="p1", heading="Dignity", body="", depth=0, number="1"),
    ExportSection(key="p1-g1", heading="Access to justice", body="", depth=1, number="1.1"),
    ExportSection(key="p1-g10", heading="Remedies", body="", depth=1, number="1.10"),
    ExportSection(key="notes-a", heading="Notes", body="", depth=0, number=""),
    ExportSection(key="notes-b", heading="Notes", body="", depth=0, number=""),
]


def listed() -> list[comment_sheets.SheetSection]:
    return sheet_sections(SECTIONS, [1, 1, 2, 3, 1, 1], scheme="principles", language="en")


def workbook_bytes(rows: list[list], *, before: list[list] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in [*(before or []), HEADER, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list], delimiter: str = ",", header: list[str] = HEADER) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def problems(name: str, data: bytes) -> list[str]:
    with pytest.raises(SheetError) as refusal:
        read_comment_sheet(name, data)
    return refusal.value.problems


# The template ------------------------------------------------------------------------------------------


def template() -> bytes:
    return comment_template_xlsx(title="Comments on Guidance, Draft 2", instructions="One comment per row.",
                                 limits="At most 1,000 rows.", sections=listed(),
                                 kinds=["General", "Technical", "Editorial"], whole_draft="Whole draft")


def test_the_template_offers_the_sections_and_types_as_drop_downs_and_lists_the_paragraphs() -> None:
    book = load_workbook(io.BytesIO(template()))
    assert book.sheetnames == ["Comments", "Sections", "Types"]
    sheet = book["Comments"]
    assert sheet["A1"].value == "Comments on Guidance, Draft 2"
    assert [c.value for c in sheet[TEMPLATE_HEADER_ROW]] == HEADER
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    first, last = TEMPLATE_HEADER_ROW + 1, TEMPLATE_HEADER_ROW + MAX_ROWS
    section, paragraph, kind = (validations[f"{c}{first}:{c}{last}"] for c in "ABC")
    assert (section.type, section.formula1) == ("list", f"=Sections!$A$2:$A${len(SECTIONS) + 2}")
    assert (paragraph.type, paragraph.formula1, paragraph.formula2) == ("whole", "1", "3")
    assert (kind.type, kind.formula1) == ("list", "=Types!$A$1:$A$3")
    sections = [[c.value for c in row] for row in book["Sections"].iter_rows(min_row=2)]
    assert sections[:4] == [["Whole draft", None, None, None], ["Introduction", 1, "intro", "Introduction"],
                            ["Principle 1: Dignity", 1, "p1", "Dignity"],
                            ["1.1 Access to justice", 2, "p1-g1", "Access to justice"]]
    assert [row[0] for row in sections[-2:]] == ["Notes {#notes-a}", "Notes {#notes-b}"]  # one label, one section
    assert [c.value for c in book["Types"]["A"]] == ["General", "Technical", "Editorial"]
    assert book["Types"].sheet_state == "hidden"
    assert sheet.column_dimensions["A"].number_format == "@"  # a typed 1.10 stays text, not the number 1.1


def test_the_template_filled_with_openpyxl_reads_back_row_by_row() -> None:
    book = load_workbook(io.BytesIO(template()))
    sheet = book["Comments"]
    sheet.append(["1.1 Access to justice", 2, "Technical", "Name the remedy.", "An effective remedy."])
    sheet.append(["Whole draft", None, "General", "Thank you.", None])
    out = io.BytesIO()
    book.save(out)
    lines = read_comment_sheet("filled.xlsx", out.getvalue())
    assert [(x.line, x.section, x.paragraph, x.kind, x.comment, x.proposed) for x in lines] == [
        (5, "1.1 Access to justice", "2", "Technical", "Name the remedy.", "An effective remedy."),
        (6, "Whole draft", "", "General", "Thank you.", ""),
    ]


# The Section column ------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed, key", [
    ("1.1 Access to justice", "p1-g1"), ("1.1", "p1-g1"), ("Principle 1", "p1"), ("principle 1:", "p1"),
    ("1", "p1"), ("p1-g10", "p1-g10"), ("1.10", "p1-g10"), ("Introduction", "intro"), ("intro", "intro"),
    ("Notes {#notes-b}", "notes-b"), ("notes-a", "notes-a"), ("  1.1   access to JUSTICE ", "p1-g1"),
])
def test_a_section_is_named_by_its_label_its_number_as_shown_or_its_key(typed: str, key: str) -> None:
    found = SectionNames(listed(), whole_draft=["Whole draft"]).find(typed)
    assert found is not None and found.key == key


def test_the_whole_draft_and_unknown_or_ambiguous_sections() -> None:
    names = SectionNames(listed(), whole_draft=["Whole draft", "General"])
    assert names.find("general") is None
    with pytest.raises(ValueError, match=r"unknown section 9\.9"):
        names.find("9.9")
    with pytest.raises(ValueError, match="more than one section"):
        names.find("Notes")
    with pytest.raises(ValueError, match="is “Access to justice” in this draft, not “Effective remedies”"):
        names.find("1.1 Effective remedies")  # a template of an earlier draft whose numbers moved


# What the readers refuse -------------------------------------------------------------------------------


def test_a_formula_is_refused_with_its_row_and_text_starting_with_an_equals_sign_is_kept() -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(["1.1", 1, "General", "=HYPERLINK(\"http://evil\")", ""])
    sheet.append(["1.1", 1, "General", "fine", ""])
    sheet.cell(row=3, column=5, value="=1+1 is how we write it")
    sheet.cell(row=3, column=5).data_type = "s"  # typed as text (an apostrophe in Excel): not a formula
    out = io.BytesIO()
    book.save(out)
    found = problems("f.xlsx", out.getvalue())
    assert len(found) == 1 and found[0].startswith("Row 2: cell D2 holds a formula")
    book.active.delete_rows(2)
    out = io.BytesIO()
    book.save(out)
    (line,) = read_comment_sheet("f.xlsx", out.getvalue())
    assert line.proposed == "=1+1 is how we write it"
    assert read_comment_sheet("f.csv", csv_bytes([["1.1", "", "General", "=SUM(A1)", ""]]))[0].comment == "=SUM(A1)"


def test_a_wrong_header_says_which_columns_are_expected() -> None:
    found = problems("c.csv", csv_bytes([["1.1", "", "General", "x", ""]],
                                        header=["Section", "Paragraph", "Kind", "Comment", "Proposed change"]))
    columns = "the columns are Section, Paragraph, Type, Comment, Proposed change."
    assert found == [f"Row 1: the header lacks Type; {columns}", f"Row 1: unknown column “Kind”; {columns}"]
    found = problems("c.csv", csv_bytes([["1.1", "", "General", "x", "", "y"]], header=[*HEADER, "Notes"]))
    assert found == ["Row 1: unknown column “Notes”; the columns are Section, Paragraph, Type, Comment, "
                     "Proposed change."]
    (problem,) = problems("c.csv", b"just,some,words\n" * 20)
    assert problem.startswith("The file has no header row")


@pytest.mark.parametrize("name, data, expected", [
    ("c.xlsx", bytes(range(256)) * 40, "This is not a spreadsheet"),
    ("c.csv", bytes(range(256)) * 40, "This is not a spreadsheet"),
    ("c.csv", b"\x00\x01garbage" * 100, "The file has no header row"),
    ("c.xlsx", b"", "The file is empty."),
    ("c.csv", b"", "The file is empty."),
    ("c.xlsx", b"Section,Paragraph\n", "This is plain text, not an Excel workbook"),
    ("c.docx", b"x", "Upload an Excel workbook (.xlsx) or a CSV file (.csv)"),
    ("c.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "Upload an Excel workbook"),
    ("c.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "This is an old Excel (.xls)"),
    ("c.csv", "Section;Comment\n".encode("utf-16"), "This is not a spreadsheet"),
    ("c.csv", "Section,Paragraph,Type,Comment,Proposed change\n1.1,,General,Café,\n".encode("latin-1"),
     "The CSV file is not in UTF-8"),
])
def test_what_is_not_a_spreadsheet_is_refused_saying_what_it_is(name: str, data: bytes, expected: str) -> None:
    (problem,) = problems(name, data)
    assert problem.startswith(expected), problem


def zip_with(names: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in names.items():
            archive.writestr(name, content)
    return out.getvalue()


def test_a_word_document_renamed_xlsx_or_a_damaged_workbook_is_refused() -> None:
    docx = zip_with({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})
    assert problems("comments.xlsx", docx)[0].startswith("This is not a spreadsheet (it looks like a Word (.docx)")
    damaged = zip_with({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<not really"})
    assert problems("comments.xlsx", damaged)[0].startswith("The workbook is damaged")
    bomb = zip_with({"xl/workbook.xml": b"<w/>", "xl/worksheets/sheet1.xml": b" " * (65 * 1024 * 1024)})
    assert len(bomb) < MAX_FILE_BYTES
    assert problems("comments.xlsx", bomb)[0].startswith("The workbook unpacks to more than")


def test_a_file_over_the_size_limit_is_refused_before_it_is_read() -> None:
    data = csv_bytes([["1.1", "", "General", "x" * 1000, ""]] * (MAX_FILE_BYTES // 1000 + 10))
    assert problems("c.csv", data) == ["The file is larger than 5 MB."]


def test_more_rows_than_the_limit_are_refused_naming_it() -> None:
    rows = [["1.1", "", "General", f"Comment {n}", ""] for n in range(MAX_ROWS + 1)]
    expected = f"The file has more than {MAX_ROWS:,} rows; at most {MAX_ROWS:,} can be uploaded at once."
    assert problems("c.csv", csv_bytes(rows))[0].startswith(expected)
    assert problems("c.xlsx", workbook_bytes(rows))[0].startswith(expected)
    assert len(read_comment_sheet("c.csv", csv_bytes(rows[:MAX_ROWS]))) == MAX_ROWS  # the limit itself passes


def test_nul_bytes_and_control_characters_are_refused_with_their_row() -> None:
    data = csv_bytes([["1.1", "", "General", "fine", ""], ["1.1", "", "General", "bad\x00text", ""],
                      ["1.1", "", "General", "bell\x07", ""]])
    assert problems("c.csv", data) == [
        "Row 3: cell D3 contains a control character (U+0000); remove it.",
        "Row 4: cell D4 contains a control character (U+0007); remove it.",
    ]


def test_a_file_with_only_its_header_or_empty_rows_has_nothing_to_upload() -> None:
    message = "The file has its header row but no rows below it: nothing to upload."
    assert problems("c.csv", csv_bytes([])) == [message]
    assert problems("c.xlsx", workbook_bytes([["", None, "", "  ", ""]])) == [message]


def test_csv_with_semicolons_a_title_above_the_header_and_numbers_as_excel_stores_them() -> None:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerows([["Comments on Guidance"], [], HEADER, ["1.1", "2", "technical", "Line one\r\nline two", ""]])
    (line,) = read_comment_sheet("c.CSV", out.getvalue().encode("utf-8"))
    assert (line.line, line.section, line.paragraph, line.kind, line.comment) == (
        4, "1.1", "2", "technical", "Line one\r\nline two")
    (line,) = read_comment_sheet("c.xlsx", workbook_bytes([[1.1, 2.0, "General", "x", None]],
                                                         before=[["Title"], ["Instructions"]]))
    assert (line.line, line.section, line.paragraph) == (4, "1.1", "2")


def test_a_translated_header_reads_too() -> None:
    header = ["Section", "Paragraphe", "Type", "Observation", "Modification proposée"]  # the French interface's
    lines = read_comment_sheet("c.csv", csv_bytes([["1.1", "", "Général", "x", ""]], header=header))
    assert [line.kind for line in lines] == ["Général"]


def test_many_problems_are_listed_up_to_a_limit_and_counted_beyond() -> None:
    rows = [["1.1", "", "General", f"bad\x01{n}", ""] for n in range(80)]
    found = problems("c.csv", csv_bytes(rows))
    assert len(found) == comment_sheets.MAX_PROBLEMS + 1 and found[-1] == "… and 30 more problems."


# The matrix and its stamp ------------------------------------------------------------------------------


class Comment:
    def __init__(self, **fields) -> None:
        self.disposition, self.response, self.decided_at = "pending", "", None
        self.comment, self.edited_at, self.withdrawn_at = "Name the remedy.", None, None
        self.__dict__.update(fields)


def test_the_stamp_changes_with_the_decision_and_the_words_and_nothing_else() -> None:
    from datetime import UTC, datetime

    base = matrix_stamp(Comment())
    assert len(base) == 10 and base == matrix_stamp(Comment())
    # Letters a-z and digits 2-7 only: never all digits, so a CSV saved again by Excel keeps it as typed.
    assert set(base) <= set("abcdefghijklmnopqrstuvwxyz234567") and not base.isdigit()
    moment = datetime(2026, 3, 1, 12, tzinfo=UTC)
    for change in ({"disposition": "accepted"}, {"response": "Yes."}, {"decided_at": moment},
                   {"comment": "Name it."}, {"edited_at": moment}, {"withdrawn_at": moment}):
        assert matrix_stamp(Comment(**change)) != base, change


def row(**fields: str) -> MatrixRow:
    values = dict(reference="MRN-001", organisation="MRN", category="NGO", section="1.1", paragraph="2",
                  kind="General", comment="x", proposed="", disposition="Pending", response="", addressed_in="",
                  stamp="0123456789")
    return MatrixRow(**{**values, **fields})


def header_row(sheet) -> int:
    """Where the matrix's header row is: below its title rows."""
    return next(r[0].row for r in sheet.iter_rows(max_row=10) if r[0].value == "ID")


def test_the_spreadsheets_carry_the_stamp_last_and_the_word_table_does_not() -> None:
    header = next(csv.reader(io.StringIO(matrix_csv([row()]))))
    assert header[-1] == str(STAMP_COLUMN) and len(header) == 17
    sheet = load_workbook(io.BytesIO(matrix_xlsx([row()], title="T"))).active
    at = header_row(sheet)
    assert [c.value for c in sheet[at]][-1] == "Stamp" and sheet.cell(row=at + 1, column=17).value == "0123456789"
    assert sheet.column_dimensions["Q"].width < 15  # narrow
    assert b"0123456789" not in zipfile.ZipFile(io.BytesIO(matrix_docx([row()], title="T"))).read("word/document.xml")


def test_the_filled_matrix_reads_back_its_ids_decisions_and_stamps() -> None:
    book = load_workbook(io.BytesIO(matrix_xlsx([row(), row(reference="EXA-001")], title="T")))
    sheet = book.active
    at = header_row(sheet)
    names = [c.value for c in sheet[at]]
    sheet.cell(row=at + 1, column=names.index("Disposition") + 1).value = "Accepted"
    sheet.cell(row=at + 1, column=names.index("Response") + 1).value = "Thank you."
    out = io.BytesIO()
    book.save(out)
    lines = read_decision_sheet("m.xlsx", out.getvalue())
    assert [(x.line, x.reference, x.disposition, x.response, x.stamp) for x in lines] == [
        (at + 1, "MRN-001", "Accepted", "Thank you.", "0123456789"), (at + 2, "EXA-001", "Pending", "", "0123456789")]
    csv_lines = read_decision_sheet("m.csv", matrix_csv([row()]).encode())
    assert [(x.reference, x.stamp) for x in csv_lines] == [("MRN-001", "0123456789")]
    without_stamp = "\n".join(",".join(r[:-1]) for r in csv.reader(io.StringIO(matrix_csv([row()]))))
    with pytest.raises(SheetError, match="the header lacks Stamp"):
        read_decision_sheet("m.csv", without_stamp.encode())


@pytest.mark.skipif(not (shutil.which("soffice") or shutil.which("libreoffice")), reason="LibreOffice is not installed")
def test_libreoffice_opens_the_template_and_saves_it_as_csv_that_reads_back(tmp_path) -> None:
    source = tmp_path / "template.xlsx"
    source.write_bytes(template())
    office = shutil.which("soffice") or shutil.which("libreoffice")
    subprocess.run([office, "--headless", "--convert-to", "csv", "--outdir", str(tmp_path), str(source)],
                   check=True, capture_output=True, timeout=120)
    text = (tmp_path / "template.csv").read_text(encoding="utf-8", errors="replace")
    assert ",".join(HEADER) in text.replace('"', "")
    with pytest.raises(SheetError, match="no rows below it"):
        read_comment_sheet("template.csv", (tmp_path / "template.csv").read_bytes())

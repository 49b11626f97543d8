"""The comment matrix ("compilation of comments"): one row per comment, as CSV, XLSX or Word.

Who said what about which paragraph, of which type, what they proposed, and what was decided,
in the column order used in UN and ISO practice. ``drafts.presenting.matrix`` makes the rows from
the comments the visibility selector chose; this module only writes them out.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import astuple, dataclass, fields

from django.utils.translation import gettext_lazy as _

from drafts.interchange.tables import table_docx

FORMATS = ("csv", "xlsx", "docx")
COLUMNS = [
    _("ID"),
    _("Organisation"),
    _("Category"),
    _("Section"),
    _("Paragraph"),
    _("Type"),
    _("Comment"),
    _("Proposed change"),
    _("Disposition"),
    _("Response"),
    _("Addressed in"),
]


@dataclass(frozen=True)
class MatrixRow:
    reference: str
    organisation: str
    category: str
    section: str
    paragraph: str
    kind: str
    comment: str
    proposed: str
    disposition: str
    response: str
    addressed_in: str


# Column widths in characters (the workbook) and relative widths (the Word table).
_WIDTHS = {
    "reference": 12,
    "organisation": 24,
    "category": 18,
    "section": 10,
    "paragraph": 9,
    "kind": 12,
    "comment": 60,
    "proposed": 45,
    "disposition": 16,
    "response": 45,
    "addressed_in": 16,
}


def _cell(value: str) -> str:
    # A cell starting with = + - @, a tab or a carriage return can be a formula to a spreadsheet: quote it,
    # as OWASP's advice on CSV injection says, so a comment cannot run one.
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


# openpyxl refuses the C0 controls XML 1.0 cannot hold (IllegalCharacterError), but writes the noncharacters
# U+FFFE and U+FFFF, which make the whole workbook unreadable ("not well-formed"): both are left out.
_NOT_IN_WORKBOOKS = re.compile("[\ufffe\uffff]")


def _workbook_cell(value: str) -> str:
    """A cell's text as a workbook can hold it: what XML cannot carry left out, then a formula quoted.

    In this order, so a control character cannot hide the "=" of a formula from :func:`_cell`.
    """
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return _cell(_NOT_IN_WORKBOOKS.sub("", ILLEGAL_CHARACTERS_RE.sub("", value)))


def matrix_csv(rows: list[MatrixRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([str(c) for c in COLUMNS])
    for row in rows:
        writer.writerow([_cell(v) for v in astuple(row)])
    return out.getvalue()


def matrix_xlsx(rows: list[MatrixRow], *, title: str) -> bytes:
    """An Excel workbook with a frozen header row, wrapped text and sensible column widths."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.page import PageMargins
    from openpyxl.worksheet.worksheet import Worksheet

    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet), "a new workbook starts with one worksheet, and it is the active one"
    sheet.title = "Comments"
    sheet.append([str(c) for c in COLUMNS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([_workbook_cell(v) for v in astuple(row)])
    for index, field in enumerate(fields(MatrixRow), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = _WIDTHS[field.name]
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    sheet.page_setup.orientation = "landscape"
    sheet.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    sheet.print_title_rows = "1:1"
    workbook.properties.title = _workbook_cell(title)[:250]
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def matrix_docx(rows: list[MatrixRow], *, title: str) -> bytes:
    """The matrix as a Word document: ``title``, then one landscape table with the columns of :data:`COLUMNS`.

    One row per :class:`MatrixRow`, in the order given; the header row repeats on every page. Every
    cell shows its text literally (a comment's ``| pipes |``, ``**stars**`` or ``# hashes`` are text,
    its line breaks are line breaks). Raises ``ValueError`` if pandoc fails.
    """

    return table_docx(
        title,
        [str(c) for c in COLUMNS],
        [list(astuple(row)) for row in rows],
        widths=[_WIDTHS[f.name] for f in fields(MatrixRow)],
    )

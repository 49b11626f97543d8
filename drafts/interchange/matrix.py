"""The comment matrix ("compilation of comments"): one row per comment, as CSV, XLSX or Word.

Who said what about which paragraph, of which type, what they proposed, and what was decided,
in the column order used in UN and ISO practice. ``drafts.presenting.matrix`` makes the rows from
the comments the visibility selector chose; this module only writes them out.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import re
from dataclasses import astuple, dataclass, fields
from datetime import datetime
from typing import Protocol

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
# The last column of the spreadsheets (CSV, XLSX), not of the Word table, which is read, not filled in:
# what the comment and its decision were when exported (:func:`matrix_stamp`), so that importing the
# filled matrix can refuse a row whose comment changed since (``import_dispositions``).
STAMP_COLUMN = _("Stamp")


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
    stamp: str = ""


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
    "stamp": 11,
}
# The columns people read, in every format; the stamp follows them in the spreadsheets only.
_READ = [f.name for f in fields(MatrixRow) if f.name != "stamp"]


class Stamped(Protocol):
    """What a comment's stamp is made of (a ``DraftComment`` has it)."""

    disposition: str
    response: str
    decided_at: datetime | None
    comment: str
    edited_at: datetime | None
    withdrawn_at: datetime | None


def matrix_stamp(comment: Stamped) -> str:
    """A short fingerprint of a comment's words and its drafted decision, as the matrix carries it.

    It changes when the decision (disposition, response, when it was decided), the comment's text, its
    rewording or its withdrawal changes; nothing else a person does to the comment changes it.
    """
    parts = [
        comment.disposition,
        comment.response,
        comment.decided_at.isoformat() if comment.decided_at else "",
        comment.comment,
        comment.edited_at.isoformat() if comment.edited_at else "",
        comment.withdrawn_at.isoformat() if comment.withdrawn_at else "",
    ]
    # Base 32 in lower case (a-z, 2-7), not hex: a CSV file opened and saved in Excel keeps "mfrgg2lt7q" as
    # text, where a hex stamp of digits only would lose its leading zeros and "12e4567890" become a number.
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return base64.b32encode(digest).decode("ascii")[:10].lower()


def _cell(value: str) -> str:
    # A cell starting with = + - @, a tab or a carriage return can be a formula to a spreadsheet: quote it,
    # as OWASP's advice on CSV injection says, so a comment cannot run one.
    return f"'{value}" if value[:1] in _FORMULA_LEADS else value


_FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def unquoted_cell(value: str) -> str:
    """A cell's text as it was before :func:`_cell` quoted it, for a filled matrix read back: a response
    exported as "'- see 7.3" is "- see 7.3" again, so an unchanged row reads as unchanged."""
    return value[1:] if value[:1] == "'" and value[1:2] in _FORMULA_LEADS else value


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
    writer.writerow([str(c) for c in [*COLUMNS, STAMP_COLUMN]])
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
    sheet.append([str(c) for c in [*COLUMNS, STAMP_COLUMN]])
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
        [[getattr(row, name) for name in _READ] for row in rows],
        widths=[_WIDTHS[name] for name in _READ],
    )

"""The comment matrix ("compilation of comments"): one row per comment, as CSV, XLSX or Word.

Who said what about which paragraph (and which words of it), of which type, what they proposed, what
was replied and what was decided, in the column order used in UN and ISO practice.
``drafts.presenting.matrix`` makes the rows from the comments the visibility selector chose; this
module only writes them out, ready to print and to circulate:

- the workbook prints on A4 landscape, one page wide, under title rows saying what it holds, with the
  header row on every page, the symbol and "Page n of m" in the running header and footer, and rows
  tall enough for every word (a cell longer than Excel's tallest row continues in the rows below it,
  marked "MRN-004 (2/3)", which :func:`drafts.interchange.comment_sheets.read_decision_sheet` joins back);
- the Word table is landscape too, in six columns whose widths fit the words they hold.

A row may stand for a campaign: near-identical comments exported as their lead comment's row, with how
many signed it (:attr:`MatrixRow.signatories`). Only an export holding such a row has the spreadsheet
columns saying so (:func:`_sheet_columns`); any other export is as it was before campaigns existed.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from drafts.interchange.page import PageFurniture
from drafts.interchange.tables import table_docx

if TYPE_CHECKING:
    from openpyxl.cell.cell import Cell, MergedCell

FORMATS = ("csv", "xlsx", "docx")

# The last column of the spreadsheets (CSV, XLSX), not of the Word table, which is read, not filled in:
# what the comment and its decision were when exported (:func:`matrix_stamp`), so that importing the
# filled matrix can refuse a row whose comment changed since (``import_dispositions``).
STAMP_COLUMN = gettext_lazy("Stamp")


@dataclass(frozen=True, kw_only=True)
class MatrixRow:
    """One comment as the matrix shows it, every value already the text its reader may see."""

    reference: str
    organisation: str = ""
    category: str = ""
    author: str = ""
    submitted: str = ""  # when the comment was made, in the document's time zone, with the zone's name
    section: str = ""
    paragraph: str = ""
    paragraph_text: str = ""  # the commented paragraph's text, as the commenter read it
    quote: str = ""  # the phrase of it they quoted
    kind: str = ""
    comment: str = ""
    proposed: str = ""
    disposition: str = ""
    response: str = ""
    replies: tuple[str, ...] = ()  # each "Name (date): text"
    addressed_in: str = ""
    stamp: str = ""
    signatories: int = 1  # how many comments the row stands for: a campaign's count, 1 for an ordinary comment
    signatory_names: tuple[str, ...] = ()  # the organisations of a campaign's other members, for people to read


@dataclass(frozen=True)
class MatrixHeading:
    """What the title rows (and the Word document's head) say: which document, draft and comments."""

    title: str
    symbol: str = ""
    draft: str = ""  # "Draft 2 (First draft)"
    dated: str = ""  # "frozen 1 Mar 2026, exported 12 Mar 2026 14:05 CET"
    scope: str = ""  # which comments: "All 23 comments", or the filter the file carries


@dataclass(frozen=True)
class _Column:
    name: str  # the MatrixRow field
    header: Promise
    width: int  # in the workbook, in characters of its default font


# The spreadsheets' columns, in order; the stamp last. The import reads ID, Disposition, Response and Stamp by
# their headers (``comment_sheets.DECISION_COLUMNS``); the others are for people.
_SHEET_COLUMNS = [
    _Column("reference", gettext_lazy("ID"), 7),
    _Column("organisation", gettext_lazy("Organisation"), 11),
    _Column("category", gettext_lazy("Category"), 12),
    _Column("author", gettext_lazy("Author"), 10),
    _Column("submitted", gettext_lazy("Date"), 9),
    _Column("section", gettext_lazy("Section"), 7),
    _Column("paragraph", gettext_lazy("Paragraph"), 8),
    _Column("paragraph_text", gettext_lazy("Paragraph text"), 17),
    _Column("quote", gettext_lazy("Quoted phrase"), 10),
    _Column("kind", gettext_lazy("Type"), 8),
    _Column("comment", gettext_lazy("Comment"), 24),
    _Column("proposed", gettext_lazy("Proposed change"), 16),
    _Column("disposition", gettext_lazy("Disposition"), 11),
    _Column("response", gettext_lazy("Response"), 16),
    _Column("replies", gettext_lazy("Replies"), 14),
    _Column("addressed_in", gettext_lazy("Addressed in"), 8),
    _Column("stamp", STAMP_COLUMN, 8),
]
COLUMNS = [column.header for column in _SHEET_COLUMNS if column.name != "stamp"]

# A campaign's columns, after Organisation, in an export holding a campaign only: the import reads its
# columns by header (and allows others), but the files of an export without one stay as they always were.
_CAMPAIGN_COLUMNS = [
    _Column("signatories", gettext_lazy("Signatories"), 10),
    _Column("signatory_names", gettext_lazy("Also signed by"), 16),
]

# The Word table's six columns and their relative widths: place, people, the paragraph, the comment, the
# proposal, the decision. Each is then made at least as wide as its longest word (:func:`_word_minimums`).
WORD_COLUMNS = [
    gettext_lazy("ID and place"),
    gettext_lazy("Submitted by"),
    gettext_lazy("Paragraph text"),
    gettext_lazy("Comment"),
    gettext_lazy("Proposed change"),
    gettext_lazy("Disposition and response"),
]
_WORD_WEIGHTS = [9, 13, 20, 25, 16, 21]
_WORD_FONT_SIZE = 9  # points


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


def _sheet_columns(rows: list[MatrixRow]) -> list[_Column]:
    """The spreadsheets' columns for ``rows``: :data:`_SHEET_COLUMNS`, with the campaign's columns after
    Organisation when any row stands for more than one comment."""
    if not any(row.signatories > 1 for row in rows):
        return _SHEET_COLUMNS
    after = next(index for index, column in enumerate(_SHEET_COLUMNS) if column.name == "organisation") + 1
    return [*_SHEET_COLUMNS[:after], *_CAMPAIGN_COLUMNS, *_SHEET_COLUMNS[after:]]


def _sheet_values(row: MatrixRow, columns: list[_Column]) -> list[str]:
    return [_sheet_text(row, column.name) for column in columns]


def _sheet_text(row: MatrixRow, name: str) -> str:
    if name == "replies":
        return "\n".join(row.replies)
    if name == "signatory_names":
        return "; ".join(row.signatory_names)
    if name == "signatories":
        return str(row.signatories)
    text: str = getattr(row, name)
    return text


# CSV ----------------------------------------------------------------------------------------------------


def _cell(value: str) -> str:
    # A cell starting with = + - @, a tab or a carriage return can be a formula to a spreadsheet: quote it,
    # as OWASP's advice on CSV injection says, so a comment cannot run one. CSV has no cell types, so the
    # quote is the only way; the workbook marks such a cell as text instead (:func:`_put_text`).
    return f"'{value}" if value[:1] in _FORMULA_LEADS else value


_FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def unquoted_cell(value: str) -> str:
    """A cell's text as it was before :func:`_cell` quoted it, for a filled matrix read back: a response
    exported as "'- see 7.3" (any CSV, and workbooks exported before their cells were typed as text) is
    "- see 7.3" again, so an unchanged row reads as unchanged."""
    return value[1:] if value[:1] == "'" and value[1:2] in _FORMULA_LEADS else value


def matrix_csv(rows: list[MatrixRow]) -> str:
    """The matrix as CSV: the header row, then one row per comment, every cell as it is (no title rows,
    so a program reads it as data); a cell that starts like a formula is quoted (:func:`_cell`).

    When a row stands for a campaign (``signatories`` over 1), the file has two more columns after
    Organisation: Signatories (each row's count, "1" for an ordinary comment) and Also signed by (the
    other members' organisations, joined by "; "); otherwise its columns are :data:`COLUMNS` and Stamp."""
    out = io.StringIO()
    writer = csv.writer(out)
    columns = _sheet_columns(rows)
    writer.writerow([str(column.header) for column in columns])
    for row in rows:
        writer.writerow([_cell(value) for value in _sheet_values(row, columns)])
    return out.getvalue()


# The workbook -------------------------------------------------------------------------------------------

# openpyxl refuses the C0 controls XML 1.0 cannot hold (IllegalCharacterError), but writes the noncharacters
# U+FFFE and U+FFFF, which make the whole workbook unreadable ("not well-formed"): both are left out.
_NOT_IN_WORKBOOKS = re.compile("[\ufffe\uffff]")


def _workbook_text(value: str) -> str:
    """A cell's text as a workbook can hold it: what XML cannot carry left out (a CR is a line end)."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return _NOT_IN_WORKBOOKS.sub("", ILLEGAL_CHARACTERS_RE.sub("", value))


def _workbook_cell(value: str) -> str:
    """A cell's text as a workbook can hold it, a formula quoted as in CSV (the comment template writes its
    cells so; the matrix types its cells as text instead, :func:`_put_text`).

    Cleaned first, so a control character cannot hide the "=" of a formula from :func:`_cell`.
    """
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    return _cell(_NOT_IN_WORKBOOKS.sub("", ILLEGAL_CHARACTERS_RE.sub("", value)))


def _put_text(cell: Cell | MergedCell, text: str) -> None:
    """Write ``text`` into ``cell`` as a text cell, exactly: "=1+1" stays the four characters "=1+1".

    openpyxl takes a string starting with "=" for a formula; typing the cell as a string (``t="inlineStr"``)
    makes it text to Excel and LibreOffice alike, and the quote prefix (the cell's style, not its value)
    keeps it text when someone edits the cell.
    """
    cell.value = text or None
    if text:
        cell.data_type = "s"
        if text[:1] in _FORMULA_LEADS:
            cell.quotePrefix = True


# Measuring text, to give each row the height its words need. LibreOffice does not grow a row of a file it
# opens, and Excel grows it only when the row has no height of its own; a row too short cuts its words off
# the page. The estimate is generous: widths as wide as the widest common fallback fonts (DejaVu Sans and
# Noto Sans, where Calibri is missing), lines as tall as theirs.
_FONT_SIZE = 9  # points, the workbook's text
_LINE_HEIGHT = 1.4  # a line's height, in the font's size
_ROW_PADDING = 4.0  # points above and below a cell's lines
MAX_ROW_HEIGHT = 409.0  # points: the tallest row Excel allows
_NARROW = frozenset(" ijlI|!.,:;'`")
_MEDIUM = frozenset("frt-*()[]{}\"/")
_WIDE = frozenset("mwMW@%&")


def _char_width(char: str) -> float:
    """A character's width in ems, a little wider than in Calibri (Excel's font) and Carlito (LibreOffice's)."""
    if unicodedata.combining(char):
        return 0.0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1.05
    if char in _NARROW:
        return 0.28
    if char in _MEDIUM:
        return 0.39
    if char in _WIDE:
        return 0.9
    if char.isupper():
        return 0.64
    return 0.52


def text_width(text: str, size: float) -> float:
    """How wide ``text`` is, in points, at ``size`` points (an estimate on the generous side)."""
    return size * sum(_char_width(char) for char in text)


def line_starts(text: str, width: float, size: float) -> list[int]:
    """Where each line of ``text`` starts (character offsets) when it wraps at ``width`` points: a line per
    line break, words kept whole unless one is longer than a line (then it is broken, as spreadsheets do).
    No text, no lines."""
    if not text:
        return []
    space = text_width(" ", size)
    starts: list[int] = []
    offset = 0
    for line in text.split("\n"):
        starts.append(offset)
        x = 0.0
        end = 0
        for word in re.finditer(r"\S+", line):
            length = text_width(word.group(), size)
            gap = space * (word.start() - end) if x else 0.0
            end = word.end()
            if x and x + gap + length > width:
                starts.append(offset + word.start())
                x, gap = 0.0, 0.0
            if not x and length > width:  # a word longer than the line fills lines of its own
                for index, char in enumerate(word.group()):
                    step = size * _char_width(char)
                    if x and x + step > width:
                        starts.append(offset + word.start() + index)
                        x = 0.0
                    x += step
                continue
            x += gap + length
        offset += len(line) + 1
    return starts


def _column_points(width: float) -> float:
    """The room for text in a column ``width`` characters wide, in points: Excel's seven pixels a character
    at 96 pixels an inch, less its five pixels of margins and grid line, less a pixel more. (LibreOffice
    makes its columns wider where it substitutes a wider font, so this is the narrower of the two.)"""
    return (7 * width - 6) * 0.75


def _row_height(lines: int, size: float = _FONT_SIZE) -> float:
    return min(MAX_ROW_HEIGHT, max(lines, 1) * size * _LINE_HEIGHT + _ROW_PADDING)


_LINES_PER_ROW = int((MAX_ROW_HEIGHT - _ROW_PADDING) // (_FONT_SIZE * _LINE_HEIGHT))
# Shown again on a comment's continuation rows, so they print and filter with their comment; the import reads
# the decision from the first row, so Disposition and Stamp are there only. A campaign's count says who sent
# the comment, as its organisation does, so it is repeated too: filtering on it keeps the campaign's rows
# together. The other signatories' names are not: a long list continues in the rows below, as any long cell does.
_REPEATED = frozenset({
    "organisation", "signatories", "category", "author", "submitted", "section", "paragraph", "kind",
})
_FIRST_ROW_ONLY = frozenset({"disposition", "stamp"})


def continuation_reference(reference: str, part: int, parts: int) -> str:
    """The ID cell of a comment's continuation row: "MRN-004 (2/3)" (what the import joins back)."""
    return f"{reference} ({part}/{parts})"


CONTINUATION = re.compile(r"^(?P<reference>\S+) \((?P<part>\d+)/(?P<parts>\d+)\)$")


def _sheet_parts(values: list[str], columns: list[_Column]) -> list[tuple[list[str], float]]:
    """One comment's cells (in ``columns``) as the workbook's rows and their heights: one row, or, when a
    cell needs more lines than the tallest row holds, as many rows as it needs, each cell's text cut where
    a line starts.

    The pieces of a cell, put together again, are its text exactly, so the import can join a response
    that runs over several rows back into the response it was.
    """
    widths = [_column_points(column.width) for column in columns]
    starts = [line_starts(value, width, _FONT_SIZE) for value, width in zip(values, widths, strict=True)]
    most = max((len(s) for s in starts), default=0)
    if most <= _LINES_PER_ROW:
        return [(values, _row_height(most))]
    count = math.ceil(most / _LINES_PER_ROW)
    parts = []
    for part in range(count):
        cells = []
        for column, value, lines in zip(columns, values, starts, strict=True):
            if column.name == "reference":
                cells.append(value if part == 0 else continuation_reference(value, part + 1, count))
            elif column.name in _FIRST_ROW_ONLY:
                cells.append(value if part == 0 else "")
            elif column.name in _REPEATED and len(lines) <= _LINES_PER_ROW:
                cells.append(value)
            else:
                first, after = part * _LINES_PER_ROW, (part + 1) * _LINES_PER_ROW
                start = lines[first] if first < len(lines) else len(value)
                end = lines[after] if after < len(lines) else len(value)
                cells.append(value[start:end])
        used = max(len(line_starts(cell, width, _FONT_SIZE)) for cell, width in zip(cells, widths, strict=True))
        parts.append((cells, _row_height(used)))
    return parts


_TITLE_SIZE, _SUBTITLE_SIZE = 14, 10
_HEADER_FILL = "E7E6E6"
_BORDER_COLOUR = "A6A6A6"


def _header_footer_text(text: str, limit: int = 80) -> str:
    """Text for a running header or footer: "&" doubled (a lone "&" starts a code, "&P" the page number),
    on one line, short (Excel allows 255 characters for a header's three parts together)."""
    text = " ".join(_workbook_text(text).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text.replace("&", "&&")


def matrix_xlsx(rows: list[MatrixRow], *, title: str | MatrixHeading) -> bytes:
    """The matrix as an Excel workbook, ready to print: A4 landscape, fitted to one page wide, the title
    rows of ``title`` above the table, the header row repeated on every page, the symbol and the draft in
    the running header, "Page n of m" in the footer, and every row as tall as its words need.

    Every cell is text, typed as text: a comment "=1+1" is the text "=1+1", never a formula. A comment
    whose cells need more than the tallest row continues in the rows below (see :func:`_sheet_parts`).
    The header row keeps the column names the import reads (ID, Disposition, Response, Stamp). As in
    CSV, an export holding a campaign has its Signatories and Also signed by columns (:func:`_sheet_columns`).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.page import PageMargins
    from openpyxl.worksheet.properties import PageSetupProperties
    from openpyxl.worksheet.worksheet import Worksheet

    heading = title if isinstance(title, MatrixHeading) else MatrixHeading(title=title)
    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet), "a new workbook starts with one worksheet, and it is the active one"
    sheet.title = "Comments"
    columns = _sheet_columns(rows)
    last = get_column_letter(len(columns))
    for index, column in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    table_width = _column_points(sum(column.width for column in columns))

    # The title rows: the document, then its symbol, draft and dates, then which comments the file holds.
    lines = [
        (_workbook_text(heading.title), _TITLE_SIZE, True),
        (_workbook_text(" · ".join(part for part in (heading.symbol, heading.draft, heading.dated) if part)),
         _SUBTITLE_SIZE, False),
        (_workbook_text(heading.scope), _SUBTITLE_SIZE, False),
    ]
    for number, (text, size, bold) in enumerate(lines, start=1):
        sheet.merge_cells(f"A{number}:{last}{number}")
        cell = sheet.cell(row=number, column=1)
        _put_text(cell, text)
        cell.font = Font(size=size, bold=bold)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        sheet.row_dimensions[number].height = _row_height(len(line_starts(text, table_width, size)), size)
    header_row = len(lines) + 1

    thin = Side(style="thin", color=_BORDER_COLOUR)
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    top = Alignment(wrap_text=True, vertical="top")
    headers = [str(column.header) for column in columns]
    for index, text in enumerate(headers, start=1):
        cell = sheet.cell(row=header_row, column=index)
        _put_text(cell, text)
        cell.font = Font(size=_FONT_SIZE, bold=True)
        cell.fill = PatternFill("solid", fgColor=_HEADER_FILL)
        cell.alignment, cell.border = top, border
    # Bold is wider than the estimate's regular: measured a size up.
    sheet.row_dimensions[header_row].height = _row_height(max(
        len(line_starts(text, _column_points(column.width), _FONT_SIZE + 1))
        for text, column in zip(headers, columns, strict=True)
    ))

    line = header_row
    body = Font(size=_FONT_SIZE)
    for row in rows:
        for cells, height in _sheet_parts([_workbook_text(value) for value in _sheet_values(row, columns)], columns):
            line += 1
            for index, text in enumerate(cells, start=1):
                cell = sheet.cell(row=line, column=index)
                _put_text(cell, text)
                cell.font, cell.alignment, cell.border = body, top, border
            sheet.row_dimensions[line].height = height

    sheet.freeze_panes = f"A{header_row + 1}"
    sheet.auto_filter.ref = f"A{header_row}:{last}{max(line, header_row)}"
    sheet.print_title_rows = f"{header_row}:{header_row}"
    sheet.print_area = f"A1:{last}{max(line, header_row)}"
    setup = sheet.page_setup
    setup.orientation, setup.paperSize = "landscape", sheet.PAPERSIZE_A4
    setup.fitToWidth, setup.fitToHeight = 1, 0  # one page wide, as many pages down as it takes
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.page_margins = PageMargins(left=0.3, right=0.3, top=0.6, bottom=0.6, header=0.25, footer=0.25)
    sheet.print_options.horizontalCentered = True
    symbol = heading.symbol or heading.title
    for header in (sheet.oddHeader, sheet.evenHeader):
        assert header is not None, "a worksheet has its headers"
        header.left.text, header.right.text = _header_footer_text(symbol), _header_footer_text(heading.draft)
        header.left.size = header.right.size = 8
    for footer in (sheet.oddFooter, sheet.evenFooter):
        assert footer is not None, "a worksheet has its footers"
        footer.left.text = _header_footer_text(heading.title, 60)
        footer.right.text = _("Page &P of &N")  # Excel's codes for this page's number and the number of pages
        footer.left.size = footer.right.size = 8
    workbook.properties.title = _workbook_text(heading.title)[:250]
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


# The Word table -----------------------------------------------------------------------------------------


def _word_cells(row: MatrixRow) -> list[str]:
    """A row's six Word cells (see :data:`WORD_COLUMNS`)."""
    where = f"{row.section} ¶{row.paragraph}" if row.paragraph else row.section
    people = list(dict.fromkeys(part for part in (row.organisation, row.category, row.author, row.submitted) if part))
    if row.signatories > 1:
        # The count only: the other members' names (hundreds of them) are the spreadsheets'.
        people.append(ngettext("%(n)s signatory", "%(n)s signatories", row.signatories) % {"n": row.signatories})
    comment = f"“{row.quote}”\n\n{row.comment}" if row.quote else row.comment
    decision = [row.disposition, row.response]
    if row.replies:
        decision.append(_("Replies:") + "\n" + "\n".join(row.replies))
    if row.addressed_in:
        decision.append(_("Addressed in %(draft)s") % {"draft": row.addressed_in})
    return [
        "\n".join(part for part in (row.reference, where, row.kind) if part),
        "\n".join(people),
        row.paragraph_text,
        comment,
        row.proposed,
        "\n\n".join(part for part in decision if part),
    ]


_WORD_CELL_MARGINS = 2 * 108  # twentieths of a point: pandoc's table style, left and right
_LONGEST_WORD_CAP = 4800  # twentieths of a point (85 mm): a longer "word" (a URL) is broken, not given a page


def _word_minimums(header: list[str], cells: list[list[str]]) -> list[int]:
    """Each column's least width, in twentieths of a point: its longest word (headers in bold, measured a
    size up), so that no word is broken letter by letter."""
    minimums = []
    for index, name in enumerate(header):
        longest = text_width(max(name.split() or [""], key=lambda w: text_width(w, 1)), _WORD_FONT_SIZE + 1)
        for row in cells:
            for word in row[index].split():
                longest = max(longest, text_width(word, _WORD_FONT_SIZE))
        minimums.append(min(_LONGEST_WORD_CAP, math.ceil(longest * 20) + _WORD_CELL_MARGINS + 40))
    return minimums


def matrix_docx(
    rows: list[MatrixRow], *, title: str | MatrixHeading, furniture: PageFurniture | None = None
) -> bytes:
    """The matrix as a Word document: the title and what the file holds, then one landscape A4 table in the
    six columns of :data:`WORD_COLUMNS`, each at least as wide as its longest word.

    One row per :class:`MatrixRow`, in the order given (a campaign's says "400 signatories" under who
    submitted it, without the other members' names); the header row repeats on every page. Every
    cell shows its text literally (a comment's ``| pipes |``, ``**stars**`` or ``# hashes`` are text,
    its line breaks are line breaks). ``furniture`` gives the pages their running header (the symbol) and
    the first page its block; every page is numbered. Raises ``ValueError`` if pandoc fails.
    """
    heading = title if isinstance(title, MatrixHeading) else MatrixHeading(title=title)
    header = [str(name) for name in WORD_COLUMNS]
    cells = [_word_cells(row) for row in rows]
    return table_docx(
        heading.title,
        header,
        cells,
        widths=_WORD_WEIGHTS,
        minimum_widths=_word_minimums(header, cells),
        # The furniture names the symbol (page header) and the draft (under the title) already.
        lines=[line for line in (
            "" if furniture else " · ".join(part for part in (heading.symbol, heading.draft) if part),
            heading.dated,
            heading.scope,
        ) if line],
        font_size=_WORD_FONT_SIZE,
        furniture=furniture,
    )

"""Spreadsheets that come back: a delegation's filled comment template, and an editor's filled matrix.

:func:`comment_template_xlsx` writes the template of one draft (columns :data:`TEMPLATE_COLUMNS`, the
draft's sections and the comment types as drop-down lists); :func:`read_comment_sheet` reads a filled
one back, and :func:`read_decision_sheet` reads the comment matrix (``drafts.interchange.matrix``) with
its Disposition and Response filled in. Both readers take ``.xlsx`` or ``.csv`` and return plain rows
numbered as the spreadsheet numbers them, so a message can say "Row 7: ...". Deciding what the rows
mean (which section, which comment) is the caller's; :class:`SectionNames` reads the Section column
against a draft's sections given as plain values.

Every cost is bounded (DESIGN.md rule 9): a file over :data:`MAX_FILE_BYTES`, a workbook that unpacks
to more than :data:`MAX_XLSX_EXPANDED_BYTES`, or more than :data:`MAX_ROWS` rows is refused before its
rows are used. Refused too, with the row: a formula (a workbook cell whose type is formula; text that
starts with "=" is text and is kept as typed) and a control character. Whatever is refused is a
:class:`SheetError` listing every problem found, so one upload shows them all.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import re
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from drafts.interchange.markdown import numbered_heading
from drafts.interchange.matrix import CONTINUATION, STAMP_COLUMN, unquoted_cell
from drafts.interchange.ooxml import _XML_INVALID
from drafts.interchange.word import sniff
from drafts.numbering import display_number, split_leading_number
from drafts.values import ExportSection

_MB = 1024 * 1024
MAX_FILE_BYTES = 5 * _MB  # a thousand long comments with proposals fit in a fraction of it
MAX_ROWS = 1000  # comments (or decisions) in one file, counted without the header and empty rows
# openpyxl reads through Python's zipfile, which never inflates a part past the size its directory
# declares (and fails the CRC if the real content is longer), so the declared sizes bound the work.
MAX_XLSX_EXPANDED_BYTES = 64 * _MB
MAX_XLSX_PARTS = 200  # a workbook like the template has about fifteen
MAX_PROBLEMS = 50  # listed in one refusal; the rest are counted
HEADER_SEARCH_ROWS = 10  # the header may follow a title and instructions, as in the template
_READ_COLUMNS = 30  # cells read per row: the matrix has twelve columns, the template five

SUFFIXES = (".xlsx", ".csv")

# The template's columns, in order (DESIGN.md's contract names them in English; a translated header reads too).
TEMPLATE_COLUMNS: dict[str, Promise] = {
    "section": gettext_lazy("Section"),
    "paragraph": gettext_lazy("Paragraph"),
    "kind": gettext_lazy("Type"),
    "comment": gettext_lazy("Comment"),
    "proposed": gettext_lazy("Proposed change"),
}
# The matrix's columns an editor's file must keep; the others are read by people, not by the import.
DECISION_COLUMNS: dict[str, Promise] = {
    "reference": gettext_lazy("ID"),
    "disposition": gettext_lazy("Disposition"),
    "response": gettext_lazy("Response"),
    "stamp": STAMP_COLUMN,
}
TEMPLATE_SHEET, SECTIONS_SHEET, TYPES_SHEET = "Comments", "Sections", "Types"
TEMPLATE_HEADER_ROW = 4  # after the title, the instructions and the limits


class SheetError(ValueError):
    """A file that cannot be used as it is; ``problems`` says every reason, each one line for its author."""

    def __init__(self, problems: Sequence[str]) -> None:
        shown = list(problems[:MAX_PROBLEMS])
        if len(problems) > MAX_PROBLEMS:
            shown.append(_("… and %(n)s more problems.") % {"n": len(problems) - MAX_PROBLEMS})
        super().__init__(" ".join(shown))
        self.problems = shown


def row_problem(line: int, problem: str) -> str:
    """How every message about one row reads: "Row 7: unknown section 9.9"."""
    return _("Row %(row)s: %(problem)s") % {"row": line, "problem": problem}


@dataclass(frozen=True)
class CommentLine:
    """One filled row of the comment template, as typed (Paragraph and Type not yet checked)."""

    line: int
    section: str
    paragraph: str
    kind: str
    comment: str
    proposed: str


@dataclass(frozen=True)
class DecisionLine:
    """One row of a filled comment matrix: the comment's ID, the decision typed, and the export's stamp."""

    line: int
    reference: str
    disposition: str
    response: str
    stamp: str


# The Section column -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SheetSection:
    """A draft's section as the template lists it: ``label`` is what its drop-down offers ("7.3 Access")."""

    key: str
    number: str
    shown: str  # the number as the text shows it: "Principle 7", "7.3", or "" for an unnumbered section
    heading: str
    paragraphs: int
    label: str


def sheet_sections(
    sections: Sequence[ExportSection], paragraphs: Sequence[int], *, scheme: str, language: str
) -> list[SheetSection]:
    """The draft's sections as the template offers them, each with its number of paragraphs.

    Labels are the headings as the Markdown interchange writes them ("Principle 7: Dignity", "7.3 Access",
    "Introduction"); two that would read the same carry their key ("Notes {#notes-2}") so every label names
    one section.
    """
    labels = [numbered_heading(s, scheme, language) for s in sections]
    repeated = {label for label in labels if labels.count(label) > 1}
    return [
        SheetSection(
            key=s.key,
            number=s.number,
            shown=display_number(s.number, s.depth, scheme, language),
            heading=s.heading,
            paragraphs=count,
            label=f"{label} {{#{s.key}}}" if label in repeated else label,
        )
        for s, count, label in zip(sections, paragraphs, labels, strict=True)
    ]


_KEY_SUFFIX = re.compile(r"\s*\{#([^}]*)\}\s*$")
_SHOWN_NUMBER = re.compile(r"^(?:\D*?\s*)?(\d+(?:\.\d+)*)\s*[.:]?$")  # "7.3", "Principle 7", "Principe 7:"


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


class SectionNames:
    """Reads the Section column against a draft's sections: the label its drop-down offered, the number
    as shown ("7.3", "Principle 7"), or the key. A number followed by a heading ("7.3 Access") must have
    that section's heading, so a template filled for an earlier draft whose numbers moved is noticed."""

    def __init__(self, sections: Iterable[SheetSection], *, whole_draft: Iterable[str] = ()) -> None:
        self.sections = list(sections)
        self._whole = {_fold(name) for name in whole_draft}
        self._names: dict[str, list[SheetSection]] = {}
        for section in self.sections:
            # An unnumbered section is also named by its heading, so two of the same heading are noticed.
            for name in {section.label, section.key, section.number, section.shown, section.number or section.heading}:
                if name:
                    self._names.setdefault(_fold(name), []).append(section)
        self._by_number = {s.number: s for s in self.sections if s.number}
        self._by_key = {s.key: s for s in self.sections}

    def find(self, text: str) -> SheetSection | None:
        """The section ``text`` names; None for the draft as a whole. Raises ``ValueError`` with the reason."""
        wanted = _fold(text)
        if wanted in self._whole:
            return None
        found = {id(s): s for s in self._names.get(wanted, [])}
        if len(found) == 1:
            return next(iter(found.values()))
        if len(found) > 1:
            raise ValueError(_("“%(name)s” names more than one section; use its number or key.") % {"name": text})
        key = _KEY_SUFFIX.search(text)
        if key and key.group(1).strip() in self._by_key:
            return self._by_key[key.group(1).strip()]
        shown = _SHOWN_NUMBER.match(text.strip())
        if shown and shown.group(1) in self._by_number:
            return self._by_number[shown.group(1)]
        number, heading = split_leading_number(text)
        section = self._by_number.get(number or "")
        if section is not None:
            if _fold(heading) != _fold(section.heading):
                raise ValueError(
                    _("section %(number)s is “%(heading)s” in this draft, not “%(typed)s”; check the section.")
                    % {"number": section.shown or section.number, "heading": section.heading, "typed": heading}
                )
            return section
        raise ValueError(_("unknown section %(name)s") % {"name": text.strip()})


# Reading a file into rows ------------------------------------------------------------------------------


def _refuse_file(filename: str, data: bytes) -> str:
    """The file's kind ("xlsx" or "csv") if it can be read as one, else :class:`SheetError` saying what it is."""
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix not in SUFFIXES:
        raise SheetError([_("Upload an Excel workbook (.xlsx) or a CSV file (.csv), not “%(name)s”.")
                          % {"name": filename or "?"}])
    if not data:
        raise SheetError([_("The file is empty.")])
    if len(data) > MAX_FILE_BYTES:
        raise SheetError([_("The file is larger than %(mb)s MB.") % {"mb": MAX_FILE_BYTES // _MB}])
    kind = sniff(data)
    if kind == "a binary file" and suffix == ".csv" and _is_utf8(data):
        kind = None  # text with a NUL byte in it: refused with its row, once the rows are read
    if kind == "an Excel workbook":
        if suffix != ".xlsx":
            raise SheetError([_("This is an Excel workbook; name it .xlsx to upload it.")])
        return "xlsx"
    if kind is None:
        if suffix != ".csv":
            raise SheetError([_("This is plain text, not an Excel workbook; if it is CSV, name it .csv.")])
        return "csv"
    if kind.startswith("an Office 97-2003"):
        raise SheetError([_("This is an old Excel (.xls) or Office 97-2003 file; save it as .xlsx and upload that.")])
    if kind == "an OpenDocument file":
        raise SheetError([_("This is an OpenDocument spreadsheet; save it as Excel (.xlsx) or CSV and upload that.")])
    raise SheetError([_("This is not a spreadsheet (it looks like %(kind)s); upload the filled template as .xlsx "
                        "or .csv.") % {"kind": kind}])


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _checked_archive(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise SheetError([_("The workbook is damaged and cannot be read.")]) from exc
    if any(m.flag_bits & 0x1 for m in members):
        raise SheetError([_("The workbook is password-protected; save it again without a password.")])
    if len(members) > MAX_XLSX_PARTS or sum(m.file_size for m in members) > MAX_XLSX_EXPANDED_BYTES:
        raise SheetError([_("The workbook unpacks to more than a comment sheet can hold; save only the "
                            "comments sheet and upload it again.")])
    if any(m.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED) for m in members):
        raise SheetError([_("The workbook is damaged: it uses a compression Excel does not use.")])


def _cell_text(value: object) -> str:
    """A cell's value as the text its author sees: 2 rather than 2.0, dates as year-month-day."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes") if value.time() != time() else value.date().isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


class _Formula(str):
    """A workbook cell whose type is formula (its text is the formula): refused where a column is read."""


def _xlsx_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """The first sheet's rows as text, numbered as Excel numbers them; formulas as :class:`_Formula`."""
    from openpyxl import load_workbook

    _checked_archive(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns of extensions it drops (data validation lists)
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        sheet = workbook.worksheets[0]
        for line, cells in enumerate(sheet.iter_rows(max_col=_READ_COLUMNS), start=1):
            yield line, [
                _Formula(cell.value) if getattr(cell, "data_type", None) == "f" else _cell_text(cell.value)
                for cell in cells
            ]
        workbook.close()
    except Exception as exc:
        # Whatever a damaged workbook makes openpyxl raise (zip, XML, key and value errors) is an answer, not a 500.
        raise SheetError([_("The workbook is damaged and cannot be read; open it in Excel and save it again.")]) \
            from exc


def _csv_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SheetError([_("The CSV file is not in UTF-8; in Excel, save it as “CSV UTF-8 (comma delimited)”.")]) \
            from exc
    dialect = _csv_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=dialect)
    try:
        for line, cells in enumerate(reader, start=1):
            yield line, cells[:_READ_COLUMNS]
    except csv.Error as exc:
        raise SheetError([_("The CSV file cannot be read: %(error)s.") % {"error": exc}]) from exc


def _csv_delimiter(text: str) -> str:
    """Commas, or the semicolons (or tabs) Excel writes where the comma is the decimal separator."""
    head = "\n".join(text.splitlines()[:HEADER_SEARCH_ROWS])
    counts = {delimiter: head.count(delimiter) for delimiter in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _column_letter(index: int) -> str:
    """The spreadsheet's name of column ``index`` (1 is A, 27 is AA); CSV files are shown the same way."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _header_names(columns: Mapping[str, Promise]) -> dict[str, str]:
    """Each column's header as it may be written (English, or any interface language), folded, to its name."""
    names: dict[str, str] = {}
    for code in ["en", *(code for code, _name in settings.LANGUAGES)]:
        with translation.override(code):
            for name, header in columns.items():
                names.setdefault(_fold(str(header)), name)
    return names


def _read_table(
    filename: str, data: bytes, columns: Mapping[str, Promise], *, extra_columns_allowed: bool,
    unstripped: frozenset[str] = frozenset(),
) -> list[tuple[int, dict[str, str]]]:
    """The data rows of a sheet whose header row (one of its first rows) names ``columns``: each row with
    its line number and its cells by column name, stripped of surrounding spaces except the ``unstripped``
    columns. Empty rows are left out; every problem is collected."""
    kind = _refuse_file(filename, data)
    problems: list[str] = []
    rows = _xlsx_rows(data) if kind == "xlsx" else _csv_rows(data)
    names = _header_names(columns)
    expected = ", ".join(str(header) for header in columns.values())
    header: dict[int, str] | None = None
    found: list[tuple[int, dict[str, str]]] = []
    for line, cells in rows:
        if header is None:
            if sum(1 for text in cells if _fold(text) in names) >= min(2, len(columns)):
                header = _header_of(line, cells, names, columns, expected, problems, extra_columns_allowed)
            elif line >= HEADER_SEARCH_ROWS:
                raise SheetError([_("The file has no header row: one of its first %(n)s rows must name the "
                                    "columns %(columns)s.") % {"n": HEADER_SEARCH_ROWS, "columns": expected}])
            continue
        read = {index: cells[index - 1] if index <= len(cells) else "" for index in header}
        if not any(text.strip() for text in read.values()):
            continue
        for index, text in read.items():
            if isinstance(text, _Formula):
                problems.append(row_problem(line, _(
                    "cell %(cell)s holds a formula; type the text itself (to keep a leading “=” as text, start "
                    "the cell with an apostrophe).") % {"cell": f"{_column_letter(index)}{line}"}))
            elif bad := _XML_INVALID.search(text):
                problems.append(row_problem(line, _(
                    "cell %(cell)s contains a control character (U+%(code)04X); remove it.")
                    % {"cell": f"{_column_letter(index)}{line}", "code": ord(bad.group())}))
        values = {
            header[index]: "" if isinstance(text, _Formula) else text if header[index] in unstripped else text.strip()
            for index, text in read.items()
        }
        found.append((line, values))
        if len(found) > MAX_ROWS:
            raise SheetError([_("The file has more than %(max)s rows; at most %(max)s can be uploaded at once. "
                                "Split it into several files.") % {"max": f"{MAX_ROWS:,}"}])
    if header is None:
        raise SheetError([_("The file has no header row: one of its first rows must name the columns "
                            "%(columns)s.") % {"columns": expected}])
    if problems:
        raise SheetError(problems)
    if not found:
        raise SheetError([_("The file has its header row but no rows below it: nothing to upload.")])
    return found


def _header_of(
    line: int,
    cells: list[str],
    names: Mapping[str, str],
    columns: Mapping[str, Promise],
    expected: str,
    problems: list[str],
    extra_columns_allowed: bool,
) -> dict[int, str]:
    """Which column holds what, from the header row; a missing, repeated or (for the template) unknown
    column is a problem."""
    header: dict[int, str] = {}
    for index, text in enumerate(cells, start=1):
        name = names.get(_fold(text))
        if name is None:
            if text.strip() and not extra_columns_allowed:
                problems.append(row_problem(line, _("unknown column “%(column)s”; the columns are %(columns)s.")
                                            % {"column": text.strip(), "columns": expected}))
            continue
        if name in header.values():
            problems.append(row_problem(line, _("the column %(column)s appears twice.") % {"column": columns[name]}))
            continue
        header[index] = name
    missing = [str(columns[name]) for name in columns if name not in header.values()]
    if missing:
        raise SheetError([row_problem(line, _("the header lacks %(missing)s; the columns are %(columns)s.")
                                      % {"missing": ", ".join(missing), "columns": expected}), *problems])
    return header


def read_comment_sheet(filename: str, data: bytes) -> list[CommentLine]:
    """The comments of a filled template (``.xlsx`` or ``.csv``), one :class:`CommentLine` per non-empty row.

    Raises :class:`SheetError` for a file that is not a readable spreadsheet, has no header row with
    :data:`TEMPLATE_COLUMNS` (or other columns besides), holds a formula or a control character, has
    more than :data:`MAX_ROWS` rows, or none.
    """
    return [
        CommentLine(line=line, section=cells["section"], paragraph=cells["paragraph"], kind=cells["kind"],
                    comment=cells["comment"], proposed=cells["proposed"])
        for line, cells in _read_table(filename, data, TEMPLATE_COLUMNS, extra_columns_allowed=False)
    ]


def read_decision_sheet(filename: str, data: bytes) -> list[DecisionLine]:
    """The rows of a filled comment matrix (``.xlsx`` or ``.csv``, as exported), one :class:`DecisionLine`
    each. Its other columns are left as they are: only ID, Disposition, Response and Stamp are read.

    A comment too long for one row of the workbook continues in the rows below it, their ID "MRN-004 (2/3)"
    (``matrix.continuation_reference``): their Response pieces are joined to the comment's, exactly as they
    were cut, and its decision is read from its first row. A continuation row elsewhere, or one with a
    disposition or stamp of its own, is refused with its row.
    """
    lines: list[DecisionLine] = []
    problems: list[str] = []
    table = _read_table(filename, data, DECISION_COLUMNS, extra_columns_allowed=True,
                        unstripped=frozenset({"response"}))
    for line, cells in table:
        continued = CONTINUATION.match(cells["reference"])
        if continued is None:
            lines.append(DecisionLine(line=line, reference=cells["reference"], disposition=cells["disposition"],
                                      response=cells["response"], stamp=cells["stamp"]))
            continue
        reference = continued.group("reference")
        if not lines or lines[-1].reference != reference:
            problems.append(row_problem(line, _(
                "this row continues %(ref)s but does not follow its rows; keep the rows in the order exported.")
                % {"ref": reference}))
        elif cells["disposition"] or cells["stamp"]:
            problems.append(row_problem(line, _(
                "this row continues %(ref)s: type its disposition in its first row, row %(first)s.")
                % {"ref": reference, "first": lines[-1].line}))
        else:
            lines[-1] = dataclasses.replace(lines[-1], response=lines[-1].response + cells["response"])
    if problems:
        raise SheetError(problems)
    return [dataclasses.replace(x, response=unquoted_cell(x.response.strip())) for x in lines]


# Writing the template ----------------------------------------------------------------------------------


def comment_template_xlsx(
    *, title: str, instructions: str, limits: str, sections: Sequence[SheetSection], kinds: Sequence[str],
    whole_draft: str,
) -> bytes:
    """The comment template of one draft: a title, the instructions, then the header row
    (:data:`TEMPLATE_COLUMNS`, in English as DESIGN.md names them) and room for :data:`MAX_ROWS` comments,
    with drop-down lists of the sections (``whole_draft`` first, for a comment on the draft as a whole) and
    of ``kinds``. The sheet "Sections" lists every section with its number of paragraphs and its key."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation
    from openpyxl.worksheet.worksheet import Worksheet

    from drafts.interchange.matrix import _workbook_cell

    workbook = Workbook()
    sheet = workbook.active
    assert isinstance(sheet, Worksheet), "a new workbook starts with one worksheet, and it is the active one"
    sheet.title = TEMPLATE_SHEET
    sheet["A1"] = _workbook_cell(title)
    sheet["A1"].font = Font(bold=True, size=14)
    for row, text in ((2, instructions), (3, limits)):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(TEMPLATE_COLUMNS))
        sheet.cell(row=row, column=1, value=_workbook_cell(text)).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.row_dimensions[2].height = 150
    sheet.row_dimensions[3].height = 45
    with translation.override("en"):
        headers = [str(header) for header in TEMPLATE_COLUMNS.values()]
    for column, header in enumerate(headers, start=1):
        cell = sheet.cell(row=TEMPLATE_HEADER_ROW, column=column, value=header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    widths = {"section": 34, "paragraph": 11, "kind": 14, "comment": 70, "proposed": 55}
    for column, name in enumerate(TEMPLATE_COLUMNS, start=1):
        dimension = sheet.column_dimensions[get_column_letter(column)]
        dimension.width = widths[name]
        dimension.alignment = Alignment(wrap_text=True, vertical="top")
    # Typed section numbers stay text: "7.10" must not become the number 7.1.
    sheet.column_dimensions["A"].number_format = "@"
    sheet.freeze_panes = f"A{TEMPLATE_HEADER_ROW + 1}"

    listed = workbook.create_sheet(SECTIONS_SHEET)
    listed.append([_("Section"), _("Paragraphs"), _("Key"), _("Heading")])
    for cell in listed[1]:
        cell.font = Font(bold=True)
    listed.append([_workbook_cell(whole_draft), "", "", ""])
    for section in sections:
        listed.append([_workbook_cell(section.label), section.paragraphs, section.key, _workbook_cell(section.heading)])
    for letter, width in zip("ABCD", (50, 12, 20, 50), strict=True):
        listed.column_dimensions[letter].width = width
    listed.freeze_panes = "A2"

    types = workbook.create_sheet(TYPES_SHEET)
    for kind in kinds:
        types.append([_workbook_cell(kind)])
    types.sheet_state = "hidden"

    first, last = TEMPLATE_HEADER_ROW + 1, TEMPLATE_HEADER_ROW + MAX_ROWS
    choose_section = DataValidation(
        type="list", formula1=f"={SECTIONS_SHEET}!$A$2:$A${len(sections) + 2}", allow_blank=True,
        showErrorMessage=True, errorStyle="warning", errorTitle=_("Section"),
        error=_("Choose a section from the list (see the sheet “Sections”)."),
    )
    choose_section.add(f"A{first}:A{last}")
    most = max((s.paragraphs for s in sections), default=0)
    paragraph = DataValidation(
        type="whole", operator="between", formula1="1", formula2=str(max(most, 1)), allow_blank=True,
        showErrorMessage=True, errorTitle=_("Paragraph"),
        error=_("The paragraph's number (see the sheet “Sections”), or empty for the whole section."),
    )
    paragraph.add(f"B{first}:B{last}")
    choose_kind = DataValidation(
        type="list", formula1=f"={TYPES_SHEET}!$A$1:$A${len(kinds)}", allow_blank=True,
        showErrorMessage=True, errorTitle=_("Type"), error=_("Choose the type of comment from the list."),
    )
    choose_kind.add(f"C{first}:C{last}")
    for validation in (choose_section, paragraph, choose_kind):
        sheet.add_data_validation(validation)
    workbook.properties.title = _workbook_cell(title)[:250]
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()

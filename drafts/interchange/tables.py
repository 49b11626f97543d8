"""Word tables on a landscape page (the comment matrix)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from drafts.interchange.ooxml import _XML_INVALID, _rewrite_docx
from drafts.interchange.page import PageFurniture
from drafts.interchange.sentinels import _LINE_BREAK, _clean_text
from drafts.interchange.word import _escape_markdown_text, markdown_to_docx

# Word tables (the comment matrix) ----------------------------------------------------------------

# A landscape A4 page with 2 cm margins, in twentieths of a point, for a page pandoc leaves unsized.
_A4_LONG, _A4_SHORT, _MARGIN = 16838, 11906, 1134


def _literal_cell(text: str) -> str:
    """Text for a pipe-table cell that pandoc shows exactly as typed.

    Every ASCII punctuation mark is escaped (so ``|``, ``*``, ``#``, ``<`` and ``[...](...)`` mean
    nothing); line breaks become a sentinel that the post-pass turns into Word line breaks.
    """
    text = _XML_INVALID.sub("", _clean_text(text)).replace("\t", " ")
    return _escape_markdown_text(text.strip()).replace("\n", _LINE_BREAK)


def table_docx(title: str, header: list[str], rows: list[list[str]], *, widths: list[int],
               minimum_widths: list[int] | None = None, lines: Sequence[str] = (), font_size: float | None = None,
               landscape: bool = True, furniture: PageFurniture | None = None) -> bytes:
    """A Word document of one table under a Heading 1 title, every cell's text shown literally.

    Markdown-looking text in a cell (``| pipe |``, ``**stars**``, ``# hash``, links) appears as typed,
    line breaks are kept as line breaks. ``lines`` are paragraphs between the title and the table. The
    header row is bold and repeats at the top of every page (``w:tblHeader``); every cell has a thin
    border. ``widths`` are the columns' relative widths; ``minimum_widths`` (twentieths of a point) the
    least each may have, which it keeps wherever the others can give it room (the longest word a column
    holds, so that no word is broken letter by letter). ``font_size`` (points) sizes the table's text.
    With ``landscape`` the page is turned (``w:pgSz w:orient="landscape"``, long side across) and the
    table spans its full width. ``furniture`` gives the pages their running header (the symbol) and the
    first page its block, as :func:`~drafts.interchange.word.markdown_to_docx` writes them; every page is
    numbered. Raises ``ValueError`` if pandoc fails.
    """
    if len(widths) != len(header) or any(len(row) != len(header) for row in rows):
        raise ValueError("every row needs one cell per column, and every column a width.")
    if minimum_widths is not None and len(minimum_widths) != len(header):
        raise ValueError("every column needs a minimum width, or none does.")
    # Pandoc takes relative column widths from the dashes of the rule row once a line is longer than
    # its 72 columns; scaling the widths so the rule row is that long makes sure it does.
    scale = max(1, -(-80 // max(sum(widths), 1)))
    out = [f"# {_escape_markdown_text(_clean_text(title))}", ""]
    for line in lines:
        out += [_escape_markdown_text(_XML_INVALID.sub("", _clean_text(line)).replace("\n", " ")).strip(), ""]
    out += [
        "| " + " | ".join(f"**{_literal_cell(cell)}**" if cell.strip() else "" for cell in header) + " |",
        "|" + "|".join("-" * max(3, width * scale) for width in widths) + "|",
    ]
    out += ["| " + " | ".join(_literal_cell(cell) for cell in row) + " |" for row in rows]
    data = markdown_to_docx("\n".join(out) + "\n", furniture=furniture, landscape=landscape)
    layout = _Layout(landscape=landscape, weights=list(widths), minimums=minimum_widths,
                     half_points=round(font_size * 2) if font_size else None)
    return _rewrite_docx(data, {"word/document.xml": layout.rewrite})


@dataclass(frozen=True)
class _Layout:
    """What :func:`table_docx` does to pandoc's word/document.xml."""

    landscape: bool
    weights: list[int]
    minimums: list[int] | None
    half_points: int | None

    def rewrite(self, data: bytes) -> bytes:
        return _table_layout(data, self)


def _table_layout(data: bytes, layout: _Layout) -> bytes:
    """word/document.xml of :func:`table_docx`: line breaks in cells, the repeated header row, borders, the
    text's size, the page and the columns' widths."""
    text = data.decode("utf-8")
    text = re.sub(r"<w:t(\s[^>]*)?>([^<]*)</w:t>", _line_breaks, text)
    # The first row repeats on every page (pandoc marks it already; this keeps it so).
    if "<w:tblHeader" not in text:
        text = re.sub(r"(<w:tr(?:\s[^>]*)?>)(?!\s*<w:trPr)", r"\1<w:trPr><w:tblHeader/></w:trPr>", text, count=1)
    # w:tblBorders comes before w:tblLayout among a table's properties (the schema's order, which Word keeps to).
    fixed = re.search(r"<w:tblLayout\b[^>]*/>", text)
    if fixed is not None:
        text = text[: fixed.start()] + _BORDERS + text[fixed.start() :]
    if layout.half_points:
        text = re.sub(r"<w:tbl>.*?</w:tbl>", lambda m: _sized_runs(m.group(), layout.half_points or 0), text,
                      flags=re.DOTALL)
    usable = _landscape(text) if layout.landscape else _portrait_width(text)
    text = usable[0]
    return _column_widths(text, usable[1], layout).encode("utf-8")


# Thin grey lines around and between every cell: a matrix is read across its rows.
_BORDERS = "<w:tblBorders>" + "".join(
    f'<w:{edge} w:val="single" w:sz="4" w:space="0" w:color="A6A6A6"/>'
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV")
) + "</w:tblBorders>"


def _sized_runs(table: str, half_points: int) -> str:
    """Every run of a table at one size (``w:sz``, in half points, for Latin and complex scripts alike)."""
    size = f'<w:sz w:val="{half_points}"/><w:szCs w:val="{half_points}"/>'
    # w:sz comes late in a run's properties (after w:b, w:i ...), before nothing pandoc writes in a table.
    table = re.sub(r"(<w:r>\s*<w:rPr>.*?)(</w:rPr>)", lambda m: m.group(1) + size + m.group(2), table,
                   flags=re.DOTALL)
    return re.sub(r"<w:r>(?!\s*<w:rPr>)", f"<w:r><w:rPr>{size}</w:rPr>", table)


def _line_breaks(match: re.Match[str]) -> str:
    """A w:t holding line-break sentinels as w:t pieces with w:br between them (all in the same run)."""
    if _LINE_BREAK not in match.group(2):
        return match.group()
    pieces = (f'<w:t xml:space="preserve">{part}</w:t>' for part in match.group(2).split(_LINE_BREAK))
    return "<w:br/>".join(pieces)


def _landscape(text: str) -> tuple[str, int]:
    """The last section's page turned to landscape, if the writer left it portrait (or unsized); the
    document and the page's text width, in twips."""
    start = text.rfind("<w:sectPr")
    end = text.find("</w:sectPr>", start)
    if start < 0 or end < 0:
        raise ValueError("pandoc wrote a Word document without section properties.")
    section = text[start:end]
    size = re.search(r"<w:pgSz\b[^>]*/>", section)
    if size:
        found = _attributes(size.group())
        width, height = int(found.get("w", _A4_SHORT)), int(found.get("h", _A4_LONG))
        long, short = max(width, height), min(width, height)
        section = section.replace(size.group(), f'<w:pgSz w:w="{long}" w:h="{short}" w:orient="landscape"/>')
    else:
        long = _A4_LONG
        page = (f'<w:pgSz w:w="{_A4_LONG}" w:h="{_A4_SHORT}" w:orient="landscape"/>'
                f'<w:pgMar w:top="{_MARGIN}" w:right="{_MARGIN}" w:bottom="{_MARGIN}" w:left="{_MARGIN}" '
                f'w:header="567" w:footer="567" w:gutter="0"/>')
        # In w:sectPr the page size follows the header / footer references, note and endnote settings
        # and the section type, and precedes everything else.
        before = list(re.finditer(
            r"<w:(?:headerReference|footerReference|type)\b[^>]*/>|<w:(footnotePr|endnotePr)\b.*?</w:\1>", section,
            re.DOTALL))
        at = before[-1].end() if before else section.index(">") + 1
        section = section[:at] + page + section[at:]
    return text[:start] + section + text[end:], long - _margins(section)


def _attributes(element: str) -> dict[str, str]:
    """An element's w: attributes by name (in any order): ``<w:pgSz w:h="1" w:w="2"/>`` is {"h": "1", "w": "2"}."""
    return dict(re.findall(r'\bw:(\w+)="([^"]*)"', element))


def _margins(section: str) -> int:
    """The left and right page margins of a w:sectPr together, in twips (2 cm each where none is given)."""
    margins = re.search(r"<w:pgMar\b[^>]*/>", section)
    found = _attributes(margins.group()) if margins else {}
    return int(found.get("left", _MARGIN)) + int(found.get("right", _MARGIN))


def _portrait_width(text: str) -> tuple[str, int]:
    """The document as it is, and its last section's text width in twips (A4 portrait if pandoc left it unsized)."""
    start = text.rfind("<w:sectPr")
    section = text[start:text.find("</w:sectPr>", start)] if start >= 0 else ""
    size = re.search(r"<w:pgSz\b[^>]*/>", section)
    width = int(_attributes(size.group()).get("w", _A4_SHORT)) if size else _A4_SHORT
    return text, width - _margins(section)


def _column_widths(text: str, usable: int, layout: _Layout) -> str:
    """Spread the table's columns over the text width ``usable`` (twips), by their weights, none narrower
    than its minimum where the page has the room (:func:`fit_widths`)."""
    columns = list(re.finditer(r'<w:gridCol w:w="(\d+)"\s*/>', text))
    if not columns:
        return text
    weights = layout.weights if len(layout.weights) == len(columns) else [int(m.group(1)) for m in columns]
    widths = fit_widths(usable, weights, layout.minimums or [0] * len(columns))
    for match, width in reversed(list(zip(columns, widths, strict=True))):
        text = text[: match.start()] + f'<w:gridCol w:w="{width}"/>' + text[match.end() :]
    return text


def fit_widths(total: int, weights: Sequence[int], minimums: Sequence[int]) -> list[int]:
    """``total`` shared by columns in proportion to ``weights``, except that a column whose share is below
    its minimum gets its minimum and the others share the rest (again by weight). If the minimums alone
    exceed ``total``, each gets its minimum scaled down to fit. The widths add up to ``total``."""
    if sum(minimums) >= total:
        widths = [m * total // max(sum(minimums), 1) for m in minimums]
    else:
        fixed: set[int] = set()
        while True:
            free = [i for i in range(len(weights)) if i not in fixed]
            room = total - sum(minimums[i] for i in fixed)
            weight = sum(weights[i] for i in free) or 1
            share = {i: room * weights[i] / weight for i in free}
            below = {i for i in free if share[i] < minimums[i]}
            if not below:
                break
            fixed |= below
        widths = [minimums[i] if i in fixed else int(share[i]) for i in range(len(weights))]
    widest = max(range(len(widths)), key=lambda i: widths[i])
    widths[widest] += total - sum(widths)
    return widths

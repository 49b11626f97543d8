"""Word tables on a landscape page (the comment matrix)."""

from __future__ import annotations

import re

from drafts.interchange.ooxml import _XML_INVALID, _rewrite_docx
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
               landscape: bool = True) -> bytes:
    """A Word document of one table under a Heading 1 title, every cell's text shown literally.

    Markdown-looking text in a cell (``| pipe |``, ``**stars**``, ``# hash``, links) appears as typed,
    line breaks are kept as line breaks. The header row is bold and repeats at the top of every page
    (``w:tblHeader``); ``widths`` are the columns' relative widths. With ``landscape`` the page is
    turned (``w:pgSz w:orient="landscape"``, long side across) and the table spans its full width.
    Raises ``ValueError`` if pandoc fails.
    """
    if len(widths) != len(header) or any(len(row) != len(header) for row in rows):
        raise ValueError("every row needs one cell per column, and every column a width.")
    # Pandoc takes relative column widths from the dashes of the rule row once a line is longer than
    # its 72 columns; scaling the widths so the rule row is that long makes sure it does.
    scale = max(1, -(-80 // max(sum(widths), 1)))
    lines = [
        f"# {_escape_markdown_text(_clean_text(title))}",
        "",
        "| " + " | ".join(f"**{_literal_cell(cell)}**" if cell.strip() else "" for cell in header) + " |",
        "|" + "|".join("-" * max(3, width * scale) for width in widths) + "|",
    ]
    lines += ["| " + " | ".join(_literal_cell(cell) for cell in row) + " |" for row in rows]
    data = markdown_to_docx("\n".join(lines) + "\n")
    return _rewrite_docx(data, {"word/document.xml": lambda part: _table_layout(part, landscape=landscape)})


def _table_layout(data: bytes, *, landscape: bool) -> bytes:
    """word/document.xml of :func:`table_docx`: line breaks in cells, the repeated header row, the page."""
    text = data.decode("utf-8")
    text = re.sub(r"<w:t(\s[^>]*)?>([^<]*)</w:t>", _line_breaks, text)
    # The first row repeats on every page (pandoc marks it already; this keeps it so).
    if "<w:tblHeader" not in text:
        text = re.sub(r"(<w:tr(?:\s[^>]*)?>)(?!\s*<w:trPr)", r"\1<w:trPr><w:tblHeader/></w:trPr>", text, count=1)
    if landscape:
        text = _landscape(text)
    return text.encode("utf-8")


def _line_breaks(match: re.Match[str]) -> str:
    """A w:t holding line-break sentinels as w:t pieces with w:br between them (all in the same run)."""
    if _LINE_BREAK not in match.group(2):
        return match.group()
    pieces = (f'<w:t xml:space="preserve">{part}</w:t>' for part in match.group(2).split(_LINE_BREAK))
    return "<w:br/>".join(pieces)


def _landscape(text: str) -> str:
    """Turn the last section's page to landscape and stretch the table's columns to the new text width."""
    start = text.rfind("<w:sectPr")
    end = text.find("</w:sectPr>", start)
    if start < 0 or end < 0:
        raise ValueError("pandoc wrote a Word document without section properties.")
    section = text[start:end]
    size = re.search(r'<w:pgSz\b[^>]*\bw:w="(\d+)"[^>]*\bw:h="(\d+)"[^>]*/>', section)
    if size:
        width, height = int(size.group(1)), int(size.group(2))
        long, short = max(width, height), min(width, height)
        section = section.replace(size.group(), f'<w:pgSz w:w="{long}" w:h="{short}" w:orient="landscape"/>')
        margins = re.search(r'<w:pgMar\b[^>]*w:left="(\d+)"[^>]*/>', section)
        left_right = 2 * int(margins.group(1)) if margins else 2 * _MARGIN
    else:
        long, left_right = _A4_LONG, 2 * _MARGIN
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
    text = text[:start] + section + text[end:]
    # Pandoc sized the columns for a portrait page: spread them over the landscape text width.
    columns = [(m, int(m.group(1))) for m in re.finditer(r'<w:gridCol w:w="(\d+)"\s*/>', text)]
    total = sum(width for _m, width in columns)
    if total:
        usable = long - left_right
        for match, width in reversed(columns):
            text = text[: match.start()] + f'<w:gridCol w:w="{width * usable // total}"/>' + text[match.end() :]
    return text

"""Markdown, HTML and Word in and out, and PDF out, in the interchange format of DESIGN.md.

``# Document title``, then one heading level deeper per depth (``##`` top-level sections, ``###``
their children ...). A heading may end with ``{#key}``; a leading number ("Principle 3:", "3.2")
is read as the number, not as part of the heading.

Word (.docx) goes through Markdown: pandoc (the binary shipped in ``pypandoc-binary``) converts a
Word file to this Markdown and back, so there is one parser and one set of rules. Every function
here takes plain values (text, bytes, :class:`ExportSection` lists) and never asks the database or
who is asking: a caller decides what may be exported (``drafts.selectors``) and passes it in.

Every cost is bounded (DESIGN.md rule 9): a file with more than :data:`MAX_SECTIONS` sections, or with a
control character, is refused when read; a Word file is measured part by part as it really unpacks
(:data:`MAX_DOCX_EXPANDED_BYTES` in all) before pandoc runs, and pandoc runs with limits on its memory and
time (``drafts.interchange.word``). Whatever hits a limit is an :class:`ImportError_` with the reason.

A draft goes out as the secretariat circulates it (:class:`PageFurniture`): A4, the UN block on the
first page, the symbol in the running header, numbered pages and paragraphs, in Word (a reference
document pandoc writes with) and in PDF (the printable HTML through WeasyPrint, :func:`export_pdf`).

Two Word exports post-process pandoc's output: :func:`comparison_docx` (a comparison as Word tracked
changes, ``w:ins`` / ``w:del``) and :func:`table_docx` (a landscape table, e.g. the comment matrix).
"""

from __future__ import annotations

from drafts.interchange.files import EXPORT_FORMATS, MARKDOWN_SUFFIXES, WORD_SUFFIXES, export_as, read_document
from drafts.interchange.html import export_html
from drafts.interchange.markdown import (
    MAX_SECTIONS,
    ExportSection,
    ImportError_,
    ParsedDocument,
    ParsedSection,
    export_markdown,
    numbered_heading,
    parse_markdown,
    parsed_as_markdown,
)
from drafts.interchange.page import PageFurniture
from drafts.interchange.pdf import PDF_MAX_SECONDS, PDF_MAX_SECONDS_OFFLINE, export_pdf, html_to_pdf
from drafts.interchange.tables import table_docx
from drafts.interchange.tracked import comparison_docx, tracked_changes_markdown
from drafts.interchange.word import (
    MAX_DOCX_EXPANDED_BYTES,
    ExportFailed,
    docx_to_markdown,
    export_docx,
    markdown_to_docx,
    parse_docx,
    sniff,
)

__all__ = [
    "EXPORT_FORMATS",
    "MARKDOWN_SUFFIXES",
    "MAX_DOCX_EXPANDED_BYTES",
    "MAX_SECTIONS",
    "PDF_MAX_SECONDS",
    "PDF_MAX_SECONDS_OFFLINE",
    "WORD_SUFFIXES",
    "ExportFailed",
    "ExportSection",
    "ImportError_",
    "PageFurniture",
    "ParsedDocument",
    "ParsedSection",
    "comparison_docx",
    "docx_to_markdown",
    "export_as",
    "export_docx",
    "export_html",
    "export_markdown",
    "export_pdf",
    "html_to_pdf",
    "markdown_to_docx",
    "numbered_heading",
    "parse_docx",
    "parse_markdown",
    "parsed_as_markdown",
    "read_document",
    "sniff",
    "table_docx",
    "tracked_changes_markdown",
]

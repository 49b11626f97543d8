"""Reading a Markdown or Word file by its extension, as the command and the upload page do."""

from __future__ import annotations

from drafts.interchange.html import export_html
from drafts.interchange.markdown import (
    ExportSection,
    ImportError_,
    ParsedDocument,
    export_markdown,
    parse_markdown,
    parsed_as_markdown,
)
from drafts.interchange.page import PageFurniture
from drafts.interchange.pdf import PDF_MAX_SECONDS, export_pdf
from drafts.interchange.word import export_docx, parse_docx, sniff

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
WORD_SUFFIXES = frozenset({".docx"})


def read_document(name: str, data: bytes, *, default_title: str) -> tuple[str, ParsedDocument]:
    """Read an uploaded or given file by its name's extension: its Markdown text and the parsed document.

    Word files go through pandoc (:func:`docx_to_markdown`); Markdown files must be UTF-8 text.
    Raises :class:`ImportError_` with a reason a person can act on: unknown extension, a file that
    is not what its extension says, not UTF-8, a control character (on which line), more than
    :data:`~drafts.interchange.markdown.MAX_SECTIONS` sections, corrupt, encrypted or too large Word,
    no headings, and so on.
    """
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in WORD_SUFFIXES:
        parsed = parse_docx(data, default_title=default_title)
        return parsed_as_markdown(parsed), parsed
    if suffix not in MARKDOWN_SUFFIXES:
        raise ImportError_(f"{name}: only Markdown (.md) and Word (.docx) files can be imported.")
    kind = sniff(data)
    if kind is not None and kind != "an empty file":
        hint = " Name it .docx to import it as Word." if kind == "a Word (.docx) document" else ""
        raise ImportError_(f"{name}: this is {kind}, not a Markdown text file.{hint}")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportError_(f"{name}: not UTF-8 text ({exc.reason} at byte {exc.start}).") from exc
    return text, parse_markdown(text)


EXPORT_FORMATS = ("md", "html", "docx", "pdf")


def export_as(
    fmt: str,
    *,
    title: str,
    label: str,
    sections: list[ExportSection],
    scheme: str,
    language: str,
    keys: bool = False,
    furniture: PageFurniture | None = None,
    pdf_seconds: float = PDF_MAX_SECONDS,
) -> str | bytes:
    """A draft's sections in one of :data:`EXPORT_FORMATS`: Markdown (always with keys), HTML, Word or PDF.

    Word, HTML and PDF are the circulated document: A4, ``furniture`` (symbol, UN first-page block,
    running header, page numbers) and each paragraph's number as the web page cites it. ``keys``
    makes the Word file the editable copy instead: ``{#key}`` on every heading and no paragraph
    numbers, so a copy edited in Word re-imports section by section. The Markdown is always the
    editable copy. ``pdf_seconds`` bounds the PDF's conversion (a page request keeps the default).
    Raises :class:`~drafts.interchange.word.ExportFailed` when a converter hits its limits.
    """
    if fmt == "md":
        return export_markdown(title, sections, scheme, language=language)
    if fmt == "html":
        return export_html(title, label, sections, scheme, lang=language, furniture=furniture)
    if fmt == "docx":
        return export_docx(title, label, sections, scheme, keys=keys, language=language, furniture=furniture,
                           paragraph_numbers=not keys)
    if fmt == "pdf":
        return export_pdf(title, label, sections, scheme, language=language, furniture=furniture,
                          max_seconds=pdf_seconds)
    raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(EXPORT_FORMATS)}")

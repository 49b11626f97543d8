"""``export_draft SLUG DRAFT --format md|html|docx|pdf [-o FILE]``: a frozen draft as Markdown, HTML, Word or PDF.

Exports what the acting user (``--user``, default the system actor) may read. The conversions live in
``drafts.interchange`` and take plain data, and the page furniture (symbol, label, date) comes from
``drafts.presenting.documents``, so the web download and this command share them. A command may take
longer than a page request over a PDF (the largest draft a document may be takes minutes).
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from drafts import interchange, selectors
from drafts.management.base import ActingCommand
from drafts.presenting.documents import draft_furniture


class Command(ActingCommand):
    help = (
        "Export a frozen draft as Markdown (re-importable: every heading carries its {#key}), "
        "a standalone printable HTML page, a Word document or a PDF (A4, the symbol, the date and numbered "
        "pages and paragraphs, as circulated). Without -o the output goes to stdout."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("slug", help="the document's slug")
        parser.add_argument("draft", help="the draft number (1, 2, ...)")
        parser.add_argument("--format", required=True, choices=interchange.EXPORT_FORMATS, help="md, html, docx or pdf")
        parser.add_argument("-o", "--output", help="write to this file instead of stdout")
        parser.add_argument(
            "--keys",
            action="store_true",
            help="docx: the editable copy: end every heading with its {#key} and leave out paragraph numbers, "
            "so a copy edited in Word can be re-imported with import_document --update keeping each "
            "section's identity",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        document = self.document(options["slug"])
        draft = self.draft(document, options["draft"])
        fmt = options["format"]
        if fmt in ("docx", "pdf"):
            self.refuse_binary_to_terminal(options["output"])
        sections = selectors.draft_export_sections(draft)
        furniture = draft_furniture(draft)
        try:
            content = interchange.export_as(
                fmt,
                title=document.title,
                label=furniture.label,
                sections=sections,
                scheme=document.numbering,
                language=document.language,
                keys=options["keys"],
                furniture=furniture,
                pdf_seconds=interchange.PDF_MAX_SECONDS_OFFLINE,
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        where = self.write_output(content, options["output"])
        self.stderr.write(f"Exported {document.slug} {draft.title} ({len(sections)} sections) as {fmt} to {where}.")

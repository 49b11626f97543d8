"""``export_draft SLUG DRAFT --format md|html|docx [-o FILE]``: a frozen draft as Markdown, HTML or Word.

Exports what the acting user (``--user``, default the system actor) may read. The conversions live in
``drafts.interchange`` and take plain data, so the web download and this command share them.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from drafts import interchange, selectors
from drafts.management.base import ActingCommand


class Command(ActingCommand):
    help = (
        "Export a frozen draft as Markdown (re-importable: every heading carries its {#key}), "
        "a standalone printable HTML page, or a Word document. Without -o the output goes to stdout."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("slug", help="the document's slug")
        parser.add_argument("draft", help="the draft number (1, 2, ...)")
        parser.add_argument("--format", required=True, choices=interchange.EXPORT_FORMATS, help="md, html or docx")
        parser.add_argument("-o", "--output", help="write to this file instead of stdout")
        parser.add_argument(
            "--keys",
            action="store_true",
            help="docx: end every heading with its {#key}, so a copy edited in Word can be re-imported "
            "with import_document --update keeping each section's identity",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        document = self.document(options["slug"])
        draft = self.draft(document, options["draft"])
        fmt = options["format"]
        if fmt == "docx":
            self.refuse_binary_to_terminal(options["output"])
        sections = selectors.draft_export_sections(draft)
        try:
            content = interchange.export_as(
                fmt,
                title=document.title,
                label=draft.title,
                sections=sections,
                scheme=document.numbering,
                language=document.language,
                keys=options["keys"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        where = self.write_output(content, options["output"])
        self.stderr.write(f"Exported {document.slug} {draft.title} ({len(sections)} sections) as {fmt} to {where}.")

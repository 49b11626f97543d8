"""``export_comments SLUG DRAFT --format csv|xlsx|docx``: the comment matrix of a draft."""

from __future__ import annotations

import sys

from django.core.management.base import BaseCommand, CommandError

from drafts import matrix
from drafts.models import Draft, DraftComment


class Command(BaseCommand):
    help = "Write a draft's comment matrix (one row per comment, sorted by section and paragraph)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="the document's slug")
        parser.add_argument("draft", type=int, help="the draft number")
        parser.add_argument("--format", choices=matrix.FORMATS, default="csv")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args, **options) -> None:
        draft = (
            Draft.objects.select_related("document")
            .filter(document__slug=options["slug"], number=options["draft"])
            .first()
        )
        if draft is None:
            raise CommandError(f"No draft {options['draft']} of a document {options['slug']!r}.")
        comments = DraftComment.objects.filter(draft=draft).select_related("draft_section", "addressed_in")
        rows = matrix.matrix_rows(comments)
        if options["format"] == "csv":
            data = matrix.matrix_csv(rows).encode("utf-8")
        elif options["format"] == "xlsx":
            data = matrix.matrix_xlsx(rows, title=f"{draft.document.title}, {draft.title}")
        else:
            data = matrix.matrix_docx(rows, title=f"{draft.document.title}, {draft.title}")
        if options["output"]:
            with open(options["output"], "wb") as out:
                out.write(data)
        else:
            sys.stdout.buffer.write(data) if options["format"] == "xlsx" else self.stdout.write(
                data.decode("utf-8"), ending=""
            )
        self.stderr.write(f"{len(rows)} comments from {draft.title} of {draft.document.slug}.")

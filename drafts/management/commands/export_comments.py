"""``export_comments SLUG DRAFT --format csv|xlsx|docx|json``: the comment matrix of a draft (for the working group).

JSON is the response to comments of DESIGN.md: one object per comment, with its replies and where its
paragraph landed in the next draft."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from drafts import access, selectors
from drafts.interchange import matrix
from drafts.management.base import ActingCommand
from drafts.presenting import lineage as present
from drafts.presenting.matrix import matrix_rows


class Command(ActingCommand):
    help = "Write a draft's comment matrix (one row per comment, sorted by section and paragraph)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("slug", help="the document's slug")
        parser.add_argument("draft", help="the draft number")
        parser.add_argument("--format", choices=(*matrix.FORMATS, "json"), default="csv")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        document = self.document(options["slug"])
        draft = self.draft(document, options["draft"])
        if not access.access_for(self.actor, document).in_working_group:
            raise CommandError(f"{self.actor.get_username()}: only the working group exports the comment matrix.")
        if options["format"] == "json":
            records = present.comment_records(self.actor, draft)
            self.write_output(json.dumps(records, ensure_ascii=False, indent=2) + "\n", options["output"])
            self.stderr.write(f"{len(records)} comments from {draft.title} of {document.slug}.")
            return
        comments = selectors.comments_visible_to(self.actor, draft).select_related("draft_section", "addressed_in")
        rows = matrix_rows(comments)
        title = f"{document.title}, {draft.title}"
        content: str | bytes
        if options["format"] == "csv":
            content = matrix.matrix_csv(rows)
        elif options["format"] == "xlsx":
            content = matrix.matrix_xlsx(rows, title=title)
        else:
            content = matrix.matrix_docx(rows, title=title)
        self.write_output(content, options["output"])
        self.stderr.write(f"{len(rows)} comments from {draft.title} of {document.slug}.")

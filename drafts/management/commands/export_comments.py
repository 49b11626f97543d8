"""``export_comments SLUG DRAFT --format csv|xlsx|docx|json [--section KEY|NUMBER] [--kind K] [--category C]
[--disposition D] [--organisation TEXT]``: the comment matrix of a draft (for the working group).

The filters are the editors' table's, read by the same form and applied by the same selector, so the
file holds what the table shows. JSON is the response to comments of DESIGN.md: one object per comment,
with its replies and where its paragraph landed in the next draft."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from drafts import access
from drafts.forms import CommentFilterForm
from drafts.interchange import matrix
from drafts.management.base import ActingCommand
from drafts.models import CommentKind, Disposition, StakeholderCategory
from drafts.presenting.matrix import comment_matrix, matrix_records

_FILTERS = ("section", "kind", "category", "disposition", "organisation")


class Command(ActingCommand):
    help = "Write a draft's comment matrix (one row per comment, sorted by section and paragraph)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("slug", help="the document's slug")
        parser.add_argument("draft", help="the draft number")
        parser.add_argument("--format", choices=(*matrix.FORMATS, "json"), default="csv")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")
        parser.add_argument("--section", default="", help="only comments on this section: its number (7.3) or key")
        parser.add_argument("--kind", default="", help=f"only comments of this type: {', '.join(CommentKind.values)}")
        parser.add_argument("--category", default="",
                            help=f"only comments from this category: {', '.join(StakeholderCategory.values)}")
        parser.add_argument("--disposition", default="",
                            help=f"only comments with this disposition: {', '.join(Disposition.values)}")
        parser.add_argument("--organisation", default="",
                            help="only comments of organisations whose name contains this")
        parser.add_argument("--campaigns", action="store_true",
                            help="csv, xlsx, docx: each campaign of near-identical comments as one row, with its "
                                 "signatories (as the analysis page's links)")

    def handle(self, *args: Any, **options: Any) -> None:
        document = self.document(options["slug"])
        draft = self.draft(document, options["draft"])
        if not access.access_for(self.actor, document).in_working_group:
            raise CommandError(f"{self.actor.get_username()}: only the working group exports the comment matrix.")
        filters = CommentFilterForm({name: options[name] for name in _FILTERS}, sections=draft.sections.all())
        if not filters.is_valid():
            raise CommandError(" ".join(filters.problems(option="--")))
        if options["format"] == "json" and options["campaigns"]:
            raise CommandError("--campaigns is for csv, xlsx and docx: the JSON has one record per comment.")
        if options["format"] == "json":
            records = matrix_records(self.actor, draft, filters.cleaned_data)
            self.write_output(json.dumps(records, ensure_ascii=False, indent=2) + "\n", options["output"])
            self.stderr.write(f"{len(records)} comments from {draft.title} of {document.slug}.")
            return
        made = comment_matrix(self.actor, draft, filters.cleaned_data, campaigns=options["campaigns"])
        content: str | bytes
        if options["format"] == "csv":
            content = matrix.matrix_csv(made.rows)
        elif options["format"] == "xlsx":
            content = matrix.matrix_xlsx(made.rows, title=made.heading)
        else:
            content = matrix.matrix_docx(made.rows, title=made.heading, furniture=made.furniture)
        self.write_output(content, options["output"])
        self.stderr.write(f"{len(made.rows)} comments from {draft.title} of {document.slug}. {made.heading.scope}")

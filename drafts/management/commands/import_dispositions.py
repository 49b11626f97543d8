"""``import_dispositions SLUG DRAFT FILE``: the editors' decisions from a filled comment matrix, all or nothing."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError

from drafts import services
from drafts.interchange import comment_sheets
from drafts.management.base import ActingCommand
from drafts.management.commands.import_comments import read_sheet_file, refused


class Command(ActingCommand):
    help = (
        "Record the decisions of a comment matrix exported with export_comments (--format xlsx or csv) whose "
        "Disposition and Response were filled in, as --user (an editor), all or nothing. A row whose comment "
        "changed since the export (its Stamp) is refused. Prints one line per changed comment; rows left as "
        "they were are counted on stderr. The decisions are drafted: publish them from the comment table."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("slug", help="the document's slug")
        parser.add_argument("draft", help="the draft number")
        parser.add_argument("file", help="the filled matrix, .xlsx or .csv")
        parser.add_argument("--dry-run", action="store_true", help="check the file and print what would change")

    def handle(self, *args: Any, **options: Any) -> None:
        document = self.document(options["slug"])
        draft = self.draft(document, options["draft"])
        path = Path(options["file"])
        lines = read_sheet_file(self, path, comment_sheets.read_decision_sheet)
        try:
            report = services.decisions_import(draft=draft, user=self.actor, lines=lines, dry_run=options["dry_run"])
        except ValidationError as exc:
            raise refused(self, exc.messages, f"{path}: nothing was saved") from exc
        for change in report.changes:
            response = "response changed" if change.response_changed else "response unchanged"
            self.stdout.write(f"{change.reference}\t{change.old_disposition} -> {change.new_disposition}\t{response}")
        verb = "Would save" if options["dry_run"] else "Saved"
        self.stderr.write(f"{verb} {len(report.changes)} decisions on {draft.title} of {document.slug}; "
                          f"{len(report.unchanged)} rows unchanged.")

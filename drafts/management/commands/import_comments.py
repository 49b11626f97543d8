"""``import_comments SLUG DRAFT FILE``: a delegation's filled comment template, stored all or nothing."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import CommandError

from drafts import access, services
from drafts.interchange import comment_sheets
from drafts.management.base import ActingCommand


def read_sheet_file(command: ActingCommand, path: Path, read) -> list:
    """The rows of a spreadsheet file (``read`` parses them), or a :class:`CommandError` with every problem
    written to stderr, one per line."""
    if path.suffix.lower() not in comment_sheets.SUFFIXES:
        raise CommandError(f"{path}: only Excel (.xlsx) and CSV (.csv) files can be imported.")
    if not path.is_file():
        raise CommandError(f"{path}: no such file.")
    if path.stat().st_size > comment_sheets.MAX_FILE_BYTES:
        raise CommandError(f"{path}: larger than {comment_sheets.MAX_FILE_BYTES // (1024 * 1024)} MB.")
    try:
        return read(path.name, path.read_bytes())
    except comment_sheets.SheetError as exc:
        raise refused(command, exc.problems, f"{path}: nothing was stored") from exc


def refused(command: ActingCommand, problems: list[str], summary: str) -> CommandError:
    """Every problem on its own stderr line; the error says how many (the exit status is non-zero)."""
    for problem in problems:
        command.stderr.write(problem)
    return CommandError(f"{summary} ({len(problems)} {'problem' if len(problems) == 1 else 'problems'}).")


class Command(ActingCommand):
    help = (
        "Store the comments of a filled comment template (.xlsx or .csv with the columns Section, Paragraph, "
        "Type, Comment, Proposed change) on a draft, as --user, all or nothing. Prints each stored comment's "
        "ID and where it points; with --dry-run, what would be stored."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("slug", help="the document's slug")
        parser.add_argument("draft", help="the draft number")
        parser.add_argument("file", help="the filled template, .xlsx or .csv")
        parser.add_argument("--dry-run", action="store_true", help="check the file and print what would be stored")

    def handle(self, *args: Any, **options: Any) -> None:
        if access.is_system(self.actor):
            raise CommandError("Comments are a person's: give --user USERNAME, the account they are posted as.")
        document = self.document(options["slug"])
        draft = self.draft(document, options["draft"])
        path = Path(options["file"])
        lines = read_sheet_file(self, path, comment_sheets.read_comment_sheet)
        try:
            upload = services.comments_upload(
                draft=draft, user=self.actor, lines=lines, filename=path.name, dry_run=options["dry_run"]
            )
        except services.CommentRefused as exc:
            raise CommandError(f"{exc} Nothing was stored.") from exc
        except ValidationError as exc:
            raise refused(self, exc.messages, f"{path}: nothing was stored") from exc
        for comment in upload.comments:
            self.stdout.write(f"{comment.reference}\t{comment.where}\t{comment.kind}")
        verb = "Would store" if options["dry_run"] else "Stored"
        self.stderr.write(f"{verb} {len(upload.comments)} comments on {draft.title} of {document.slug} "
                          f"as {self.actor.get_username()}.")

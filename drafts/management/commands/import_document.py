"""``import_document FILE``: a new document from Markdown, or with ``--update`` a revision of one."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify

from drafts import interchange, services

MAX_FILE_BYTES = 20 * 1024 * 1024


class Command(BaseCommand):
    help = (
        "Import a document from a Markdown file (# Title, ## sections, ### subsections, optional {#key}). "
        "With --update, revise an existing document: only changed sections get a new version."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", help="a .md file")
        parser.add_argument("--slug", help="the document's slug (default: from the file name)")
        parser.add_argument("--title", help="the document's title (default: the file's '# Title')")
        parser.add_argument("--update", action="store_true", help="revise the existing document with this slug")
        parser.add_argument("--message", default="", help="the message recorded with every new version")
        parser.add_argument("--user", help="user name recorded as the author of the versions")
        parser.add_argument("--dry-run", action="store_true", help="print what would change and write nothing")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        if path.suffix.lower() not in {".md", ".markdown"}:
            raise CommandError(f"{path}: only Markdown (.md) files can be imported for now.")
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as exc:
            raise CommandError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}).") from exc
        try:
            parsed = interchange.parse_markdown(text)
        except interchange.ImportError_ as exc:
            raise CommandError(f"{path}: {exc}") from exc
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"No user named {options['user']!r}.")
        slug = options["slug"] or slugify(path.stem)
        try:
            report = services.document_import(
                parsed=parsed, slug=slug, user=user, title=options["title"] or "", update=options["update"],
                message=options["message"], dry_run=options["dry_run"])
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        verb = "Would change" if options["dry_run"] else ("Created" if report.created_document else "Updated")
        self.stderr.write(f"{verb} {slug}: {report.summary()}.")
        if options["dry_run"]:
            for name in ("added", "modified", "moved", "removed", "restored"):
                for key in getattr(report, name):
                    self.stdout.write(f"{name}\t{key}")

"""``import_document FILE``: a new document from Markdown or Word, or with ``--update`` a revision of one."""

from __future__ import annotations

from argparse import ArgumentParser
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from django.core.management.base import CommandError, OutputWrapper
from django.db.models.signals import post_save
from django.utils.text import slugify

from drafts import interchange, services
from drafts.management.base import ActingCommand
from drafts.models import Section

MAX_FILE_BYTES = 20 * 1024 * 1024
# Below this many sections an import takes well under a second; a bar would only flicker.
PROGRESS_MIN_SECTIONS = 50


class Command(ActingCommand):
    help = (
        "Import a document from a Markdown file (# Title, ## sections, ### subsections, optional {#key}) "
        "or a Word .docx file (Heading 1 title, Heading 2 sections, Heading 3 subsections; a key may be typed "
        "at the end of a heading as {#key}). With --update, revise an existing document: only changed "
        "sections get a new version."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("file", help="a .md or .docx file")
        parser.add_argument("--slug", help="the document's slug (default: from the file name)")
        parser.add_argument(
            "--title",
            help="the document's title (default: the file's '# Title' or Heading 1; "
            "for a .docx without Heading 1, the file name)",
        )
        parser.add_argument("--update", action="store_true", help="revise the existing document with this slug")
        parser.add_argument("--message", default="", help="the message recorded with every new version")
        parser.add_argument("--dry-run", action="store_true", help="print what would change and write nothing")

    def handle(self, *args, **options) -> None:
        path = Path(options["file"])
        suffix = path.suffix.lower()
        if suffix not in interchange.MARKDOWN_SUFFIXES | interchange.WORD_SUFFIXES:
            raise CommandError(f"{path}: only Markdown (.md) and Word (.docx) files can be imported.")
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise CommandError(f"{path}: larger than {MAX_FILE_BYTES // (1024 * 1024)} MB.")
        if suffix in interchange.WORD_SUFFIXES:
            self.stderr.write(f"Converting {path.name} with pandoc…")
        try:
            _text, parsed = interchange.read_document(
                path.name, path.read_bytes(), default_title=options["title"] or _title_from_name(path))
        except interchange.ImportError_ as exc:
            message = str(exc)
            raise CommandError(message if message.startswith(path.name) else f"{path}: {message}") from exc
        slug = options["slug"] or slugify(path.stem)
        show_progress = not options["dry_run"] and len(parsed.sections) >= PROGRESS_MIN_SECTIONS
        progress = ProgressBar(self.stderr, total=len(parsed.sections), label="Importing") if show_progress else None
        try:
            with _advancing_on_save(progress):
                report = services.document_import(
                    parsed=parsed,
                    slug=slug,
                    user=self.actor,
                    title=options["title"] or "",
                    update=options["update"],
                    message=options["message"],
                    dry_run=options["dry_run"],
                )
        finally:
            if progress is not None:
                progress.close()
        verb = "Would change" if options["dry_run"] else ("Created" if report.created_document else "Updated")
        self.stderr.write(f"{verb} {slug}: {report.summary()}.")
        if options["dry_run"]:
            for name in ("added", "modified", "moved", "removed", "restored"):
                for key in getattr(report, name):
                    self.stdout.write(f"{name}\t{key}")


def _title_from_name(path: Path) -> str:
    """A title made from a file name, for a Word file without one: "principles_v2.docx" gives "Principles v2"."""
    words = path.stem.replace("_", " ").replace("-", " ").split()
    title = " ".join(words)
    return title[:1].upper() + title[1:] if title else "Untitled"


class ProgressBar:
    """A one-line text progress bar on stderr (never stdout: stdout is for the command's output)."""

    width = 30

    def __init__(self, stream: OutputWrapper | TextIO, *, total: int, label: str) -> None:
        self.stream = stream
        self.total = max(total, 1)
        self.label = label
        self.done = 0
        self._drawn = -1

    def advance(self, steps: int = 1) -> None:
        self.done = min(self.done + steps, self.total)
        filled = self.done * self.width // self.total
        # Redraw only when the bar grows (at most `width` writes however many sections there are), and
        # only on a terminal: in a log file the finished bar, written by close(), is all that helps.
        if filled != self._drawn and self.stream.isatty():
            self._drawn = filled
            self._draw(filled)

    def close(self) -> None:
        """Finish the line; sections left unchanged by an update are never saved, so fill the bar."""
        self.done = self.total
        self._draw(self.width)
        self._write("\n")

    def _draw(self, filled: int) -> None:
        bar = "#" * filled + "." * (self.width - filled)
        self._write(f"\r{self.label} [{bar}] {self.done}/{self.total} sections")

    def _write(self, text: str) -> None:
        if isinstance(self.stream, OutputWrapper):
            # The identity style: Django colours stderr as an error on a terminal.
            self.stream.write(text, style_func=lambda s: s, ending="")
        else:
            self.stream.write(text)
        self.stream.flush()


@contextmanager
def _advancing_on_save(progress: ProgressBar | None) -> Iterator[None]:
    """Advance ``progress`` on every section save while the block runs.

    The import service saves each new or changed section exactly once; listening to ``post_save``
    shows its progress without the service knowing about terminals.
    """
    if progress is None:
        yield
        return
    uid = f"import-progress-{id(progress)}"

    def saved(**kwargs) -> None:
        progress.advance()

    post_save.connect(saved, sender=Section, weak=False, dispatch_uid=uid)
    try:
        yield
    finally:
        post_save.disconnect(sender=Section, dispatch_uid=uid)

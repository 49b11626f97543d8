"""``export_draft SLUG DRAFT --format md|html|docx [-o FILE]``: a frozen draft as Markdown, HTML or Word.

An admin tool: it applies no per-user visibility. The conversions live in ``drafts.interchange`` and
take plain data, so a web view can call them with the sections its visibility selector allowed.
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from drafts import interchange, selectors
from drafts.models import Document, Draft


class Command(BaseCommand):
    help = (
        "Export a frozen draft as Markdown (re-importable: every heading carries its {#key}), "
        "a standalone printable HTML page, or a Word document. Without -o the output goes to stdout."
    )

    def add_arguments(self, parser) -> None:
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

    def handle(self, *args, **options) -> None:
        document = Document.objects.filter(slug=options["slug"]).first()
        if document is None:
            raise CommandError(f"No document with the slug {options['slug']!r}.")
        try:
            number = int(options["draft"])
        except ValueError:
            raise CommandError(f"DRAFT must be a draft number (1, 2, ...), not {options['draft']!r}.") from None
        draft = Draft.objects.filter(document=document, number=number).first()
        if draft is None:
            existing = list(document.drafts.order_by("number").values_list("number", flat=True))
            known = f"its drafts are {', '.join(map(str, existing))}" if existing else "it has no drafts yet"
            raise CommandError(f"{document.slug} has no Draft {number}; {known}.")
        fmt = options["format"]
        if fmt == "docx" and not options["output"] and self.stdout.isatty():
            raise CommandError("A .docx is binary: give -o FILE or redirect stdout to a file.")
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
        if options["output"]:
            _write_file(Path(options["output"]), content)
            where = options["output"]
        else:
            self._write_stdout(content)
            where = "stdout"
        self.stderr.write(f"Exported {document.slug} {draft.title} ({len(sections)} sections) as {fmt} to {where}.")

    def _write_stdout(self, content: str | bytes) -> None:
        if isinstance(content, str):
            self.stdout.write(content, ending="")
            self.stdout.flush()
            return
        buffer = getattr(self.stdout, "buffer", None)  # OutputWrapper passes attributes through
        if buffer is None:
            raise CommandError("stdout takes no bytes here; give -o FILE for a .docx.")
        self.stdout.flush()  # whatever text went before must not land after the bytes
        buffer.write(content)
        buffer.flush()


def _write_file(path: Path, content: str | bytes) -> None:
    data = content.encode("utf-8") if isinstance(content, str) else content
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise CommandError(f"{path}: cannot write ({exc.strerror or exc}).") from exc

"""``compare_drafts SLUG FROM TO``: what changed between two drafts (or a draft and the working copy)."""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string
from django.utils import timezone

from drafts import comparing, interchange, selectors
from drafts.models import Document

FORMATS = ("text", "json", "html", "docx")


class Command(BaseCommand):
    help = "Compare two drafts of a document. FROM and TO are draft numbers or 'working'."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="the document's slug")
        parser.add_argument("from_ref", metavar="FROM", help="a draft number, or 'working'")
        parser.add_argument("to_ref", metavar="TO", help="a draft number, or 'working'")
        parser.add_argument("--format", choices=FORMATS, default="text")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")
        parser.add_argument("--author", default="Drafting tracker", help="docx: the author of the tracked changes")

    def handle(self, *args, **options) -> None:
        document = Document.objects.filter(slug=options["slug"]).first()
        if document is None:
            raise CommandError(f"No document with the slug {options['slug']!r}.")
        sides = []
        for ref in (options["from_ref"], options["to_ref"]):
            side = selectors.compare_side(None, document, ref)
            if side is None:
                numbers = ", ".join(str(n) for n in document.drafts.values_list("number", flat=True)) or "none"
                raise CommandError(f"{document.slug} has no draft {ref!r} (its drafts: {numbers}; or 'working').")
            sides.append(side)
        view = comparing.compare(*sides, changed_only=options["format"] not in ("json", "docx"))
        if options["format"] == "docx":
            if not options["output"] and sys.stdout.isatty():
                raise CommandError("A .docx is binary: give -o FILE or redirect stdout to a file.")
            data = interchange.comparison_docx(view, author=options["author"], date=timezone.now())
            if options["output"]:
                with open(options["output"], "wb") as out:
                    out.write(data)
            else:
                sys.stdout.buffer.write(data)
                sys.stdout.flush()
            self.stderr.write(f"{view.old.label} -> {view.new.label}: Word document with tracked changes.")
            return
        if options["format"] == "json":
            output = json.dumps(view.as_json(), ensure_ascii=False, indent=2) + "\n"
        elif options["format"] == "html":
            output = render_to_string("drafts/compare_export.html", {"view": view})
        else:
            output = comparing.as_text(view)
        if options["output"]:
            with open(options["output"], "w", encoding="utf-8") as out:
                out.write(output)
        else:
            sys.stdout.write(output)
            sys.stdout.flush()
        summary = view.comparison.summary
        self.stderr.write(f"{view.old.label} -> {view.new.label}: {view.changed_count} sections changed, "
                          f"+{summary['words_inserted']} -{summary['words_deleted']} words.")

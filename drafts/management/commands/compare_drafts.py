"""``compare_drafts SLUG FROM TO``: what changed between two drafts (or a draft and the working copy)."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.template.loader import render_to_string

from drafts import interchange, selectors
from drafts.management.base import ActingCommand
from drafts.presenting import comparison

FORMATS = ("text", "json", "html", "docx", "pdf")


class Command(ActingCommand):
    help = "Compare two drafts of a document. FROM and TO are draft numbers or 'working'."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("slug", help="the document's slug")
        parser.add_argument("from_ref", metavar="FROM", help="a draft number, or 'working'")
        parser.add_argument("to_ref", metavar="TO", help="a draft number, or 'working'")
        parser.add_argument("--format", choices=FORMATS, default="text")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")
        parser.add_argument(
            "--author",
            default="Drafting tracker",
            help="docx: the author of tracked changes that no saved version names (each section's changes "
            "are by the author of its last version between the two drafts)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        document = self.document(options["slug"])
        sides = []
        for ref in (options["from_ref"], options["to_ref"]):
            side = selectors.compare_side(self.actor, document, ref)
            if side is None:
                visible = selectors.drafts_visible_to(self.actor, document)
                numbers = ", ".join(str(n) for n in visible.values_list("number", flat=True)) or "none"
                raise CommandError(f"{document.slug} has no draft {ref!r} (its drafts: {numbers}; or 'working').")
            sides.append(side)
        view = comparison.compare(
            *sides,
            changed_only=options["format"] not in ("json", "docx", "pdf"),
            reasons=selectors.change_reasons(self.actor, *sides),
        )
        if options["format"] == "docx":
            self.refuse_binary_to_terminal(options["output"])
            data = interchange.comparison_docx(
                view,
                author=options["author"],
                date=comparison.word_changes_date(view),
                title_block=comparison.word_title_block(view),
                furniture=comparison.comparison_furniture(view, symbol=document.symbol),
            )
            self.write_output(data, options["output"])
            self.stderr.write(f"{view.old.label} -> {view.new.label}: Word document with tracked changes.")
            return
        if options["format"] == "pdf":
            self.refuse_binary_to_terminal(options["output"])
            page = comparison.printable_redline(view, symbol=document.symbol)
            self.write_output(interchange.html_to_pdf(page), options["output"])
            self.stderr.write(f"{view.old.label} -> {view.new.label}: PDF redline.")
            return
        if options["format"] == "json":
            output = json.dumps(view.as_json(), ensure_ascii=False, indent=2) + "\n"
        elif options["format"] == "html":
            output = render_to_string("drafts/compare_export.html", {"view": view})
        else:
            output = comparison.as_text(view)
        self.write_output(output, options["output"])
        summary = view.comparison.summary
        self.stderr.write(f"{view.old.label} -> {view.new.label}: {view.changed_count} sections changed, "
                          f"+{summary['words_inserted']} -{summary['words_deleted']} words.")

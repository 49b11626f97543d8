"""``progress SLUG [--draft N|working] [--format text|json]``: where each section stands (the working group).

Per section: status, pen-holders, brackets open, options and comments pending; the same figures as
the dashboard (``/d/SLUG/progress/``), from the same selector. JSON is one object, the contract of
DESIGN.md: ``{"document", "draft", "sections": [...], "totals": {...}}``.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError

from drafts import access, selectors
from drafts.management.base import ActingCommand


class Command(ActingCommand):
    help = (
        "Print where each section of a document stands: status, pen-holders, brackets open, options and "
        "comments pending, in the working copy (default) or a frozen draft."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("slug", help="the document's slug")
        parser.add_argument("--draft", default="working", help="a draft number, or 'working' (default)")
        parser.add_argument("--format", choices=("text", "json"), default="text")
        parser.add_argument("-o", "--output", help="file to write (default: standard output)")

    def handle(self, *args: Any, **options: Any) -> None:
        document = self.document(options["slug"])
        if not access.access_for(self.actor, document).in_working_group:
            raise CommandError(f"{self.actor.get_username()}: only the working group sees the progress of a document.")
        draft = None if options["draft"] == "working" else self.draft(document, options["draft"])
        progress = selectors.progress(self.actor, document, draft)
        if options["format"] == "json":
            content = json.dumps(progress.as_json(), ensure_ascii=False, indent=2) + "\n"
        else:
            content = _as_text(progress)
        where = self.write_output(content, options["output"])
        if where != "stdout":
            self.stderr.write(f"{len(progress.rows)} sections of {document.slug} written to {where}.")


def _as_text(progress: selectors.Progress) -> str:
    header = ("Section", "Status", "Pen-holders", "Brackets", "Options", "Pending")
    rows = [
        (
            f"{row.number} {row.heading}".strip()[:60], row.status, ", ".join(row.pen_holders) or "-",
            str(row.brackets_open), str(row.options), str(row.comments_pending),
        )
        for row in progress.rows
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]]
    totals = progress.totals
    shown = progress.draft.title if progress.draft else "working copy"
    by_status = totals["by_status"]
    assert isinstance(by_status, dict)
    lines.append("")
    lines.append(
        f"{progress.document.slug}, {shown}: {totals['sections']} sections ("
        + ", ".join(f"{status} {n}" for status, n in by_status.items())
        + f"); {totals['brackets_open']} brackets open, {totals['options']} with options, "
        f"{totals['comments_pending']} comments pending."
    )
    return "\n".join(lines) + "\n"

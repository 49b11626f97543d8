"""``freeze_draft SLUG``: freeze the working copy as the next numbered draft; prints its number."""

from __future__ import annotations

import zoneinfo
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware, now

from drafts import services
from drafts.management.base import ActingCommand
from drafts.models import Draft


class Command(ActingCommand):
    help = "Freeze a document's working copy as its next numbered draft and print the draft number."

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument("slug", help="the document's slug")
        parser.add_argument("--label", default="", help='e.g. "Zero draft"')
        parser.add_argument("--visibility", default=Draft.Visibility.WORKING_GROUP, choices=Draft.Visibility.values)
        parser.add_argument(
            "--comments-open-until",
            help="ISO 8601 date-time; comments open now until then (without an offset: the document's time zone)",
        )
        parser.add_argument(
            "--keep-previous-open",
            action="store_true",
            help="leave earlier drafts' comment windows open (by default the new draft supersedes them)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        document = self.document(options["slug"])
        closes = None
        if options["comments_open_until"]:
            closes = parse_datetime(options["comments_open_until"])
            if closes is None:
                raise CommandError(f"--comments-open-until: {options['comments_open_until']!r} is not ISO 8601.")
            if is_naive(closes):  # a time without an offset is the document's local time
                try:
                    closes = make_aware(closes, zoneinfo.ZoneInfo(document.time_zone))
                except (ValueError, zoneinfo.ZoneInfoNotFoundError) as exc:
                    raise CommandError(f"--comments-open-until: {exc}") from exc
        opens = now() if closes else None
        draft = services.draft_freeze(
            document=document,
            user=self.actor,
            label=options["label"],
            visibility=options["visibility"],
            comments_open_from=opens,
            comments_open_until=closes,
            keep_previous_open=options["keep_previous_open"],
        )
        self.stderr.write(f"Froze {document.slug} as {draft.title} ({draft.sections.count()} sections).")
        self.stdout.write(str(draft.number))

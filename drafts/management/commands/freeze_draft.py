"""``freeze_draft SLUG``: freeze the working copy as the next numbered draft; prints its number."""

from __future__ import annotations

import zoneinfo
from argparse import ArgumentParser
from datetime import datetime
from typing import Any

from django.core.management.base import CommandError
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware, now, override

from drafts import services, values
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
        zone = zoneinfo.ZoneInfo(document.time_zone)
        closes = _deadline(options["comments_open_until"], zone) if options["comments_open_until"] else None
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
        if closes is not None:
            with override(zone):
                self.stderr.write(f"Comments open until {values.when(closes)} ({values.utc_iso(closes)}).")
        self.stdout.write(str(draft.number))


def _deadline(typed: str, zone: zoneinfo.ZoneInfo) -> datetime:
    """``typed`` (ISO 8601) as an instant: with an offset as given, without one in the document's ``zone``."""
    option = "--comments-open-until"
    try:
        closes = parse_datetime(typed)
    except ValueError as exc:
        raise CommandError(f"{option}: {typed!r} is not a date and time ({exc}).") from exc
    if closes is None:
        raise CommandError(f"{option}: {typed!r} is not ISO 8601, e.g. 2026-12-31T18:00 or 2026-12-31T18:00+01:00.")
    if values.is_date_alone(typed):  # ISO parsing reads it as 00:00, the start of that day
        raise CommandError(f"{option}: {typed!r} has no time; give one, e.g. {typed.strip()}T18:00.")
    if not is_naive(closes):
        return closes
    change = values.clock_change(closes, zone)
    if change == "skipped":
        raise CommandError(f"{option}: {typed} does not exist in {zone.key} (the clocks go forward then).")
    if change == "repeated":
        raise CommandError(
            f"{option}: {typed} happens twice in {zone.key} (the clocks go back then); add the UTC offset you mean."
        )
    return make_aware(closes, zone)

"""``freeze_draft SLUG``: freeze the working copy as the next numbered draft; prints its number."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.dateparse import parse_datetime
from django.utils.timezone import get_current_timezone, is_naive, make_aware, now

from drafts import services
from drafts.models import Document, Draft


class Command(BaseCommand):
    help = "Freeze a document's working copy as its next numbered draft and print the draft number."

    def add_arguments(self, parser) -> None:
        parser.add_argument("slug", help="the document's slug")
        parser.add_argument("--label", default="", help='e.g. "Zero draft"')
        parser.add_argument("--visibility", default=Draft.Visibility.WORKING_GROUP, choices=Draft.Visibility.values)
        parser.add_argument("--comments-open-until", help="ISO 8601 date-time; comments open now until then")

    def handle(self, *args, **options) -> None:
        document = Document.objects.filter(slug=options["slug"]).first()
        if document is None:
            raise CommandError(f"No document with the slug {options['slug']!r}.")
        closes = None
        if options["comments_open_until"]:
            closes = parse_datetime(options["comments_open_until"])
            if closes is None:
                raise CommandError(f"--comments-open-until: {options['comments_open_until']!r} is not ISO 8601.")
            if is_naive(closes):
                closes = make_aware(closes, get_current_timezone())
        opens = now() if closes else None
        try:
            draft = services.draft_freeze(
                document=document,
                user=None,
                label=options["label"],
                visibility=options["visibility"],
                comments_open_from=opens,
                comments_open_until=closes,
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stderr.write(f"Froze {document.slug} as {draft.title} ({draft.sections.count()} sections).")
        self.stdout.write(str(draft.number))

"""``search_reindex [SLUG]``: rebuild the search index of one document, or of all.

The index follows every write by itself (drafts.services.search); this is for after an upgrade that
added it, a restore from a backup taken without it, or a change of a document's language (its stemming).
It rewrites derived data only, so it needs no ``--user``.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from drafts import services
from drafts.models import Document


class Command(BaseCommand):
    help = "Rebuild the search index of one document (by slug) or of every document."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("slug", nargs="?", help="the document's slug (default: every document)")

    def handle(self, *args: Any, **options: Any) -> None:
        document = None
        if options["slug"]:
            document = Document.objects.filter(slug__iexact=options["slug"]).first()
            if document is None:
                raise CommandError(f"No document {options['slug']!r}.")
        written = services.search_reindex(document)
        self.stderr.write(f"Indexed {written} texts{f' of {document.slug}' if document else ''}.")

"""``flush``, as Django's, but able to empty a SQLite database that holds frozen drafts.

The frozen-draft triggers refuse to delete a draft or its sections, and SQLite flushes with one
DELETE per table (PostgreSQL with a TRUNCATE, which they do not see). Emptying the whole database is
a deliberate act, and the test runner does it after every transactional test, so the triggers are
lifted around it and put back after (``drafts.triggers.lifted``).
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import flush
from django.db import connections

from drafts import triggers


class Command(flush.Command):
    def handle(self, **options: Any) -> None:
        with triggers.lifted(connections[options["database"]]):
            super().handle(**options)

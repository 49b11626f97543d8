"""Database triggers that make frozen drafts immutable even to raw SQL.

SQLite drops a table's triggers whenever a migration rebuilds the table (which it does for most
column changes), so they are (re)installed after every ``migrate`` by a post_migrate handler, not
only by the migration that first created them. Installing is idempotent.
"""

from __future__ import annotations

SQLITE = [
    "DROP TRIGGER IF EXISTS drafts_draftsection_frozen",
    """CREATE TRIGGER drafts_draftsection_frozen BEFORE UPDATE ON drafts_draftsection
       BEGIN SELECT RAISE(ABORT, 'frozen draft sections never change'); END""",
    "DROP TRIGGER IF EXISTS drafts_draft_frozen",
    """CREATE TRIGGER drafts_draft_frozen BEFORE UPDATE ON drafts_draft
       WHEN NEW.number IS NOT OLD.number OR NEW.document_id IS NOT OLD.document_id
         OR NEW.frozen_at IS NOT OLD.frozen_at OR NEW.frozen_by_id IS NOT OLD.frozen_by_id
       BEGIN SELECT RAISE(ABORT, 'a frozen draft keeps its document, number and freeze time'); END""",
]

POSTGRESQL = [
    """CREATE OR REPLACE FUNCTION drafts_refuse_frozen_section_change() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'frozen draft sections never change'; END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS drafts_draftsection_frozen ON drafts_draftsection",
    """CREATE TRIGGER drafts_draftsection_frozen BEFORE UPDATE ON drafts_draftsection
       FOR EACH ROW EXECUTE FUNCTION drafts_refuse_frozen_section_change()""",
    """CREATE OR REPLACE FUNCTION drafts_refuse_frozen_draft_change() RETURNS trigger AS $$
       BEGIN
         IF NEW.number IS DISTINCT FROM OLD.number OR NEW.document_id IS DISTINCT FROM OLD.document_id
            OR NEW.frozen_at IS DISTINCT FROM OLD.frozen_at OR NEW.frozen_by_id IS DISTINCT FROM OLD.frozen_by_id THEN
           RAISE EXCEPTION 'a frozen draft keeps its document, number and freeze time';
         END IF;
         RETURN NEW;
       END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS drafts_draft_frozen ON drafts_draft",
    """CREATE TRIGGER drafts_draft_frozen BEFORE UPDATE ON drafts_draft
       FOR EACH ROW EXECUTE FUNCTION drafts_refuse_frozen_draft_change()""",
]


def install(connection) -> None:
    """Create (or re-create) the triggers on this connection's database, if its vendor has them."""
    statements = {"sqlite": SQLITE, "postgresql": POSTGRESQL}.get(connection.vendor, [])
    tables = set(connection.introspection.table_names())
    if not statements or not {"drafts_draft", "drafts_draftsection"} <= tables:
        return
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install_after_migrate(sender, using: str = "default", **kwargs) -> None:
    from django.db import connections

    install(connections[using])


UNINSTALL = {
    "sqlite": ["DROP TRIGGER IF EXISTS drafts_draftsection_frozen", "DROP TRIGGER IF EXISTS drafts_draft_frozen"],
    "postgresql": [
        "DROP TRIGGER IF EXISTS drafts_draft_frozen ON drafts_draft",
        "DROP FUNCTION IF EXISTS drafts_refuse_frozen_draft_change()",
        "DROP TRIGGER IF EXISTS drafts_draftsection_frozen ON drafts_draftsection",
        "DROP FUNCTION IF EXISTS drafts_refuse_frozen_section_change()",
    ],
}


def uninstall(connection) -> None:
    """Drop the triggers (the migration's way back)."""
    with connection.cursor() as cursor:
        for statement in UNINSTALL.get(connection.vendor, []):
            cursor.execute(statement)

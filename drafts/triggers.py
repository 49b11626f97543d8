"""Database triggers that make frozen drafts immutable even to raw SQL.

SQLite drops a table's triggers whenever a migration rebuilds the table (which it does for most
column changes), so they are (re)installed after every ``migrate`` by a post_migrate handler, not
only by the migration that first created them. Installing is idempotent.
"""

from __future__ import annotations


def _frozen_columns(connection) -> list[str]:
    """The frozen columns of ``drafts_draft`` as the table has them now.

    The list comes from the model (one source), filtered by the table: an older migration
    installs the triggers before later columns exist.
    """
    from drafts.models import Draft

    with connection.cursor() as cursor:
        present = {c.name for c in connection.introspection.get_table_description(cursor, "drafts_draft")}
    return [column for column in Draft.frozen_columns() if column in present]


def _statements(connection) -> list[str]:
    vendor = connection.vendor
    columns = _frozen_columns(connection)
    if vendor == "sqlite":
        changed = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in columns)
        return [
            "DROP TRIGGER IF EXISTS drafts_draftsection_frozen",
            """CREATE TRIGGER drafts_draftsection_frozen BEFORE UPDATE ON drafts_draftsection
               BEGIN SELECT RAISE(ABORT, 'frozen draft sections never change'); END""",
            "DROP TRIGGER IF EXISTS drafts_draft_frozen",
            f"""CREATE TRIGGER drafts_draft_frozen BEFORE UPDATE ON drafts_draft WHEN {changed}
               BEGIN SELECT RAISE(ABORT, 'a frozen draft keeps its document, number and freeze time'); END""",
        ]
    if vendor == "postgresql":
        changed = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns)
        return [
            """CREATE OR REPLACE FUNCTION drafts_refuse_frozen_section_change() RETURNS trigger AS $$
               BEGIN RAISE EXCEPTION 'frozen draft sections never change'; END $$ LANGUAGE plpgsql""",
            "DROP TRIGGER IF EXISTS drafts_draftsection_frozen ON drafts_draftsection",
            """CREATE TRIGGER drafts_draftsection_frozen BEFORE UPDATE ON drafts_draftsection
               FOR EACH ROW EXECUTE FUNCTION drafts_refuse_frozen_section_change()""",
            f"""CREATE OR REPLACE FUNCTION drafts_refuse_frozen_draft_change() RETURNS trigger AS $$
               BEGIN
                 IF {changed} THEN
                   RAISE EXCEPTION 'a frozen draft keeps its document, number and freeze time';
                 END IF;
                 RETURN NEW;
               END $$ LANGUAGE plpgsql""",
            "DROP TRIGGER IF EXISTS drafts_draft_frozen ON drafts_draft",
            """CREATE TRIGGER drafts_draft_frozen BEFORE UPDATE ON drafts_draft
               FOR EACH ROW EXECUTE FUNCTION drafts_refuse_frozen_draft_change()""",
        ]
    return []


def install(connection) -> None:
    """Create (or re-create) the triggers on this connection's database, if its vendor has them."""
    tables = set(connection.introspection.table_names())
    if connection.vendor not in UNINSTALL or not {"drafts_draft", "drafts_draftsection"} <= tables:
        return
    statements = _statements(connection)
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

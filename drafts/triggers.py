"""Database triggers that make frozen drafts immutable even to raw SQL.

What they refuse, on SQLite and PostgreSQL alike:

- any UPDATE of a draft section snapshot;
- an UPDATE of a draft's frozen columns (``Draft.frozen_columns()``: everything but its editable
  settings), including unsealing it: ``sealed`` may only go from false to true;
- an INSERT or DELETE of a snapshot of a sealed draft (the freeze inserts them before it seals);
- a DELETE of a draft.

SQLite drops a table's triggers whenever a migration rebuilds the table (which it does for most
column changes), so they are (re)installed after every ``migrate`` by a post_migrate handler, not
only by the migration that first created them. Installing is idempotent.

SQLite also refuses to rebuild a table that another table's trigger reads (the snapshot triggers
read ``drafts_draft``), and its ``flush`` is a DELETE per table, which the triggers rightly refuse.
So on SQLite the triggers are lifted for a migrate that has migrations to run (see
:func:`uninstall_before_migrate`) and around a flush (:func:`lifted`, used by the ``flush`` command),
and put back after. PostgreSQL keeps them throughout: it neither rebuilds tables nor deletes to flush
(a TRUNCATE fires no row trigger).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

DRAFTS, SNAPSHOTS = "drafts_draft", "drafts_draftsection"


def _frozen_columns(connection) -> tuple[list[str], str | None]:
    """The frozen columns of ``drafts_draft`` as the table has them now, and its seal column if it has one.

    The list comes from the model (one source), filtered by the table: an older migration
    installs the triggers before later columns exist (``sealed`` among them).
    """
    from drafts.models import Draft

    with connection.cursor() as cursor:
        present = {c.name for c in connection.introspection.get_table_description(cursor, DRAFTS)}
    seal = Draft._meta.get_field("sealed").column
    columns = [column for column in Draft.frozen_columns() if column in present and column != seal]
    return columns, (seal if seal in present else None)


def _statements(connection) -> list[str]:
    vendor = connection.vendor
    columns, seal = _frozen_columns(connection)
    if vendor == "sqlite":
        changed = " OR ".join(
            [f"NEW.{c} IS NOT OLD.{c}" for c in columns] + ([f"(OLD.{seal} AND NOT NEW.{seal})"] if seal else [])
        )
        statements = [
            "DROP TRIGGER IF EXISTS drafts_draftsection_frozen",
            f"""CREATE TRIGGER drafts_draftsection_frozen BEFORE UPDATE ON {SNAPSHOTS}
               BEGIN SELECT RAISE(ABORT, 'frozen draft sections never change'); END""",
            "DROP TRIGGER IF EXISTS drafts_draft_frozen",
            f"""CREATE TRIGGER drafts_draft_frozen BEFORE UPDATE ON {DRAFTS} WHEN {changed}
               BEGIN
                 SELECT RAISE(ABORT, 'a frozen draft keeps its document, number and freeze time, and stays sealed');
               END""",
            "DROP TRIGGER IF EXISTS drafts_draftsection_sealed_insert",
            "DROP TRIGGER IF EXISTS drafts_draftsection_sealed_delete",
            "DROP TRIGGER IF EXISTS drafts_draft_never_deleted",
            f"""CREATE TRIGGER drafts_draft_never_deleted BEFORE DELETE ON {DRAFTS}
               BEGIN SELECT RAISE(ABORT, 'a frozen draft is never deleted'); END""",
        ]
        if seal:
            # The names put into the SQL are the model's table and column names, never input.
            statements += [
                f"""CREATE TRIGGER drafts_draftsection_sealed_{event.lower()} BEFORE {event} ON {SNAPSHOTS}
                   WHEN (SELECT {seal} FROM {DRAFTS} WHERE id = {row}.draft_id)
                   BEGIN SELECT RAISE(ABORT, 'a sealed draft keeps exactly the sections it recorded'); END"""  # noqa: S608
                for event, row in (("INSERT", "NEW"), ("DELETE", "OLD"))
            ]
        return statements
    if vendor == "postgresql":
        changed = " OR ".join(
            [f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in columns]
            + ([f"(OLD.{seal} AND NOT NEW.{seal})"] if seal else [])
        )
        statements = [
            """CREATE OR REPLACE FUNCTION drafts_refuse_frozen_section_change() RETURNS trigger AS $$
               BEGIN RAISE EXCEPTION 'frozen draft sections never change'; END $$ LANGUAGE plpgsql""",
            f"DROP TRIGGER IF EXISTS drafts_draftsection_frozen ON {SNAPSHOTS}",
            f"""CREATE TRIGGER drafts_draftsection_frozen BEFORE UPDATE ON {SNAPSHOTS}
               FOR EACH ROW EXECUTE FUNCTION drafts_refuse_frozen_section_change()""",
            f"""CREATE OR REPLACE FUNCTION drafts_refuse_frozen_draft_change() RETURNS trigger AS $$
               BEGIN
                 IF TG_OP = 'DELETE' THEN
                   RAISE EXCEPTION 'a frozen draft is never deleted';
                 END IF;
                 IF {changed} THEN
                   RAISE EXCEPTION 'a frozen draft keeps its document, number and freeze time, and stays sealed';
                 END IF;
                 RETURN NEW;
               END $$ LANGUAGE plpgsql""",
            f"DROP TRIGGER IF EXISTS drafts_draft_frozen ON {DRAFTS}",
            f"""CREATE TRIGGER drafts_draft_frozen BEFORE UPDATE OR DELETE ON {DRAFTS}
               FOR EACH ROW EXECUTE FUNCTION drafts_refuse_frozen_draft_change()""",
            f"DROP TRIGGER IF EXISTS drafts_draftsection_sealed ON {SNAPSHOTS}",
            "DROP FUNCTION IF EXISTS drafts_refuse_sealed_snapshot_change()",
        ]
        if seal:
            statements += [
                # FOR SHARE: an insert racing a freeze that is sealing this draft waits for it, then
                # reads the draft sealed; a freeze cannot seal under an insert that got there first.
                f"""CREATE FUNCTION drafts_refuse_sealed_snapshot_change() RETURNS trigger AS $$
                   DECLARE
                     snapshot_draft bigint;
                     is_sealed boolean;
                   BEGIN
                     IF TG_OP = 'DELETE' THEN
                       snapshot_draft := OLD.draft_id;
                     ELSE
                       snapshot_draft := NEW.draft_id;
                     END IF;
                     SELECT {seal} INTO is_sealed FROM {DRAFTS} WHERE id = snapshot_draft FOR SHARE;
                     IF is_sealed THEN
                       RAISE EXCEPTION 'a sealed draft keeps exactly the sections it recorded';
                     END IF;
                     IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                     RETURN NEW;
                   END $$ LANGUAGE plpgsql""",  # noqa: S608 - the model's table and column names, never input
                f"""CREATE TRIGGER drafts_draftsection_sealed BEFORE INSERT OR DELETE ON {SNAPSHOTS}
                   FOR EACH ROW EXECUTE FUNCTION drafts_refuse_sealed_snapshot_change()""",
            ]
        return statements
    return []


def install(connection) -> None:
    """Create (or re-create) the triggers on this connection's database, if its vendor has them."""
    tables = set(connection.introspection.table_names())
    if connection.vendor not in UNINSTALL or not {DRAFTS, SNAPSHOTS} <= tables:
        return
    statements = _statements(connection)
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install_after_migrate(sender, using: str = "default", **kwargs) -> None:
    from django.db import connections

    install(connections[using])


def uninstall_before_migrate(sender, app_config=None, using: str = "default", plan=None, **kwargs) -> None:
    """On SQLite, lift the triggers before a migrate that runs migrations (post_migrate puts them back).

    A migration may rebuild ``drafts_draft``, and SQLite refuses to rename the rebuilt table into
    place while a trigger on ``drafts_draftsection`` reads it.
    """
    from django.db import connections

    connection = connections[using]
    if plan and connection.vendor == "sqlite":
        uninstall(connection)


UNINSTALL = {
    "sqlite": [
        "DROP TRIGGER IF EXISTS drafts_draftsection_frozen",
        "DROP TRIGGER IF EXISTS drafts_draft_frozen",
        "DROP TRIGGER IF EXISTS drafts_draftsection_sealed_insert",
        "DROP TRIGGER IF EXISTS drafts_draftsection_sealed_delete",
        "DROP TRIGGER IF EXISTS drafts_draft_never_deleted",
    ],
    "postgresql": [
        f"DROP TRIGGER IF EXISTS drafts_draftsection_sealed ON {SNAPSHOTS}",
        "DROP FUNCTION IF EXISTS drafts_refuse_sealed_snapshot_change()",
        f"DROP TRIGGER IF EXISTS drafts_draft_frozen ON {DRAFTS}",
        "DROP FUNCTION IF EXISTS drafts_refuse_frozen_draft_change()",
        f"DROP TRIGGER IF EXISTS drafts_draftsection_frozen ON {SNAPSHOTS}",
        "DROP FUNCTION IF EXISTS drafts_refuse_frozen_section_change()",
    ],
}


def uninstall(connection) -> None:
    """Drop the triggers (the migration's way back)."""
    with connection.cursor() as cursor:
        for statement in UNINSTALL.get(connection.vendor, []):
            cursor.execute(statement)


@contextmanager
def lifted(connection) -> Iterator[None]:
    """On SQLite, the triggers off while the whole database is emptied (a flush), and back on after.

    Elsewhere nothing is lifted: PostgreSQL's flush is a TRUNCATE, which row triggers do not see.
    """
    if connection.vendor != "sqlite":
        yield
        return
    uninstall(connection)
    try:
        yield
    finally:
        install(connection)

"""The engine side of the search index (``SearchEntry``): what each database keeps besides the table.

- PostgreSQL: a GIN index on ``drafts_searchentry.vector`` (the ``tsvector`` the indexing service
  writes with the document language's configuration).
- SQLite: an FTS5 table over ``drafts_searchentry.body`` (external content: the text is stored once)
  with the Porter stemmer over ``unicode61`` (accents folded), kept in step by triggers on every
  insert, update and delete, however the rows are written.

SQLite drops a table's triggers when a migration rebuilds it, so :func:`install` runs after every
``migrate`` (beside ``drafts.triggers``), not only in the migration that made the index. Idempotent.
"""

# ruff: noqa: S608 - every name put into the SQL here is a constant of this module, never input
from __future__ import annotations

ENTRIES, FTS = "drafts_searchentry", "drafts_searchentry_fts"

_SQLITE = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS} USING fts5(
          body, content='{ENTRIES}', content_rowid='id', tokenize='porter unicode61 remove_diacritics 2')""",
    f"DROP TRIGGER IF EXISTS {FTS}_insert",
    f"""CREATE TRIGGER {FTS}_insert AFTER INSERT ON {ENTRIES} BEGIN
          INSERT INTO {FTS}(rowid, body) VALUES (new.id, new.body); END""",
    f"DROP TRIGGER IF EXISTS {FTS}_delete",
    f"""CREATE TRIGGER {FTS}_delete AFTER DELETE ON {ENTRIES} BEGIN
          INSERT INTO {FTS}({FTS}, rowid, body) VALUES ('delete', old.id, old.body); END""",
    f"DROP TRIGGER IF EXISTS {FTS}_update",
    f"""CREATE TRIGGER {FTS}_update AFTER UPDATE OF body ON {ENTRIES} BEGIN
          INSERT INTO {FTS}({FTS}, rowid, body) VALUES ('delete', old.id, old.body);
          INSERT INTO {FTS}(rowid, body) VALUES (new.id, new.body); END""",
]
_POSTGRESQL = [f"CREATE INDEX IF NOT EXISTS search_vector_gin ON {ENTRIES} USING gin (vector)"]

_UNINSTALL = {
    "sqlite": [f"DROP TRIGGER IF EXISTS {FTS}_{event}" for event in ("insert", "delete", "update")]
    + [f"DROP TABLE IF EXISTS {FTS}"],
    "postgresql": ["DROP INDEX IF EXISTS search_vector_gin"],
}


def install(connection) -> None:
    """Create (or re-create) the engine's index for ``drafts_searchentry``, if the table exists."""
    if ENTRIES not in connection.introspection.table_names():
        return
    statements = {"sqlite": _SQLITE, "postgresql": _POSTGRESQL}.get(connection.vendor, [])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
        if connection.vendor == "sqlite" and statements:
            # Rows written while the triggers were off (a migration rebuilt the table): index them again.
            cursor.execute(f"INSERT INTO {FTS}({FTS}) VALUES ('rebuild')")


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        for statement in _UNINSTALL.get(connection.vendor, []):
            cursor.execute(statement)


def install_after_migrate(sender, using: str = "default", **kwargs) -> None:
    from django.db import connections

    install(connections[using])

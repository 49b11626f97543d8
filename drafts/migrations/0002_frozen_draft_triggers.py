"""The database itself refuses to change a frozen draft.

The models refuse too, but a trigger also stops raw SQL, admin bulk actions and future code paths.
Only UPDATE is refused here: deletes are refused by the models and by PROTECT foreign keys, and a
DELETE trigger would break test-database flushes on SQLite.
"""

from django.db import migrations

SQLITE_FORWARD = [
    """
    CREATE TRIGGER drafts_draftsection_frozen
    BEFORE UPDATE ON drafts_draftsection
    BEGIN SELECT RAISE(ABORT, 'frozen draft sections never change'); END;
    """,
    """
    CREATE TRIGGER drafts_draft_frozen
    BEFORE UPDATE ON drafts_draft
    WHEN NEW.number IS NOT OLD.number OR NEW.document_id IS NOT OLD.document_id
      OR NEW.frozen_at IS NOT OLD.frozen_at OR NEW.frozen_by_id IS NOT OLD.frozen_by_id
    BEGIN SELECT RAISE(ABORT, 'a frozen draft keeps its document, number and freeze time'); END;
    """,
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS drafts_draftsection_frozen;",
    "DROP TRIGGER IF EXISTS drafts_draft_frozen;",
]

POSTGRES_FORWARD = [
    """
    CREATE FUNCTION drafts_refuse_frozen_section_change() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION 'frozen draft sections never change';
    END $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER drafts_draftsection_frozen BEFORE UPDATE ON drafts_draftsection
    FOR EACH ROW EXECUTE FUNCTION drafts_refuse_frozen_section_change();
    """,
    """
    CREATE FUNCTION drafts_refuse_frozen_draft_change() RETURNS trigger AS $$
    BEGIN
      IF NEW.number IS DISTINCT FROM OLD.number OR NEW.document_id IS DISTINCT FROM OLD.document_id
         OR NEW.frozen_at IS DISTINCT FROM OLD.frozen_at OR NEW.frozen_by_id IS DISTINCT FROM OLD.frozen_by_id THEN
        RAISE EXCEPTION 'a frozen draft keeps its document, number and freeze time';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql;
    """,
    """
    CREATE TRIGGER drafts_draft_frozen BEFORE UPDATE ON drafts_draft
    FOR EACH ROW EXECUTE FUNCTION drafts_refuse_frozen_draft_change();
    """,
]
POSTGRES_BACKWARD = [
    "DROP TRIGGER IF EXISTS drafts_draft_frozen ON drafts_draft;",
    "DROP FUNCTION IF EXISTS drafts_refuse_frozen_draft_change();",
    "DROP TRIGGER IF EXISTS drafts_draftsection_frozen ON drafts_draftsection;",
    "DROP FUNCTION IF EXISTS drafts_refuse_frozen_section_change();",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("drafts", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        ),
    ]

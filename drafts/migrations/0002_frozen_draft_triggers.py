"""The database itself refuses to change a frozen draft (see drafts/triggers.py for the SQL).

The models refuse too, but a trigger also stops raw SQL, admin bulk actions and future code paths.
The same install also runs after every migrate, because SQLite drops triggers on table rebuilds.
"""

from django.db import migrations


def install(apps, schema_editor):
    from drafts import triggers

    triggers.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    from drafts import triggers

    triggers.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("drafts", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall)]

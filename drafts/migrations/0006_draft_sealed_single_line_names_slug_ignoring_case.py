"""Sealed drafts, one-line names, and slugs unique whatever their case.

- ``Draft.sealed``: the drafts frozen so far have all their snapshots, so they are sealed here; a new
  draft is made unsealed and sealed by the freeze once its snapshots are in. The triggers that refuse
  adding or removing a sealed draft's snapshots are installed by the post_migrate handler
  (``drafts.triggers``), not here: on SQLite they must not be in place while a later migration in the
  same run rebuilds ``drafts_draft``.
- Titles, symbols and labels take ``validate_single_line`` (headings take it through ``validate_heading``).
- ``document_slug_unique_ignoring_case``: documents whose slugs differ only in case are named first,
  so the migration stops with a clear message rather than an integrity error.
"""

import django.db.models.functions.text
from django.db import migrations, models

import drafts.models.documents


def seal_existing_drafts(apps, schema_editor):
    apps.get_model("drafts", "Draft").objects.update(sealed=True)


def refuse_slugs_differing_only_in_case(apps, schema_editor):
    by_lower: dict[str, list[str]] = {}
    for slug in apps.get_model("drafts", "Document").objects.values_list("slug", flat=True):
        by_lower.setdefault(slug.lower(), []).append(slug)
    clashes = sorted(" / ".join(sorted(slugs)) for slugs in by_lower.values() if len(slugs) > 1)
    if clashes:
        raise RuntimeError(
            f"These documents' slugs differ only in case: {'; '.join(clashes)}. "
            "Give each a distinct slug before migrating."
        )


class Migration(migrations.Migration):

    dependencies = [
        ("drafts", "0005_invitations_and_submissions"),
    ]

    operations = [
        migrations.AddField(
            model_name="draft",
            name="sealed",
            field=models.BooleanField(default=False, editable=False, help_text="Its sections are all recorded; none can be added.", verbose_name="sealed"),
        ),
        migrations.RunPython(seal_existing_drafts, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="document",
            name="symbol",
            field=models.CharField(blank=True, help_text="e.g. A/HRC/WG/2017/CRP.1", max_length=100, validators=[drafts.models.documents.validate_single_line], verbose_name="symbol"),
        ),
        migrations.AlterField(
            model_name="document",
            name="title",
            field=models.CharField(max_length=300, validators=[drafts.models.documents.validate_single_line], verbose_name="title"),
        ),
        migrations.AlterField(
            model_name="draft",
            name="label",
            field=models.CharField(blank=True, help_text="e.g. Zero draft", max_length=100, validators=[drafts.models.documents.validate_single_line], verbose_name="label"),
        ),
        migrations.RunPython(refuse_slugs_differing_only_in_case, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="document",
            constraint=models.UniqueConstraint(django.db.models.functions.text.Lower("slug"), name="document_slug_unique_ignoring_case"),
        ),
    ]

"""Each comment's document, and IDs the first wave repeated given afresh. A migration of its own: on
PostgreSQL the rows written here must be committed before the tables are altered again (0009's deferred
indexes, 0011's constraint)."""

from django.db import migrations, models


def _documents_and_unique_ids(apps, schema_editor):
    """Put each comment's document on it; give a fresh ID to every comment whose ID an earlier comment of
    the same document already had (the first wave numbered IDs per draft, so MRN-001 could recur);
    and publish the decisions made so far, which stakeholders have already been reading."""
    DraftComment = apps.get_model("drafts", "DraftComment")
    Draft = apps.get_model("drafts", "Draft")
    for draft_id, document_id in Draft.objects.values_list("pk", "document_id"):
        DraftComment.objects.filter(draft_id=draft_id).update(document_id=document_id)
    for document_id in set(Draft.objects.values_list("document_id", flat=True)):
        comments = DraftComment.objects.filter(document_id=document_id).exclude(reference="").order_by("pk")
        seen: set[str] = set()
        highest: dict[str, int] = {}
        for reference in comments.values_list("reference", flat=True):
            code, _dash, number = reference.rpartition("-")
            if number.isdigit():
                highest[code] = max(highest.get(code, 0), int(number))
        for comment in comments:
            if comment.reference in seen:
                code = comment.reference.rpartition("-")[0] or comment.reference
                highest[code] = highest.get(code, 0) + 1
                comment.reference = f"{code}-{highest[code]:03d}"
                comment.save(update_fields=["reference"])
            seen.add(comment.reference)
    DraftComment.objects.exclude(disposition="pending", response="").update(
        published_disposition=models.F("disposition"),
        published_response=models.F("response"),
        published_at=models.F("decided_at"),
    )


class Migration(migrations.Migration):

    dependencies = [
        ("drafts", "0009_consultation_round"),
    ]

    operations = [
        migrations.RunPython(_documents_and_unique_ids, migrations.RunPython.noop),
    ]

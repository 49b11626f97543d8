"""Comment IDs unique per document, held by the database once 0010 has given every comment its
document and renumbered the IDs the first wave repeated."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("drafts", "0010_comment_documents_and_ids"),
    ]

    operations = [
        migrations.AlterField(
            model_name='draftcomment',
            name='document',
            field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='drafts.document'),
        ),
        migrations.AddConstraint(
            model_name='draftcomment',
            constraint=models.UniqueConstraint(condition=models.Q(('reference', ''), _negated=True), fields=('document', 'reference'), name='comment_reference_unique_per_document'),
        ),
        migrations.AddConstraint(
            model_name='draftcomment',
            constraint=models.CheckConstraint(condition=models.Q(('published_disposition__in', ['pending', 'accepted', 'accepted_modified', 'rejected', 'noted'])), name='comment_published_disposition_known'),
        ),
    ]

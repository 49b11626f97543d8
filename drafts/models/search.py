"""The search index: one row per searchable text (a section as frozen in a draft, a section of the
working copy, a comment, an editor's response), kept beside what it indexes.

Who may see a row is never stored here: the search selector asks ``drafts.access`` and the comment
selectors for every row it finds, so the index can hold everything and still show each person only
what they may read. The text is what a reader sees (``rendering.paragraph_texts``), the heading
first, then one paragraph per block, separated by blank lines, so a match can be cited as "7.3 ¶2".

PostgreSQL keeps a ``tsvector`` of the text in ``vector`` (GIN-indexed, built with the document
language's configuration); SQLite keeps an FTS5 table over ``body`` (``drafts.search_schema``).
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.utils.translation import gettext_lazy as _

from drafts.models.comments import DraftComment, StakeholderCategory
from drafts.models.documents import Document, Section
from drafts.models.drafts import Draft, DraftSection


class EntryKind(models.TextChoices):
    DRAFT = "draft", _("Draft text")
    WORKING = "working", _("Working copy")
    COMMENT = "comment", _("Comment")
    RESPONSE = "response", _("Response (as drafted)")
    PUBLISHED = "published", _("Response")


TEXT_KINDS = (EntryKind.DRAFT, EntryKind.WORKING)
COMMENT_KINDS = (EntryKind.COMMENT, EntryKind.RESPONSE, EntryKind.PUBLISHED)


class SearchEntry(models.Model):
    """One searchable text and where it lives."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=10, choices=EntryKind.choices)
    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    draft_section = models.ForeignKey(DraftSection, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    section = models.ForeignKey(Section, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    comment = models.ForeignKey(DraftComment, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    category = models.CharField(max_length=20, choices=StakeholderCategory.choices, blank=True)
    # The PostgreSQL text search configuration of the document's language ("english", "simple" ...).
    config = models.CharField(max_length=20, default="simple")
    body = models.TextField()
    vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("search entry")
        verbose_name_plural = _("search entries")
        indexes = [models.Index(fields=["document", "kind"], name="search_document_kind")]
        constraints = [
            models.UniqueConstraint(fields=["draft_section"], name="search_one_per_snapshot"),
            models.UniqueConstraint(fields=["section"], name="search_one_per_section"),
            models.UniqueConstraint(fields=["comment", "kind"], name="search_one_per_comment_text"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"

"""Lineage: where each paragraph of a draft went in the next, and which changes carry out which comments.

Both are stored, never parsed out of free text afterwards: a paragraph's successor is recorded when
the next draft is frozen (``services.draft_freeze`` asks the pure ``drafts.lineage``), and a link
between a comment and a section version is made by the action that makes it (applying the
comment's proposed text, an editor linking the decision, a member citing the comment on saving).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drafts.models.comments import DraftComment
from drafts.models.documents import Section
from drafts.models.drafts import Draft, DraftSection, FrozenDraftError


class Match(models.TextChoices):
    SAME = "same", _("Same")
    EDITED = "edited", _("Edited")
    GONE = "gone", _("Gone")


class ParagraphLineageQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise FrozenDraftError("The lineage recorded when a draft was frozen never changes.")

    def delete(self):
        raise FrozenDraftError("The lineage recorded when a draft was frozen is never deleted.")


class ParagraphLineage(models.Model):
    """Where one paragraph of a draft (or, with ``paragraph`` 0, the whole section) went in the next draft.

    Recorded when ``draft`` (the next draft) is frozen; ``target`` is a section of ``draft``, None
    when the text is gone. A removed section whose text went mostly into one other section has its
    paragraph-0 row pointing at that section ("merged into").
    """

    draft = models.ForeignKey(Draft, on_delete=models.PROTECT, related_name="lineage")
    source = models.ForeignKey(DraftSection, on_delete=models.PROTECT, related_name="successors")
    paragraph = models.PositiveSmallIntegerField(_("paragraph"))  # 0: the section as a whole
    target = models.ForeignKey(
        DraftSection, on_delete=models.PROTECT, null=True, blank=True, related_name="predecessors"
    )
    target_paragraph = models.PositiveSmallIntegerField(_("paragraph in the next draft"), null=True, blank=True)
    match = models.CharField(_("match"), max_length=10, choices=Match.choices)
    similarity = models.FloatField(_("similarity"))

    objects = ParagraphLineageQuerySet.as_manager()

    class Meta:
        ordering = ["draft", "source__order", "paragraph"]
        verbose_name = _("paragraph lineage")
        verbose_name_plural = _("paragraph lineage")
        constraints = [
            models.UniqueConstraint(fields=["source", "paragraph"], name="lineage_once_per_paragraph"),
            models.CheckConstraint(condition=models.Q(match__in=Match.values), name="lineage_match_known"),
            models.CheckConstraint(
                condition=models.Q(match=Match.GONE, target__isnull=True, target_paragraph__isnull=True)
                | (~models.Q(match=Match.GONE) & models.Q(target__isnull=False)),
                name="lineage_gone_has_no_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source_id} ¶{self.paragraph} → {self.target_id} ¶{self.target_paragraph} ({self.match})"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise FrozenDraftError("The lineage recorded when a draft was frozen never changes.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise FrozenDraftError("The lineage recorded when a draft was frozen is never deleted.")


class CommentChange(models.Model):
    """A comment linked to the section version that carries out the decision on it."""

    class How(models.TextChoices):
        APPLIED = "applied", _("proposed text applied")
        LINKED = "linked", _("linked by an editor")
        CITED = "cited", _("cited when the section was saved")

    comment = models.ForeignKey(DraftComment, on_delete=models.PROTECT, related_name="changes")
    version = models.ForeignKey("reversion.Version", on_delete=models.PROTECT, related_name="+")
    # The section the version belongs to, kept beside it so "the comments behind this section's
    # changes" is one indexed read (a Version names its object by a string id).
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="comment_changes")
    how = models.CharField(_("how"), max_length=10, choices=How.choices)
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    linked_at = models.DateTimeField(_("linked"), default=timezone.now)

    class Meta:
        ordering = ["version", "comment"]
        verbose_name = _("change for a comment")
        verbose_name_plural = _("changes for comments")
        constraints = [
            models.UniqueConstraint(fields=["comment", "version"], name="comment_change_once"),
            models.CheckConstraint(
                condition=models.Q(how__in=["applied", "linked", "cited"]), name="comment_change_how_known"
            ),
        ]
        indexes = [models.Index(fields=["section", "version"], name="comment_change_section_idx")]

    def __str__(self) -> str:
        return f"{self.comment} → version {self.version_id}"

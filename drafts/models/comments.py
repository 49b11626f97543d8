"""Who stakeholders speak for, and their comments on frozen drafts with the editors' decisions."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from django.conf import settings
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_comments_xtd.models import XtdComment

from drafts.models.documents import Document, validate_single_line, validate_time_zone
from drafts.models.drafts import Draft, DraftSection

if TYPE_CHECKING:
    from django.contrib.auth.models import User  # settings.AUTH_USER_MODEL, as django-stubs resolves it


class StakeholderCategory(models.TextChoices):
    MEMBER_STATE = "member_state", _("Member State")
    UN_ENTITY = "un_entity", _("UN entity")
    IGO = "igo", _("Other intergovernmental organisation")
    NGO = "ngo", _("NGO / civil society")
    NHRI = "nhri", _("National human rights institution")
    ACADEMIA = "academia", _("Academia")
    INDIVIDUAL = "individual", _("Individual")


class Profile(models.Model):
    """Who a person speaks for. Copied onto each comment, so a later change does not rewrite history."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    organisation = models.CharField(_("organisation"), max_length=200, blank=True, validators=[validate_single_line])
    category = models.CharField(
        _("category"), max_length=20, choices=StakeholderCategory.choices, default=StakeholderCategory.INDIVIDUAL
    )
    code = models.CharField(
        _("short code"),
        max_length=12,
        blank=True,
        validators=[RegexValidator(r"^[A-Z0-9]*$")],
        help_text=_("Used in comment IDs such as OHCHR-003; made from the organisation's initials if empty."),
    )

    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        blank=True,
        validators=[validate_time_zone],
        help_text=_("Show dates in this time zone; empty: each document's own."),
    )

    class Meta:
        ordering = ["organisation"]
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return f"{self.user} ({self.organisation or self.get_category_display()})"


class CommentKind(models.TextChoices):
    GENERAL = "general", _("General")
    TECHNICAL = "technical", _("Technical")
    EDITORIAL = "editorial", _("Editorial")


class Disposition(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    MODIFIED = "accepted_modified", _("Accepted with modifications")
    REJECTED = "rejected", _("Rejected")
    NOTED = "noted", _("Noted")


class Carried(models.TextChoices):
    REANCHORED = "reanchored", _("Re-anchored by an editor")
    ORPHANED = "orphaned", _("Confirmed as having no place in the next draft")


class DraftComment(XtdComment):
    """A comment on a section as frozen in a draft (or on the draft as a whole), and what became of it.

    The xtd parent keeps the text, author, threading and follow-up; this adds the anchor, the
    commenter's standing at the time, and the editors' decision.
    """

    # Annotated by hand: the xtd parent ships no types, so the django-stubs plugin does not see this
    # class as a model and cannot infer its fields (or its manager) by itself.
    draft: models.ForeignKey[Draft, Draft] = models.ForeignKey(Draft, on_delete=models.PROTECT, related_name="comments")
    # The draft's document, kept on the comment so the database itself holds IDs unique per document.
    document: models.ForeignKey[Document, Document] = models.ForeignKey(
        Document, on_delete=models.PROTECT, related_name="+"
    )
    batch: models.ForeignKey[CommentBatch | None, CommentBatch | None] = models.ForeignKey(
        "CommentBatch", on_delete=models.PROTECT, null=True, blank=True, related_name="comments"
    )
    draft_section: models.ForeignKey[DraftSection | None, DraftSection | None] = models.ForeignKey(
        DraftSection, on_delete=models.PROTECT, null=True, blank=True, related_name="comments"
    )
    paragraph: models.PositiveSmallIntegerField[int | None, int | None] = models.PositiveSmallIntegerField(
        _("paragraph"), null=True, blank=True
    )
    quote: models.CharField[str, str] = models.CharField(_("quoted phrase"), max_length=500, blank=True)
    kind: models.CharField[str, str] = models.CharField(
        _("type"), max_length=20, choices=CommentKind.choices, default=CommentKind.GENERAL
    )
    proposed_text: models.TextField[str, str] = models.TextField(
        _("proposed text"), blank=True, validators=[MaxLengthValidator(20_000)]
    )
    organisation: models.CharField[str, str] = models.CharField(_("organisation"), max_length=200, blank=True)
    category: models.CharField[str, str] = models.CharField(
        _("category"), max_length=20, choices=StakeholderCategory.choices, blank=True
    )
    reference: models.CharField[str, str] = models.CharField(_("ID"), max_length=24, blank=True)
    disposition: models.CharField[str, str] = models.CharField(
        _("disposition"), max_length=20, choices=Disposition.choices, default=Disposition.PENDING
    )
    response: models.TextField[str, str] = models.TextField(_("response"), blank=True)
    decided_by: models.ForeignKey[User | None, User | None] = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        _("decided"), null=True, blank=True
    )
    addressed_in: models.ForeignKey[Draft | None, Draft | None] = models.ForeignKey(
        Draft, on_delete=models.PROTECT, null=True, blank=True, related_name="addressed_comments"
    )
    # The decision as stakeholders and the public see it: copied from the drafted one above when an
    # editor publishes the draft's decisions, so a decision being drafted never reaches them.
    published_disposition: models.CharField[str, str] = models.CharField(
        _("published disposition"), max_length=20, choices=Disposition.choices, default=Disposition.PENDING
    )
    published_response: models.TextField[str, str] = models.TextField(_("published response"), blank=True)
    published_at: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        _("decision published"), null=True, blank=True
    )
    edited_at: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        _("edited"), null=True, blank=True
    )
    withdrawn_at: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        _("withdrawn"), null=True, blank=True
    )
    hidden_reason: models.TextField[str, str] = models.TextField(_("reason for hiding"), blank=True)
    # Where an editor put a comment whose paragraph is gone from the next draft (``carried``
    # "reanchored", to ``carried_to`` ¶``carried_paragraph``) or that they confirmed has no place
    # there ("orphaned"); empty while the recorded lineage says where it went.
    carried: models.CharField[str, str] = models.CharField(
        _("carried forward"), max_length=12, choices=Carried.choices, blank=True
    )
    carried_to: models.ForeignKey[DraftSection | None, DraftSection | None] = models.ForeignKey(
        DraftSection, on_delete=models.PROTECT, null=True, blank=True, related_name="reanchored_comments"
    )
    carried_paragraph: models.PositiveSmallIntegerField[int | None, int | None] = models.PositiveSmallIntegerField(
        _("paragraph in the next draft"), null=True, blank=True
    )
    carried_by: models.ForeignKey[User | None, User | None] = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    carried_at: models.DateTimeField[datetime | None, datetime | None] = models.DateTimeField(
        _("re-anchored"), null=True, blank=True
    )

    if TYPE_CHECKING:
        # XtdCommentManager underneath; declared so the plugin can type ``draft.comments`` and friends.
        objects: ClassVar[models.Manager[DraftComment]]
        _default_manager: ClassVar[models.Manager[DraftComment]]

    class Meta:
        ordering = ["draft", "thread_id", "order"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        constraints = [
            models.UniqueConstraint(
                fields=["document", "reference"],
                condition=~models.Q(reference=""),
                name="comment_reference_unique_per_document",
            ),
            models.CheckConstraint(
                condition=models.Q(paragraph__isnull=True) | models.Q(paragraph__gte=1),
                name="comment_paragraph_from_one",
            ),
            models.CheckConstraint(
                condition=models.Q(disposition__in=Disposition.values), name="comment_disposition_known"
            ),
            models.CheckConstraint(
                condition=models.Q(published_disposition__in=Disposition.values),
                name="comment_published_disposition_known",
            ),
            models.CheckConstraint(
                condition=models.Q(carried="", carried_to__isnull=True)
                | models.Q(carried="orphaned", carried_to__isnull=True, carried_paragraph__isnull=True)
                | models.Q(carried="reanchored", carried_to__isnull=False),
                name="comment_carried_consistent",
            ),
        ]
        indexes = [models.Index(fields=["draft", "draft_section", "paragraph"], name="comment_anchor_idx")]

    def __str__(self) -> str:
        return self.reference or f"#{self.pk}"

    def save(self, *args, **kwargs) -> None:
        if self.document_id is None and self.draft_id is not None:  # type: ignore[has-type]
            self.document_id = Draft.objects.values_list("document_id", flat=True).get(pk=self.draft_id)
        super().save(*args, **kwargs)

    @property
    def is_reply(self) -> bool:
        return self.level > 0

    @property
    def is_withdrawn(self) -> bool:
        return self.withdrawn_at is not None

    @property
    def sees_drafted_decision(self) -> bool:
        """Whether the person reading sees the decision as drafted (the working group) rather than as
        published. Only a comment list from ``drafts.selectors`` knows (it annotates ``drafted_visible``);
        without it the published decision is shown, so a forgotten check never leaks a draft decision."""
        return bool(getattr(self, "drafted_visible", False))

    @property
    def shown_disposition(self) -> str:
        """The disposition the person reading may see: drafted for the working group, else published."""
        return self.disposition if self.sees_drafted_decision else self.published_disposition

    @property
    def shown_response(self) -> str:
        return self.response if self.sees_drafted_decision else self.published_response

    def get_shown_disposition_display(self) -> str:
        return str(Disposition(self.shown_disposition).label)

    @property
    def decision_unpublished(self) -> bool:
        """A decision drafted but not yet published as it stands (what the editors still have to publish)."""
        return (self.disposition, self.response) != (self.published_disposition, self.published_response)

    @property
    def addressed_draft(self) -> Draft | None:
        """The draft this comment was addressed in, if the person reading may read that draft.

        Only a comment list from ``drafts.selectors`` knows who is reading (it annotates
        ``addressed_readable``); without it the answer is None, so a forgotten check hides the
        reference rather than leaking a working-group draft's existence and label.
        """
        if self.shown_disposition == Disposition.PENDING:
            return None  # addressed in a draft, but the decision behind it is not published yet
        return self.addressed_in if getattr(self, "addressed_readable", False) else None

    @property
    def anchor_label(self) -> str:
        """Where the comment points: "7.3 ¶2", "7.3", or "Whole draft"."""
        section = self.draft_section  # None without a query when there is no section
        if section is None:
            return str(_("Whole draft"))
        label = section.number or section.heading
        return f"{label} ¶{self.paragraph}" if self.paragraph else label

    def get_absolute_url(self) -> str:
        section = self.draft_section
        if section is None:
            url = reverse("drafts:draft_general_comments", kwargs={
                "slug": self.draft.document.slug, "number": self.draft.number})
        else:  # built from self.draft so a list that selects draft__document costs no query per row
            url = reverse("drafts:draft_section", kwargs={
                "slug": self.draft.document.slug, "number": self.draft.number, "key": section.key})
        return f"{url}#c{self.pk}"


class CommentEdit(models.Model):
    """A comment's earlier wording, kept when its author edits it (the working group can read it)."""

    comment = models.ForeignKey(DraftComment, on_delete=models.CASCADE, related_name="edits")
    kind = models.CharField(_("type"), max_length=20, choices=CommentKind.choices)
    paragraph = models.PositiveSmallIntegerField(_("paragraph"), null=True, blank=True)
    quote = models.CharField(_("quoted phrase"), max_length=500, blank=True)
    text = models.TextField(_("comment"))
    proposed_text = models.TextField(_("proposed text"), blank=True)
    written_at = models.DateTimeField(_("written"))
    replaced_at = models.DateTimeField(_("replaced"))

    class Meta:
        ordering = ["comment", "replaced_at"]
        verbose_name = _("earlier wording of a comment")
        verbose_name_plural = _("earlier wordings of comments")

    def __str__(self) -> str:
        return f"{self.comment} ({self.written_at:%Y-%m-%d %H:%M})"


class CommentBatch(models.Model):
    """Comments one person uploaded at once from a filled comment template: one action, stored all or
    nothing, counted once by the per-minute limit."""

    draft = models.ForeignKey(Draft, on_delete=models.PROTECT, related_name="comment_batches")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(_("file name"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("uploaded"), default=timezone.now)

    class Meta:
        ordering = ["draft", "created_at"]
        verbose_name = _("uploaded comment template")
        verbose_name_plural = _("uploaded comment templates")

    def __str__(self) -> str:
        return f"{self.filename or self.pk} ({self.user})"

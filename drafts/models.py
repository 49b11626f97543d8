"""The drafting concepts: documents of versioned sections, frozen drafts and per-document roles.

Every write goes through ``drafts.services``; these models guard their own invariants as well
(database constraints, and frozen drafts that refuse to change) so a stray write elsewhere cannot
break them.
"""

from __future__ import annotations

from datetime import datetime

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.db.models.functions import Length, Trim
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _
from django_comments_xtd.models import XtdComment

from drafts import numbering

KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
key_validator = RegexValidator(
    KEY_PATTERN,
    _("A key uses lower-case letters, digits, hyphens and underscores, and starts with a letter or digit."),
    code="invalid_key",
)
HEADING_MAX_LENGTH = 300
BODY_MAX_CHARS = 1_000_000  # "a body over 1 MB" is refused, by the form, the model and the database


class FrozenDraftError(Exception):
    """Raised on any attempt to change what a frozen draft recorded."""


class Role(models.TextChoices):
    EDITOR = "editor", _("Editor")
    MEMBER = "member", _("Working-group member")
    STAKEHOLDER = "stakeholder", _("Stakeholder")


class Document(models.Model):
    class Numbering(models.TextChoices):
        PRINCIPLES = numbering.PRINCIPLES, _("Principle 7, 7.3, 7.3.1")
        DECIMAL = numbering.DECIMAL, _("7, 7.3, 7.3.1")

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=300)
    symbol = models.CharField(_("symbol"), max_length=100, blank=True, help_text=_("e.g. A/HRC/WG/2017/CRP.1"))
    numbering = models.CharField(_("numbering"), max_length=20, choices=Numbering.choices, default=Numbering.PRINCIPLES)
    language = models.CharField(
        _("language of the text"), max_length=10, choices=settings.LANGUAGES, default="en",
        help_text=_("The text carries its own language and direction, whatever language the interface is in."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["title"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("drafts:document_detail", kwargs={"slug": self.slug})

    @property
    def text_direction(self) -> str:
        """``rtl`` for a text in Arabic (or another right-to-left language), else ``ltr``."""
        try:
            return "rtl" if get_language_info(self.language)["bidi"] else "ltr"
        except KeyError:
            return "ltr"


class Membership(models.Model):
    """A person's role on one document: roles are per document, not global."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    class Meta:
        ordering = ["document", "role", "user"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["document", "user"], name="membership_one_role_per_document"),
            models.CheckConstraint(condition=models.Q(role__in=Role.values), name="membership_role_known"),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.get_role_display()} – {self.document}"


# Reversion keeps what a section says and where it stands; siblings shifted by a move are not
# versioned, because their numbers are derived and their own text did not change.
@reversion.register(fields=("key", "heading", "body", "parent", "position", "numbered", "removed"))
class Section(models.Model):
    """One section of a document's working copy. Never hard-deleted: removal is a flag."""

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="sections")
    key = models.CharField(
        _("key"),
        max_length=80,
        validators=[key_validator],
        help_text=_("Stable identifier; never changes, survives renames, moves and renumbering."),
    )
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="children")
    position = models.PositiveIntegerField(_("position"), default=1)
    numbered = models.BooleanField(_("numbered"), default=True)
    heading = models.CharField(_("heading"), max_length=HEADING_MAX_LENGTH)
    body = models.TextField(_("text"), blank=True, validators=[MaxLengthValidator(BODY_MAX_CHARS)])
    removed = models.BooleanField(_("removed"), default=False)
    # Count of versions; the edit form carries it so a stale save is detected (optimistic locking).
    version_number = models.PositiveIntegerField(_("version"), default=0)

    class Meta:
        ordering = ["document", "parent_id", "position"]
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        constraints = [
            models.UniqueConstraint(fields=["document", "key"], name="section_key_unique_per_document"),
            models.CheckConstraint(condition=GreaterThan(Length(Trim("heading")), 0), name="section_heading_not_blank"),
            models.CheckConstraint(
                condition=models.Q(parent__isnull=True) | ~models.Q(parent=models.F("pk")),
                name="section_not_own_parent",
            ),
            models.CheckConstraint(
                condition=LessThanOrEqual(Length("body"), BODY_MAX_CHARS), name="section_body_at_most_1mb"
            ),
        ]

    def __str__(self) -> str:
        return self.heading

    def clean(self) -> None:
        if self.parent_id and self.parent.document_id != self.document_id:
            raise ValidationError(
                {
                    "parent": ValidationError(
                        _("The parent must be a section of the same document."), code="foreign_parent"
                    )
                }
            )
        if not self.heading.strip():
            raise ValidationError({"heading": ValidationError(_("A heading cannot be empty."), code="blank_heading")})

    def get_absolute_url(self) -> str:
        return reverse("drafts:section_detail", kwargs={"slug": self.document.slug, "key": self.key})


class Draft(models.Model):
    """A frozen, numbered snapshot of a document's working copy."""

    class Visibility(models.TextChoices):
        WORKING_GROUP = "working_group", _("Working group only")
        RESTRICTED = "restricted", _("Restricted to invited stakeholders")
        PUBLIC = "public", _("Public")

    class Status(models.TextChoices):
        CIRCULATED = "circulated", _("Circulated")
        SUPERSEDED = "superseded", _("Superseded")
        FINAL = "final", _("Final")

    # The settings an editor may change after freezing; everything else is fixed at freeze time.
    EDITABLE_FIELDS = frozenset(
        {
            "label",
            "status",
            "visibility",
            "comments_open_from",
            "comments_open_until",
            "note",
            "comments_visible_to_all",
        }
    )

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="drafts")
    number = models.PositiveIntegerField(_("number"))
    label = models.CharField(_("label"), max_length=100, blank=True, help_text=_("e.g. Zero draft"))
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.CIRCULATED)
    visibility = models.CharField(
        _("visibility"), max_length=20, choices=Visibility.choices, default=Visibility.WORKING_GROUP
    )
    comments_open_from = models.DateTimeField(_("comments open"), null=True, blank=True)
    comments_open_until = models.DateTimeField(_("comments close"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)
    comments_visible_to_all = models.BooleanField(
        _("stakeholders see each other's comments"),
        default=True,
        help_text=_("If off, a stakeholder sees only their own comments and the replies to them."),
    )
    frozen_at = models.DateTimeField(_("frozen"), default=timezone.now)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["document", "number"]
        verbose_name = _("draft")
        verbose_name_plural = _("drafts")
        constraints = [
            models.UniqueConstraint(fields=["document", "number"], name="draft_number_unique_per_document"),
            models.CheckConstraint(condition=models.Q(number__gte=1), name="draft_number_from_one"),
            models.CheckConstraint(
                condition=models.Q(visibility__in=["working_group", "restricted", "public"]),
                name="draft_visibility_known",
            ),
            models.CheckConstraint(
                condition=models.Q(comments_open_from__isnull=True)
                | models.Q(comments_open_until__isnull=True)
                | models.Q(comments_open_until__gt=models.F("comments_open_from")),
                name="draft_window_closes_after_opening",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        name = _("Draft %(number)s") % {"number": self.number}
        return f"{name} ({self.label})" if self.label else str(name)

    def get_absolute_url(self) -> str:
        return reverse("drafts:draft_detail", kwargs={"slug": self.document.slug, "number": self.number})

    def comments_open(self, at: datetime | None = None) -> bool:
        """Whether the comment window is open at ``at`` (default: now)."""
        at = at or timezone.now()
        if self.comments_open_until is None:
            return False
        return (self.comments_open_from is None or self.comments_open_from <= at) and at < self.comments_open_until

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None and not self._state.adding:
            update_fields = kwargs.get("update_fields")
            if update_fields is None or not set(update_fields) <= self.EDITABLE_FIELDS:
                raise FrozenDraftError(
                    "A frozen draft keeps its document, number and freeze time; "
                    f"only {', '.join(sorted(self.EDITABLE_FIELDS))} can change (pass update_fields)."
                )
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise FrozenDraftError("A frozen draft is never deleted.")


class DraftSectionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise FrozenDraftError("The sections of a frozen draft never change.")

    def delete(self):
        raise FrozenDraftError("The sections of a frozen draft are never deleted.")


class DraftSection(models.Model):
    """One section exactly as it stood when a draft was frozen: version, number, place and text."""

    draft = models.ForeignKey(Draft, on_delete=models.PROTECT, related_name="sections")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="snapshots")
    version = models.ForeignKey("reversion.Version", on_delete=models.PROTECT, related_name="+")
    key = models.CharField(_("key"), max_length=80)
    parent_key = models.CharField(_("parent key"), max_length=80, blank=True)
    order = models.PositiveIntegerField(_("order"))
    depth = models.PositiveSmallIntegerField(_("depth"))
    position = models.PositiveIntegerField(_("position"))
    number = models.CharField(_("number"), max_length=40, blank=True)
    heading = models.CharField(_("heading"), max_length=HEADING_MAX_LENGTH)
    body = models.TextField(_("text"), blank=True)

    objects = DraftSectionQuerySet.as_manager()

    class Meta:
        ordering = ["draft", "order"]
        verbose_name = _("draft section")
        verbose_name_plural = _("draft sections")
        constraints = [
            models.UniqueConstraint(fields=["draft", "section"], name="draft_section_once_per_draft"),
            models.UniqueConstraint(fields=["draft", "order"], name="draft_section_order_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.heading}".strip()

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise FrozenDraftError("The sections of a frozen draft never change.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise FrozenDraftError("The sections of a frozen draft are never deleted.")

    @property
    def anchor(self) -> str:
        return numbering.anchor_for(self.number, self.key)

    @property
    def title(self) -> str:
        """How e-mails and lists name the section: "7.3 Heading, Draft 2"."""
        return f"{self.number} {self.heading} ({self.draft.title})".strip()

    def get_absolute_url(self) -> str:
        return reverse(
            "drafts:draft_section",
            kwargs={"slug": self.draft.document.slug, "number": self.draft.number, "key": self.key},
        )


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
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
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


class DraftComment(XtdComment):
    """A comment on a section as frozen in a draft (or on the draft as a whole), and what became of it.

    The xtd parent keeps the text, author, threading and follow-up; this adds the anchor, the
    commenter's standing at the time, and the editors' decision.
    """

    draft = models.ForeignKey(Draft, on_delete=models.PROTECT, related_name="comments")
    draft_section = models.ForeignKey(
        DraftSection, on_delete=models.PROTECT, null=True, blank=True, related_name="comments"
    )
    paragraph = models.PositiveSmallIntegerField(_("paragraph"), null=True, blank=True)
    quote = models.CharField(_("quoted phrase"), max_length=500, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=CommentKind.choices, default=CommentKind.GENERAL)
    proposed_text = models.TextField(_("proposed text"), blank=True, validators=[MaxLengthValidator(20_000)])
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    category = models.CharField(_("category"), max_length=20, choices=StakeholderCategory.choices, blank=True)
    reference = models.CharField(_("ID"), max_length=24, blank=True)
    disposition = models.CharField(
        _("disposition"), max_length=20, choices=Disposition.choices, default=Disposition.PENDING
    )
    response = models.TextField(_("response"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    addressed_in = models.ForeignKey(
        Draft, on_delete=models.PROTECT, null=True, blank=True, related_name="addressed_comments"
    )
    hidden_reason = models.TextField(_("reason for hiding"), blank=True)

    class Meta:
        ordering = ["draft", "thread_id", "order"]
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        constraints = [
            models.UniqueConstraint(
                fields=["draft", "reference"], condition=~models.Q(reference=""), name="comment_reference_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(paragraph__isnull=True) | models.Q(paragraph__gte=1),
                name="comment_paragraph_from_one",
            ),
            models.CheckConstraint(
                condition=models.Q(disposition__in=Disposition.values), name="comment_disposition_known"
            ),
        ]
        indexes = [models.Index(fields=["draft", "draft_section", "paragraph"], name="comment_anchor_idx")]

    def __str__(self) -> str:
        return self.reference or f"#{self.pk}"

    @property
    def is_reply(self) -> bool:
        return self.level > 0

    @property
    def anchor_label(self) -> str:
        """Where the comment points: "7.3 ¶2", "7.3", or "Whole draft"."""
        if self.draft_section_id is None:
            return str(_("Whole draft"))
        label = self.draft_section.number or self.draft_section.heading
        return f"{label} ¶{self.paragraph}" if self.paragraph else label

    def get_absolute_url(self) -> str:
        if self.draft_section_id is None:
            url = reverse("drafts:draft_general_comments", kwargs={
                "slug": self.draft.document.slug, "number": self.draft.number})
        else:  # built from self.draft so a list that selects draft__document costs no query per row
            url = reverse("drafts:draft_section", kwargs={
                "slug": self.draft.document.slug, "number": self.draft.number, "key": self.draft_section.key})
        return f"{url}#c{self.pk}"

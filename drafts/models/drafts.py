"""Frozen drafts and the sections they recorded: once frozen, never changed."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from drafts import numbering
from drafts.models.documents import Document, Section, SectionStatus, validate_single_line
from drafts.values import HEADING_MAX_LENGTH


class FrozenDraftError(Exception):
    """Raised on any attempt to change what a frozen draft recorded."""


class DraftQuerySet(models.QuerySet):
    def update(self, **kwargs):
        """Change the editable settings, or seal (``sealed=True``); nothing else of a frozen draft changes."""
        fixed = set(kwargs) - set(Draft.EDITABLE_FIELDS) - {"sealed"}
        if fixed or kwargs.get("sealed", True) is not True:
            raise FrozenDraftError(
                "A frozen draft keeps its document, number and freeze time, and stays sealed; "
                f"only {', '.join(Draft.EDITABLE_FIELDS)} can change."
            )
        return super().update(**kwargs)

    def delete(self):
        raise FrozenDraftError("A frozen draft is never deleted.")


class Draft(models.Model):
    """A frozen, numbered snapshot of a document's working copy.

    A draft is made in two steps inside one transaction (``services.draft_freeze``): the row, unsealed,
    then its section snapshots, then :meth:`seal`. Once sealed, no snapshot can be added to it or
    taken from it, by the models or by raw SQL (``drafts.triggers``), and it is never unsealed.
    """

    class Visibility(models.TextChoices):
        WORKING_GROUP = "working_group", _("Working group only")
        RESTRICTED = "restricted", _("Restricted to invited stakeholders")
        PUBLIC = "public", _("Public")

    class Status(models.TextChoices):
        CIRCULATED = "circulated", _("Circulated")
        SUPERSEDED = "superseded", _("Superseded")
        FINAL = "final", _("Final")

    # The settings an editor may change after freezing, in the order the settings form shows them;
    # everything else is fixed at freeze time. The form, the admin, the service and the database
    # triggers all derive their lists from this one tuple.
    EDITABLE_FIELDS = (
        "label",
        "visibility",
        "status",
        "comments_open_from",
        "comments_open_until",
        "comments_visible_to_all",
        "note",
    )

    document = models.ForeignKey(Document, on_delete=models.PROTECT, related_name="drafts")
    number = models.PositiveIntegerField(_("number"))
    label = models.CharField(
        _("label"), max_length=100, blank=True, validators=[validate_single_line], help_text=_("e.g. Zero draft")
    )
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
    # Not editable and not in EDITABLE_FIELDS: it only ever goes from False to True, through seal().
    sealed = models.BooleanField(
        _("sealed"), default=False, editable=False, help_text=_("Its sections are all recorded; none can be added.")
    )

    objects = DraftQuerySet.as_manager()

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

    @classmethod
    def frozen_columns(cls) -> list[str]:
        """The database columns a frozen draft never changes (everything but the editable settings)."""
        return [
            f.column for f in cls._meta.concrete_fields if not f.primary_key and f.name not in cls.EDITABLE_FIELDS
        ]

    def clean(self) -> None:
        opens, closes = self.comments_open_from, self.comments_open_until
        if opens and closes and closes <= opens:
            raise ValidationError(
                {
                    "comments_open_until": ValidationError(
                        _("The comment window must close after it opens."), code="window_order"
                    )
                }
            )

    def comments_open(self, at: datetime | None = None) -> bool:
        """Whether the comment window is open at ``at`` (default: now)."""
        at = at or timezone.now()
        if self.comments_open_until is None:
            return False
        return (self.comments_open_from is None or self.comments_open_from <= at) and at < self.comments_open_until

    def save(self, *args, **kwargs) -> None:
        # Saving a draft that exists writes only the editable settings (never ``sealed``: seal() does
        # that), so a stale copy in memory can neither unseal a draft nor undo what it recorded.
        if self.pk is not None and not self._state.adding:
            update_fields = kwargs.get("update_fields")
            if update_fields is None or not set(update_fields) <= set(self.EDITABLE_FIELDS):
                raise FrozenDraftError(
                    "A frozen draft keeps its document, number and freeze time; "
                    f"only {', '.join(self.EDITABLE_FIELDS)} can change (pass update_fields)."
                )
        super().save(*args, **kwargs)

    def seal(self) -> None:
        """Close the draft for good: its snapshots are all recorded, and none can be added or taken away."""
        Draft.objects.filter(pk=self.pk).update(sealed=True)
        self.sealed = True

    def delete(self, *args, **kwargs):
        raise FrozenDraftError("A frozen draft is never deleted.")


def _refuse_sealed(draft_ids: set[int | None]) -> None:
    """Raise if any of these drafts is sealed (asked of the database: a copy in memory may be stale)."""
    if Draft.objects.filter(pk__in=draft_ids - {None}, sealed=True).exists():
        raise FrozenDraftError("A sealed draft's sections are all recorded; none can be added.")


class DraftSectionQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        _refuse_sealed({obj.draft_id for obj in objs})
        return super().bulk_create(objs, *args, **kwargs)

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
    status = models.CharField(_("status"), max_length=20, choices=SectionStatus.choices, default=SectionStatus.DRAFTING)

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
        _refuse_sealed({self.draft_id})
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

"""Documents, their per-document roles, and the versioned sections of their working copy."""

from __future__ import annotations

import unicodedata
import zoneinfo
from functools import cache

import reversion
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator
from django.db import models
from django.db.models.functions import Length, Lower, Trim
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language_info
from django.utils.translation import gettext_lazy as _

from drafts import brackets, numbering, rendering
from drafts.values import BODY_MAX_CHARS, HEADING_MAX_LENGTH, KEY_PATTERN

key_validator = RegexValidator(
    KEY_PATTERN,
    _("A key uses lower-case letters, digits, hyphens and underscores, and starts with a letter or digit."),
    code="invalid_key",
)


# Text-direction embeddings, overrides and isolates (LRE RLE PDF LRO RLO, LRI RLI FSI PDI): they can
# make a name read differently from what it is. The plain marks (LRM, RLM, ALM) stay allowed.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Characters that show nothing but are letters or marks to Unicode, so neither ``isspace`` nor the
# format category (Cf) catches them: the combining grapheme joiner, the Hangul and Khmer fillers,
# the blank Braille pattern. The zero-width characters (U+200B-U+200D, U+2060, U+FEFF) are all Cf.
_BLANK_LOOKING = frozenset("\u034f\u115f\u1160\u17b4\u17b5\u2800\u3164\uffa0")


def _is_invisible(char: str) -> bool:
    """Whether ``char`` shows nothing on its own: white space, a format character, a filler, a variation selector."""
    return (
        char.isspace()
        or unicodedata.category(char) in ("Cf", "Cc", "Zl", "Zp")
        or char in _BLANK_LOOKING
        or "\ufe00" <= char <= "\ufe0f"
        or "\U000e0100" <= char <= "\U000e01ef"
    )


def has_visible_text(value: str) -> bool:
    """Whether ``value`` has at least one character that shows (not only spaces and invisible characters)."""
    return any(not _is_invisible(char) for char in value)


def validate_single_line(value: str) -> None:
    """A name shown on one line (a heading, a title, a label, an organisation): visible text, nothing hidden.

    Refused: control characters (line breaks, tabs, C0 and C1 codes), which break a heading out of its
    Markdown line or an e-mail subject out of its header; line and paragraph separators; the controls
    that reorder text (U+202A-U+202E, U+2066-U+2069); and a value with nothing visible in it (only
    spaces, zero-width or format characters). An empty value is for ``blank`` to allow or refuse.
    """
    if any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in value):
        raise ValidationError(
            _("Keep this to one line: line breaks, tabs and other control characters are not allowed."),
            code="control_character",
        )
    if any(char in _BIDI_CONTROLS for char in value):
        raise ValidationError(
            _("Remove the invisible characters that change the direction of the text."), code="bidi_control"
        )
    if value and not has_visible_text(value):
        raise ValidationError(_("Write some visible text, not only spaces or invisible characters."), code="invisible")


def validate_time_zone(value: str) -> None:
    """An IANA time zone name this machine knows ("Europe/Zurich", "UTC")."""
    if value not in time_zone_names():
        raise ValidationError(
            _("Unknown time zone %(zone)s: use a name such as Europe/Zurich or America/New_York."),
            code="unknown_time_zone",
            params={"zone": value},
        )


@cache
def time_zone_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones()) | {"UTC"}


def default_time_zone() -> str:
    return settings.TIME_ZONE


def validate_renderable(value: str) -> None:
    """A section body renders in bounded time (DESIGN rule 9): the cost check of :mod:`drafts.rendering`,
    as a field error. Checked when text is saved or imported; rendering falls back to plain text anyway."""
    try:
        rendering.check_cost(value)
    except rendering.TooCostly as refusal:
        if refusal.kind == "depth":
            raise ValidationError(
                _("Lists and quotes are nested %(found)s levels deep here; at most %(limit)s levels are allowed."),
                code="too_deep",
                params={"found": refusal.found, "limit": refusal.limit},
            ) from refusal
        raise ValidationError(
            _(
                "This text would take too long to display: it holds very many unmatched brackets, backticks, "
                "table bars or similar marks. Simplify its formatting or split it into several sections."
            ),
            code="too_costly",
        ) from refusal


_BRACKET_ERRORS = {
    "unclosed": _("Line %(line)s, column %(column)s: this bracket “[[” is not closed by “]]” in its paragraph."),
    "unopened": _("Line %(line)s, column %(column)s: “]]” closes a bracket that was never opened with “[[”."),
    "option_outside": _(
        "Line %(line)s, column %(column)s: “||” separates options only inside a bracket: write [[first || second]]."
    ),
    "too_deep": _("Line %(line)s, column %(column)s: brackets nest only one level inside another."),
    "empty_holders": _(
        "Line %(line)s, column %(column)s: name who holds the bracket between the braces, "
        "separated by commas (“{EU, G77}”), or leave the braces out."
    ),
    "unclosed_holders": _("Line %(line)s, column %(column)s: the list of who holds the bracket is not closed by “}”."),
    "empty_bracket": _("Line %(line)s, column %(column)s: this bracket holds no text."),
    "empty_option": _("Line %(line)s, column %(column)s: an option of this bracket is empty."),
}


def validate_brackets(value: str) -> None:
    """Bracketed text (``[[text]]``, ``[[a || b]]``, ``[[text]]{EU, G77}``) is well formed: the first
    mistake, as a message that points at its line and column (DESIGN: brackets)."""
    try:
        brackets.check(value)
    except brackets.BracketError as error:
        message = _BRACKET_ERRORS.get(error.code, _BRACKET_ERRORS["unclosed"])
        raise ValidationError(
            message, code=f"bracket_{error.code}", params={"line": error.line, "column": error.column}
        ) from error


def validate_heading(value: str) -> None:
    """A heading says something, on one line: the one rule behind the form, the model and the database constraint."""
    if not has_visible_text(value):
        raise ValidationError(_("A heading cannot be empty."), code="blank_heading")
    validate_single_line(value)


class Role(models.TextChoices):
    EDITOR = "editor", _("Editor")
    MEMBER = "member", _("Working-group member")
    STAKEHOLDER = "stakeholder", _("Stakeholder")


class SectionStatus(models.TextChoices):
    """The fixed workflow of a section: forward one step at a time, back to any earlier step."""

    DRAFTING = "drafting", _("Drafting")
    IN_REVIEW = "in_review", _("In review")
    AGREED_AD_REF = "agreed_ad_ref", _("Agreed ad referendum")
    AGREED = "agreed", _("Agreed")

    @classmethod
    def order(cls, status: str) -> int:
        return list(cls.values).index(status)

    @classmethod
    def is_agreed(cls, status: str) -> bool:
        """Agreed or agreed ad referendum: editing it reopens it, and only editors may."""
        return status in (cls.AGREED_AD_REF, cls.AGREED)


class Document(models.Model):
    class Numbering(models.TextChoices):
        PRINCIPLES = numbering.PRINCIPLES, _("Principle 7, 7.3, 7.3.1")
        DECIMAL = numbering.DECIMAL, _("7, 7.3, 7.3.1")

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    title = models.CharField(_("title"), max_length=300, validators=[validate_single_line])
    symbol = models.CharField(
        _("symbol"),
        max_length=100,
        blank=True,
        validators=[validate_single_line],
        help_text=_("e.g. A/HRC/WG/2017/CRP.1"),
    )
    numbering = models.CharField(_("numbering"), max_length=20, choices=Numbering.choices, default=Numbering.PRINCIPLES)
    language = models.CharField(
        _("language of the text"), max_length=10, choices=settings.LANGUAGES, default="en",
        help_text=_("The text carries its own language and direction, whatever language the interface is in."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=default_time_zone,
        validators=[validate_time_zone],
        help_text=_("Comment windows and every date of the document are entered and shown in this time zone."),
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    pen_holders_only = models.BooleanField(
        _("only pen-holders edit their sections"),
        default=False,
        help_text=_("If on, a section with pen-holders is edited only by them and the editors."),
    )

    class Meta:
        ordering = ["title"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        constraints = [
            # Addresses are read aloud and typed by hand: /d/Guide/ and /d/guide/ must not be two documents.
            models.UniqueConstraint(Lower("slug"), name="document_slug_unique_ignoring_case"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.slug and Document.objects.filter(slug__iexact=self.slug).exclude(pk=self.pk).exists():
            raise ValidationError(
                {
                    "slug": ValidationError(
                        _("A document with this slug exists already (slugs ignore upper and lower case)."),
                        code="slug_taken",
                    )
                }
            )

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
    body = models.TextField(
        _("text"), blank=True, validators=[MaxLengthValidator(BODY_MAX_CHARS), validate_renderable, validate_brackets]
    )
    removed = models.BooleanField(_("removed"), default=False)
    # Where the section stands (SectionStatus); not versioned: its changes are
    # StatusChange rows, and a draft records it in each snapshot.
    status = models.CharField(_("status"), max_length=20, choices=SectionStatus.choices, default=SectionStatus.DRAFTING)
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
            models.CheckConstraint(condition=models.Q(status__in=SectionStatus.values), name="section_status_known"),
        ]

    def __str__(self) -> str:
        return self.heading

    def clean(self) -> None:
        parent = self.parent if self.parent_id else None
        if parent is not None and parent.document_id != self.document_id:
            raise ValidationError(
                {
                    "parent": ValidationError(
                        _("The parent must be a section of the same document."), code="foreign_parent"
                    )
                }
            )
        try:
            validate_heading(self.heading)
        except ValidationError as error:
            raise ValidationError({"heading": error}) from None

    def get_absolute_url(self) -> str:
        return reverse("drafts:section_detail", kwargs={"slug": self.document.slug, "key": self.key})

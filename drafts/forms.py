"""Forms: they check what a person typed; the services decide what happens."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Self

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserCreationForm
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django_comments.forms import COMMENT_MAX_LENGTH
from django_comments_xtd.forms import XtdCommentForm
from reversion.models import Version

from drafts import interchange, rendering, searching, selectors, values
from drafts.interchange import comment_sheets
from drafts.models import (
    CommentKind,
    Disposition,
    Document,
    Draft,
    DraftComment,
    DraftSection,
    Section,
    StakeholderCategory,
    key_validator,
    validate_brackets,
    validate_heading,
    validate_renderable,
    validate_single_line,
)
from drafts.models.documents import default_time_zone, has_visible_text, time_zone_names
from drafts.services import submissions
from drafts.values import BODY_MAX_CHARS, HEADING_MAX_LENGTH, MAX_ID


def _model_choices(form: forms.BaseForm, name: str) -> forms.ModelChoiceField:
    """The form's model choice field ``name`` (``form.fields`` is typed as plain fields), to set its queryset."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField), f"{name} is a model choice field"
    return field


def _submission_key() -> forms.CharField:
    """The hidden one-time key of a form whose repeated submit must not do the work twice."""
    return forms.CharField(widget=forms.HiddenInput, required=False, max_length=64, initial=submissions.new_key)


class SectionTextFields(forms.Form):
    heading = forms.CharField(label=_("Heading"), max_length=HEADING_MAX_LENGTH, strip=False)
    body = forms.CharField(
        label=_("Text (Markdown)"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18, "class": "markdown", "data-markdown": ""}),
        validators=[MaxLengthValidator(BODY_MAX_CHARS), validate_renderable, validate_brackets],
        help_text=_("Paragraphs separated by a blank line; *emphasis*, **bold**, lists, tables and footnotes."),
    )
    numbered = forms.BooleanField(
        label=_("Numbered"),
        required=False,
        initial=True,
        help_text=_("Unnumbered sections (an introduction, a glossary) do not count in the numbering."),
    )

    def clean_heading(self) -> str:
        heading = self.cleaned_data["heading"]
        validate_heading(heading)
        return heading.strip()

    def clean_body(self) -> str:
        # Browsers send text areas with CRLF line ends; stored text uses LF, or every line would diff.
        return self.cleaned_data["body"].replace("\r\n", "\n").replace("\r", "\n")


_REFERENCE = re.compile(r"[A-Za-z0-9]+-\d+")


class SectionEditForm(SectionTextFields):
    message = forms.CharField(
        label=_("What did you change, and why?"),
        max_length=2000,
        help_text=_("Kept in the section's history with your name."),
    )
    addresses = forms.CharField(
        label=_("Comments this change addresses (optional)"),
        required=False,
        max_length=2000,
        help_text=_("Comment IDs separated by commas, e.g. MRN-004, UNW-002. Each is linked to this version."),
    )
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)

    def __init__(
        self,
        *args,
        citable: Callable[[list[str]], dict[str, DraftComment]] | None = None,
        agreed: bool = False,
        **kwargs,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.citable = citable
        if agreed:
            # Asked only where it applies: saving an agreed section reopens it, and the history says why.
            self.fields["reopen_reason"] = forms.CharField(
                label=_("This section is agreed. Why reopen it?"),
                max_length=2000,
                widget=forms.Textarea(attrs={"rows": 2}),
                help_text=_("Saving puts the section back to “In review”; the reason is kept in its history."),
                error_messages={
                    "required": _("Say why you reopen an agreed section: the reason is kept in its history.")
                },
            )

    def clean_addresses(self) -> list[DraftComment]:
        """The cited IDs as comments: each must be a comment (not a reply) on this document."""
        text = self.cleaned_data.get("addresses", "")
        # Commas and semicolons of any script separate IDs: Arabic ، ؛ and full-width ， ； 、 too.
        pieces = [p for p in re.split(r"[\s,;\u060c\u061b\uff0c\uff1b\u3001]+", text) if p]
        malformed = [p for p in pieces if not _REFERENCE.fullmatch(p)]
        if malformed:
            raise forms.ValidationError(
                _("Not a comment ID: %(ids)s. IDs look like MRN-004."), params={"ids": ", ".join(malformed)},
                code="malformed",
            )
        wanted = list(dict.fromkeys(p.upper() for p in pieces))
        found = self.citable(wanted) if (wanted and self.citable) else {}
        unknown = [ref for ref in wanted if ref not in found]
        if unknown:
            raise forms.ValidationError(
                _("No comment on this document has the ID %(ids)s."), params={"ids": ", ".join(unknown)}, code="unknown"
            )
        return [found[ref] for ref in wanted]


class ConflictResolutionForm(SectionEditForm):
    """The three-way merge page's form: the editor's own heading and text travel hidden (they are what
    "yours" was), and each conflict must be settled by a choice; nothing has a default, so no click
    can drop a colleague's words without choosing to."""

    their_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    CHOICES = (
        ("theirs", _("Keep their text")),
        ("yours", _("Keep your text")),
        ("both", _("Keep both (theirs first)")),
        ("own", _("Use the text I write below")),
    )
    HEADING_CHOICES = (CHOICES[0], CHOICES[1], CHOICES[3])

    def __init__(self, *args, conflicts: int = 0, heading_conflict: bool = False, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["heading"].widget = forms.HiddenInput()
        self.fields["body"].widget = forms.HiddenInput()
        self.fields["numbered"].widget = forms.HiddenInput()
        self.conflict_count = conflicts
        names = [str(i) for i in range(conflicts)] + (["heading"] if heading_conflict else [])
        for name in names:
            number = _("the heading") if name == "heading" else _("conflict %(n)d") % {"n": int(name) + 1}
            self.fields[f"choice_{name}"] = forms.ChoiceField(
                label=_("How to settle %(which)s") % {"which": number},
                choices=self.HEADING_CHOICES if name == "heading" else self.CHOICES,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choose how to settle %(which)s.") % {"which": number}},
            )
            self.fields[f"text_{name}"] = forms.CharField(
                label=_("Your text for %(which)s") % {"which": number},
                required=False,
                strip=False,
                max_length=BODY_MAX_CHARS,
                widget=forms.Textarea(attrs={"rows": 4}) if name != "heading" else forms.TextInput(),
            )

    def choice_fields(self, name: str) -> tuple[forms.BoundField, forms.BoundField]:
        """The radio buttons and the text field of one conflict (``"0"``, ``"1"``, …, or ``"heading"``)."""
        return self[f"choice_{name}"], self[f"text_{name}"]

    def choices(self) -> dict[str, tuple[str, str]]:
        """For each conflict, the choice made and the text written (valid forms only)."""
        data = self.cleaned_data
        return {
            name[len("choice_"):]: (data[name], data.get("text_" + name[len("choice_"):], "").replace("\r\n", "\n"))
            for name in self.fields
            if name.startswith("choice_")
        }


class SectionCreateForm(SectionTextFields):
    parent = forms.ModelChoiceField(
        label=_("Place under"),
        queryset=Section.objects.none(),
        required=False,
        empty_label=_("(top level)"),
    )
    position = forms.IntegerField(
        label=_("Position among its siblings"),
        min_value=1,
        required=False,
        help_text=_("1 puts it first; leave empty to add it last."),
    )
    key = forms.CharField(
        label=_("Key (optional)"),
        max_length=80,
        required=False,
        validators=[key_validator],
        help_text=_("A stable identifier; made from the heading if left empty. It never changes."),
    )
    message = forms.CharField(label=_("Message"), max_length=2000, required=False)
    submission = _submission_key()

    def __init__(self, *args, parents: QuerySet[Section] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if parents is not None:
            _model_choices(self, "parent").queryset = parents


class SectionMoveForm(forms.Form):
    parent = forms.ModelChoiceField(
        label=_("Place under"),
        queryset=Section.objects.none(),
        required=False,
        empty_label=_("(top level)"),
    )
    position = forms.IntegerField(label=_("Position among its siblings"), min_value=1, help_text=_("1 puts it first."))
    message = forms.CharField(label=_("Message"), max_length=2000, required=False)

    def __init__(self, *args, parents: QuerySet[Section] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if parents is not None:
            _model_choices(self, "parent").queryset = parents


class MessageForm(forms.Form):
    message = forms.CharField(label=_("Message"), max_length=2000, required=False)


class RevertForm(forms.Form):
    message = forms.CharField(
        label=_("Why revert?"),
        max_length=2000,
        help_text=_("Kept in the section's history with your name, after which version you brought back."),
        error_messages={"required": _("Say why you revert: the reason is kept in the history.")},
    )
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


# Dates are typed year first ("2026-12-31 18:00"), in the document's time zone, whatever the browser's
# locale would make of a date picker (an en-US datetime-local box reads 12/31/2026).
DATE_TIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S"]


class DateTimeInput(forms.DateTimeInput):
    def __init__(self, **kwargs) -> None:
        # No inputmode="numeric": a phone's number pad has no "-", ":" or space to type the rest with.
        attrs = {"placeholder": "2026-12-31 18:00", "autocomplete": "off", "size": 17}
        super().__init__(format="%Y-%m-%d %H:%M", attrs=attrs, **kwargs)


class ZonedDateTimeField(forms.DateTimeField):
    """A date and time typed year first, read in the active time zone (the document's, or the reader's
    own) and kept as a UTC instant. A date alone is refused rather than read as 00:00: a deadline typed
    "2026-12-31" would otherwise close at the start of that day, not at its end. A wall-clock time that
    the clocks skip or show twice at a daylight-saving change is refused with a message that says so."""

    widget = DateTimeInput
    input_formats = DATE_TIME_INPUT_FORMATS
    default_error_messages = {
        "invalid": _("Enter the date year first and the time on a 24-hour clock, e.g. 2026-12-31 18:00."),
        "date_alone": _("Add the time as well, e.g. %(date)s 18:00: a date alone would mean 00:00 at its start."),
        "skipped": _("%(when)s does not exist in %(zone)s: the clocks go forward then. Enter another time."),
        "repeated": _("%(when)s happens twice in %(zone)s: the clocks go back then. Enter another time, "
                      "or add the UTC offset you mean: %(earlier)s or %(later)s."),
    }

    def to_python(self, value: Any) -> datetime | None:
        if isinstance(value, str):
            text = value.strip()
            if values.is_date_alone(text):
                raise ValidationError(self.error_messages["date_alone"], code="date_alone", params={"date": text})
            self._refuse_clock_change(text)
        return super().to_python(value)

    def _refuse_clock_change(self, text: str) -> None:
        try:
            typed = parse_datetime(text)
        except ValueError:
            return  # not a date at all: Django's own parsing says so
        if typed is None or timezone.is_aware(typed):
            return  # typed with an offset: an instant, whatever the clocks do
        zone = timezone.get_current_timezone()
        change = values.clock_change(typed, zone)
        if change:
            when = typed.strftime("%Y-%m-%d %H:%M")
            earlier, later = (typed.replace(tzinfo=zone, fold=fold).isoformat(" ", "minutes") for fold in (0, 1))
            raise ValidationError(
                self.error_messages[change],
                code=change,
                params={"when": when, "zone": timezone.get_current_timezone_name(), "earlier": earlier, "later": later},
            )


def _zone_abbreviations(zone_name: str) -> str:
    """The zone's winter and summer abbreviations this year ("CET/CEST"), or its one ("JST", "UTC")."""
    zone = timezone.get_current_timezone()
    year = timezone.now().year
    names = [datetime(year, month, 1, 12, tzinfo=UTC).astimezone(zone).strftime("%Z") for month in (1, 7)]
    return "/".join(dict.fromkeys(names)) or zone_name


def _window_help(form: forms.BaseForm) -> None:
    """Name the time zone the window is typed in: the document's (or the reader's own), shown as they read it."""
    zone = timezone.get_current_timezone_name()
    for name in ("comments_open_from", "comments_open_until"):
        form.fields[name].help_text = "{} {}".format(
            _("Year-month-day hour:minute, e.g. 2026-12-31 18:00, in %(zone)s time (%(abbr)s).")
            % {"zone": zone, "abbr": _zone_abbreviations(zone)},
            _("A date alone is refused: give the time too."),
        )
    form.fields["comments_open_from"].help_text = "{} {}".format(
        form.fields["comments_open_from"].help_text, _("Leave both empty for no comment window."))


class DraftSettingsForm(forms.ModelForm):
    class Meta:
        model = Draft
        fields = list(Draft.EDITABLE_FIELDS)
        field_classes = {"comments_open_from": ZonedDateTimeField, "comments_open_until": ZonedDateTimeField}
        widgets = {"note": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        _window_help(self)


class DraftFreezeForm(DraftSettingsForm):
    confirm = forms.BooleanField(
        label=_("I understand that a frozen draft can never change."),
        required=True,
    )
    keep_previous_open = forms.BooleanField(
        label=_("Keep the earlier drafts open for comments until their own deadlines"),
        required=False,
        help_text=_("Otherwise their comment windows close at the freeze, so only the new draft takes comments."),
    )
    submission = _submission_key()


class DraftCommentForm(XtdCommentForm):
    """django-comments-xtd's form (security hash, honeypot, threading, follow-up) with our fields.

    The target is a section as frozen in a draft, or the draft itself. Name and e-mail come from the
    signed-in account, never from the form.
    """

    paragraph = forms.TypedChoiceField(label=_("Paragraph"), coerce=int, required=False, empty_value=None)
    quote = forms.CharField(
        label=_("Quoted phrase (optional)"),
        max_length=500,
        required=False,
        help_text=_("Copy the words your comment is about."),
    )
    # Not asked of a reply (its form does not show it): a reply is part of its comment's thread.
    kind = forms.ChoiceField(
        label=_("Type of comment"), choices=CommentKind.choices, initial=CommentKind.GENERAL, required=False
    )
    proposed_text = forms.CharField(
        label=_("Proposed text (optional)"),
        required=False,
        max_length=20_000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The wording you propose instead, if any."),
    )

    def __init__(self, target, *args, paragraphs: int = 0, **kwargs) -> None:
        super().__init__(target, *args, **kwargs)
        self.fields["comment"].label = _("Comment")
        self.fields["comment"].widget.attrs.update({"rows": 6, "class": "comment-text", "dir": "auto"})
        self.fields["comment"].widget.attrs.pop("placeholder", None)
        self.fields["followup"].label = _("E-mail me when someone replies")
        self.fields["followup"].initial = True
        for name in ("name", "email", "url"):
            self.fields[name].widget = forms.HiddenInput()
        whole = _("The whole section") if isinstance(target, DraftSection) else _("The whole draft")
        self.fields["paragraph"].choices = [("", whole)] + [(n, f"¶{n}") for n in range(1, paragraphs + 1)]

    @classmethod
    def filled(
        cls, target, *, user, comment: str, paragraph: int | None = None, kind: str = CommentKind.GENERAL,
        proposed_text: str = "", quote: str = "", reply_to: int = 0, followup: bool = True,
    ) -> DraftCommentForm:
        """The form as the page would post it for ``user`` (its security fields included), for callers that
        are not a page: the API and the demo. The paragraphs offered are those of ``target``'s text."""
        paragraphs = 0
        if isinstance(target, DraftSection):
            paragraphs = rendering.render_cached(
                target.body, anchor=target.anchor, label=target.number or target.heading,
                language=target.draft.document.language,
            ).paragraph_count
        data = {
            **cls(target).generate_security_data(),
            "name": user.get_full_name() or user.get_username(), "email": user.email, "url": "",
            "comment": comment, "paragraph": paragraph or "", "kind": kind, "proposed_text": proposed_text,
            "quote": quote, "reply_to": reply_to, "followup": "on" if followup else "", "honeypot": "",
        }
        return cls(target, data=data, paragraphs=paragraphs)

    def get_comment_model(self):
        return DraftComment

    def check_for_duplicate_comment(self, new):
        # django-comments drops a comment with the same words on the same target the same day, even
        # on another paragraph or thread. The service spots true double submissions instead.
        return new

    def clean_reply_to(self) -> int:
        reply_to = self.cleaned_data["reply_to"]
        if not reply_to:
            return 0
        if not 0 < reply_to <= MAX_ID:
            raise forms.ValidationError(_("The comment you are replying to does not exist here."), code="bad_parent")
        parent = DraftComment.norel_objects.filter(pk=reply_to).first()
        if parent is None or (parent.content_type_id, parent.object_pk) != (
            self.target_object and ContentType.objects.get_for_model(self.target_object).pk,
            str(self.target_object.pk),
        ):
            raise forms.ValidationError(_("The comment you are replying to does not exist here."), code="bad_parent")
        if not parent.allow_thread():
            raise forms.ValidationError(
                _("Replies can only be one level deep; reply to the first comment instead."), code="too_deep"
            )
        return reply_to

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("reply_to"):
            # What a reply's form does not show, a reply does not have: it answers its comment as a whole.
            cleaned.update({"kind": CommentKind.GENERAL, "paragraph": None, "quote": "", "proposed_text": ""})
        elif not cleaned.get("kind") and "kind" not in self.errors:
            self.add_error("kind", forms.ValidationError(_("Choose the type of comment."), code="required"))
        return cleaned

    def get_comment_create_data(self, site_id=None) -> dict:
        data = super().get_comment_create_data(site_id=site_id)
        target = self.target_object
        data.update(
            {
                "draft": target.draft if isinstance(target, DraftSection) else target,
                "document_id": target.draft.document_id if isinstance(target, DraftSection) else target.document_id,
                "draft_section": target if isinstance(target, DraftSection) else None,
                "paragraph": self.cleaned_data.get("paragraph"),
                "quote": self.cleaned_data.get("quote", "").strip(),
                "kind": self.cleaned_data["kind"],
                "proposed_text": self.cleaned_data.get("proposed_text", "").strip(),
            }
        )
        return data


class CommentEditForm(forms.Form):
    """One's own comment, to reword while the window is open (a reply: its text only)."""

    comment = forms.CharField(
        label=_("Comment"), max_length=COMMENT_MAX_LENGTH, widget=forms.Textarea(attrs={"rows": 6})
    )
    paragraph = forms.TypedChoiceField(label=_("Paragraph"), coerce=int, required=False, empty_value=None)
    quote = forms.CharField(label=_("Quoted phrase (optional)"), max_length=500, required=False)
    kind = forms.ChoiceField(label=_("Type of comment"), choices=CommentKind.choices)
    proposed_text = forms.CharField(
        label=_("Proposed text (optional)"), required=False, max_length=20_000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, comment: DraftComment, paragraphs: int = 0, **kwargs) -> None:
        kwargs.setdefault("initial", {
            "comment": comment.comment, "paragraph": comment.paragraph, "quote": comment.quote,
            "kind": comment.kind, "proposed_text": comment.proposed_text,
        })
        super().__init__(*args, **kwargs)
        if comment.level:  # a reply has only its words
            for name in ("paragraph", "quote", "kind", "proposed_text"):
                del self.fields[name]
        elif comment.draft_section_id is None:
            del self.fields["paragraph"]
        else:
            whole = _("The whole section")
            choices = [("", whole)] + [(n, f"¶{n}") for n in range(1, paragraphs + 1)]
            self.fields["paragraph"].choices = choices  # type: ignore[attr-defined]

    def clean_comment(self) -> str:
        text = self.cleaned_data["comment"]
        if not has_visible_text(text):
            raise forms.ValidationError(_("Write your comment."), code="required")
        return text


class DispositionForm(forms.ModelForm):
    # When the decision the editor saw was made (empty: none yet), so a decision made meanwhile is noticed.
    seen = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    class Meta:
        model = DraftComment
        fields = ["disposition", "response"]
        widgets = {"response": forms.Textarea(attrs={"rows": 3})}


class ApplyProposalForm(SectionTextFields):
    """The comment's section with its proposed text applied, to check and save in one step."""

    disposition = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (Disposition.ACCEPTED, Disposition.ACCEPTED.label),
            (Disposition.MODIFIED, Disposition.MODIFIED.label),
        ],
    )
    response = forms.CharField(
        label=_("Response to the commenter"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    message = forms.CharField(
        label=_("Message for the section's history"), max_length=2000,
        help_text=_("The comment's ID is linked to the version; say what you changed."),
    )
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    seen = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class LinkVersionsForm(forms.Form):
    versions = forms.ModelMultipleChoiceField(
        label=_("Versions that carry out this decision"),
        queryset=Version.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, versions: QuerySet[Version] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if versions is not None:
            field = self.fields["versions"]
            assert isinstance(field, forms.ModelMultipleChoiceField)
            field.queryset = versions
            field.label_from_instance = _version_label  # type: ignore[method-assign, assignment]


def _version_label(version: Version) -> str:
    who = version.revision.user
    name = (who.get_full_name() or who.get_username()) if who is not None else ""
    return f"{values.when(version.revision.date_created)} · {name} · {version.revision.comment or '-'}"


class ReanchorForm(forms.Form):
    """Where a comment whose paragraph is gone belongs in the next draft."""

    section = forms.ModelChoiceField(label=_("Section in the next draft"), queryset=DraftSection.objects.none())
    paragraph = forms.IntegerField(
        label=_("Paragraph (empty: the whole section)"), required=False, min_value=1, max_value=10_000
    )

    def __init__(self, *args, sections: QuerySet[DraftSection] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if sections is not None:
            _model_choices(self, "section").queryset = sections


class BulkDispositionForm(forms.Form):
    comments = forms.ModelMultipleChoiceField(
        label=_("Comments"),
        queryset=DraftComment.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Tick at least one comment in the table (or “Select all on this page”) first."),
            "invalid_choice": _("A ticked comment is no longer in this draft's list. Reload the page."),
            "invalid_pk_value": _("A ticked comment is no longer in this draft's list. Reload the page."),
        },
    )
    disposition = forms.ChoiceField(label=_("Set disposition"), choices=Disposition.choices)
    response = forms.CharField(
        label=_("Response (optional, replaces the current one)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, queryset: QuerySet[DraftComment] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if queryset is not None:
            _model_choices(self, "comments").queryset = queryset


class PublishDecisionsForm(forms.Form):
    """Publish a draft's drafted decisions: all of them, or the ticked ones (the button says which)."""

    scope = forms.ChoiceField(choices=[("all", _("all")), ("selected", _("selected"))], widget=forms.HiddenInput)
    comments = forms.ModelMultipleChoiceField(
        label=_("Decisions to publish"),
        queryset=DraftComment.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={
            "invalid_choice": _("A ticked decision was published or changed meanwhile. Reload the page."),
        },
    )

    def __init__(self, *args, queryset: QuerySet[DraftComment] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if queryset is not None:
            _model_choices(self, "comments").queryset = queryset

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("scope") == "selected" and not cleaned.get("comments") and "comments" not in self.errors:
            self.add_error("comments", forms.ValidationError(
                _("Tick at least one decision to publish, or publish them all."), code="required"))
        return cleaned


class HideCommentForm(forms.Form):
    reason = forms.CharField(
        label=_("Why is this comment hidden?"),
        max_length=2000,
        help_text=_("Kept with the comment; the comment itself is never deleted."),
    )


class CommentFilterForm(forms.Form):
    """The editors' table's filters, which its matrix downloads and ``export_comments`` carry too.

    Given the draft's ``sections``, the section is checked (its number, "7.3", or its key) and cleaned to
    its key; a section the draft does not have is an error, not an empty list that looks like an answer.
    """

    section = forms.CharField(
        label=_("Section"), required=False, max_length=80, help_text=_("Its number (7.3) or its key.")
    )
    kind = forms.ChoiceField(label=_("Type"), required=False, choices=[("", _("Any")), *CommentKind.choices])
    disposition = forms.ChoiceField(
        label=_("Disposition"), required=False, choices=[("", _("Any")), *Disposition.choices]
    )
    category = forms.ChoiceField(
        label=_("Category"), required=False, choices=[("", _("Any")), *StakeholderCategory.choices]
    )
    organisation = forms.CharField(label=_("Organisation"), required=False, max_length=200)

    def __init__(self, *args, sections: QuerySet[DraftSection] | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.sections = sections

    def clean_section(self) -> str:
        typed = self.cleaned_data["section"].strip()
        if not typed or self.sections is None:
            return typed
        found = self.sections.filter(key=typed).first() or self.sections.filter(number=typed).first()
        if found is None:
            raise ValidationError(
                _("This draft has no section “%(section)s”: give a section's number (7.3) or its key."),
                code="unknown_section",
                params={"section": typed},
            )
        return found.key

    def problems(self, *, option: str = "") -> list[str]:
        """Each refused filter in one line: "Section: This draft has no section “9.9” …", or with ``option``
        ("--") as the command's option: "--section: …"."""
        return [
            f"{f'{option}{name}' if option else self.fields[name].label}: "
            + " ".join(message for error in errors for message in error.messages)
            for name, errors in self.errors.as_data().items()
        ]


class SignUpForm(UserCreationForm):
    """A stakeholder account: who they are and whom they speak for."""

    first_name = forms.CharField(label=_("Given name"), max_length=150)
    last_name = forms.CharField(label=_("Family name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), help_text=_("Replies and decisions on your comments are sent here."))
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        required=False,
        validators=[validate_single_line],
        help_text=_("Leave empty if you comment as an individual."),
    )
    category = forms.ChoiceField(label=_("Category"), choices=StakeholderCategory.choices)

    class Meta(UserCreationForm.Meta):  # type: ignore[name-defined]  # django-stubs leaves out Meta, Django has it
        model = get_user_model()
        fields = ["username", "first_name", "last_name", "email"]

    def clean_username(self) -> str:
        username = self.cleaned_data["username"]
        if "@" in username:
            raise forms.ValidationError(
                _("A user name cannot contain “@”: it could be taken for someone's e-mail address."),
                code="username_like_email",
            )
        return username

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if selectors.people_with_email(email).exists():
            raise forms.ValidationError(_("An account with this e-mail address exists already."), code="email_taken")
        return email

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data  # the dict super().clean() returns (its stub says it may be None)
        if data.get("category") != StakeholderCategory.INDIVIDUAL and not data.get("organisation", "").strip():
            self.add_error(
                "organisation",
                forms.ValidationError(
                    _("Name the organisation you comment for, or choose “Individual”."), code="organisation_required"
                ),
            )
        return data


# The regions of the IANA names people pick from; the rest (Etc/GMT+5, US/Eastern, ...) are aliases
# or read backwards, so a list of them only misleads. Any IANA name stays valid where one is typed.
_TIME_ZONE_REGIONS = ("Africa", "America", "Antarctica", "Asia", "Atlantic", "Australia", "Europe", "Indian", "Pacific")


def time_zone_choices(current: str = "") -> list[tuple[str, str]]:
    """The time zones to choose from ("Europe/Zurich" shown as "Europe/Zurich"), with ``current`` kept
    should it be an alias outside the list, so saving the form does not change it unseen."""
    names = {z for z in time_zone_names() if z.split("/", 1)[0] in _TIME_ZONE_REGIONS} | {"UTC"}
    if current in time_zone_names():
        names.add(current)
    return [(z, z.replace("_", " ")) for z in sorted(names)]


class PreferencesForm(forms.Form):
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        required=False,
        help_text=_("Dates and comment windows are shown, and typed, in this time zone. "
                    "Empty: each document's own time zone."),
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["time_zone"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("Each document's own")), *time_zone_choices(self.initial.get("time_zone", ""))]


class InviteForm(forms.Form):
    """An e-mail address to invite. Only the address counts: a user name could be anyone's."""

    email = forms.EmailField(
        label=_("E-mail of the stakeholder"),
        max_length=254,
        help_text=_("They receive a link; they get access when they accept it, signed in with their account."),
    )
    invite_new = forms.BooleanField(widget=forms.HiddenInput, required=False)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip().lower()


MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class ImportForm(forms.Form):
    """A Markdown or Word file to import; ``clean`` reads it, so a bad file is a form error."""

    file = forms.FileField(
        label=_("Markdown (.md) or Word (.docx) file"),
        help_text=_("Up to 20 MB. Headings make the sections: Heading 1 is the title, Heading 2 the principles."),
    )
    message = forms.CharField(label=_("Message for the new versions"), max_length=2000, required=False)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("The file is larger than 20 MB."), code="too_large")
        try:
            self.markdown_text, self.parsed = interchange.read_document(
                upload.name, upload.read(), default_title=upload.name.rsplit(".", 1)[0])
        except interchange.ImportError_ as exc:
            raise forms.ValidationError(str(exc), code="unreadable") from exc
        return upload


class NewDocumentForm(ImportForm):
    slug = forms.SlugField(label=_("Short name in addresses (slug)"), max_length=80)
    title = forms.CharField(label=_("Title (optional)"), max_length=300, required=False,
                            validators=[validate_single_line], help_text=_("Taken from the file's title if empty."))
    time_zone = forms.ChoiceField(
        label=_("Time zone"),
        help_text=Document._meta.get_field("time_zone").help_text,
        choices=time_zone_choices,
        initial=default_time_zone,
        required=False,  # the site's when left out
    )

    def clean_slug(self) -> str:
        slug = self.cleaned_data["slug"]
        if Document.objects.filter(slug__iexact=slug).exists():
            raise forms.ValidationError(_("A document with this slug exists already."), code="slug_taken")
        return slug


class ApplyImportForm(forms.Form):
    """The previewed file, carried as Markdown text, and the working copy's state when previewed."""

    markdown_text = forms.CharField(widget=forms.HiddenInput, strip=False, max_length=MAX_UPLOAD_BYTES)
    state = forms.CharField(widget=forms.HiddenInput, max_length=64)
    message = forms.CharField(label=_("Message for the new versions"), max_length=2000, required=False)


class ApplyPreviewForm(forms.Form):
    """A finished preview job to apply, and the message: the file is the job's, never posted again."""

    job = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    message = ApplyImportForm.base_fields["message"]


# Spreadsheets back in: a delegation's filled comment template, an editor's filled comment matrix ---------


class CommentSheetForm(forms.Form):
    """A filled comment template; ``clean_file`` reads its rows (``lines``), so a bad file is a form error."""

    file = forms.FileField(
        label=_("Filled comment template (.xlsx or .csv)"),
        help_text=_("Up to %(mb)s MB and %(rows)s rows. You see every comment before anything is stored.")
        % {"mb": comment_sheets.MAX_FILE_BYTES // (1024 * 1024), "rows": f"{comment_sheets.MAX_ROWS:,}"},
    )

    def read(self, name: str, data: bytes) -> list:
        return comment_sheets.read_comment_sheet(name, data)

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > comment_sheets.MAX_FILE_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)s MB."), params={"mb": comment_sheets.MAX_FILE_BYTES // (1024 * 1024)},
                code="too_large")
        try:
            self.lines = self.read(upload.name, upload.read())
        except comment_sheets.SheetError as exc:
            raise forms.ValidationError(exc.problems, code="unreadable") from exc
        return upload


class DecisionSheetForm(CommentSheetForm):
    """A comment matrix exported from this draft, with Disposition and Response filled in."""

    file = forms.FileField(
        label=_("Filled comment matrix (.xlsx or .csv)"),
        help_text=_("The matrix as exported from this draft, with Disposition and Response filled in; keep its "
                    "ID and Stamp columns. You see every change before anything is saved."),
    )

    def read(self, name: str, data: bytes) -> list:
        return comment_sheets.read_decision_sheet(name, data)


SHEET_PREVIEW_MAX_AGE = 60 * 60  # seconds a preview may wait for its confirmation


class ConfirmSheetForm(forms.Form):
    """The previewed rows, carried signed to the confirmation, so what is stored is what was previewed."""

    rows = forms.CharField(widget=forms.HiddenInput, strip=False, max_length=MAX_UPLOAD_BYTES)
    filename = forms.CharField(widget=forms.HiddenInput, required=False, max_length=255)
    submission = _submission_key()

    salt = "drafts.comment-sheet"
    line_type: type[comment_sheets.CommentLine] | type[comment_sheets.DecisionLine] = comment_sheets.CommentLine

    @classmethod
    def carrying(cls, lines: list, *, filename: str, **initial: Any) -> Self:
        rows = signing.dumps([[getattr(line, f) for f in cls._fields()] for line in lines], salt=cls.salt,
                             compress=True)
        return cls(initial={"rows": rows, "filename": filename, **initial})

    @classmethod
    def _fields(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls.line_type)]

    def clean_rows(self) -> list:
        try:
            rows = signing.loads(self.cleaned_data["rows"], salt=self.salt, max_age=SHEET_PREVIEW_MAX_AGE)
            return [self.line_type(**dict(zip(self._fields(), row, strict=True))) for row in rows]
        except (signing.BadSignature, TypeError, ValueError) as exc:
            raise forms.ValidationError(
                _("This preview has expired or was altered. Upload the file again."), code="bad_preview") from exc


class ConfirmCommentSheetForm(ConfirmSheetForm):
    followup = forms.BooleanField(label=_("E-mail me when someone replies to these comments"), required=False,
                                  initial=True)


class ConfirmDecisionSheetForm(ConfirmSheetForm):
    salt = "drafts.decision-sheet"
    line_type = comment_sheets.DecisionLine


# The tracker ----------------------------------------------------------------------------------

REASON_HELP = _("Kept in the section's history with your name.")


class StatusChangeForm(forms.Form):
    """Where a section goes next; only the moves its status allows are offered."""

    to_status = forms.ChoiceField(label=_("New status"))
    reason = forms.CharField(
        label=_("Why?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}), help_text=REASON_HELP,
        error_messages={"required": _("Say why the status changes: the reason is kept in the history.")},
    )

    def __init__(self, *args, allowed: list[tuple[str, str]], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["to_status"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = allowed


class PenHoldersForm(forms.Form):
    holders = forms.ModelMultipleChoiceField(
        label=_("Pen-holders"),
        queryset=get_user_model().objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Members of the working group who hold the pen on this section."),
    )

    def __init__(self, *args, candidates: QuerySet, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["holders"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = candidates
        field.label_from_instance = _person_label  # type: ignore[method-assign,assignment]


def _person_label(user: Any) -> str:
    """"Full Name (username)", or the username alone."""
    name = user.get_full_name()
    return f"{name} ({user.get_username()})" if name else user.get_username()


class DocumentTrackingForm(forms.Form):
    pen_holders_only = forms.BooleanField(
        label=_("Only pen-holders and editors edit a section"),
        required=False,
        help_text=_("If on, a member edits only the sections whose pen they hold; editors edit every section."),
    )


class SilencePlaceForm(forms.Form):
    until = ZonedDateTimeField(
        label=_("Under silence until"),
        help_text=_("Year-month-day hour:minute, in the document's time zone. Invited stakeholders may break "
                    "silence until then; after it, the draft reads “adopted under silence” if nobody did."),
    )
    confirm = forms.BooleanField(label=_("Place this draft under silence: it cannot be undone."))


class SilenceBreakForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you break silence?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Everyone with a role on the document reads it, with your organisation's name."),
        error_messages={"required": _("Give the reason for breaking silence.")},
    )


_QUERY_ERRORS = {
    "empty": _("Type one or more words to search for."),
    "too_long": _("A search is at most %(limit)d characters long."),
    "characters": _("The search contains control characters (such as NUL); remove them."),
    "only_excluded": _("Say what to look for, not only what to leave out (“-word” needs a word beside it)."),
    "too_many": _("A search has at most %(terms)d words or phrases."),
}


class SearchForm(forms.Form):
    """The search box and its filters (GET): the page and the API read the same form.

    ``documents`` are the documents the person may see; a document they may not see is not a choice,
    so asking for one gets the same answer as asking for one that does not exist."""

    q = forms.CharField(label=_("Search for"), max_length=10_000, strip=True,
                        error_messages={"required": _QUERY_ERRORS["empty"]})
    document = forms.ChoiceField(label=_("Document"), required=False)
    draft = forms.IntegerField(label=_("Draft"), required=False, min_value=1, max_value=MAX_ID)
    kind = forms.ChoiceField(
        label=_("In"), required=False,
        choices=[
            ("", _("Texts and comments")), ("text", _("Texts of drafts")), ("comment", _("Comments and responses")),
        ],
    )
    category = forms.ChoiceField(
        label=_("Commenter's category"), required=False, choices=[("", _("Any")), *StakeholderCategory.choices]
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=MAX_ID, widget=forms.HiddenInput)

    def __init__(self, *args, documents: QuerySet[Document], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.documents = {d.slug: d for d in documents.order_by("title")}
        field = self.fields["document"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", _("All documents")), *((slug, d.title) for slug, d in self.documents.items())]

    def clean_q(self) -> searching.Query:
        try:
            return searching.parse(self.cleaned_data["q"])
        except searching.QueryError as error:
            raise ValidationError(
                _QUERY_ERRORS[error.code], code=error.code,
                params={"limit": searching.MAX_QUERY_CHARS, "terms": searching.MAX_TERMS},
            ) from None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("draft") and not data.get("document"):
            refusal = ValidationError(_("Choose the document whose draft to search."), code="no_document")
            self.add_error("draft", refusal)
        return data

    def search_arguments(self) -> dict[str, Any]:
        """What ``selectors.search_results`` takes, from the cleaned data."""
        data = self.cleaned_data
        return {
            "document": self.documents.get(data.get("document") or ""),
            "draft_number": data.get("draft"),
            "kind": data.get("kind") or "",
            "category": data.get("category") or "",
            "page": data.get("page") or 1,
        }


class ApiKeyForm(forms.Form):
    name = forms.CharField(
        label=_("What is the key for?"), max_length=100,
        help_text=_("A name to tell your keys apart, e.g. “Delegation tool”."),
        validators=[validate_single_line],
    )


class AnalysisForm(forms.Form):
    """"Who commented on Principle 7": the section number whose comments (its subsections' too) are counted."""

    section = forms.CharField(label=_("Only the section numbered"), required=False, max_length=40,
                              help_text=_("7 counts Principle 7 and its guidelines 7.1, 7.2 …"))


class CampaignDecisionForm(forms.Form):
    """One decision for every comment of a campaign; ``size`` is how many the editor saw, so a campaign that
    grew or shrank since is not decided blind."""

    lead = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=MAX_ID)
    size = forms.IntegerField(widget=forms.HiddenInput, min_value=2, max_value=MAX_ID)
    disposition = forms.ChoiceField(label=_("Disposition for every comment of the campaign"),
                                    choices=[c for c in Disposition.choices if c[0] != Disposition.PENDING])
    response = forms.CharField(label=_("Response"), required=False, max_length=20_000,
                               widget=forms.Textarea(attrs={"rows": 3}))

"""Forms: they check what a person typed; the services decide what happens."""

from __future__ import annotations

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from drafts.models import BODY_MAX_CHARS, HEADING_MAX_LENGTH, Draft, Section, key_validator


def _clean_heading(value: str) -> str:
    value = value.strip()
    if not value:
        raise forms.ValidationError(_("A heading cannot be empty."), code="blank_heading")
    return value


class SectionTextFields(forms.Form):
    heading = forms.CharField(label=_("Heading"), max_length=HEADING_MAX_LENGTH, strip=False)
    body = forms.CharField(
        label=_("Text (Markdown)"),
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 18, "class": "markdown"}),
        validators=[MaxLengthValidator(BODY_MAX_CHARS)],
        help_text=_("Paragraphs separated by a blank line; *emphasis*, **bold**, lists, tables and footnotes."),
    )
    numbered = forms.BooleanField(
        label=_("Numbered"),
        required=False,
        initial=True,
        help_text=_("Unnumbered sections (an introduction, a glossary) do not count in the numbering."),
    )

    def clean_heading(self) -> str:
        return _clean_heading(self.cleaned_data["heading"])


class SectionEditForm(SectionTextFields):
    message = forms.CharField(
        label=_("What did you change, and why?"),
        max_length=2000,
        help_text=_("Kept in the section's history with your name."),
    )
    base_version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


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

    def __init__(self, *args, parents=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if parents is not None:
            self.fields["parent"].queryset = parents


class SectionMoveForm(forms.Form):
    parent = forms.ModelChoiceField(
        label=_("Place under"),
        queryset=Section.objects.none(),
        required=False,
        empty_label=_("(top level)"),
    )
    position = forms.IntegerField(label=_("Position among its siblings"), min_value=1, help_text=_("1 puts it first."))
    message = forms.CharField(label=_("Message"), max_length=2000, required=False)

    def __init__(self, *args, parents=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if parents is not None:
            self.fields["parent"].queryset = parents


class MessageForm(forms.Form):
    message = forms.CharField(label=_("Message"), max_length=2000, required=False)


class DateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs) -> None:
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class DraftSettingsForm(forms.ModelForm):
    class Meta:
        model = Draft
        fields = ["label", "visibility", "status", "comments_open_from", "comments_open_until", "note"]
        widgets = {
            "comments_open_from": DateTimeInput(),
            "comments_open_until": DateTimeInput(),
            "note": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "comments_open_from": _("Your time zone's local time. Leave empty for no comment window."),
        }

    def clean(self) -> dict:
        data = super().clean()
        opens, closes = data.get("comments_open_from"), data.get("comments_open_until")
        if opens and closes and closes <= opens:
            self.add_error(
                "comments_open_until",
                forms.ValidationError(_("The comment window must close after it opens."), code="window_order"),
            )
        return data


class DraftFreezeForm(DraftSettingsForm):
    confirm = forms.BooleanField(
        label=_("I understand that a frozen draft can never change."),
        required=True,
    )

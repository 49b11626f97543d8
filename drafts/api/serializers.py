"""What the API reads and writes. Output serializers describe the objects for the schema; the one input
(a comment) refuses fields it does not know, so a typo is a 400 rather than a silently ignored field."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django_comments.forms import COMMENT_MAX_LENGTH
from rest_framework import serializers

from drafts.models import CommentKind, StakeholderCategory


class StrictSerializer(serializers.Serializer):
    """An input that refuses fields it does not define (400, naming them)."""

    def to_internal_value(self, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"non_field_errors": [_("Send a JSON object.")]})
        unknown = sorted(set(data) - set(self.fields))
        if unknown:
            raise serializers.ValidationError({name: [_("This field is not known.")] for name in unknown})
        return super().to_internal_value(data)


class DocumentSerializer(serializers.Serializer):
    slug = serializers.SlugField()
    title = serializers.CharField()
    symbol = serializers.CharField(allow_blank=True)
    language = serializers.CharField()
    url = serializers.CharField(source="get_absolute_url", help_text="The document's page.")


class DraftSerializer(serializers.Serializer):
    number = serializers.IntegerField()
    # A field named "label" shadows DRF's Field.label (its human name), which a serializer never shows.
    label = serializers.CharField(allow_blank=True)  # type: ignore[assignment]
    title = serializers.CharField()
    visibility = serializers.CharField()
    status = serializers.CharField()
    frozen_at = serializers.DateTimeField()
    comments_open_from = serializers.DateTimeField(allow_null=True)
    comments_open_until = serializers.DateTimeField(allow_null=True)
    comments_open = serializers.SerializerMethodField()
    url = serializers.CharField(source="get_absolute_url")

    def get_comments_open(self, draft) -> bool:
        return draft.comments_open()


class SectionSerializer(serializers.Serializer):
    key = serializers.CharField()
    number = serializers.CharField(allow_blank=True)
    heading = serializers.CharField(allow_blank=True)
    depth = serializers.IntegerField()
    parent_key = serializers.CharField(allow_blank=True)
    position = serializers.IntegerField()
    status = serializers.CharField()
    markdown = serializers.CharField(source="body", allow_blank=True)
    html = serializers.SerializerMethodField(help_text="The rendered, sanitised HTML, paragraphs numbered.")
    url = serializers.CharField(source="get_absolute_url")

    def get_html(self, section) -> str:
        return str(self.context["html"][section.pk])


class CommentSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    reference = serializers.CharField(allow_blank=True, help_text="The comment's ID, e.g. MRN-004.")
    section = serializers.CharField(source="draft_section.key", allow_null=True, default=None)
    number = serializers.CharField(source="draft_section.number", allow_null=True, default=None)
    paragraph = serializers.IntegerField(allow_null=True)
    reply_to = serializers.IntegerField(source="parent_id", allow_null=True)
    kind = serializers.CharField()
    comment = serializers.CharField()
    proposed_text = serializers.CharField(allow_blank=True)
    quote = serializers.CharField(allow_blank=True)
    organisation = serializers.CharField(allow_blank=True)
    category = serializers.CharField(allow_blank=True)
    submitted_at = serializers.DateTimeField(source="submit_date")
    withdrawn = serializers.BooleanField(source="is_withdrawn")
    disposition = serializers.CharField(source="shown_disposition", help_text="As the reader may see it.")
    response = serializers.CharField(source="shown_response", allow_blank=True)
    url = serializers.CharField(source="get_absolute_url")


class CommentCreateSerializer(StrictSerializer):
    section = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=80,
        help_text="The section's key; leave it out to comment on the whole draft.",
    )
    paragraph = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=10_000,
        help_text="The paragraph's number (¶n) in the section; leave it out for the whole section.",
    )
    kind = serializers.ChoiceField(
        choices=CommentKind.choices, default=CommentKind.GENERAL, help_text="general, technical or editorial."
    )
    comment = serializers.CharField(max_length=COMMENT_MAX_LENGTH, help_text="The comment, as plain text.")
    proposed_text = serializers.CharField(required=False, allow_blank=True, max_length=20_000, default="")
    quote = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    reply_to = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, help_text="Reply to this comment id."
    )
    followup = serializers.BooleanField(required=False, default=False, help_text="E-mail me when someone replies.")


class SearchHitSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["draft", "working", "comment", "response", "published"])
    document = serializers.CharField(source="document.slug")
    draft = serializers.IntegerField(source="draft.number", allow_null=True, default=None)
    where = serializers.CharField(help_text="Where the match is, as people cite it: “7.3 ¶2”.")
    heading = serializers.CharField(allow_blank=True)
    url = serializers.CharField()
    excerpt = serializers.CharField(help_text="HTML: the text around the match, escaped, matched words in <mark>.")
    section = serializers.CharField(source="section_key", allow_blank=True)
    paragraph = serializers.IntegerField(allow_null=True)
    comment = serializers.IntegerField(source="comment_id", allow_null=True)
    reference = serializers.CharField(allow_blank=True)
    organisation = serializers.CharField(allow_blank=True)
    category = serializers.ChoiceField(choices=[("", "none"), *StakeholderCategory.choices], allow_blank=True)

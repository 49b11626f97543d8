"""Admin: reversion's history for sections; frozen drafts are read-only apart from their settings."""

from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_comments.models import CommentFlag
from django_comments_xtd.admin import XtdCommentsAdmin
from reversion.admin import VersionAdmin

from drafts.models import Document, Draft, DraftComment, DraftSection, Membership, Profile, Section


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Document)
class DocumentAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "symbol", "numbering", "time_zone"]
    search_fields = ["title", "slug", "symbol"]
    inlines = [MembershipInline]


@admin.register(Section)
class SectionAdmin(VersionAdmin):
    """Sections with reversion's history and recover views; every admin save is one revision."""

    list_display = ["heading", "key", "document", "parent", "position", "numbered", "removed", "version_number"]
    list_filter = ["document", "removed"]
    search_fields = ["heading", "key", "body"]
    readonly_fields = ["key", "document", "version_number"]
    raw_id_fields = ["parent"]

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # nothing is ever hard-deleted: remove a section instead

    def save_model(self, request, obj, form, change) -> None:
        # Every version adds one to version_number (as services.sections._save_version does), so version
        # N stays the section's N-th version: the merge of a stale edit finds its base by that number.
        obj.version_number += 1
        super().save_model(request, obj, form, change)


@admin.register(Draft)
class DraftAdmin(admin.ModelAdmin):
    list_display = ["document", "number", "label", "status", "visibility", "frozen_at"]
    list_filter = ["document", "status", "visibility"]
    readonly_fields = ["document", "number", "frozen_at", "frozen_by"]

    def has_add_permission(self, request) -> bool:
        return False  # drafts are made by freezing, which records every section

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def save_model(self, request, obj, form, change) -> None:
        obj.save(update_fields=[f for f in form.changed_data if f in Draft.EDITABLE_FIELDS] or ["label"])


@admin.register(DraftSection)
class DraftSectionAdmin(admin.ModelAdmin):
    list_display = ["draft", "number", "heading", "key"]
    list_filter = ["draft__document", "draft"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["document", "user", "role"]
    list_filter = ["document", "role"]
    autocomplete_fields = ["user"]


@admin.register(DraftComment)
class DraftCommentAdmin(XtdCommentsAdmin):
    """django-comments-xtd's admin with the consultation fields; dispositions are set in the editors' table."""

    list_display = (
        "reference",
        "organisation",
        "category",
        "draft",
        "anchor",
        "kind",
        "disposition",
        "is_public",
        "submit_date",
    )
    list_display_links = ("reference",)
    list_filter = ("draft__document", "draft", "kind", "disposition", "category", "is_public")
    search_fields = ("reference", "organisation", "user_name", "comment", "proposed_text")
    raw_id_fields = ("user", "draft_section", "draft", "addressed_in", "decided_by")
    readonly_fields = (
        "draft",
        "draft_section",
        "paragraph",
        "organisation",
        "category",
        "reference",
        "decided_by",
        "decided_at",
    )
    fieldsets = (
        (None, {"fields": ("draft", "draft_section", "paragraph", "quote", "reference")}),
        (
            _("Comment"),
            {"fields": ("user", "user_name", "organisation", "category", "kind", "comment", "proposed_text")},
        ),
        (_("Decision"), {"fields": ("disposition", "response", "decided_by", "decided_at", "addressed_in")}),
        (_("Moderation"), {"fields": ("is_public", "is_removed", "hidden_reason")}),
    )

    @admin.display(description=_("where"))
    def anchor(self, obj: DraftComment) -> str:
        return obj.anchor_label

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # comments are hidden with a reason, never deleted


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "organisation", "category", "code"]
    list_filter = ["category"]
    search_fields = ["user__username", "organisation"]


# django-comments-xtd registers flags only for its own model; ours needs them too.
admin.site.register(CommentFlag)

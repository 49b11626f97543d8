"""Comments on frozen drafts: posting, flagging, and the editors' decisions and moderation."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_comments.models import CommentFlag
from django_comments_xtd.models import MaxThreadLevelExceededException

from drafts import access, selectors
from drafts.access import Action
from drafts.models import Disposition, Draft, DraftComment, DraftSection, Profile
from drafts.services import notifications

if TYPE_CHECKING:
    from drafts.access import UserModel


class CommentRefused(Exception):
    """A comment that cannot be accepted; the message is meant for the person who wrote it."""


def profile_for(user: UserModel) -> Profile:
    profile, _created = Profile.objects.get_or_create(user=user)
    return profile


def _organisation_code(profile: Profile) -> str:
    if profile.code:
        return profile.code
    if not profile.organisation.strip():
        return "IND"
    words = [w for w in re.split(r"[^\w]+", profile.organisation) if w and w[0].isalnum()]
    initials = "".join(w[0] for w in words if w[0].isupper()) or "".join(w[0] for w in words)
    code = re.sub(r"[^A-Z0-9]", "", initials.upper())[:8]
    return code or "ORG"


@transaction.atomic
def comment_post(*, form, user: UserModel, draft: Draft, ip_address: str | None = None) -> DraftComment:
    """Store a validated comment form's comment on ``draft``, or refuse it with a reason.

    Refused (nothing stored): outside the comment window, more than ``COMMENTS_PER_MINUTE`` from
    one account in a minute, a reply to a comment the person cannot see. A true double submission
    (same author, target, paragraph, type, thread, text and proposed text within
    ``DUPLICATE_WINDOW``) returns the first comment; anything less alike is a comment of its own.
    The commenter's organisation and category are copied onto the comment, and it gets a stable
    ID (``OHCHR-003``) numbered per organisation within the draft. Followers who may read it are
    e-mailed once the transaction commits.
    """
    access.require(user, draft.document, Action.COMMENT, draft)
    target = form.target_object  # what the form is about must be this draft, or a section of it
    if (target.draft_id if isinstance(target, DraftSection) else target.pk) != draft.pk:
        raise PermissionDenied(_("This comment form does not belong to this draft. Reload the page."))
    # Lock the draft row: numbering IDs and spotting a double click need one writer at a time.
    draft = Draft.objects.select_for_update().get(pk=draft.pk)
    if not draft.comments_open():
        if draft.comments_open_until and timezone.now() >= draft.comments_open_until:
            raise CommentRefused(
                _("The comment period for %(draft)s closed on %(date)s.")
                % {"draft": draft.title, "date": _local(draft.comments_open_until)}
            )
        if draft.comments_open_from and timezone.now() < draft.comments_open_from:
            raise CommentRefused(
                _("The comment period for %(draft)s opens on %(date)s.")
                % {"draft": draft.title, "date": _local(draft.comments_open_from)}
            )
        raise CommentRefused(_("%(draft)s is not open for comments.") % {"draft": draft.title})
    comment = form.get_comment_object()
    if comment.parent_id and not selectors.comments_visible_to(user, draft).filter(pk=comment.parent_id).exists():
        raise CommentRefused(_("The comment you are replying to does not exist here."))
    duplicate = _same_comment_posted(comment, user)
    if duplicate is not None:
        return duplicate
    recent = DraftComment.objects.filter(user=user, submit_date__gte=timezone.now() - timedelta(minutes=1)).count()
    if recent >= settings.COMMENTS_PER_MINUTE:
        raise CommentRefused(
            _("You have posted %(count)s comments in the last minute. Please wait a moment before posting again.")
            % {"count": recent}
        )
    profile = profile_for(user)
    comment.user, comment.ip_address = user, ip_address
    comment.user_name = user.get_full_name() or user.get_username()
    comment.user_email = user.email
    comment.organisation, comment.category = profile.organisation, profile.category
    comment.is_public = True
    if not comment.parent_id:
        code = _organisation_code(profile)
        taken = DraftComment.objects.filter(draft=draft, reference__startswith=f"{code}-").count()
        comment.reference = f"{code}-{taken + 1:03d}"
    try:
        comment.save()
    except MaxThreadLevelExceededException as exc:
        raise CommentRefused(_("Replies can only be one level deep.")) from exc
    transaction.on_commit(lambda: notifications.followup_notify(comment))
    return comment


@transaction.atomic
def comment_dispose(
    *, comments, user: UserModel, draft: Draft, disposition: str, response: str | None = None
) -> int:
    """Record the editors' decision on one or more comments of ``draft``; returns how many changed."""
    access.require(user, draft.document, Action.MANAGE_COMMENTS)
    if disposition not in Disposition.values:
        raise ValidationError(_("Unknown disposition."), code="unknown_disposition")
    changes = {"disposition": disposition, "decided_by": user, "decided_at": timezone.now()}
    if response is not None:
        changes["response"] = response.strip()
    ids = [c.pk for c in comments]
    return DraftComment.objects.filter(pk__in=ids, draft=draft, level=0).update(**changes)


@transaction.atomic
def comment_hide(*, comment: DraftComment, user: UserModel, reason: str) -> DraftComment:
    """Hide a comment from everyone but the working group, with the reason. Nothing is deleted."""
    access.require(user, comment.draft.document, Action.MANAGE_COMMENTS)
    if not reason.strip():
        raise ValidationError(_("Give the reason for hiding the comment."), code="reason_required")
    comment.is_public, comment.hidden_reason = False, reason.strip()
    comment.save(update_fields=["is_public", "hidden_reason"])
    return comment


@transaction.atomic
def comment_flag(*, comment: DraftComment, user: UserModel) -> None:
    """Ask the editors to look at a comment (django-comments' removal suggestion flag), once per person.

    Only a comment the person may see: the same selector the page lists comments with decides.
    """
    access.require(user, comment.draft.document, Action.COMMENT, comment.draft)
    if not selectors.comments_visible_to(user, comment.draft).filter(pk=comment.pk).exists():
        raise PermissionDenied(_("You cannot flag a comment you cannot see."))
    CommentFlag.objects.get_or_create(comment=comment, user=user, flag=CommentFlag.SUGGEST_REMOVAL)


DUPLICATE_WINDOW = timedelta(minutes=10)


def _same_comment_posted(comment: DraftComment, user: UserModel) -> DraftComment | None:
    """The comment this one repeats word for word, if the same person posted it moments ago:
    a double click or a resubmitted page, not a second comment that happens to say the same."""
    # xtd stores a top-level comment as its own parent, so "the same thread" reads differently for each.
    thread = {"parent_id": comment.parent_id, "level__gt": 0} if comment.parent_id else {"level": 0}
    return (
        DraftComment.objects.filter(
            **thread,
            user=user,
            draft=comment.draft,
            draft_section=comment.draft_section,
            paragraph=comment.paragraph,
            kind=comment.kind,
            comment=comment.comment,
            proposed_text=comment.proposed_text,
            submit_date__gte=timezone.now() - DUPLICATE_WINDOW,
        )
        .order_by("pk")
        .first()
    )


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%d %B %Y, %H:%M %Z")

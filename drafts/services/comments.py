"""Comments on frozen drafts: posting, flagging, and the editors' decisions and moderation."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django_comments.models import CommentFlag
from django_comments_xtd.models import MaxThreadLevelExceededException

from drafts import access, selectors, values
from drafts.access import Action
from drafts.models import (
    CommentBatch,
    CommentChange,
    CommentEdit,
    Disposition,
    Document,
    Draft,
    DraftComment,
    DraftSection,
    Notice,
    Profile,
)
from drafts.services import outbox
from drafts.services import search as search_index
from drafts.services.sections import section_save

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
    ID (``OHCHR-003``) numbered per organisation within the document, across its drafts.
    Followers who may read it are e-mailed once the transaction commits.
    """
    access.require(user, draft.document, Action.COMMENT, draft)
    target = form.target_object  # what the form is about must be this draft, or a section of it
    if (target.draft_id if isinstance(target, DraftSection) else target.pk) != draft.pk:
        raise PermissionDenied(_("This comment form does not belong to this draft. Reload the page."))
    draft = _lock_for_new_comments(draft)
    _refuse_unless_open(draft)
    comment = form.get_comment_object()
    if comment.parent_id:
        parent = selectors.comments_visible_to(user, draft).filter(pk=comment.parent_id).first()
        if parent is None:
            raise CommentRefused(_("The comment you are replying to does not exist here."))
        if parent.is_withdrawn:
            raise CommentRefused(_("Its author withdrew the comment you are replying to; it takes no more replies."))
    duplicate = _same_comment_posted(comment, user)
    if duplicate is not None:
        return duplicate
    _refuse_over_the_limit(user)
    profile = profile_for(user)
    comment.user, comment.ip_address = user, ip_address
    comment.user_name = user.get_full_name() or user.get_username()
    comment.user_email = user.email
    comment.organisation, comment.category = profile.organisation, profile.category
    comment.is_public = True
    if not comment.parent_id:
        (comment.reference,) = _next_references(draft.document_id, profile)
    try:
        comment.save()
    except MaxThreadLevelExceededException as exc:
        raise CommentRefused(_("Replies can only be one level deep.")) from exc
    search_index.comments_indexed([comment.pk])
    outbox.notice_record(Notice.Kind.FOLLOWUP, document=draft.document, draft=draft, comment=comment)
    return comment


def _lock_for_new_comments(draft: Draft) -> Draft:
    """Lock the document row, then the draft's, and return the draft read afresh (the caller is in a
    transaction): IDs are numbered across all the document's drafts (a version can cite "MRN-004"
    without naming the draft), and spotting a double click needs one writer at a time."""
    Document.objects.select_for_update().values_list("pk", flat=True).get(pk=draft.document_id)
    return Draft.objects.select_for_update().get(pk=draft.pk)


def _refuse_unless_open(draft: Draft) -> None:
    """Raise :class:`CommentRefused`, saying when, unless ``draft``'s comment window is open now."""
    if draft.comments_open():
        return
    if draft.comments_open_until and timezone.now() >= draft.comments_open_until:
        raise CommentRefused(
            _("The comment period for %(draft)s closed on %(date)s.")
            % {"draft": draft.title, "date": values.when(draft.comments_open_until)}
        )
    if draft.comments_open_from and timezone.now() < draft.comments_open_from:
        raise CommentRefused(
            _("The comment period for %(draft)s opens on %(date)s.")
            % {"draft": draft.title, "date": values.when(draft.comments_open_from)}
        )
    raise CommentRefused(_("%(draft)s is not open for comments.") % {"draft": draft.title})


def _refuse_over_the_limit(user: UserModel) -> None:
    """Raise :class:`CommentRefused` once ``user`` has acted ``COMMENTS_PER_MINUTE`` times in the last minute.

    The limit counts actions, not rows: a comment or reply posted on its own counts once, and so does an
    uploaded comment template, however many comments it holds (those carry their batch)."""
    since = timezone.now() - timedelta(minutes=1)
    recent = (
        DraftComment.objects.filter(user=user, batch__isnull=True, submit_date__gte=since).count()
        + CommentBatch.objects.filter(user=user, created_at__gte=since).count()
    )
    if recent >= settings.COMMENTS_PER_MINUTE:
        raise CommentRefused(
            _("You have posted %(count)s comments in the last minute. Please wait a moment before posting again.")
            % {"count": recent}
        )


def _next_references(document_id: int, profile: Profile, count: int = 1) -> list[str]:
    """The next ``count`` comment IDs of ``profile``'s organisation (``MRN-004``, ``MRN-005`` ...), numbered
    per organisation within the document, across its drafts. The caller holds the document row's lock
    (:func:`_lock_for_new_comments`) until they are saved, so no one else takes the same numbers."""
    code = _organisation_code(profile)
    taken = DraftComment.objects.filter(draft__document=document_id, reference__startswith=f"{code}-").count()
    return [f"{code}-{taken + n:03d}" for n in range(1, count + 1)]


def _own_while_open(comment: DraftComment, user: UserModel) -> DraftComment:
    """The comment, locked and read afresh, if ``user`` wrote it and its draft still takes comments."""
    access.require(user, comment.draft.document, Action.COMMENT, comment.draft)
    current = DraftComment.objects.select_for_update(of=("self",)).select_related("draft").get(pk=comment.pk)
    if current.user_id != user.pk:
        raise PermissionDenied(_("Only its author can change a comment."))
    if not current.draft.comments_open():
        raise CommentRefused(
            _("The comment period for %(draft)s is closed: comments can no longer be changed or withdrawn.")
            % {"draft": current.draft.title}
        )
    if current.is_withdrawn:
        raise CommentRefused(_("You withdrew this comment; it can no longer be changed."))
    return current


@transaction.atomic
def comment_edit(
    *,
    comment: DraftComment,
    user: UserModel,
    text: str,
    proposed_text: str = "",
    kind: str | None = None,
    paragraph: int | None = None,
    quote: str = "",
) -> DraftComment:
    """Change one's own comment while the window is open. The earlier wording is kept (the working
    group can read it); a reply keeps its thread, so only its text changes. Nothing changes once the
    editors have decided on the comment: their decision answers the words they read."""
    current = _own_while_open(comment, user)
    if current.disposition != Disposition.PENDING:
        raise CommentRefused(_("The editors have decided on this comment, so its wording stays as they read it."))
    new: dict[str, object] = {"comment": text.strip()} if current.level else {
        "comment": text.strip(),
        "proposed_text": proposed_text.strip(),
        "kind": kind or current.kind,
        "paragraph": paragraph,
        "quote": quote.strip(),
    }
    if all(getattr(current, field) == value for field, value in new.items()):
        return current
    now = timezone.now()
    CommentEdit.objects.create(
        comment=current,
        kind=current.kind,
        paragraph=current.paragraph,
        quote=current.quote,
        text=current.comment,
        proposed_text=current.proposed_text,
        written_at=current.edited_at or current.submit_date,
        replaced_at=now,
    )
    for field, value in new.items():
        setattr(current, field, value)
    current.edited_at = now
    current.save(update_fields=[*new, "edited_at"])
    search_index.comments_indexed([current.pk])
    return current


@transaction.atomic
def comment_withdraw(*, comment: DraftComment, user: UserModel) -> DraftComment:
    """Withdraw one's own comment while the window is open: it stays, marked withdrawn, in the
    thread and in the matrix (nothing is deleted), and takes no more replies or edits."""
    current = _own_while_open(comment, user)
    current.withdrawn_at = timezone.now()
    current.save(update_fields=["withdrawn_at"])
    return current


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
    changed = DraftComment.objects.filter(pk__in=ids, draft=draft, level=0).update(**changes)
    if response is not None:
        search_index.comments_indexed(ids)
    return changed


class CampaignChanged(Exception):
    """The campaign is not as the editor saw it (a comment joined or left it since): nothing was decided."""


@transaction.atomic
def campaign_dispose(*, draft: Draft, user: UserModel, lead: int, size: int, disposition: str, response: str) -> int:
    """Decide every comment of the campaign led by comment ``lead`` at once, as it stands now; refused
    with :class:`CampaignChanged` (nothing written) unless it still has the ``size`` comments the editor
    saw. Returns how many comments were decided."""
    access.require(user, draft.document, Action.MANAGE_COMMENTS)
    group = next((g for g in selectors.campaigns_of(user, draft) if g.lead.pk == lead), None)
    if group is None or group.size != size:
        raise CampaignChanged
    return comment_dispose(comments=group.members, user=user, draft=draft, disposition=disposition, response=response)


class DecisionConflict(Exception):
    """Someone decided the comment after the editor opened it; nothing was written."""

    def __init__(self, comment: DraftComment) -> None:
        super().__init__(f"Comment {comment} was decided meanwhile.")
        self.comment = comment


def decision_stamp(comment: DraftComment) -> str:
    """What the decision form carries to notice a decision made meanwhile: when it was last decided."""
    return comment.decided_at.isoformat() if comment.decided_at else ""


@transaction.atomic
def comment_decide(
    *, comment: DraftComment, user: UserModel, disposition: str, response: str, seen: str | None = None
) -> DraftComment:
    """Decide one comment, unless someone decided it after the editor saw ``seen`` (its
    :func:`decision_stamp`): then :class:`DecisionConflict`, with their decision, and nothing written."""
    access.require(user, comment.draft.document, Action.MANAGE_COMMENTS)
    current = DraftComment.objects.select_for_update(of=("self",)).get(pk=comment.pk, level=0)
    if seen is not None and decision_stamp(current) != seen:
        raise DecisionConflict(current)
    comment_dispose(comments=[current], user=user, draft=current.draft, disposition=disposition, response=response)
    current.refresh_from_db()
    return current


@transaction.atomic
def comment_apply_proposal(
    *,
    comment: DraftComment,
    user: UserModel,
    base_version: int,
    heading: str,
    body: str,
    message: str,
    disposition: str,
    response: str,
    seen: str | None = None,
) -> DraftComment:
    """Accept a comment by applying its proposed text to the working copy, in one step.

    Saves ``heading``/``body`` (the editor's copy of the section with the proposal applied) as one
    version of the comment's section whose message cites the comment, links the comment to that
    version, and records the decision. Optimistic: a section saved since ``base_version`` is merged
    with this edit where they do not overlap; where they do, :class:`EditConflict` is raised and
    nothing at all is written (the decision neither).
    """
    access.require(user, comment.draft.document, Action.MANAGE_COMMENTS)
    if disposition not in (Disposition.ACCEPTED, Disposition.MODIFIED):
        raise ValidationError(
            _("Applying the proposed text accepts the comment (with or without modifications)."), code="not_accepted"
        )
    if comment.level or comment.draft_section is None:
        raise ValidationError(_("Only a comment on a section can change its text."), code="no_section")
    section = comment.draft_section.section
    saved = section_save(
        section=section,
        user=user,
        base_version=base_version,
        heading=heading,
        body=body,
        message=message.strip() or _("Applies %(ref)s") % {"ref": comment},
        addresses=[comment],
        link_as=CommentChange.How.APPLIED,
    )
    if not saved.created:
        raise ValidationError(_("The text is unchanged, so there is nothing to apply."), code="unchanged")
    return comment_decide(comment=comment, user=user, disposition=disposition, response=response, seen=seen)


@transaction.atomic
def decisions_publish(*, draft: Draft, user: UserModel, comments: list[DraftComment] | None = None) -> int:
    """Publish the drafted decisions of ``draft`` (all of them, or those of ``comments``): stakeholders
    and the public see a decision only from then on, as it stood when published. Returns how many were
    published; each commenter whose comments got a published decision receives one e-mail listing them
    once the transaction commits."""
    access.require(user, draft.document, Action.MANAGE_COMMENTS)
    drafted = (
        DraftComment.objects.select_for_update(of=("self",))
        .filter(draft=draft, level=0)
        .exclude(disposition=F("published_disposition"), response=F("published_response"))
    )
    if comments is not None:
        drafted = drafted.filter(pk__in=[c.pk for c in comments])
    ids = list(drafted.values_list("pk", flat=True))
    if not ids:
        return 0
    DraftComment.objects.filter(pk__in=ids).update(
        published_disposition=F("disposition"), published_response=F("response"), published_at=timezone.now()
    )
    search_index.comments_indexed(ids)
    outbox.notice_record(Notice.Kind.DECISIONS_PUBLISHED, document=draft.document, draft=draft, comments=ids)
    return len(ids)


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

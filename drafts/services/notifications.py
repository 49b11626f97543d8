"""Everything the app e-mails, and the links in those e-mails.

DESIGN rule 7: a message goes to one person at a time, and only after the access decision has said
that this person may read what it quotes, exactly as a page would for them. This module writes the
messages (``*_mails``); the outbox (``drafts.services.outbox``) records them and is the one place
that sends mail (DESIGN rule 8). tests/test_mail_access.py holds each kind of message to its
recipient's access.

Bodies are plain text rendered with autoescaping off (no ``&amp;`` in a mail); subjects are one
line (a stray newline in a label must never become a mail header). Links carry no personal data:
the mute link signs three ids, never a name, an address or a password hash.
"""

from __future__ import annotations

import re
import zoneinfo
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sites.models import Site
from django.core import signing
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import override

from drafts import access, selectors
from drafts.access import Action
from drafts.models import Document, Draft, DraftComment, DraftSection, Invitation, Profile

if TYPE_CHECKING:
    from drafts.access import UserModel

MUTE_SALT = "drafts.followup-mute"
INVITATION_SALT = "drafts.invitation"
INVITATION_MAX_AGE = 60 * 60 * 24 * 30  # an invitation link works for 30 days


@dataclass(frozen=True)
class Mail:
    to: str
    subject: str
    body: str


def absolute(path: str) -> str:
    return f"{settings.SITE_SCHEME}://{Site.objects.get_current().domain}{path}"


def one_line(text: str) -> str:
    """A subject line: every run of whitespace and control characters becomes one space."""
    return re.sub(r"[\s\x00-\x1f\x7f-\x9f]+", " ", text).strip()


def _their_time(person: UserModel, document: Document) -> timezone.override:
    """Dates in a message read in its recipient's time zone: theirs if they chose one, else the document's."""
    chosen = Profile.objects.filter(user=person).values_list("time_zone", flat=True).first()
    return timezone.override(zoneinfo.ZoneInfo(chosen or document.time_zone))


def _body(template: str, context: dict) -> str:
    return render_to_string(f"drafts/mail/{template}", context)


# Follow-ups: a new comment or reply, to the people who follow that section of that draft -------------


def _followers(comment: DraftComment) -> list[UserModel]:
    """People who asked to hear of new comments on the same section (or the same draft as a whole)."""
    following = DraftComment.objects.filter(
        draft=comment.draft_id, draft_section=comment.draft_section_id, followup=True, user__isnull=False
    ).exclude(user=comment.user_id)
    return list(get_user_model().objects.filter(pk__in=following.values("user"), is_active=True).exclude(email=""))


def followup_mails(comment: DraftComment) -> list[Mail]:
    """The follow-up messages a new comment causes: one per follower who may read *this* comment.

    The comment and its draft are read afresh: this runs after the commit, and the visibility the
    recipients are checked against is the draft's as it is now.
    """
    comment = DraftComment.objects.select_related("draft__document", "draft_section__draft").get(pk=comment.pk)
    draft = comment.draft
    where = comment.draft_section.title if comment.draft_section else draft.title
    mails = []
    for person in _followers(comment):
        if not _may_read_comment(person, comment):
            continue  # a draft they no longer read, a thread kept apart, a hidden comment: not told
        with override(settings.LANGUAGE_CODE), _their_time(person, draft.document):
            subject = _("%(document)s: a new comment on %(where)s") % {"document": draft.document.title, "where": where}
            body = _body(
                "followup.txt",
                {
                    "person": person.get_full_name() or person.get_username(),
                    "where": where,
                    "comment": comment,
                    "url": absolute(comment.get_absolute_url()),
                    "mute_url": absolute(reverse("drafts:followup_mute", args=[mute_token(person, comment)])),
                },
            )
        mails.append(Mail(person.email, subject, body))
    return mails


def _may_read_comment(person: UserModel, comment: DraftComment) -> bool:
    """What the section page would show this person: the draft, then the comment among those listed."""
    if not access.access_for(person, comment.draft.document).allows(Action.READ_DRAFT, comment.draft):
        return False
    return selectors.comments_visible_to(person, comment.draft).filter(pk=comment.pk).exists()


def mute_token(person: UserModel, comment: DraftComment) -> str:
    """A signed token naming who stops hearing about which target; ids only."""
    target = comment.draft_section or comment.draft
    content_type = ContentType.objects.get_for_model(target)
    return signing.dumps([person.pk, content_type.pk, target.pk], salt=MUTE_SALT, compress=True)


@dataclass(frozen=True)
class MuteTarget:
    person: UserModel
    draft: Draft
    section: DraftSection | None

    @property
    def title(self) -> str:
        return self.section.title if self.section else self.draft.title


def mute_target(token: str) -> MuteTarget | None:
    """What a mute link names, if its signature holds and the thread still exists."""
    try:
        person_id, content_type_id, object_pk = signing.loads(token, salt=MUTE_SALT)
        model = ContentType.objects.get_for_id(int(content_type_id)).model_class()
    except (signing.BadSignature, ValueError, TypeError, ContentType.DoesNotExist):
        return None
    person = get_user_model().objects.filter(pk=person_id).first()
    if person is None or model not in (Draft, DraftSection):
        return None
    if model is DraftSection:
        section = DraftSection.objects.select_related("draft__document").filter(pk=object_pk).first()
        return MuteTarget(person, section.draft, section) if section else None
    draft = Draft.objects.select_related("document").filter(pk=object_pk).first()
    return MuteTarget(person, draft, None) if draft else None


@transaction.atomic
def followup_mute(target: MuteTarget) -> int:
    """Stop follow-up mail to this person about this section (or draft); the signed link is the
    authority, so no sign-in is needed. Returns how many of their comments stopped following."""
    return DraftComment.objects.filter(
        user=target.person, draft=target.draft, draft_section=target.section, followup=True
    ).update(followup=False)


# A new draft is out: to those who commented on the previous one, if they may read the new one -------


def draft_published_mails(draft: Draft, previous: Draft) -> list[Mail]:
    commenters = get_user_model().objects.filter(
        pk__in=DraftComment.objects.filter(draft=previous, level=0).values("user"), is_active=True
    ).exclude(email="")
    url = absolute(reverse("drafts:my_comments"))
    mails = []
    for person in commenters:
        if not access.access_for(person, draft.document).allows(Action.READ_DRAFT, draft):
            continue
        with override(settings.LANGUAGE_CODE), _their_time(person, draft.document):
            subject = _("%(document)s: %(draft)s is out") % {"document": draft.document.title, "draft": draft.title}
            body = _body(
                "draft_published.txt",
                {
                    "draft": draft,
                    "previous": previous,
                    "url": url,
                    "draft_url": absolute(draft.get_absolute_url()),
                    "changes_url": absolute(
                        reverse("drafts:draft_changes", kwargs={"slug": draft.document.slug, "number": draft.number})
                    ),
                },
            )
        mails.append(Mail(person.email, subject, body))
    return mails


# Decisions published: to each commenter, one message listing the decisions on their comments -------


def decisions_published_mails(draft: Draft, comment_ids: list[int]) -> list[Mail]:
    """One message per commenter whose comments just got a published decision, listing only what the
    comment list of the draft would show them (a draft or thread hidden from them since: not told)."""
    draft = Draft.objects.select_related("document").get(pk=draft.pk)
    published = DraftComment.objects.filter(pk__in=comment_ids, level=0, user__isnull=False)
    people = get_user_model().objects.filter(pk__in=published.values("user"), is_active=True).exclude(email="")
    mails = []
    for person in people:
        if not access.access_for(person, draft.document).allows(Action.READ_DRAFT, draft):
            continue
        theirs = list(
            selectors.comments_visible_to(person, draft)
            .filter(pk__in=comment_ids, user=person)
            .order_by("draft_section__order", "paragraph", "reference")
        )
        if not theirs:
            continue
        with override(settings.LANGUAGE_CODE), _their_time(person, draft.document):
            subject = _("%(document)s: the decisions on your comments on %(draft)s") % {
                "document": draft.document.title, "draft": draft.title}
            body = _body(
                "decisions_published.txt",
                {
                    "draft": draft,
                    "person": person.get_full_name() or person.get_username(),
                    "decisions": [
                        (c, c.get_shown_disposition_display(), absolute(c.get_absolute_url())) for c in theirs
                    ],
                    "url": absolute(reverse("drafts:my_comments")),
                },
            )
        mails.append(Mail(person.email, subject, body))
    return mails


# Invitations: to an address the editor typed; the link, not the address, grants access --------------


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps(invitation.pk, salt=INVITATION_SALT)


def invitation_from_token(token: str) -> Invitation | None:
    try:
        pk = signing.loads(token, salt=INVITATION_SALT, max_age=INVITATION_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is one
        return None
    return Invitation.objects.select_related("document", "invited_by").filter(pk=pk).first()


def invitation_mails(invitation: Invitation, *, has_account: bool) -> list[Mail]:
    document = invitation.document
    inviter = invitation.invited_by.get_full_name() or invitation.invited_by.get_username()
    path = reverse("drafts:invitation_accept", args=[invitation_token(invitation)])
    link = absolute(path)
    with override(settings.LANGUAGE_CODE):
        subject = _("Invitation to comment on “%(document)s”") % {"document": document.title}
        body = _body(
            "invitation.txt",
            {"document": document, "inviter": inviter, "link": link, "has_account": has_account,
             "sign_up": absolute(f"{reverse('sign_up')}?{urlencode({'next': path})}")},
        )
    return [Mail(invitation.email, subject, body)]


# Silence procedure: broken, or ended, to everyone with a role on the document who reads the draft ----


def _silence_audience(draft: Draft) -> list[UserModel]:
    people = get_user_model().objects.filter(
        memberships__document=draft.document, is_active=True
    ).exclude(email="").distinct().order_by("pk")
    return [p for p in people if access.access_for(p, draft.document).allows(Action.READ_DRAFT, draft)]


def silence_mails(draft: Draft, *, ended: bool) -> list[Mail]:
    """The silence procedure on ``draft`` was broken (a break was just recorded) or has ended: the
    outcome, who broke it and why, to each person with a role on the document who reads the draft."""
    draft = Draft.objects.select_related("document", "silence").get(pk=draft.pk)
    silence = draft.silence
    breaks = list(silence.breaks.select_related("user").order_by("broken_at", "pk"))
    url = absolute(draft.get_absolute_url())
    mails = []
    for person in _silence_audience(draft):
        with override(settings.LANGUAGE_CODE), _their_time(person, draft.document):
            names = {"document": draft.document.title, "draft": draft.title}
            if not ended:
                subject = _("%(document)s: silence on %(draft)s has been broken") % names
            elif breaks:
                subject = _("%(document)s: the silence procedure on %(draft)s has ended; silence was broken") % names
            else:
                subject = _("%(document)s: %(draft)s is adopted under silence") % names
            body = _body("silence.txt", {"draft": draft, "silence": silence, "breaks": breaks, "ended": ended,
                                         "url": url})
        mails.append(Mail(person.email, subject, body))
    return mails

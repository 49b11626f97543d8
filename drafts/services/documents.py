"""Documents and the roles people have on them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from drafts import access, selectors
from drafts.access import Action
from drafts.models import Document, Invitation, Membership, Notice, Role
from drafts.models.documents import default_time_zone
from drafts.services import outbox

if TYPE_CHECKING:
    from drafts.access import UserModel


@transaction.atomic
def document_create(
    *,
    slug: str,
    title: str,
    user: UserModel,
    symbol: str = "",
    numbering_scheme: str = Document.Numbering.PRINCIPLES,
    time_zone: str = "",
) -> Document:
    """Create a document (staff only); its creator becomes its editor (the system actor needs no role).
    Its dates are entered and shown in ``time_zone`` (an IANA name; the site's if empty)."""
    access.require_document_creator(user)
    document = Document(slug=slug, title=title.strip(), symbol=symbol.strip(), numbering=numbering_scheme,
                        time_zone=time_zone or default_time_zone())
    document.full_clean()
    document.save()
    if not access.is_system(user):
        Membership.objects.create(document=document, user=user, role=Role.EDITOR)
        access.forget_roles(user)
    return document


@transaction.atomic
def membership_set(*, document: Document, person: UserModel, role: str, user: UserModel) -> Membership:
    """Give ``person`` one role on a document (replacing any role they had there); editors only."""
    access.require(user, document, Action.MANAGE_MEMBERS)
    if role not in Role.values:
        raise ValidationError(_("Unknown role “%(role)s”.") % {"role": role}, code="unknown_role")
    membership, _created = Membership.objects.update_or_create(document=document, user=person, defaults={"role": role})
    access.forget_roles(person)
    return membership


@transaction.atomic
def invitation_send(*, document: Document, email: str, user: UserModel) -> Invitation:
    """Invite an e-mail address to the document's restricted drafts (editors only).

    Nothing is granted yet: the address receives a signed link, and whoever accepts it signed in
    (which proves they read that address) becomes a stakeholder. If nobody has an account with
    the address, the mail asks them to create one first. A working-group member cannot be invited
    (they read everything already).
    """
    access.require(user, document, Action.MANAGE_MEMBERS)
    email = email.strip().lower()
    people = selectors.people_with_email(email)
    if any(access.access_for(person, document).in_working_group for person in people):
        raise ValidationError(
            _("%(email)s belongs to a member of the working group, who reads every draft already.") % {"email": email},
            code="in_working_group",
        )
    invitation = Invitation.objects.create(document=document, email=email, invited_by=user)
    has_account = people.exists()
    outbox.notice_record(Notice.Kind.INVITATION, document=document, invitation=invitation, has_account=has_account)
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: UserModel) -> Membership | None:
    """The signed-in person who opened the invitation link takes it up: they become a stakeholder of
    the document, unless they have a role there already (an invitation never lowers a role).

    An invitation is accepted once; a second account cannot reuse the link.
    """
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if not user.is_authenticated or not user.is_active:
        raise ValidationError(_("Sign in to accept the invitation."), code="signed_out")
    if invitation.accepted_by_id is not None and invitation.accepted_by_id != user.pk:
        raise ValidationError(_("This invitation has already been accepted by another account."), code="taken")
    invitation.accepted_by, invitation.accepted_at = user, invitation.accepted_at or timezone.now()
    invitation.save(update_fields=["accepted_by", "accepted_at"])
    if access.role_for(user, invitation.document) is not None:
        return None
    # The invitation is the editor's decision, recorded with their name; acting as them here is
    # what they asked for when they sent it.
    return membership_set(
        document=invitation.document, person=user, role=Role.STAKEHOLDER, user=invitation.invited_by
    )

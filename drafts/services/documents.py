"""Documents and the roles people have on them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from drafts import access
from drafts.access import Action
from drafts.models import Document, Membership, Role

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
) -> Document:
    """Create a document (staff only); its creator becomes its editor (the system actor needs no role)."""
    access.require_document_creator(user)
    document = Document(slug=slug, title=title.strip(), symbol=symbol.strip(), numbering=numbering_scheme)
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

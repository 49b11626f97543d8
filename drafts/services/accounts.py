"""Accounts people make for themselves: the one write that needs no acting user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from drafts.models import Profile

if TYPE_CHECKING:
    from drafts.access import UserModel


@transaction.atomic
def stakeholder_sign_up(
    *, username: str, password: str, email: str, first_name: str, last_name: str, organisation: str, category: str
) -> UserModel:
    """Create a stakeholder's account and profile together.

    One account per e-mail address, whatever its case: the database holds that rule (a unique index
    on the lower-cased address), so two sign-ups racing with one address make one account and the
    other is told why.
    """
    try:
        with transaction.atomic():
            user = get_user_model().objects.create_user(
                username=username, password=password, email=email.strip().lower(), first_name=first_name,
                last_name=last_name,
            )
    except IntegrityError as exc:
        raise ValidationError(
            _("An account with this user name or e-mail address exists already."), code="account_exists"
        ) from exc
    Profile.objects.create(user=user, organisation=organisation.strip(), category=category)
    return user

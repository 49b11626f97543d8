"""Accounts people make for themselves: the one write that needs no acting user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from drafts.models import Profile, validate_time_zone

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


@transaction.atomic
def preferences_set(*, user: UserModel, time_zone: str) -> str:
    """A person's own preferences: the time zone they read dates in ("" for each document's own)."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in to set your preferences."))
    if time_zone:
        validate_time_zone(time_zone)
    profile, _created = Profile.objects.get_or_create(user=user)
    profile.time_zone = time_zone
    profile.save(update_fields=["time_zone"])
    return time_zone

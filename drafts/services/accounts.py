"""Accounts people make for themselves: the one write that needs no acting user."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from drafts.models import ApiToken, Profile, key_digest, validate_time_zone

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


# A person holds at most this many live API keys (a revoked one no longer counts).
API_TOKENS_PER_PERSON = 20


@transaction.atomic
def api_token_create(*, user: UserModel, name: str) -> tuple[ApiToken, str]:
    """Make an API key for ``user``; returns it and the key itself, which is shown this once (only its
    SHA-256 is kept). Refused for the system actor and past :data:`API_TOKENS_PER_PERSON` live keys."""
    if not user.is_authenticated or not user.is_active:
        raise PermissionDenied(_("Sign in to make an API key."))
    name = name.strip()
    if not name:
        raise ValidationError(_("Name the key after what will use it."), code="required")
    get_user_model().objects.select_for_update().filter(pk=user.pk).first()  # one maker at a time per person
    if ApiToken.objects.filter(user=user, revoked_at__isnull=True).count() >= API_TOKENS_PER_PERSON:
        raise ValidationError(
            _("You have %(count)d API keys already; revoke one you no longer use first."),
            code="too_many", params={"count": API_TOKENS_PER_PERSON},
        )
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user=user, name=name[:100], digest=key_digest(key), prefix=key[:8])
    return token, key


@transaction.atomic
def api_token_revoke(*, user: UserModel, token_id: int) -> ApiToken:
    """Revoke one of ``user``'s own API keys (from the next request on, it is refused). Someone else's key,
    or none, is :class:`~django.core.exceptions.ObjectDoesNotExist`; revoking twice changes nothing."""
    token = ApiToken.objects.select_for_update().get(pk=token_id, user=user)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token

"""Accounts people make for themselves: the one write that needs no acting user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.db import transaction

from drafts.models import Profile

if TYPE_CHECKING:
    from drafts.access import UserModel


@transaction.atomic
def stakeholder_sign_up(
    *, username: str, password: str, email: str, first_name: str, last_name: str, organisation: str, category: str
) -> UserModel:
    """Create a stakeholder's account and profile together."""
    user = get_user_model().objects.create_user(
        username=username, password=password, email=email, first_name=first_name, last_name=last_name
    )
    Profile.objects.create(user=user, organisation=organisation.strip(), category=category)
    return user

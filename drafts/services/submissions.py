"""Forms submitted twice do their work once.

A page that writes something costly or numbered (freezing a draft, adding a section) carries a
one-time key in a hidden field. The service that does the work records the key with its result,
inside the same transaction and after taking the lock that serialises that work; a repeat of the
key (a double click, a reload, a retry after a timeout, two tabs at once) finds the record and
returns the first result.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from drafts.models import Submission

if TYPE_CHECKING:
    from drafts.access import UserModel


def new_key() -> str:
    """A key for one rendering of a form."""
    return secrets.token_urlsafe(24)


def submitted_result(*, user: UserModel, action: str, key: str) -> int | None:
    """The id of what this key's first submission made, or None if it is new (or there is no key)."""
    if not key:
        return None
    return Submission.objects.filter(user=user, action=action, key=key).values_list("result", flat=True).first()


def submission_record(*, user: UserModel, action: str, key: str, result: int) -> None:
    if key:
        Submission.objects.create(user=user, action=action, key=key, result=result)

"""THE access decision: what one person may do with one document and its drafts.

Everything that asks "may this person ...?" asks here: the selectors filter with it, the views turn
its "no" into a 404 (or a 403 for someone in the working group, who knows the page exists), and every
service that writes calls :func:`require` before it touches anything, so no caller (page, command,
task, API) can skip a role.

Roles are per document (:class:`~drafts.models.Role`). Django superusers act as editors everywhere.
Commands run without ``--user`` act as the *system actor*: an inactive account that nobody can sign
in as, named :data:`SYSTEM_USERNAME`, which acts as an editor on every document and is recorded in
the history like anyone else.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeAlias

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from drafts.models import Document, Draft, Membership, Role

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser
    from django.contrib.auth.models import User as UserModel  # settings.AUTH_USER_MODEL, as django-stubs sees it

    # Whoever is asking, typed as request.user is: a signed-in person or a visitor. Services take a
    # UserModel: each one records the person acting (in the history, or on a row it writes).
    User: TypeAlias = UserModel | AnonymousUser

SYSTEM_USERNAME = "drafting-system"


class Action(StrEnum):
    """What a person may ask to do with a document."""

    READ_DRAFT = "read_draft"  # read a frozen draft (needs the draft)
    COMMENT = "comment"  # comment on, reply to or flag comments of a draft (needs the draft)
    SEE_WORKING_COPY = "see_working_copy"  # the live outline, sections, history, compare with it
    EDIT_SECTIONS = "edit_sections"  # add, edit, move, remove, restore, revert sections
    MANAGE_DRAFTS = "manage_drafts"  # freeze, change a draft's settings, import a revision
    MANAGE_COMMENTS = "manage_comments"  # decide on comments, hide them
    MANAGE_MEMBERS = "manage_members"  # give people roles, invite stakeholders
    CHANGE_STATUS = "change_status"  # move a section through its workflow (agreeing it: editors only)
    BREAK_SILENCE = "break_silence"  # break the silence procedure on a draft (needs the draft)


_DRAFT_ACTIONS = {Action.READ_DRAFT, Action.COMMENT, Action.BREAK_SILENCE}
_WORKING_GROUP = (Role.MEMBER, Role.EDITOR)
_EDITOR_ONLY = {Action.MANAGE_DRAFTS, Action.MANAGE_COMMENTS, Action.MANAGE_MEMBERS}

_REFUSALS = {
    Action.READ_DRAFT: _("You cannot read this draft."),
    Action.COMMENT: _("Sign in with an account that may read this draft to comment on it."),
    Action.SEE_WORKING_COPY: _("Only the working group sees the working copy."),
    Action.EDIT_SECTIONS: _("Only the working group edits sections."),
    Action.MANAGE_DRAFTS: _("Only the document's editors manage its drafts."),
    Action.MANAGE_COMMENTS: _("Only the document's editors decide on comments."),
    Action.MANAGE_MEMBERS: _("Only the document's editors give people roles."),
    Action.CHANGE_STATUS: _("Only the working group changes the status of a section."),
    Action.BREAK_SILENCE: _("Only the stakeholders invited to this document break silence on its drafts."),
}


def system_actor() -> UserModel:
    """The account commands and background tasks act as when no ``--user`` is given.

    Inactive with an unusable password, so nobody can sign in as it; made on first use.
    """
    user, created = get_user_model().objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"is_active": False, "first_name": "Drafting system"}
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def is_system(user: User | None) -> bool:
    return bool(
        user is not None
        and user.is_authenticated
        and not user.is_active
        and user.get_username() == SYSTEM_USERNAME
    )


def _roles(user: Any) -> dict[int, str]:
    # One query per user object, however many times a page asks (the object lives for one request).
    roles = getattr(user, "_document_roles", None)
    if roles is None:
        roles = dict(Membership.objects.filter(user=user).values_list("document_id", "role"))
        user._document_roles = roles
    return roles


def sees_everything(user: User | None) -> bool:
    """Active superusers and the system actor act as editors on every document."""
    if user is None or not user.is_authenticated:
        return False
    return is_system(user) or bool(user.is_active and getattr(user, "is_superuser", False))


def role_for(user: User | None, document: Document) -> str | None:
    """The person's role on the document (:func:`sees_everything` people are editors everywhere)."""
    if sees_everything(user):
        return Role.EDITOR
    if user is None or not user.is_authenticated or not user.is_active:
        return None
    return _roles(user).get(document.pk)


def forget_roles(user: Any) -> None:
    """Drop the roles remembered on this user object (after they change within one request)."""
    if hasattr(user, "_document_roles"):
        del user._document_roles


def _readable_visibilities(role: str | None) -> tuple[str, ...]:
    """The draft visibilities a role reads: the one statement of that rule."""
    if role in _WORKING_GROUP:
        return tuple(Draft.Visibility.values)
    if role == Role.STAKEHOLDER:
        return (Draft.Visibility.PUBLIC, Draft.Visibility.RESTRICTED)
    return (Draft.Visibility.PUBLIC,)


@dataclass(frozen=True)
class DocumentAccess:
    """What one person may do with one document: computed once, asked many times."""

    document: Document
    role: str | None
    signed_in: bool
    user_id: int | None = None

    @property
    def readable_visibilities(self) -> tuple[str, ...]:
        """The draft visibilities this person reads."""
        return _readable_visibilities(self.role)

    @property
    def in_working_group(self) -> bool:
        return self.role in _WORKING_GROUP

    @property
    def is_editor(self) -> bool:
        return self.role == Role.EDITOR

    def can_read_draft(self, draft: Draft) -> bool:
        return draft.document_id == self.document.pk and draft.visibility in self.readable_visibilities

    def allows(self, action: Action, draft: Draft | None = None) -> bool:
        """Whether this person may do ``action`` (on ``draft``, for the actions about one draft)."""
        if action in _DRAFT_ACTIONS:
            if draft is None:
                raise ValueError(f"{action} is about one draft; pass it.")
            readable = self.can_read_draft(draft)
            if action == Action.BREAK_SILENCE:
                return readable and self.role == Role.STAKEHOLDER
            return readable and (action == Action.READ_DRAFT or self.signed_in)
        if action in _EDITOR_ONLY:
            return self.is_editor
        return self.in_working_group

    def may_edit_section(self, pen_holder_ids: Collection[int]) -> bool:
        """Whether this person may change a section whose pen-holders are ``pen_holder_ids``: the working
        group may, unless the document lets only pen-holders edit, when only they and the editors may."""
        if not self.allows(Action.EDIT_SECTIONS):
            return False
        if self.is_editor or not self.document.pen_holders_only:
            return True
        return self.user_id in pen_holder_ids

    def may_agree(self) -> bool:
        """Whether this person may move a section to or from an agreed status, or edit an agreed one."""
        return self.is_editor

    def refusal(self, action: Action, draft: Draft | None = None) -> int | None:
        """None if allowed; else the status a page answers: 404 where the person may not know the
        thing exists, 403 where they do (a working-group member asking for an editor's page)."""
        if self.allows(action, draft):
            return None
        if draft is not None and not self.can_read_draft(draft):
            return 404
        return 403 if self.in_working_group or action in _DRAFT_ACTIONS else 404

    def require(self, action: Action, draft: Draft | None = None) -> None:
        """Raise ``PermissionDenied`` unless this person may do ``action``."""
        if not self.allows(action, draft):
            raise PermissionDenied(str(_REFUSALS[action]))


def access_for(user: User | None, document: Document) -> DocumentAccess:
    """What ``user`` may do with ``document`` (``None`` and anonymous users may only read public drafts)."""
    return DocumentAccess(
        document=document,
        role=role_for(user, document),
        signed_in=bool(user is not None and user.is_authenticated and user.is_active),
        user_id=user.pk if user is not None and user.is_authenticated else None,
    )


def readable_drafts(user: User | None, prefix: str = "") -> Q:
    """The drafts, across every document, this person reads, as a filter: the rule of
    :attr:`DocumentAccess.readable_visibilities` for lists that span documents ("My comments").
    ``prefix`` is the path to the draft, e.g. ``"draft__"``.
    """
    if sees_everything(user):
        return Q()
    visible = Q(**{f"{prefix}visibility__in": _readable_visibilities(None)})
    if user is None or not user.is_authenticated or not user.is_active:
        return visible
    documents_by_visibilities: dict[tuple[str, ...], list[int]] = {}
    for document_id, role in _roles(user).items():
        documents_by_visibilities.setdefault(_readable_visibilities(role), []).append(document_id)
    for visibilities, documents in documents_by_visibilities.items():
        visible |= Q(**{f"{prefix}document_id__in": documents, f"{prefix}visibility__in": visibilities})
    return visible


def working_group_documents(user: User | None) -> list[int] | None:
    """The documents whose working group this person is in (where they see drafted decisions), across
    every document; None for people who act as editors everywhere."""
    if sees_everything(user):
        return None
    if user is None or not user.is_authenticated or not user.is_active:
        return []
    return [document for document, role in _roles(user).items() if role in _WORKING_GROUP]


def require(user: User | None, document: Document, action: Action, draft: Draft | None = None) -> None:
    """The check every writing service makes first: ``PermissionDenied`` unless ``user`` may do it."""
    access_for(user, document).require(action, draft)


def can_create_documents(user: User | None) -> bool:
    """Staff start new documents (from a file); so do superusers and the system actor."""
    return bool(
        user is not None
        and user.is_authenticated
        and (is_system(user) or (user.is_active and (user.is_staff or user.is_superuser)))
    )


def require_document_creator(user: User | None) -> None:
    if not can_create_documents(user):
        raise PermissionDenied(_("Only staff start new documents."))

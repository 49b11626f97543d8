"""The access rule, role by role and action by action: through the decision, the services and the pages.

Every table below has one column per role (``ROLES``) and one row per action; a test case is one cell.
Where a cell says no, the call must be refused *and* nothing may have been written; where it says
yes, the write must have happened. The tables are the rule as the project states it, written out by
hand: they do not ask ``drafts.access`` what it thinks.

The data (``build_world``) is made once for the module; each test runs in its own savepoint inside it
and gets fresh objects, so every test starts from the same rows (see ``built_world``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.shortcuts import resolve_url
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone
from django_comments.models import CommentFlag
from reversion.models import Version

from drafts import interchange, selectors, services
from drafts.access import Action, access_for, can_create_documents, system_actor
from drafts.forms import DraftCommentForm
from drafts.models import (
    ApiToken,
    CommentChange,
    Disposition,
    Document,
    Draft,
    DraftComment,
    DraftSection,
    Invitation,
    Membership,
    PenHolder,
    Role,
    Section,
    Silence,
    SilenceBreak,
    StatusChange,
)
from tests.factories import freeze, make_document, make_principles, make_user

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "outsider", "stakeholder", "member", "editor", "elsewhere", "staff", "superuser")
# anonymous    not signed in
# outsider     signed up, not invited to the document
# stakeholder  invited to the document (Role.STAKEHOLDER)
# member       in the document's working group (Role.MEMBER)
# editor       the document's editor (Role.EDITOR)
# elsewhere    editor of another document, no role on this one
# staff        is_staff, no role on the document (staff start documents, nothing more)
# superuser    is_superuser (and is_staff, as createsuperuser makes them)

OK, NO = "allowed", "refused"
LOGIN = "login"  # a redirect to the sign-in page

WORKING_GROUP_DRAFT, RESTRICTED_DRAFT, PUBLIC_DRAFT = 1, 2, 3  # the drafts' numbers in the fixture
MD5_HASHER = "django.contrib.auth.hashers.MD5PasswordHasher"  # the users' passwords are never used


def cells(table: dict[str, tuple]) -> list:
    """One ``(role, action, expected)`` case per cell of a table, with a readable id."""
    for action, row in table.items():
        assert len(row) == len(ROLES), f"{action}: {len(row)} cells for {len(ROLES)} roles"
    return [
        pytest.param(role, action, row[i], id=f"{action}-{role}-{row[i]}")
        for action, row in table.items()
        for i, role in enumerate(ROLES)
    ]


# The world -----------------------------------------------------------------------------------------


def open_window() -> dict:
    now = timezone.now()
    return {"comments_open_from": now - timedelta(days=1), "comments_open_until": now + timedelta(days=14)}


@dataclass
class World:
    people: dict  # role -> user (AnonymousUser for "anonymous")
    document: Document
    drafts: dict  # visibility -> Draft
    comments: dict  # visibility -> a stakeholder's comment on that draft
    first_version: Version  # of p1-g1, which has been edited since (something to revert to)

    def section(self, key: str) -> Section:
        return Section.objects.get(document=self.document, key=key)

    def draft(self, number: int) -> Draft:
        return Draft.objects.get(document=self.document, number=number)

    def reloaded(self) -> World:
        """The same rows as fresh objects, so nothing one test cached on an object (roles) reaches the next."""
        user = get_user_model()
        return World(
            people={role: person if role == "anonymous" else user.objects.get(pk=person.pk)
                    for role, person in self.people.items()},
            document=Document.objects.get(pk=self.document.pk),
            drafts={visibility: Draft.objects.get(pk=d.pk) for visibility, d in self.drafts.items()},
            comments={visibility: DraftComment.objects.get(pk=c.pk) for visibility, c in self.comments.items()},
            first_version=Version.objects.get(pk=self.first_version.pk),
        )


def comment_form(target: DraftSection, text: str) -> DraftCommentForm:
    """A comment form filled in as the page's form would be (security data included), validated."""
    data = {
        **DraftCommentForm(target).generate_security_data(),
        "name": "Someone", "email": "someone@example.org", "url": "", "comment": text, "paragraph": "",
        "kind": "general", "proposed_text": "", "quote": "", "followup": "on", "honeypot": "", "reply_to": 0,
    }
    form = DraftCommentForm(target, data=data)
    assert form.is_valid(), form.errors.as_text()
    return form


def build_world() -> World:
    """One document with a working-group, a restricted and a public draft (comments open on the last two),
    four sections (one edited since, one removed), a stakeholder's comment on each open draft, and one
    person per role."""
    people = {
        name: make_user(name, email=f"{name}@example.org", first_name=name.title())
        for name in ("outsider", "stakeholder", "member", "editor", "elsewhere", "commenter")
    }
    people["staff"] = make_user("staff", email="staff@example.org", is_staff=True)
    people["superuser"] = make_user("root", email="root@example.org", is_staff=True, is_superuser=True)
    people["anonymous"] = AnonymousUser()
    make_document("other", editor=people["elsewhere"])
    document = make_document(
        "guidance",
        editor=people["editor"],
        members=[people["member"]],
        stakeholders=[people["stakeholder"], people["commenter"]],
    )
    make_principles(document, principles=1, guidelines=2)  # intro, p1, p1-g1, p1-g2
    edited = Section.objects.get(document=document, key="p1-g1")
    first_version = Version.objects.get_for_object(edited).get()
    services.section_update(section=edited, user=system_actor(), base_version=edited.version_number,
                            heading=edited.heading, body="Second wording of 1.1.", message="Second wording")
    drafts = {
        Draft.Visibility.WORKING_GROUP: freeze(document, visibility=Draft.Visibility.WORKING_GROUP),
        Draft.Visibility.RESTRICTED: freeze(document, visibility=Draft.Visibility.RESTRICTED, **open_window()),
        # Kept open on purpose: the world has two drafts taking comments at once.
        Draft.Visibility.PUBLIC: freeze(
            document, visibility=Draft.Visibility.PUBLIC, keep_previous_open=True, **open_window()
        ),
    }
    services.section_remove(section=Section.objects.get(document=document, key="p1-g2"), user=system_actor())
    comments = {}
    for visibility in (Draft.Visibility.RESTRICTED, Draft.Visibility.PUBLIC):
        target = DraftSection.objects.get(draft=drafts[visibility], key="p1-g1")
        comments[visibility] = services.comment_post(
            form=comment_form(target, f"A comment on the {visibility} draft."),
            user=people["commenter"], draft=drafts[visibility],
        )
    # A decision drafted on the public draft's comment and not yet published, for the publishing rows.
    services.comment_dispose(comments=[comments[Draft.Visibility.PUBLIC]], user=system_actor(),
                             draft=drafts[Draft.Visibility.PUBLIC], disposition=Disposition.NOTED, response="Noted.")
    # The restricted draft is under silence, for the silence rows.
    services.silence_place(draft=drafts[Draft.Visibility.RESTRICTED], user=system_actor(),
                           until=timezone.now() + timedelta(days=3))
    people.pop("commenter")
    return World(people=people, document=document, drafts=drafts, comments=comments, first_version=first_version)


@pytest.fixture(scope="module")
def built_world(django_db_setup, django_db_blocker):
    """The world, built once for this module inside a transaction rolled back after its last test.

    Each test runs inside it in its own savepoint (pytest-django's ``django_db``), rolled back after the
    test, so every test starts from exactly this data and sees nothing another test wrote.
    """
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=[MD5_HASHER]), transaction.atomic():
        yield build_world()
        transaction.set_rollback(True)


@pytest.fixture
def world(built_world) -> World:
    return built_world.reloaded()


# What was written ------------------------------------------------------------------------------------


def what_is_written() -> dict[str, object]:
    """Everything an action could write, compared before and after."""
    return {
        "documents": sorted(Document.objects.values_list("slug", "title", "pen_holders_only")),
        "memberships": sorted(Membership.objects.values_list("document_id", "user_id", "role")),
        "invitations": sorted(Invitation.objects.values_list("document_id", "email", "invited_by_id")),
        "sections": sorted(Section.objects.values_list(
            "document_id", "key", "version_number", "removed", "parent_id", "position", "heading", "body", "numbered")),
        "versions": Version.objects.count(),
        "drafts": sorted(Draft.objects.values_list("document_id", "number", *Draft.EDITABLE_FIELDS)),
        "comments": sorted(DraftComment.objects.values_list(
            "pk", "comment", "disposition", "response", "decided_by_id", "is_public", "hidden_reason", "carried",
            "carried_to_id", "carried_paragraph", "published_disposition", "published_response", "edited_at",
            "withdrawn_at")),
        "comment_changes": sorted(CommentChange.objects.values_list("comment_id", "version_id", "how")),
        "flags": sorted(CommentFlag.objects.values_list("comment_id", "user_id", "flag")),
        "statuses": sorted(StatusChange.objects.values_list("section_id", "to_status", "changed_by_id"))
        + sorted(Section.objects.values_list("pk", "status")),
        "pens": sorted(PenHolder.objects.values_list("section_id", "user_id")),
        "silences": sorted(Silence.objects.values_list("draft_id", "until"))
        + sorted(SilenceBreak.objects.values_list("silence_id", "user_id")),
        "api_keys": sorted(ApiToken.objects.values_list("user_id", "name", "revoked_at")),
    }


def changed_since(before: dict[str, object]) -> set[str]:
    after = what_is_written()
    return {name for name in before if before[name] != after[name]}


def assert_nothing_written(before: dict[str, object]) -> None:
    changed = changed_since(before)
    assert not changed, f"a refused action wrote to: {', '.join(sorted(changed))}"


def assert_written(before: dict[str, object], expected: frozenset[str]) -> None:
    changed = changed_since(before)
    assert expected <= changed, f"expected writes to {sorted(expected)}, got {sorted(changed)}"


SECTIONS = frozenset({"sections", "versions"})
DRAFTS = frozenset({"drafts"})
COMMENTS = frozenset({"comments"})
COMMENT_CHANGES = frozenset({"comment_changes"})
FLAGS = frozenset({"flags"})
MEMBERSHIPS = frozenset({"memberships"})
INVITATIONS = frozenset({"invitations"})
NEW_DOCUMENT = frozenset({"documents", "sections", "versions"})
STATUSES = frozenset({"statuses"})
PENS = frozenset({"pens"})
SETTINGS = frozenset({"documents"})
SILENCES = frozenset({"silences"})
API_KEYS = frozenset({"api_keys"})
NOTHING: frozenset[str] = frozenset()

REVISED = """# Guidance

## Introduction {#intro}

Why these principles.

## Principle 1: Principle heading 1 {#p1}

Principle 1 text.

### 1.1 Guideline 1.1 {#p1-g1}

The wording of 1.1 as revised in the file.
"""

FRESH = """# A fresh document

## One {#one}

Its only section.
"""


# The decision ----------------------------------------------------------------------------------------

DECISIONS = {
    #                         anonymous outsider stakeholder member editor elsewhere staff superuser
    "read_working_group":    (NO,       NO,      NO,         OK,    OK,    NO,       NO,   OK),
    "read_restricted":       (NO,       NO,      OK,         OK,    OK,    NO,       NO,   OK),
    "read_public":           (OK,       OK,      OK,         OK,    OK,    OK,       OK,   OK),
    "comment_working_group": (NO,       NO,      NO,         OK,    OK,    NO,       NO,   OK),
    "comment_restricted":    (NO,       NO,      OK,         OK,    OK,    NO,       NO,   OK),
    "comment_public":        (NO,       OK,      OK,         OK,    OK,    OK,       OK,   OK),
    "see_working_copy":      (NO,       NO,      NO,         OK,    OK,    NO,       NO,   OK),
    "edit_sections":         (NO,       NO,      NO,         OK,    OK,    NO,       NO,   OK),
    "manage_drafts":         (NO,       NO,      NO,         NO,    OK,    NO,       NO,   OK),
    "manage_comments":       (NO,       NO,      NO,         NO,    OK,    NO,       NO,   OK),
    "manage_members":        (NO,       NO,      NO,         NO,    OK,    NO,       NO,   OK),
    "create_documents":      (NO,       NO,      NO,         NO,    NO,    NO,       OK,   OK),
}

_DRAFT_OF = {"working_group": WORKING_GROUP_DRAFT, "restricted": RESTRICTED_DRAFT, "public": PUBLIC_DRAFT}


def decide(world: World, user, action: str) -> bool:
    """What ``drafts.access`` answers for one row of DECISIONS (for reads, the selector must agree)."""
    if action == "create_documents":
        return can_create_documents(user)
    access = access_for(user, world.document)
    verb, _sep, visibility = action.partition("_")
    if verb in ("read", "comment") and visibility in _DRAFT_OF:
        draft = world.draft(_DRAFT_OF[visibility])
        allowed = access.allows(Action.READ_DRAFT if verb == "read" else Action.COMMENT, draft)
        if verb == "read":
            listed = selectors.drafts_visible_to(user, world.document).filter(pk=draft.pk).exists()
            assert listed == allowed, "the selector and the decision disagree"
        return allowed
    return access.allows(Action(action))


@pytest.mark.parametrize(("role", "action", "expected"), cells(DECISIONS))
def test_the_access_decision(world, role, action, expected) -> None:
    """``drafts.access`` answers each role and action as the table says."""
    assert (OK if decide(world, world.people[role], action) else NO) == expected


# The services ----------------------------------------------------------------------------------------


def _section_create(w: World, user) -> None:
    services.section_create(document=w.document, user=user, heading="A new section", body="New text.")


def _section_update(w: World, user) -> None:
    section = w.section("p1-g1")
    services.section_update(section=section, user=user, base_version=section.version_number,
                            heading=section.heading, body="Third wording of 1.1.", message="Third wording")


def _section_move(w: World, user) -> None:
    services.section_move(section=w.section("p1-g1"), user=user, parent=None, position=1)


def _section_remove(w: World, user) -> None:
    services.section_remove(section=w.section("p1-g1"), user=user)


def _section_restore(w: World, user) -> None:
    services.section_restore(section=w.section("p1-g2"), user=user)


def _section_revert(w: World, user) -> None:
    services.section_revert(section=w.section("p1-g1"), user=user, version=w.first_version)


def _draft_freeze(w: World, user) -> None:
    services.draft_freeze(document=w.document, user=user)


def _draft_update_settings(w: World, user) -> None:
    services.draft_update_settings(draft=w.draft(RESTRICTED_DRAFT), user=user, label="Renamed")


def _document_import_update(w: World, user) -> None:
    services.document_import(parsed=interchange.parse_markdown(REVISED), slug="guidance", user=user, update=True)


def _comment_dispose(w: World, user) -> None:
    services.comment_dispose(comments=[w.comments[Draft.Visibility.RESTRICTED]], user=user,
                             draft=w.draft(RESTRICTED_DRAFT), disposition=Disposition.ACCEPTED, response="Agreed.")


def _comment_link_versions(w: World, user) -> None:
    services.comment_link_versions(comment=w.comments[Draft.Visibility.RESTRICTED], user=user,
                                   versions=[w.first_version])


def _comment_reanchor(w: World, user) -> None:
    services.comment_reanchor(comment=w.comments[Draft.Visibility.RESTRICTED], user=user, target=None)


def _comment_apply_proposal(w: World, user) -> None:
    section = w.section("p1-g1")
    services.comment_apply_proposal(comment=w.comments[Draft.Visibility.RESTRICTED], user=user,
                                    base_version=section.version_number, heading=section.heading,
                                    body="The proposed wording.", message="", disposition=Disposition.ACCEPTED,
                                    response="Applied.")


def _decisions_publish(w: World, user) -> None:
    services.decisions_publish(draft=w.drafts[Draft.Visibility.PUBLIC], user=user)


def _comment_edit(w: World, user) -> None:
    services.comment_edit(comment=w.comments[Draft.Visibility.PUBLIC], user=user, text="Reworded by someone else.")


def _comment_withdraw(w: World, user) -> None:
    services.comment_withdraw(comment=w.comments[Draft.Visibility.RESTRICTED], user=user)


def _comment_hide(w: World, user) -> None:
    services.comment_hide(comment=w.comments[Draft.Visibility.PUBLIC], user=user, reason="Off topic.")


def _membership_set(w: World, user) -> None:
    services.membership_set(document=w.document, person=w.people["outsider"], role=Role.STAKEHOLDER, user=user)


def _invitation_send(w: World, user) -> None:
    services.invitation_send(document=w.document, email="someone.new@example.org", user=user)


def _comment_post(number: int) -> Callable[[World, object], None]:
    def post(w: World, user) -> None:
        draft = w.draft(number)
        target = DraftSection.objects.get(draft=draft, key="p1-g1")
        services.comment_post(form=comment_form(target, "Posted by the test."), user=user, draft=draft)

    return post


def _comment_flag(visibility: str) -> Callable[[World, object], None]:
    def flag(w: World, user) -> None:
        services.comment_flag(comment=w.comments[visibility], user=user)

    return flag


def _document_create(w: World, user) -> None:
    services.document_create(slug="fresh", title="A fresh document", user=user)


def _document_import_new(w: World, user) -> None:
    services.document_import(parsed=interchange.parse_markdown(FRESH), slug="fresh", user=user)


SERVICE_CALLS: dict[str, tuple[Callable[[World, object], None], frozenset[str]]] = {
    "section_create": (_section_create, SECTIONS),
    "section_update": (_section_update, SECTIONS),
    "section_move": (_section_move, SECTIONS),
    "section_remove": (_section_remove, SECTIONS),
    "section_restore": (_section_restore, SECTIONS),
    "section_revert": (_section_revert, SECTIONS),
    "draft_freeze": (_draft_freeze, DRAFTS),
    "draft_update_settings": (_draft_update_settings, DRAFTS),
    "document_import_update": (_document_import_update, SECTIONS),
    "comment_dispose": (_comment_dispose, COMMENTS),
    "comment_hide": (_comment_hide, COMMENTS),
    "decisions_publish": (_decisions_publish, COMMENTS),
    "comment_edit": (_comment_edit, COMMENTS),
    "comment_withdraw": (_comment_withdraw, COMMENTS),
    "comment_link_versions": (_comment_link_versions, COMMENT_CHANGES),
    "comment_reanchor": (_comment_reanchor, COMMENTS),
    "comment_apply_proposal": (_comment_apply_proposal, SECTIONS | COMMENTS | COMMENT_CHANGES),
    "membership_set": (_membership_set, MEMBERSHIPS),
    "invitation_send": (_invitation_send, INVITATIONS),
    "comment_post_restricted": (_comment_post(RESTRICTED_DRAFT), COMMENTS),
    "comment_post_public": (_comment_post(PUBLIC_DRAFT), COMMENTS),
    "comment_flag_restricted": (_comment_flag(Draft.Visibility.RESTRICTED), FLAGS),
    "comment_flag_public": (_comment_flag(Draft.Visibility.PUBLIC), FLAGS),
    "document_create": (_document_create, frozenset({"documents"})),
    "document_import_new": (_document_import_new, NEW_DOCUMENT),
}

SERVICES = {
    #                           anonymous outsider stakeholder member editor elsewhere staff superuser
    "section_create":          (NO,       NO,      NO,         OK,    OK,    NO,       NO,   OK),
    "section_update":          (NO,       NO,      NO,         OK,    OK,    NO,       NO,   OK),
    "section_move":            (NO,       NO,      NO,         OK,    OK,    NO,       NO,   OK),
    "section_remove":          (NO,       NO,      NO,         OK,    OK,    NO,       NO,   OK),
    "section_restore":         (NO,       NO,      NO,         OK,    OK,    NO,       NO,   OK),
    "section_revert":          (NO,       NO,      NO,         OK,    OK,    NO,       NO,   OK),
    "draft_freeze":            (NO,       NO,      NO,         NO,    OK,    NO,       NO,   OK),
    "draft_update_settings":   (NO,       NO,      NO,         NO,    OK,    NO,       NO,   OK),
    "document_import_update":  (NO,       NO,      NO,         NO,    OK,    NO,       NO,   OK),
    "comment_dispose":         (NO,       NO,      NO,         NO,    OK,    NO,       NO,   OK),
    "comment_hide":            (NO,       NO,      NO,         NO,    OK,    NO,       NO,   OK),
    "decisions_publish":       (NO,       NO,      NO,         NO,    OK,    NO,       NO,   OK),
    # Only a comment's author changes or withdraws it: nobody here wrote it, not even the editors.
    "comment_edit":            (NO,       NO,      NO,         NO,    NO,    NO,       NO,   NO),
    "comment_withdraw":        (NO,       NO,      NO,         NO,    NO,    NO,       NO,   NO),
    "comment_link_versions":   (NO,       NO,      NO,         NO,    OK,    NO,       NO,   OK),
    "comment_reanchor":        (NO,       NO,      NO,         NO,    OK,    NO,       NO,   OK),
    "comment_apply_proposal":  (NO,       NO,      NO,         NO,    OK,    NO,       NO,   OK),
    "membership_set":          (NO,       NO,      NO,         NO,    OK,    NO,       NO,   OK),
    "invitation_send":         (NO,       NO,      NO,         NO,    OK,    NO,       NO,   OK),
    "comment_post_restricted": (NO,       NO,      OK,         OK,    OK,    NO,       NO,   OK),
    "comment_post_public":     (NO,       OK,      OK,         OK,    OK,    OK,       OK,   OK),
    "comment_flag_restricted": (NO,       NO,      OK,         OK,    OK,    NO,       NO,   OK),
    "comment_flag_public":     (NO,       OK,      OK,         OK,    OK,    OK,       OK,   OK),
    "document_create":         (NO,       NO,      NO,         NO,    NO,    NO,       OK,   OK),
    "document_import_new":     (NO,       NO,      NO,         NO,    NO,    NO,       OK,   OK),
}
assert SERVICES.keys() == SERVICE_CALLS.keys()


def run_service(world: World, user, action: str) -> str:
    """Call the service; ``OK`` if it wrote what it should, ``NO`` if refused with nothing written."""
    call, writes = SERVICE_CALLS[action]
    before = what_is_written()
    try:
        call(world, user)
    except PermissionDenied:
        assert_nothing_written(before)
        return NO
    assert_written(before, writes)
    return OK


@pytest.mark.parametrize(("role", "action", "expected"), cells(SERVICES))
def test_each_service_allows_or_refuses_each_role(world, role, action, expected) -> None:
    """A writing service does what the table says for each role: the write, or PermissionDenied and no write."""
    assert run_service(world, world.people[role], action) == expected


@pytest.mark.parametrize("action", list(SERVICE_CALLS))
def test_a_service_called_without_a_user_is_refused(world, action) -> None:
    """``user=None`` is nobody: every service refuses it and writes nothing."""
    assert run_service(world, None, action) == NO


SYSTEM_ACTOR = {action: OK for action in SERVICE_CALLS} | {
    # Commenting needs an active account; the system actor is inactive (nobody can sign in as it).
    "comment_post_restricted": NO, "comment_post_public": NO, "comment_flag_restricted": NO, "comment_flag_public": NO,
    # Nor does it change or withdraw a stakeholder's words.
    "comment_edit": NO, "comment_withdraw": NO,
}


@pytest.mark.parametrize(("action", "expected"), SYSTEM_ACTOR.items())
def test_the_system_actor_manages_and_edits_but_does_not_comment(world, action, expected) -> None:
    """Commands without ``--user`` act as the system actor: an editor everywhere who also starts documents."""
    assert run_service(world, system_actor(), action) == expected


@pytest.mark.parametrize("action", ["document_create", "document_import_new"])
def test_a_superuser_without_is_staff_may_start_documents(world, action) -> None:
    """The rule says superusers start documents; this one is a superuser whose is_staff is off."""
    root = world.people["superuser"]
    root.is_staff = False
    root.save(update_fields=["is_staff"])
    assert run_service(world, root, action) == OK


def test_a_comment_cannot_reach_a_draft_through_another_drafts_check(world) -> None:
    """An outsider's comment aimed at the restricted draft is refused, whichever draft the caller names."""
    restricted, public = world.draft(RESTRICTED_DRAFT), world.draft(PUBLIC_DRAFT)
    form = comment_form(DraftSection.objects.get(draft=restricted, key="p1-g1"), "Through the public draft.")
    before = what_is_written()
    with pytest.raises(PermissionDenied):
        services.comment_post(form=form, user=world.people["outsider"], draft=public)
    assert_nothing_written(before)


def test_a_hidden_comment_cannot_be_flagged_by_someone_who_cannot_see_it(world) -> None:
    """The flag service asks the comment selector, as the page does: a hidden comment is out of reach."""
    comment = world.comments[Draft.Visibility.PUBLIC]
    services.comment_hide(comment=comment, user=world.people["editor"], reason="Off topic.")
    before = what_is_written()
    with pytest.raises(PermissionDenied):
        services.comment_flag(comment=comment, user=world.people["outsider"])
    assert_nothing_written(before)
    services.comment_flag(comment=comment, user=world.people["member"])  # the working group sees it
    assert CommentFlag.objects.filter(comment=comment, user=world.people["member"]).exists()


# The pages -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """One request: GET, or POST with what the page's form renders; ``writes`` is what an allowed POST changes."""

    method: str
    url: Callable[[World], str]
    data: Callable[[World], dict] | None = None
    writes: frozenset[str] = NOTHING


def url(name: str, **kwargs) -> Callable[[World], str]:
    return lambda w: reverse(f"drafts:{name}", kwargs={"slug": "guidance", **kwargs})


def api_url(name: str, **kwargs) -> Callable[[World], str]:
    return lambda w: reverse(f"api:{name}", kwargs={"slug": "guidance", **kwargs})


def comment_url(name: str, visibility: str) -> Callable[[World], str]:
    def build(w: World) -> str:
        comment = w.comments[visibility]
        return reverse(f"drafts:{name}", kwargs={"slug": "guidance", "number": comment.draft.number,
                                                 "comment_id": comment.pk})

    return build


def version_url(name: str) -> Callable[[World], str]:
    return lambda w: reverse(f"drafts:{name}", kwargs={"slug": "guidance", "key": "p1-g1",
                                                       "version_id": w.first_version.pk})


def section_compare_url(w: World) -> str:
    latest = Version.objects.get_for_object(w.section("p1-g1")).first()
    base = reverse("drafts:section_compare", kwargs={"slug": "guidance", "key": "p1-g1"})
    return f"{base}?a={w.first_version.pk}&b={latest.pk}"


def rendered_comment_form(number: int) -> Callable[[World], dict]:
    """What the comment form on the section's page posts, as the page renders it to someone who may comment
    (its security fields do not depend on who reads them)."""

    def data(w: World) -> dict:
        reader = Client()
        reader.force_login(w.people["editor"])
        page = reader.get(reverse("drafts:draft_section", kwargs={"slug": "guidance", "number": number,
                                                                  "key": "p1-g1"}))
        assert page.status_code == 200
        form = page.context["form"]
        assert form is not None, "no comment form on the page"
        values = {name: form[name].value() for name in form.fields}
        values = {name: "on" if value is True else value for name, value in values.items() if value is not False}
        return {**{name: "" if value is None else value for name, value in values.items()},
                "comment": "Posted through the page."}

    return data


def draft_settings_form(**changes) -> dict:
    return {"label": "", "visibility": Draft.Visibility.RESTRICTED, "status": Draft.Status.CIRCULATED,
            "comments_open_from": "", "comments_open_until": "", "comments_visible_to_all": "on", "note": "",
            **changes}


def apply_revision(w: World) -> dict:
    """What the preview's "Apply" form posts, as an editor's preview of the revised file renders it."""
    editor = Client()
    editor.force_login(w.people["editor"])
    preview = editor.post(reverse("drafts:document_revise", kwargs={"slug": "guidance"}),
                          {"file": SimpleUploadedFile("revised.md", REVISED.encode()), "message": "Revised"})
    assert preview.status_code == 200
    apply = preview.context["apply"]
    return {**{name: apply[name].value() for name in apply.fields}, "apply": "1"}


PAGES = {
    "GET document_list": Page("GET", lambda w: reverse("drafts:document_list")),
    "GET document_detail": Page("GET", url("document_detail")),
    "GET draft_list": Page("GET", url("draft_list")),
    "GET draft_detail working_group": Page("GET", url("draft_detail", number=WORKING_GROUP_DRAFT)),
    "GET draft_detail restricted": Page("GET", url("draft_detail", number=RESTRICTED_DRAFT)),
    "GET draft_detail public": Page("GET", url("draft_detail", number=PUBLIC_DRAFT)),
    "GET draft_section working_group": Page("GET", url("draft_section", number=WORKING_GROUP_DRAFT, key="p1-g1")),
    "GET draft_section restricted": Page("GET", url("draft_section", number=RESTRICTED_DRAFT, key="p1-g1")),
    "GET draft_section public": Page("GET", url("draft_section", number=PUBLIC_DRAFT, key="p1-g1")),
    "GET draft_general_comments restricted": Page("GET", url("draft_general_comments", number=RESTRICTED_DRAFT)),
    "GET draft_export restricted": Page("GET", url("draft_export", number=RESTRICTED_DRAFT, fmt="md")),
    "GET compare restricted": Page("GET", lambda w: url("compare")(w) + f"?from={RESTRICTED_DRAFT}&to={PUBLIC_DRAFT}"),
    "GET compare working copy": Page("GET", lambda w: url("compare")(w) + f"?from={PUBLIC_DRAFT}&to=working"),
    "GET section_detail": Page("GET", url("section_detail", key="p1-g1")),
    "GET section_history": Page("GET", url("section_history", key="p1-g1")),
    "GET section_version": Page("GET", version_url("section_version")),
    "GET section_compare": Page("GET", section_compare_url),
    "GET section_create": Page("GET", url("section_create")),
    "GET section_edit": Page("GET", url("section_edit", key="p1-g1")),
    "GET section_move": Page("GET", url("section_move", key="p1-g1")),
    "GET section_remove": Page("GET", url("section_remove", key="p1-g1")),
    "GET section_restore": Page("GET", url("section_restore", key="p1-g2")),
    "GET comment_export": Page("GET", url("comment_export", number=PUBLIC_DRAFT, fmt="csv")),
    "GET draft_freeze": Page("GET", url("draft_freeze")),
    "GET draft_settings": Page("GET", url("draft_settings", number=RESTRICTED_DRAFT)),
    "GET invite": Page("GET", url("invite")),
    "GET document_revise": Page("GET", url("document_revise")),
    "GET comment_table": Page("GET", url("comment_table", number=RESTRICTED_DRAFT)),
    "GET comment_decide": Page("GET", comment_url("comment_decide", Draft.Visibility.RESTRICTED)),
    "GET document_create": Page("GET", lambda w: reverse("drafts:document_create")),
    "GET my_comments": Page("GET", lambda w: reverse("drafts:my_comments")),
    "GET draft_changes restricted": Page("GET", url("draft_changes", number=RESTRICTED_DRAFT)),
    "GET draft_changes working_group": Page("GET", url("draft_changes", number=WORKING_GROUP_DRAFT)),
    "GET draft_responses restricted": Page("GET", url("draft_responses", number=RESTRICTED_DRAFT)),
    "GET draft_responses json": Page("GET",
                                     lambda w: url("draft_responses", number=RESTRICTED_DRAFT)(w) + "?format=json"),
    "GET orphan_queue": Page("GET", url("orphan_queue", number=RESTRICTED_DRAFT)),
    "GET decisions_publish": Page("GET", url("decisions_publish", number=PUBLIC_DRAFT)),
    "POST decisions_publish": Page("POST", url("decisions_publish", number=PUBLIC_DRAFT), lambda w: {"scope": "all"},
                                   COMMENTS),
    "GET comment_edit": Page("GET", comment_url("comment_edit", Draft.Visibility.PUBLIC)),
    "POST comment_edit": Page("POST", comment_url("comment_edit", Draft.Visibility.PUBLIC),
                              lambda w: {"comment": "Reworded by someone else.", "kind": "general"}),
    "POST comment_withdraw": Page("POST", comment_url("comment_withdraw", Draft.Visibility.PUBLIC), lambda w: {}),
    "POST comment_link": Page("POST", comment_url("comment_link", Draft.Visibility.RESTRICTED), lambda w: {}),
    "POST comment_reanchor": Page("POST", comment_url("comment_reanchor", Draft.Visibility.RESTRICTED),
                                  lambda w: {"orphan": "1"}, COMMENTS),
    "POST comment_post restricted": Page("POST", url("comment_post", number=RESTRICTED_DRAFT),
                                         rendered_comment_form(RESTRICTED_DRAFT), COMMENTS),
    "POST comment_post public": Page("POST", url("comment_post", number=PUBLIC_DRAFT),
                                     rendered_comment_form(PUBLIC_DRAFT), COMMENTS),
    "POST comment_flag restricted": Page("POST", comment_url("comment_flag", Draft.Visibility.RESTRICTED),
                                         lambda w: {}, FLAGS),
    "POST comment_flag public": Page("POST", comment_url("comment_flag", Draft.Visibility.PUBLIC),
                                     lambda w: {}, FLAGS),
    "POST comment_hide": Page("POST", comment_url("comment_hide", Draft.Visibility.PUBLIC),
                              lambda w: {"reason": "Off topic."}, COMMENTS),
    "POST comment_decide": Page("POST", comment_url("comment_decide", Draft.Visibility.RESTRICTED),
                                lambda w: {"disposition": Disposition.ACCEPTED, "response": "Agreed."}, COMMENTS),
    "POST comment_table": Page("POST", url("comment_table", number=RESTRICTED_DRAFT),
                               lambda w: {"bulk-comments": [w.comments[Draft.Visibility.RESTRICTED].pk],
                                          "bulk-disposition": Disposition.NOTED, "bulk-response": ""}, COMMENTS),
    "POST draft_freeze": Page("POST", url("draft_freeze"),
                              lambda w: draft_settings_form(label="Next", visibility=Draft.Visibility.WORKING_GROUP,
                                                            confirm="on"), DRAFTS),
    "POST draft_settings": Page("POST", url("draft_settings", number=RESTRICTED_DRAFT),
                                lambda w: draft_settings_form(label="Renamed"), DRAFTS),
    "POST invite": Page("POST", url("invite"), lambda w: {"email": "outsider@example.org"}, INVITATIONS),
    "POST document_revise preview": Page("POST", url("document_revise"),
                                         lambda w: {"file": SimpleUploadedFile("revised.md", REVISED.encode()),
                                                    "message": "Revised"}),
    "POST document_revise apply": Page("POST", url("document_revise"), apply_revision, SECTIONS),
    "POST document_create": Page("POST", lambda w: reverse("drafts:document_create"),
                                 lambda w: {"file": SimpleUploadedFile("fresh.md", FRESH.encode()), "slug": "fresh",
                                            "title": "", "message": ""}, NEW_DOCUMENT),
    "POST section_create": Page("POST", url("section_create"),
                                lambda w: {"heading": "A new section", "body": "New text.", "numbered": "on",
                                           "parent": "", "position": "", "key": "", "message": ""}, SECTIONS),
    "POST section_edit": Page("POST", url("section_edit", key="p1-g1"),
                              lambda w: {"heading": "Guideline 1.1", "body": "Third wording of 1.1.", "numbered": "on",
                                         "message": "Third wording", "base_version": w.section("p1-g1").version_number},
                              SECTIONS),
    "POST section_move": Page("POST", url("section_move", key="p1-g1"),
                              lambda w: {"parent": "", "position": "1", "message": ""}, SECTIONS),
    "POST section_remove": Page("POST", url("section_remove", key="p1-g1"), lambda w: {"message": ""}, SECTIONS),
    "POST section_restore": Page("POST", url("section_restore", key="p1-g2"), lambda w: {"message": ""}, SECTIONS),
    "GET section_status": Page("GET", url("section_status", key="p1-g1")),
    "POST section_status": Page("POST", url("section_status", key="p1-g1"),
                                lambda w: {"to_status": "in_review", "reason": "Ready."}, STATUSES),
    "GET section_pen_holders": Page("GET", url("section_pen_holders", key="p1-g1")),
    "POST section_pen_holders": Page("POST", url("section_pen_holders", key="p1-g1"),
                                     lambda w: {"holders": [w.people["member"].pk]}, PENS),
    "GET document_progress": Page("GET", url("document_progress")),
    "POST document_progress": Page("POST", url("document_progress"), lambda w: {"pen_holders_only": "on"}, SETTINGS),
    "GET my_sections": Page("GET", lambda w: reverse("drafts:my_sections")),
    "GET silence_place": Page("GET", url("silence_place", number=PUBLIC_DRAFT)),
    "POST silence_place": Page("POST", url("silence_place", number=PUBLIC_DRAFT),
                               lambda w: {"until": "2030-01-01 12:00", "confirm": "on"}, SILENCES),
    "GET silence_break": Page("GET", url("silence_break", number=RESTRICTED_DRAFT)),
    "POST silence_break": Page("POST", url("silence_break", number=RESTRICTED_DRAFT), lambda w: {"reason": "No."},
                               SILENCES),
    "GET search": Page("GET", lambda w: reverse("drafts:search") + "?q=wording"),
    "GET draft_analysis working_group": Page("GET", url("draft_analysis", number=WORKING_GROUP_DRAFT)),
    "GET draft_analysis restricted": Page("GET", url("draft_analysis", number=RESTRICTED_DRAFT)),
    "GET draft_analysis public": Page("GET", url("draft_analysis", number=PUBLIC_DRAFT)),
    # No campaign in the world: an editor is told the campaign changed, and nothing is decided.
    "POST campaign_decide": Page("POST", url("campaign_decide", number=PUBLIC_DRAFT),
                                 lambda w: {"lead": w.comments[Draft.Visibility.PUBLIC].pk, "size": 2,
                                            "disposition": Disposition.NOTED, "response": ""}),
    "GET api_keys": Page("GET", lambda w: reverse("drafts:api_keys")),
    "POST api_keys": Page("POST", lambda w: reverse("drafts:api_keys"), lambda w: {"name": "A tool"}, API_KEYS),
    "POST api_key_revoke": Page("POST", lambda w: reverse("drafts:api_key_revoke", kwargs={"token_id": 987654}),
                                lambda w: {}),
    "GET api draft working_group": Page("GET", api_url("draft", number=WORKING_GROUP_DRAFT)),
    "GET api draft restricted": Page("GET", api_url("draft", number=RESTRICTED_DRAFT)),
    "GET api sections restricted": Page("GET", api_url("sections", number=RESTRICTED_DRAFT)),
    "GET api comments restricted": Page("GET", api_url("comments", number=RESTRICTED_DRAFT)),
    "GET api matrix restricted": Page("GET", api_url("matrix", number=RESTRICTED_DRAFT)),
    "GET api compare working copy": Page("GET", lambda w: api_url("compare")(w) + f"?from={PUBLIC_DRAFT}&to=working"),
    "GET section_revert": Page("GET", version_url("section_revert")),
    "POST section_revert": Page("POST", version_url("section_revert"),
                                lambda w: {"message": "Back to it", "base_version": w.section("p1-g1").version_number},
                                SECTIONS),
}

PAGE_STATUS = {
    #                                        anonymous outsider stakeholder member editor elsewhere staff superuser
    "GET document_list":                     (200,      200,     200,        200,   200,   200,      200,  200),
    "GET document_detail":                   (200,      200,     200,        200,   200,   200,      200,  200),
    "GET draft_list":                        (200,      200,     200,        200,   200,   200,      200,  200),
    "GET draft_detail working_group":        (404,      404,     404,        200,   200,   404,      404,  200),
    "GET draft_detail restricted":           (404,      404,     200,        200,   200,   404,      404,  200),
    "GET draft_detail public":               (200,      200,     200,        200,   200,   200,      200,  200),
    "GET draft_section working_group":       (404,      404,     404,        200,   200,   404,      404,  200),
    "GET draft_section restricted":          (404,      404,     200,        200,   200,   404,      404,  200),
    "GET draft_section public":              (200,      200,     200,        200,   200,   200,      200,  200),
    "GET draft_general_comments restricted": (404,      404,     200,        200,   200,   404,      404,  200),
    "GET draft_export restricted":           (404,      404,     200,        200,   200,   404,      404,  200),
    "GET compare restricted":                (404,      404,     200,        200,   200,   404,      404,  200),
    "GET compare working copy":              (404,      404,     404,        200,   200,   404,      404,  200),
    "GET section_detail":                    (404,      404,     404,        200,   200,   404,      404,  200),
    "GET section_history":                   (404,      404,     404,        200,   200,   404,      404,  200),
    "GET section_version":                   (404,      404,     404,        200,   200,   404,      404,  200),
    "GET section_compare":                   (404,      404,     404,        200,   200,   404,      404,  200),
    "GET section_revert":                    (404,      404,     404,        200,   200,   404,      404,  200),
    "GET section_create":                    (404,      404,     404,        200,   200,   404,      404,  200),
    "GET section_edit":                      (404,      404,     404,        200,   200,   404,      404,  200),
    "GET section_move":                      (404,      404,     404,        200,   200,   404,      404,  200),
    "GET section_remove":                    (404,      404,     404,        200,   200,   404,      404,  200),
    "GET section_restore":                   (404,      404,     404,        200,   200,   404,      404,  200),
    "GET comment_export":                    (404,      404,     404,        200,   200,   404,      404,  200),
    "GET draft_freeze":                      (404,      404,     404,        403,   200,   404,      404,  200),
    "GET draft_settings":                    (404,      404,     404,        403,   200,   404,      404,  200),
    "GET invite":                            (404,      404,     404,        403,   200,   404,      404,  200),
    "GET document_revise":                   (404,      404,     404,        403,   200,   404,      404,  200),
    "GET comment_table":                     (404,      404,     404,        403,   200,   404,      404,  200),
    "GET comment_decide":                    (404,      404,     404,        403,   200,   404,      404,  200),
    "GET document_create":                   (404,      404,     404,        404,   404,   404,      200,  200),
    "GET my_comments":                       (LOGIN,    200,     200,        200,   200,   200,      200,  200),
    "GET draft_changes restricted":          (404,      404,     200,        200,   200,   404,      404,  200),
    "GET draft_changes working_group":       (404,      404,     404,        200,   200,   404,      404,  200),
    "GET draft_responses restricted":        (404,      404,     200,        200,   200,   404,      404,  200),
    "GET draft_responses json":              (404,      404,     200,        200,   200,   404,      404,  200),
    "GET orphan_queue":                      (404,      404,     404,        403,   200,   404,      404,  200),
    "GET decisions_publish":                 (404,      404,     404,        403,   200,   404,      404,  200),
    "POST decisions_publish":                (404,      404,     404,        403,   302,   404,      404,  302),
    # Someone else's comment: not theirs to change, whoever they are (a visitor is asked to sign in first).
    "GET comment_edit":                      (LOGIN,    404,     404,        404,   404,   404,      404,  404),
    "POST comment_edit":                     (LOGIN,    404,     404,        404,   404,   404,      404,  404),
    "POST comment_withdraw":                 (LOGIN,    404,     404,        404,   404,   404,      404,  404),
    "POST comment_link":                     (404,      404,     404,        403,   302,   404,      404,  302),
    "POST comment_reanchor":                 (404,      404,     404,        403,   302,   404,      404,  302),
    "POST comment_post restricted":          (404,      404,     302,        302,   302,   404,      404,  302),
    "POST comment_post public":              (LOGIN,    302,     302,        302,   302,   302,      302,  302),
    "POST comment_flag restricted":          (404,      404,     302,        302,   302,   404,      404,  302),
    "POST comment_flag public":              (LOGIN,    302,     302,        302,   302,   302,      302,  302),
    "POST comment_hide":                     (404,      404,     404,        403,   302,   404,      404,  302),
    "POST comment_decide":                   (404,      404,     404,        403,   302,   404,      404,  302),
    "POST comment_table":                    (404,      404,     404,        403,   302,   404,      404,  302),
    "POST draft_freeze":                     (404,      404,     404,        403,   302,   404,      404,  302),
    "POST draft_settings":                   (404,      404,     404,        403,   302,   404,      404,  302),
    "POST invite":                           (404,      404,     404,        403,   302,   404,      404,  302),
    "POST document_revise preview":          (404,      404,     404,        403,   200,   404,      404,  200),
    "POST document_revise apply":            (404,      404,     404,        403,   302,   404,      404,  302),
    "POST document_create":                  (404,      404,     404,        404,   404,   404,      302,  302),
    "POST section_create":                   (404,      404,     404,        302,   302,   404,      404,  302),
    "POST section_edit":                     (404,      404,     404,        302,   302,   404,      404,  302),
    "POST section_move":                     (404,      404,     404,        302,   302,   404,      404,  302),
    "POST section_remove":                   (404,      404,     404,        302,   302,   404,      404,  302),
    "POST section_restore":                  (404,      404,     404,        302,   302,   404,      404,  302),
    "POST section_revert":                   (404,      404,     404,        302,   302,   404,      404,  302),
    "GET section_status":                    (404,      404,     404,        200,   200,   404,      404,  200),
    "POST section_status":                   (404,      404,     404,        302,   302,   404,      404,  302),
    "GET section_pen_holders":               (404,      404,     404,        403,   200,   404,      404,  200),
    "POST section_pen_holders":              (404,      404,     404,        403,   302,   404,      404,  302),
    "GET document_progress":                 (404,      404,     404,        200,   200,   404,      404,  200),
    "POST document_progress":                (404,      404,     404,        403,   302,   404,      404,  302),
    "GET my_sections":                       (LOGIN,    200,     200,        200,   200,   200,      200,  200),
    "GET silence_place":                     (404,      404,     404,        403,   200,   404,      404,  200),
    "POST silence_place":                    (404,      404,     404,        403,   302,   404,      404,  302),
    # Only invited stakeholders break silence; the working group knows the draft, so it is told why not.
    "GET silence_break":                     (404,      404,     200,        403,   403,   404,      404,  403),
    "POST silence_break":                    (404,      404,     302,        403,   403,   404,      404,  403),
    "GET search":                            (200,      200,     200,        200,   200,   200,      200,  200),
    "GET draft_analysis working_group":      (404,      404,     404,        200,   200,   404,      404,  200),
    "GET draft_analysis restricted":         (404,      404,     200,        200,   200,   404,      404,  200),
    "GET draft_analysis public":             (200,      200,     200,        200,   200,   200,      200,  200),
    "POST campaign_decide":                  (404,      404,     404,        403,   302,   404,      404,  302),
    "GET api_keys":                          (LOGIN,    200,     200,        200,   200,   200,      200,  200),
    "POST api_keys":                         (LOGIN,    200,     200,        200,   200,   200,      200,  200),
    "POST api_key_revoke":                   (LOGIN,    404,     404,        404,   404,   404,      404,  404),
    # The API answers as the pages do: what a person may not read is not there.
    "GET api draft working_group":           (404,      404,     404,        200,   200,   404,      404,  200),
    "GET api draft restricted":              (404,      404,     200,        200,   200,   404,      404,  200),
    "GET api sections restricted":           (404,      404,     200,        200,   200,   404,      404,  200),
    "GET api comments restricted":           (404,      404,     200,        200,   200,   404,      404,  200),
    "GET api matrix restricted":             (404,      404,     404,        200,   200,   404,      404,  200),
    "GET api compare working copy":          (404,      404,     404,        200,   200,   404,      404,  200),
}
assert PAGE_STATUS.keys() == PAGES.keys()


def outcome(response) -> int | str:
    """The status, or ``LOGIN`` for a redirect to the sign-in page."""
    login = resolve_url(django_settings.LOGIN_URL)
    if response.status_code == 302 and response.url.split("?")[0] == login:
        return LOGIN
    return response.status_code


@pytest.mark.parametrize(("role", "action", "expected"), cells(PAGE_STATUS))
def test_each_page_answers_each_role(client, world, role, action, expected) -> None:
    """Each page answers each role with the table's status; a refused POST (or any GET) writes nothing."""
    request = PAGES[action]
    address = request.url(world)
    data = request.data(world) if request.data else None
    if role != "anonymous":
        client.force_login(world.people[role])
    before = what_is_written()
    response = client.get(address) if request.method == "GET" else client.post(address, data)
    assert outcome(response) == expected, getattr(response, "content", b"")[:300]
    if request.method == "POST" and expected in (200, 302) and request.writes:
        assert_written(before, request.writes)
    else:
        assert_nothing_written(before)

"""Every e-mail the app sends is held to its recipient's access, as a page would be (DESIGN rule 7).

The tables name, by hand, who must receive each message in each situation; they do not ask
``drafts.access``. A last test checks that no code outside the outbox (``drafts.services.outbox``) sends
mail, so no message can skip these checks.
"""

from __future__ import annotations

import ast
import base64
import re
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from drafts import services
from drafts.forms import DraftCommentForm
from drafts.models import Draft, DraftComment, DraftSection, Notice, Role, Section
from tests.factories import freeze, make_document, make_principles, make_user

pytestmark = pytest.mark.django_db

CAST = ("editor", "member", "ngo", "state", "outsider")


@pytest.fixture
def world(db):
    """A document with an editor, a member, two invited stakeholders and an outsider with an account."""
    people = {name: make_user(name, email=f"{name}@example.org", first_name=name.title()) for name in CAST}
    document = make_document("guidance", editor=people["editor"], members=[people["member"]],
                             stakeholders=[people["ngo"], people["state"]])
    make_principles(document, principles=1, guidelines=1)
    return people, document


def open_window() -> dict:
    now = timezone.now()
    return {"comments_open_from": now - timedelta(days=1), "comments_open_until": now + timedelta(days=7)}


def post(person, target, text: str, *, reply_to: int = 0) -> DraftComment:
    form = DraftCommentForm(target, data={
        **DraftCommentForm(target).generate_security_data(), "name": "x", "email": person.email, "url": "",
        "comment": text, "paragraph": "", "kind": "general", "proposed_text": "", "quote": "", "followup": "on",
        "honeypot": "", "reply_to": reply_to,
    })
    assert form.is_valid(), form.errors.as_text()
    draft = target.draft if isinstance(target, DraftSection) else target
    return services.comment_post(form=form, user=person, draft=draft)


def recipients() -> set[str]:
    return {to.split("@")[0] for message in mail.outbox for to in message.to}


# Follow-ups -----------------------------------------------------------------------------------------

# situation: (draft visibility, stakeholders see each other's comments, who writes the new comment,
#             whether it is a reply to the NGO's comment, who must be told)
FOLLOW_UPS = {
    "public draft, comments shared":        ("public", True, "ngo", False, {"editor", "member", "state", "outsider"}),
    "restricted draft, comments shared":    ("restricted", True, "ngo", False, {"editor", "member", "state"}),
    "comments kept apart":                  ("restricted", False, "state", False, {"editor", "member"}),
    "reply in a kept-apart thread":         ("restricted", False, "member", True, {"editor", "ngo"}),
    "draft turned working-group only":      ("working_group", True, "member", False, {"editor"}),
}


@pytest.mark.parametrize("situation", FOLLOW_UPS)
def test_follow_up_mail_reaches_only_followers_who_may_read_the_new_comment(
    world, situation, django_capture_on_commit_callbacks
) -> None:
    people, document = world
    visibility, shared, author, is_reply, told = FOLLOW_UPS[situation]
    draft = freeze(document, visibility=Draft.Visibility.PUBLIC, **open_window())
    section = DraftSection.objects.get(draft=draft, key="p1")
    first = None
    for name in ("ngo", "state", "outsider", "member", "editor"):  # everyone follows the section first
        comment = post(people[name], section, f"{name} on principle 1")
        first = first or comment
    services.draft_update_settings(draft=draft, user=people["editor"], visibility=visibility,
                                   comments_visible_to_all=shared)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post(people[author], section, "The new words", reply_to=first.pk if is_reply else 0)
    assert recipients() == told
    assert all("The new words" in m.body for m in mail.outbox)


def test_follow_up_mail_is_plain_text_and_its_mute_link_carries_no_personal_data(
    world, client, django_capture_on_commit_callbacks
) -> None:
    people, document = world
    draft = freeze(document, visibility=Draft.Visibility.PUBLIC, **open_window())
    section = DraftSection.objects.get(draft=draft, key="p1")
    post(people["ngo"], section, "First")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post(people["state"], section, "Tom & Jerry say <b>no</b>")
    (message,) = mail.outbox
    assert "Tom & Jerry say <b>no</b>" in message.body and "&amp;" not in message.body
    link = re.search(r"https?://[^/\s]+(/follow-ups/stop/\S+)", message.body).group(1)
    token = link.rstrip("/").rsplit("/", 1)[1]
    payload = token.split(":", 1)[0]
    decoded = base64.urlsafe_b64decode(payload.lstrip(".") + "=" * (-len(payload) % 4))
    readable = zlib.decompress(decoded) if payload.startswith(".") else decoded  # signing's "." means compressed
    assert re.fullmatch(rb"\[\d+,\d+,\d+\]", readable), readable  # three ids, nothing else
    ngo = people["ngo"]
    # Finding 4: a bare GET (a mail scanner prefetching links) changes nothing; the POST mutes.
    page = client.get(link)
    assert page.status_code == 200 and "Stop the e-mails" in page.content.decode()
    assert DraftComment.objects.get(user=ngo).followup is True
    assert client.post(link).status_code == 200
    assert DraftComment.objects.get(user=ngo).followup is False
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post(people["state"], section, "Again")
    assert mail.outbox == []
    assert client.get(link.replace(token, token[:-3] + "abc")).status_code == 404


# "Draft N is out" -------------------------------------------------------------------------------------

# new draft's visibility: who of those who commented on the previous (public) draft is told
PUBLISHED = {
    "working_group": set(),
    "restricted": {"ngo", "state"},
    "public": {"ngo", "state", "outsider"},
}


@pytest.mark.parametrize("visibility", PUBLISHED)
def test_the_new_draft_mail_goes_only_to_commenters_who_may_read_the_new_draft(
    world, visibility, django_capture_on_commit_callbacks
) -> None:
    people, document = world
    draft = freeze(document, visibility=Draft.Visibility.PUBLIC, **open_window())
    section = DraftSection.objects.get(draft=draft, key="p1")
    for name in ("ngo", "state", "outsider"):
        post(people[name], section, f"{name} on principle 1")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        freeze(document, visibility=visibility, label="Second draft")
    assert recipients() == PUBLISHED[visibility]


def test_a_line_break_in_a_label_is_refused_and_never_reaches_a_mail_header(
    world, django_capture_on_commit_callbacks
) -> None:
    """Finding 11: a label with CR/LF was frozen, then the request 500'd (BadHeaderError) with no mail sent."""
    people, document = world
    draft = freeze(document, visibility=Draft.Visibility.PUBLIC, **open_window())
    post(people["ngo"], DraftSection.objects.get(draft=draft, key="p1"), "A point")
    with pytest.raises(ValidationError):
        freeze(document, label="Internal\r\nBcc: everyone@example.org")
    assert document.drafts.count() == 1
    # Labels stored before the rule (or written past the services) still make a one-line subject.
    with django_capture_on_commit_callbacks(execute=True):
        second = freeze(document, label="Second draft")
    Draft.objects.filter(pk=second.pk).update(label="Second\r\nBcc: everyone@example.org")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.outbox.notice_record(Notice.Kind.DRAFT_PUBLISHED, document=document, draft=second, previous=draft.pk)
    (message,) = mail.outbox
    assert "\n" not in message.subject and "\r" not in message.subject
    message.message()  # builds the headers; raised BadHeaderError before


def test_addressed_in_never_names_a_draft_the_reader_cannot_read(world, client) -> None:
    """Finding 3: a working-group Draft 2 showed as "addressed in Draft 2 (Internal …)" on public pages."""
    people, document = world
    draft = freeze(document, visibility=Draft.Visibility.PUBLIC, **open_window())
    section = DraftSection.objects.get(draft=draft, key="p1")
    comment = post(people["outsider"], section, "Please say more")
    services.comment_dispose(comments=[comment], user=people["editor"], draft=draft, disposition="accepted",
                             response="Done.")
    working = Section.objects.get(document=document, key="p1")
    services.section_update(section=working, user=people["editor"], base_version=working.version_number,
                            heading=working.heading, body=working.body + " More.", message="Done", addresses=[comment])
    internal = freeze(document, visibility=Draft.Visibility.WORKING_GROUP, label="Internal review")
    assert DraftComment.objects.get(pk=comment.pk).addressed_in == internal
    for name, sees in (("anonymous", False), ("outsider", False), ("ngo", False), ("member", True)):
        client.logout()
        if name != "anonymous":
            client.force_login(people[name])
        page = client.get(section.get_absolute_url()).content.decode()
        assert ("Internal review" in page) is sees, name
        # Nor does it claim the change is in no draft: it is, in one this reader cannot read.
        assert ("not yet in a draft" in page) is False, name
        if name != "anonymous":
            mine = client.get(reverse("drafts:my_comments")).content.decode()
            assert "Internal review" not in mine


def test_my_comments_drops_a_draft_once_it_is_hidden_from_the_commenter(world, client) -> None:
    people, document = world
    draft = freeze(document, visibility=Draft.Visibility.PUBLIC, label="Zero draft", **open_window())
    post(people["outsider"], DraftSection.objects.get(draft=draft, key="p1"), "Mine")
    client.force_login(people["outsider"])
    assert "Zero draft" in client.get(reverse("drafts:my_comments")).content.decode()
    services.draft_update_settings(draft=draft, user=people["editor"], visibility=Draft.Visibility.WORKING_GROUP)
    assert "Zero draft" not in client.get(reverse("drafts:my_comments")).content.decode()


# Invitations --------------------------------------------------------------------------------------------


def test_an_invitation_is_mailed_to_the_address_the_editor_typed_and_nobody_else(
    world, django_capture_on_commit_callbacks
) -> None:
    people, document = world
    with django_capture_on_commit_callbacks(execute=True):
        services.invitation_send(document=document, email="new.person@example.org", user=people["editor"])
    assert [m.to for m in mail.outbox] == [["new.person@example.org"]]
    assert not document.memberships.filter(role=Role.STAKEHOLDER, user__email="new.person@example.org").exists()


# The one door -----------------------------------------------------------------------------------------

SENDERS = {"send_mail", "send_mass_mail", "EmailMessage", "EmailMultiAlternatives", "mail_admins", "mail_managers",
           "get_connection", "send_messages"}


def test_no_code_outside_the_outbox_sends_mail() -> None:
    """The outbox records and sends every message (DESIGN rule 8); notifications only writes them."""
    root = Path(__file__).resolve().parent.parent / "drafts"
    allowed = {root / "services" / "outbox.py"}
    offenders = []
    for path in root.rglob("*.py"):
        if path in allowed or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = {alias.name for alias in node.names} if isinstance(node, ast.ImportFrom) else set()
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("django.core.mail"):
                offenders.append(f"{path.relative_to(root)} imports {sorted(names) or node.module}")
            if isinstance(node, ast.Attribute) and node.attr in SENDERS:
                offenders.append(f"{path.relative_to(root)} uses .{node.attr}")
            if isinstance(node, ast.ImportFrom) and node.module == "django_comments_xtd.views":
                offenders.append(f"{path.relative_to(root)} imports xtd's views (its follow-up mail)")
    assert not offenders, offenders

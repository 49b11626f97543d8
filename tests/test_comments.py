"""Stakeholder consultation: comments on frozen drafts, windows, dispositions, the matrix, notifications."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django_comments.models import CommentFlag

from drafts import services
from drafts.access import access_for, system_actor
from drafts.models import Draft, DraftComment, DraftSection, Profile, Role
from tests.factories import freeze, make_document, make_principles, make_user

pytestmark = pytest.mark.django_db


def open_window(**extra) -> dict:
    now = timezone.now()
    return {"comments_open_from": now - timedelta(days=1), "comments_open_until": now + timedelta(days=14), **extra}


@pytest.fixture
def document(make_guidance):
    return make_guidance(principles=7, guidelines=3)


@pytest.fixture
def draft(document):
    return freeze(document, visibility=Draft.Visibility.RESTRICTED, **open_window())


def section_url(draft, key="p7-g3"):
    return reverse("drafts:draft_section", kwargs={"slug": draft.document.slug, "number": draft.number, "key": key})


def post_url(draft):
    return reverse("drafts:comment_post", kwargs={"slug": draft.document.slug, "number": draft.number})


def form_data(client, draft, key="p7-g3", **fields) -> dict:
    """What the browser would post: the hidden security fields of the page's form plus ``fields``."""
    page = client.get(section_url(draft, key) + (f"?reply_to={fields['reply_to']}" if "reply_to" in fields else ""))
    assert page.status_code == 200
    form = page.context["form"]
    assert form is not None, "no comment form on the page"
    data = {name: form[name].value() for name in ("content_type", "object_pk", "timestamp", "security_hash")}
    data.update({"honeypot": "", "reply_to": 0, "kind": "general", "followup": "on"})
    data.update(fields)
    return data


def post_comment(client, draft, key="p7-g3", **fields):
    return client.post(post_url(draft), form_data(client, draft, key, **fields))


# The journey -------------------------------------------------------------------------------------


def test_a_stakeholder_signs_up_and_the_account_carries_organisation_and_category(client) -> None:
    response = client.post(
        reverse("sign_up"),
        {
            "username": "amina",
            "first_name": "Amina",
            "last_name": "Diallo",
            "email": "amina@example.org",
            "organisation": "West African Migrants Forum",
            "category": "ngo",
            "password1": "a-long-passphrase-2026",
            "password2": "a-long-passphrase-2026",
        },
    )
    assert response.status_code == 302
    profile = Profile.objects.get(user__username="amina")
    assert (profile.organisation, profile.category) == ("West African Migrants Forum", "ngo")
    assert client.get(reverse("drafts:my_comments")).status_code == 200  # signed in


def test_sign_up_needs_an_organisation_unless_individual(client) -> None:
    response = client.post(
        reverse("sign_up"),
        {
            "username": "x",
            "first_name": "X",
            "last_name": "Y",
            "email": "x@example.org",
            "organisation": "",
            "category": "ngo",
            "password1": "a-long-passphrase-2026",
            "password2": "a-long-passphrase-2026",
        },
    )
    assert response.status_code == 200 and "Name the organisation" in response.content.decode()


def test_a_stakeholder_comments_on_paragraph_7_3_2_with_proposed_text(client, people, draft) -> None:
    client.force_login(people["ngo"])
    response = post_comment(
        client,
        draft,
        comment="Firewalls should cover labour inspection.",
        paragraph=2,
        kind="technical",
        proposed_text="States should ensure a firewall between labour inspection and immigration enforcement.",
        quote="labour inspection",
    )
    assert response.status_code == 302
    comment = DraftComment.objects.get()
    assert comment.draft_section == DraftSection.objects.get(draft=draft, key="p7-g3")
    assert (comment.anchor_label, comment.kind, comment.reference) == ("7.3 ¶2", "technical", "MRN-001")
    assert (comment.organisation, comment.category) == ("Migrant Rights Network", "ngo")
    assert comment.proposed_text.startswith("States should ensure")
    assert response.url.endswith(f"/drafts/{draft.number}/s/p7-g3/#c{comment.pk}")
    # Changing the profile later does not rewrite what the comment recorded.
    Profile.objects.filter(user=people["ngo"]).update(organisation="Renamed Network")
    comment.refresh_from_db()
    assert comment.organisation == "Migrant Rights Network"
    page = client.get(response.url).content.decode()
    assert "Firewalls should cover labour inspection." in page and "7.3 ¶2" in page


def test_a_member_replies_and_the_commenter_is_told_by_xtd_follow_up(
    client, people, draft, django_capture_on_commit_callbacks
) -> None:
    client.force_login(people["ngo"])
    post_comment(client, draft, comment="Please define 'firewall'.", paragraph=1)
    first = DraftComment.objects.get()
    client.force_login(people["member"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = post_comment(client, draft, comment="It is defined in the glossary.", reply_to=first.pk)
    assert response.status_code == 302
    reply = DraftComment.objects.exclude(pk=first.pk).get()
    assert (reply.level, reply.thread_id, reply.reference) == (1, first.pk, "")
    assert [m.to for m in mail.outbox] == [["ngo@example.org"]]
    assert "It is defined in the glossary." in mail.outbox[0].body


def test_ids_are_stable_and_numbered_per_organisation(client, people, draft) -> None:
    client.force_login(people["state"])
    for n in range(3):
        post_comment(client, draft, comment=f"Point {n}", paragraph=1)
    client.force_login(people["ngo"])
    post_comment(client, draft, comment="Ours", paragraph=1)
    assert sorted(DraftComment.objects.values_list("reference", flat=True)) == [
        "EXA-001",
        "EXA-002",
        "EXA-003",
        "MRN-001",
    ]


# Bad input changes nothing -----------------------------------------------------------------------


def test_after_the_window_closes_a_comment_is_refused_with_a_message(client, people, draft) -> None:
    client.force_login(people["ngo"])
    data = form_data(client, draft, comment="Too late?")
    services.draft_update_settings(
        draft=draft,
        user=system_actor(),
        comments_open_until=timezone.now() - timedelta(minutes=1),
        comments_open_from=timezone.now() - timedelta(days=2),
    )
    response = client.post(post_url(draft), data)
    assert response.status_code == 403
    assert "The comment period for Draft 1 closed on" in response.content.decode()
    assert not DraftComment.objects.exists()


@pytest.mark.parametrize(
    "window",
    [
        {"comments_open_from": None, "comments_open_until": None},
        {"comments_open_from": "future", "comments_open_until": "later"},
    ],
)
def test_a_draft_not_open_for_comments_refuses_them(client, people, document, window) -> None:
    now = timezone.now()
    values = {"future": now + timedelta(days=1), "later": now + timedelta(days=9), None: None}
    draft = freeze(document, visibility=Draft.Visibility.PUBLIC, **open_window())
    client.force_login(people["ngo"])
    data = form_data(client, draft, comment="Early")
    services.draft_update_settings(draft=draft, user=system_actor(), **{k: values[v] for k, v in window.items()})
    assert client.get(section_url(draft)).context["form"] is None
    assert client.post(post_url(draft), data).status_code == 403
    assert not DraftComment.objects.exists()


def test_posting_to_a_draft_the_user_may_not_see_is_404(client, people, document) -> None:
    hidden = freeze(document, visibility=Draft.Visibility.WORKING_GROUP, **open_window())
    client.force_login(people["member"])
    data = form_data(client, hidden, comment="Hello")
    client.force_login(people["ngo"])
    assert client.post(post_url(hidden), data).status_code == 404
    assert client.get(section_url(hidden)).status_code == 404
    assert not DraftComment.objects.exists()


def test_the_working_copy_cannot_be_commented_on(client, people, draft) -> None:
    client.force_login(people["ngo"])
    data = form_data(client, draft, comment="On the live text")
    working = draft.document.sections.get(key="p7-g3")
    data.update({"content_type": "drafts.section", "object_pk": working.pk})
    assert client.post(post_url(draft), data).status_code == 400
    assert not DraftComment.objects.exists()


def test_tampered_object_id_content_type_or_hash_is_refused(client, people, document, draft) -> None:
    other = freeze(document, visibility=Draft.Visibility.RESTRICTED, keep_previous_open=True, **open_window())
    client.force_login(people["ngo"])
    data = form_data(client, draft, comment="Sneaky")
    foreign = DraftSection.objects.get(draft=other, key="p1")
    own_other = DraftSection.objects.get(draft=draft, key="p1")
    for change in (
        {"object_pk": foreign.pk},
        {"object_pk": own_other.pk},
        {"content_type": "auth.user"},
        {"security_hash": "0" * 40},
        {"object_pk": "x"},
    ):
        assert client.post(post_url(draft), {**data, **change}).status_code == 400, change
    assert not DraftComment.objects.exists()


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "This field is required."),
        ("x" * 10_000, "at most 3000 characters"),
    ],
)
def test_empty_or_over_long_comments_are_refused(client, people, draft, text, error) -> None:
    client.force_login(people["ngo"])
    response = post_comment(client, draft, comment=text)
    assert response.status_code == 400 and error in response.content.decode()
    assert not DraftComment.objects.exists()


def test_a_reply_deeper_than_allowed_or_to_a_stranger_is_refused(client, people, draft) -> None:
    client.force_login(people["ngo"])
    post_comment(client, draft, comment="Root")
    root = DraftComment.objects.get()
    client.force_login(people["member"])
    post_comment(client, draft, comment="Reply", reply_to=root.pk)
    reply = DraftComment.objects.get(level=1)
    client.force_login(people["ngo"])
    data = form_data(client, draft, comment="Too deep")
    for bad_parent, message in ((reply.pk, "one level deep"), (999_999, "does not exist here")):
        response = client.post(post_url(draft), {**data, "reply_to": bad_parent})
        assert response.status_code == 400 and message in response.content.decode()
    other_section = form_data(client, draft, key="p1-g1", comment="Wrong thread")
    response = client.post(post_url(draft), {**other_section, "reply_to": root.pk})
    assert response.status_code == 400 and "does not exist here" in response.content.decode()
    assert DraftComment.objects.count() == 2


def test_a_double_click_stores_one_comment(client, people, draft) -> None:
    client.force_login(people["ngo"])
    data = form_data(client, draft, comment="Once, please.")
    first, second = client.post(post_url(draft), data), client.post(post_url(draft), data)
    assert first.status_code == second.status_code == 302
    assert DraftComment.objects.count() == 1


def test_too_many_comments_a_minute_are_refused_with_a_message(client, people, draft, settings) -> None:
    client.force_login(people["ngo"])
    for n in range(settings.COMMENTS_PER_MINUTE):
        assert post_comment(client, draft, comment=f"Comment {n}").status_code == 302
    response = post_comment(client, draft, comment="One too many")
    assert response.status_code == 403 and "Please wait a moment" in response.content.decode()
    assert DraftComment.objects.count() == settings.COMMENTS_PER_MINUTE


def test_html_in_a_comment_is_shown_as_text(client, people, draft) -> None:
    client.force_login(people["ngo"])
    response = post_comment(client, draft, comment='<script>alert(1)</script><b onmouseover="x()">bold</b>')
    page = client.get(response.url).content.decode()
    assert "<script>alert(1)" not in page and "<b onmouseover" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_a_user_without_e_mail_is_told_to_add_one(client, draft, people) -> None:
    nomail = make_user("nomail")
    services.membership_set(document=draft.document, person=nomail, role=Role.STAKEHOLDER, user=system_actor())
    client.force_login(nomail)
    response = post_comment(client, draft, comment="Hi")
    assert response.status_code == 400 and "Add an e-mail address" in response.content.decode()
    assert not DraftComment.objects.exists()


# Decisions ---------------------------------------------------------------------------------------


@pytest.fixture
def comments(client, people, draft):
    client.force_login(people["ngo"])
    post_comment(client, draft, key="p7-g3", comment="On 7.3", paragraph=2, proposed_text="=HYPERLINK(1)")
    post_comment(client, draft, key="p1-g1", comment="On 1.1", paragraph=1, kind="editorial")
    client.force_login(people["state"])
    post_comment(client, draft, key="p1-g1", comment="State on 1.1 whole")
    client.logout()
    return list(DraftComment.objects.order_by("pk"))


def test_a_stakeholder_can_never_set_a_disposition(client, people, draft, comments) -> None:
    client.force_login(people["ngo"])
    url = reverse(
        "drafts:comment_decide", kwargs={"slug": "guidance", "number": draft.number, "comment_id": comments[0].pk}
    )
    assert client.post(url, {"disposition": "accepted", "response": "mine"}).status_code == 404
    table = reverse("drafts:comment_table", kwargs={"slug": "guidance", "number": draft.number})
    assert client.post(table, {"bulk-comments": [comments[0].pk], "bulk-disposition": "accepted"}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.comment_dispose(comments=comments, user=people["ngo"], draft=draft, disposition="accepted")
    assert set(DraftComment.objects.values_list("disposition", flat=True)) == {"pending"}


def test_an_editor_decides_one_by_one_and_in_bulk(client, people, draft, comments) -> None:
    client.force_login(people["editor"])
    url = reverse(
        "drafts:comment_decide", kwargs={"slug": "guidance", "number": draft.number, "comment_id": comments[0].pk}
    )
    assert client.post(url, {"disposition": "accepted_modified", "response": "Reworded."}).status_code == 302
    first = DraftComment.objects.get(pk=comments[0].pk)
    assert (first.disposition, first.response, first.decided_by) == ("accepted_modified", "Reworded.", people["editor"])
    table = reverse("drafts:comment_table", kwargs={"slug": "guidance", "number": draft.number})
    client.post(table, {"bulk-comments": [c.pk for c in comments[1:]], "bulk-disposition": "noted",
                        "bulk-response": ""})
    assert list(DraftComment.objects.order_by("pk").values_list("disposition", flat=True)) == [
        "accepted_modified",
        "noted",
        "noted",
    ]
    page = client.get(table + "?disposition=noted")
    assert page.context["page"].paginator.count == 2
    assert page.context["counts"] == {"accepted_modified": 1, "noted": 2}
    assert client.get(table + "?section=7.3").context["page"].paginator.count == 1
    assert client.get(table + "?organisation=examplia").context["page"].paginator.count == 1


def test_a_member_sees_the_table_but_cannot_decide(client, people, draft, comments) -> None:
    client.force_login(people["member"])
    table = reverse("drafts:comment_table", kwargs={"slug": "guidance", "number": draft.number})
    assert client.get(table).status_code == 403


def test_the_comment_matrix_exports_one_row_per_comment_sorted_by_section_and_paragraph(
    client, people, draft, comments
) -> None:
    from django.core.management import call_command

    services.comment_dispose(
        comments=comments[:1], user=people["editor"], draft=draft, disposition="rejected", response="Out of scope"
    )
    out = io.StringIO()
    call_command("export_comments", "guidance", str(draft.number), "--format", "csv", stdout=out, stderr=io.StringIO())
    rows = list(csv.reader(io.StringIO(out.getvalue())))
    assert rows[0] == [
        "ID",
        "Organisation",
        "Category",
        "Author",
        "Date",
        "Section",
        "Paragraph",
        "Paragraph text",
        "Quoted phrase",
        "Type",
        "Comment",
        "Proposed change",
        "Disposition",
        "Response",
        "Replies",
        "Addressed in",
        "Stamp",  # what import_dispositions checks a row against: the comment as it was exported
    ]
    named = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert [(r["ID"], r["Section"], r["Paragraph"]) for r in named] == [
        ("EXA-001", "1.1", ""),
        ("MRN-002", "1.1", "1"),
        ("MRN-001", "7.3", "2"),
    ]
    assert named[2]["Proposed change"] == "'=HYPERLINK(1)"  # a formula in a comment is quoted, never run
    assert (named[2]["Disposition"], named[2]["Response"]) == ("Rejected", "Out of scope")
    client.force_login(people["editor"])
    response = client.get(
        reverse("drafts:comment_export", kwargs={"slug": "guidance", "number": draft.number, "fmt": "xlsx"})
    )
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    header = next(r for r in sheet.iter_rows(max_row=10, values_only=True) if r[0] == "ID")
    first = dict(zip(header, next(r for r in sheet.iter_rows(values_only=True) if r[0] == "MRN-001"), strict=True))
    assert [first[name] for name in ("ID", "Organisation", "Category", "Section", "Paragraph")] == [
        "MRN-001", "Migrant Rights Network", "NGO / civil society", "7.3", "2"]
    client.force_login(people["ngo"])
    assert (
        client.get(
            reverse("drafts:comment_export", kwargs={"slug": "guidance", "number": draft.number, "fmt": "csv"})
        ).status_code
        == 404
    )


def test_freezing_the_next_draft_tells_commenters_and_marks_accepted_comments_it_carries_out_addressed(
    client, people, document, draft, comments, django_capture_on_commit_callbacks
) -> None:
    services.comment_dispose(comments=comments[:2], user=people["editor"], draft=draft, disposition="accepted")
    # Their changes are made and linked; the third comment stays undecided.
    for comment in comments[:2]:
        working = comment.draft_section.section
        working.refresh_from_db()
        services.section_update(section=working, user=people["member"], base_version=working.version_number,
                                heading=working.heading, body=working.body + " More.", message=f"For {comment}",
                                addresses=[comment])
    mail.outbox.clear()
    with pytest.raises(Exception):  # noqa: B017 - any failure inside the freeze must not send mail
        services.draft_freeze(
            document=document,
            user=people["editor"],
            comments_open_from=timezone.now(),
            comments_open_until=timezone.now() - timedelta(days=1),
        )
    assert mail.outbox == []
    with django_capture_on_commit_callbacks(execute=True):
        second = services.draft_freeze(
            document=document, user=people["editor"], label="First draft", visibility=Draft.Visibility.RESTRICTED
        )
    assert sorted(m.to[0] for m in mail.outbox) == ["ngo@example.org", "state@example.org"]
    assert "Draft 2 (First draft)" in mail.outbox[0].subject
    addressed = dict(DraftComment.objects.values_list("pk", "addressed_in"))
    assert addressed == {comments[0].pk: second.pk, comments[1].pk: second.pk, comments[2].pk: None}
    draft.refresh_from_db()
    assert draft.status == Draft.Status.SUPERSEDED and not draft.comments_open()
    client.force_login(people["ngo"])
    page = client.get(reverse("drafts:my_comments")).content.decode()
    assert "Addressed in" not in page, "a decision the editors have not published reached the commenter"
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert services.decisions_publish(draft=draft, user=people["editor"]) == 2
    page = client.get(reverse("drafts:my_comments")).content.decode()
    assert page.count("Addressed in Draft 2 (First draft)") == 2
    assert [m.to[0] for m in mail.outbox] == ["ngo@example.org"]  # one message, listing both of theirs
    assert all(str(c) in mail.outbox[0].body for c in comments[:2]) and str(comments[2]) not in mail.outbox[0].body


# Who sees which comments -------------------------------------------------------------------------


def test_stakeholders_see_each_others_comments_only_where_the_draft_allows(client, people, draft, comments) -> None:
    client.force_login(people["state"])
    assert "On 1.1" in client.get(section_url(draft, "p1-g1")).content.decode()
    services.draft_update_settings(draft=draft, user=system_actor(), comments_visible_to_all=False)
    page = client.get(section_url(draft, "p1-g1")).content.decode()
    assert "State on 1.1 whole" in page and "On 1.1</p>" not in page
    client.force_login(people["member"])
    assert "On 1.1</p>" in client.get(section_url(draft, "p1-g1")).content.decode()


def test_an_editor_hides_a_comment_with_a_reason_and_it_is_kept(client, people, draft, comments) -> None:
    client.force_login(people["state"])
    flag = reverse(
        "drafts:comment_flag", kwargs={"slug": "guidance", "number": draft.number, "comment_id": comments[1].pk}
    )
    assert client.post(flag).status_code == 302
    assert CommentFlag.objects.filter(comment=comments[1], flag=CommentFlag.SUGGEST_REMOVAL).count() == 1
    client.force_login(people["editor"])
    hide = reverse(
        "drafts:comment_hide", kwargs={"slug": "guidance", "number": draft.number, "comment_id": comments[1].pk}
    )
    client.post(hide, {"reason": "Personal attack"})
    hidden = DraftComment.objects.get(pk=comments[1].pk)
    assert (hidden.is_public, hidden.hidden_reason) == (False, "Personal attack")
    client.force_login(people["state"])
    assert "On 1.1</p>" not in client.get(section_url(draft, "p1-g1")).content.decode()
    client.force_login(people["member"])
    assert "Hidden by the editors: Personal attack" in client.get(section_url(draft, "p1-g1")).content.decode()


def _link_in(message) -> str:
    """The path of the first link to this site in an e-mail's body."""
    match = re.search(r"https?://[^/\s]+(/\S+)", message.body)
    assert match, message.body
    return match.group(1)


def test_an_editor_invites_a_stakeholder_who_accepts_the_mailed_link(
    client, people, draft, django_capture_on_commit_callbacks
) -> None:
    guest = make_user("guest", email="guest@example.org")
    client.force_login(guest)
    assert client.get(draft.get_absolute_url()).status_code == 404
    client.force_login(people["editor"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("drafts:invite", kwargs={"slug": "guidance"}), {"email": "Guest@Example.org"})
    assert response.status_code == 302
    assert [m.to for m in mail.outbox] == [["guest@example.org"]]
    link = _link_in(mail.outbox[0])
    client.force_login(guest)
    assert client.get(draft.get_absolute_url()).status_code == 404  # nothing granted by the address alone
    page = client.get(link)
    assert page.status_code == 200 and "Accept the invitation" in page.content.decode()
    assert client.get(draft.get_absolute_url()).status_code == 404  # a GET (a mail scanner) accepts nothing
    assert client.post(link).status_code == 302
    assert client.get(draft.get_absolute_url()).status_code == 200


def test_an_invitation_goes_to_the_address_not_to_a_user_name_that_looks_like_it(
    client, people, draft, django_capture_on_commit_callbacks
) -> None:
    """Finding 1: someone signed up as 'amina.haddad@clinic.example' got the real Amina's access."""
    impostor = make_user("amina.haddad@clinic.example", email="impostor@example.org")
    client.force_login(people["editor"])
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(
            reverse("drafts:invite", kwargs={"slug": "guidance"}), {"email": "amina.haddad@clinic.example"}
        )
        # Nobody has that e-mail: the editor is told, and nothing is sent until they confirm.
        assert first.status_code == 200 and "Nobody has an account with the e-mail" in first.content.decode()
        assert mail.outbox == []
        confirmed = client.post(
            reverse("drafts:invite", kwargs={"slug": "guidance"}),
            {"email": "amina.haddad@clinic.example", "invite_new": "True"},
        )
    assert confirmed.status_code == 302
    assert [m.to for m in mail.outbox] == [["amina.haddad@clinic.example"]]
    assert "create one at" in mail.outbox[0].body
    assert access_for(impostor, draft.document).role is None
    client.force_login(impostor)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_user_names_cannot_look_like_an_e_mail_and_one_account_per_address(client, people) -> None:
    data = {"first_name": "A", "last_name": "H", "organisation": "", "category": "individual",
            "password1": "a-long-passphrase-2026", "password2": "a-long-passphrase-2026"}
    page = client.post(reverse("sign_up"), {**data, "username": "amina.haddad@clinic.example", "email": "a@x.org"})
    assert page.status_code == 200 and "cannot contain “@”" in page.content.decode()
    page = client.post(reverse("sign_up"), {**data, "username": "amina", "email": "NGO@example.org"})
    assert page.status_code == 200 and "exists already" in page.content.decode()


def test_two_sign_ups_with_one_address_at_once_make_one_account(people) -> None:
    """Finding 14: the form's check and the insert are not atomic; the database index is."""
    with pytest.raises(ValidationError):
        services.stakeholder_sign_up(username="twin", password="pw-long-enough-2026", email="Ngo@Example.org",
                                     first_name="T", last_name="W", organisation="", category="individual")
    assert get_user_model().objects.filter(email__iexact="ngo@example.org").count() == 1


def test_an_invitation_link_is_taken_once_and_never_lowers_a_role(client, people, draft) -> None:
    invitation = services.invitation_send(document=draft.document, email="guest@example.org", user=people["editor"])
    link = reverse("drafts:invitation_accept", args=[services.notifications.invitation_token(invitation)])
    client.force_login(make_user("guest", email="guest@example.org"))
    assert client.post(link).status_code == 302
    client.force_login(people["outsider"])
    page = client.post(link, follow=True)
    assert "already been accepted" in page.content.decode()
    assert access_for(people["outsider"], draft.document).role is None
    assert client.get(reverse("drafts:invitation_accept", args=["forged:token"])).status_code == 404
    with pytest.raises(ValidationError):
        services.invitation_send(document=draft.document, email="member@example.org", user=people["editor"])


def test_the_comment_packages_own_endpoints_are_not_exposed(client, people, draft) -> None:
    client.force_login(people["ngo"])
    section = DraftSection.objects.get(draft=draft, key="p1")
    for path in (
        "/comments/post/",
        "/comments/api/feeds/",
        f"/comments/reply/{section.pk}/",
        "/comments/flag/1/",
        f"/comments/cr/{ContentType.objects.get_for_model(DraftSection).pk}/{section.pk}/",
    ):
        assert client.get(path).status_code == 404, path
        assert client.post(path, {}).status_code in (404, 405), path


# Speed -------------------------------------------------------------------------------------------


def test_reading_a_200_section_draft_with_2000_comments_needs_a_bounded_number_of_queries(
    client, people, django_assert_max_num_queries
) -> None:
    big = make_document("big", editor=people["editor"], stakeholders=[people["ngo"]])
    make_principles(big, principles=20, guidelines=9)
    draft = freeze(big, visibility=Draft.Visibility.PUBLIC, **open_window())
    sections = list(DraftSection.objects.filter(draft=draft))
    section_type = ContentType.objects.get_for_model(DraftSection)
    for n, s in zip(range(2000), sections * 10, strict=False):  # multi-table models cannot be bulk-created
        DraftComment(
            draft=draft,
            draft_section=s,
            paragraph=1 if n % 2 else None,
            content_type=section_type,
            object_pk=str(s.pk),
            site_id=1,
            user=people["ngo"],
            user_name="Ngo",
            comment=f"c{n}",
            submit_date=timezone.now(),
            is_public=True,
            reference=f"MRN-{n:04d}",
        ).save()
    client.force_login(people["ngo"])
    with django_assert_max_num_queries(7):
        response = client.get(draft.get_absolute_url())
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="comment-summary"') == 201
    assert page.count(">10 comments<") + page.count(">9 comments<") == 201
    assert page.count("¶1: 5</a>") > 100

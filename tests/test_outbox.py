"""The outbox (DESIGN rule 8): mail never fails or holds up a request, is never lost, never sent twice.

These tests send through Django's real SMTP backend to a real server on loopback (tests/smtp.py),
refusing, hanging or accepting, as production would meet them.
"""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from drafts.models import Draft, DraftSection, Notice, OutboundMail
from drafts.services import background, outbox
from tests.factories import freeze, make_user
from tests.html_forms import rendered_fields, submit
from tests.smtp import SmtpSink, closed_port
from tests.test_mail_access import open_window, post

pytestmark = pytest.mark.django_db

SMTP = "django.core.mail.backends.smtp.EmailBackend"


@pytest.fixture
def smtp(settings):
    """Django's SMTP backend pointed at a sink on loopback; retries due at once."""
    sink = SmtpSink()
    settings.EMAIL_BACKEND, settings.EMAIL_HOST, settings.EMAIL_PORT = SMTP, "127.0.0.1", sink.port
    settings.EMAIL_TIMEOUT, settings.OUTBOX_RETRY_SECONDS = 1, 0
    yield sink
    sink.close()


class Queue(list):
    """A broker that takes every task and runs none until the test says so: what a request does alone."""

    def __init__(self, capture) -> None:
        super().__init__()
        self.capture = capture

    def run(self) -> None:
        """The worker: run what was enqueued, and what those tasks enqueue in turn once they commit."""
        while self:
            task, args = self.pop(0)
            with self.capture(execute=True):
                {"notice_expand": outbox.notice_expand, "mails_deliver": outbox.mails_deliver}[task](*args)


@pytest.fixture
def queued(monkeypatch, django_capture_on_commit_callbacks) -> Queue:
    tasks = Queue(django_capture_on_commit_callbacks)
    monkeypatch.setattr(background, "enqueue", lambda task, *args, countdown=None: tasks.append((task, args)) or True)
    return tasks


@pytest.fixture
def commented(make_guidance, people, django_capture_on_commit_callbacks):
    """Draft 1 of the guidance, open for comments, on which the NGO and the State commented."""
    document = make_guidance(principles=1, guidelines=1)
    draft = freeze(document, visibility=Draft.Visibility.RESTRICTED, **open_window())
    section = DraftSection.objects.get(draft=draft, key="p1")
    with django_capture_on_commit_callbacks(execute=True):
        post(people["ngo"], section, "A point from the NGO")
        post(people["state"], section, "A point from the State")
    return document, draft


def freeze_through_the_page(client, editor, document, label: str):
    client.force_login(editor)
    url = reverse("drafts:draft_freeze", kwargs={"slug": document.slug})
    page = client.get(url)
    fields = rendered_fields(page.content, action="")
    return client.post(url, submit(fields, label=label, visibility="restricted", confirm="on"))


def test_a_freeze_while_the_mail_server_refuses_is_saved_once_and_its_mail_sent_when_it_is_back(
    client, people, commented, smtp, settings, django_capture_on_commit_callbacks
) -> None:
    """Before: "Server Error (500)" yet the draft was frozen, and the mail was never sent or retried."""
    document, _draft = commented
    settings.EMAIL_PORT = closed_port()
    with django_capture_on_commit_callbacks(execute=True):
        response = freeze_through_the_page(client, people["editor"], document, "Second draft")
    assert response.status_code == 302
    assert document.drafts.count() == 2
    waiting = OutboundMail.objects.filter(notice__kind=Notice.Kind.DRAFT_PUBLISHED)
    assert sorted(waiting.values_list("to", flat=True)) == ["ngo@example.org", "state@example.org"]
    assert {(m.state, m.attempts) for m in waiting} == {("queued", 1)}
    assert all("refused" in m.last_error.lower() for m in waiting)
    # The editor sees it on the document's messages page, with the reason.
    page = client.get(reverse("drafts:document_outbox", kwargs={"slug": document.slug})).content.decode()
    assert "2 waiting to be sent, 0 failed." in page and "refused" in page.lower()

    settings.EMAIL_PORT = smtp.port  # the server is back; the sweep (here its command) finds them due
    out = StringIO()
    call_command("deliver_outbox", stdout=out)
    assert out.getvalue() == "expanded 0\tsent 2\tfailed 0\tqueued 0\n"
    assert sorted(smtp.recipients) == ["ngo@example.org", "state@example.org"]
    assert {(m.state, m.attempts) for m in waiting.all()} == {("sent", 2)}
    assert "Second draft" in smtp.messages[0]["Subject"]
    assert outbox.outbox_sweep(now_due=True).sent == 0  # and never again


def test_a_mail_server_that_never_answers_holds_the_sender_for_EMAIL_TIMEOUT_never_the_request(
    client, people, commented, smtp, queued, django_capture_on_commit_callbacks
) -> None:
    """Before: a post blocked its worker for 60 s until gunicorn killed it; three stalled the site."""
    _document, draft = commented
    smtp.hang()
    client.force_login(people["editor"])
    with django_capture_on_commit_callbacks(execute=True):
        post(people["editor"], DraftSection.objects.get(draft=draft, key="p1"), "The editor's view")
    # The request did its work and enqueued one task; it wrote no message and opened no connection.
    assert queued == [("notice_expand", (Notice.objects.get(comment__comment="The editor's view").pk,))]
    mails = OutboundMail.objects.filter(notice__comment__comment="The editor's view")
    assert not mails.exists()
    queued.run()  # the worker: it waits EMAIL_TIMEOUT (1 s here), records why, and lets the retry have it
    assert sorted(m.to for m in mails) == ["ngo@example.org", "state@example.org"]
    assert {(m.state, m.attempts) for m in mails} == {("queued", 1)}
    assert all("timed out" in m.last_error for m in mails)


def test_a_broker_down_at_commit_loses_nothing_and_the_post_still_succeeds(
    client, people, commented, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    _document, draft = commented
    from celery import current_app

    def down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(current_app.tasks["drafts.tasks.notice_expand"], "apply_async", down)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        post(people["editor"], DraftSection.objects.get(draft=draft, key="p1"), "While Redis is down")
    notice = Notice.objects.get(comment__comment="While Redis is down")
    assert notice.expanded_at is None and not mail.outbox
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        swept = outbox.outbox_sweep(now_due=True)
    assert swept.expanded == 1
    assert sorted(to for m in mail.outbox for to in m.to) == ["ngo@example.org", "state@example.org"]


def test_expanding_and_delivering_twice_sends_each_message_once(commented, people, queued) -> None:
    """A task delivered twice (a worker killed after sending, a broker that redelivers) does no harm."""
    _document, draft = commented
    with transaction.atomic():
        comment = post(people["editor"], DraftSection.objects.get(draft=draft, key="p1"), "Once only")
    notice = Notice.objects.get(comment=comment)
    ids = outbox.notice_expand(notice.pk)
    assert len(ids) == 2 and outbox.notice_expand(notice.pk) == []
    mail.outbox.clear()
    assert outbox.mails_deliver(ids).sent == 2
    assert outbox.mails_deliver(ids).sent == 0
    assert len(mail.outbox) == 2


def test_a_message_held_by_another_sender_waits_until_its_claim_runs_out(commented, people, queued) -> None:
    _document, draft = commented
    with transaction.atomic():
        comment = post(people["editor"], DraftSection.objects.get(draft=draft, key="p1"), "Claimed")
    ids = outbox.notice_expand(Notice.objects.get(comment=comment).pk)
    OutboundMail.objects.filter(pk__in=ids).update(claimed_until=timezone.now() + timedelta(minutes=4))
    mail.outbox.clear()
    assert outbox.mails_deliver(ids).sent == 0 and outbox.outbox_sweep(now_due=True).sent == 0
    # That sender was killed mid-send: when its claim runs out, the sweep sends the messages.
    OutboundMail.objects.filter(pk__in=ids).update(claimed_until=timezone.now() - timedelta(seconds=1))
    assert outbox.outbox_sweep(now_due=True).sent == 2 and len(mail.outbox) == 2


def test_a_message_another_sender_claims_while_this_one_connects_is_not_sent_twice(
    commented, people, queued, monkeypatch
) -> None:
    """Two senders found the same messages due; the other claimed them while this one was connecting."""
    _document, draft = commented
    with transaction.atomic():
        comment = post(people["editor"], DraftSection.objects.get(draft=draft, key="p1"), "Raced")
    ids = outbox.notice_expand(Notice.objects.get(comment=comment).pk)
    found_due = outbox._sendable

    def claimed_meanwhile(mail_ids):
        due = found_due(mail_ids)
        OutboundMail.objects.filter(pk__in=ids).update(claimed_until=timezone.now() + timedelta(minutes=1))
        return due

    monkeypatch.setattr(outbox, "_sendable", claimed_meanwhile)
    mail.outbox.clear()
    assert len(found_due(ids)) == 2
    assert outbox.mails_deliver(ids).sent == 0 and not mail.outbox


def test_after_the_last_attempt_a_message_is_failed_and_an_editor_can_send_it_again(
    client, people, commented, smtp, settings, queued, django_capture_on_commit_callbacks
) -> None:
    document, draft = commented
    with transaction.atomic():
        comment = post(people["editor"], DraftSection.objects.get(draft=draft, key="p1"), "Will fail")
    ids = outbox.notice_expand(Notice.objects.get(comment=comment).pk)
    settings.EMAIL_PORT = closed_port()
    for _attempt in range(outbox.MAX_ATTEMPTS):
        outbox.mails_deliver(ids)
    assert set(OutboundMail.objects.filter(pk__in=ids).values_list("state", "attempts")) == {
        ("failed", outbox.MAX_ATTEMPTS)}
    assert outbox.mails_deliver(ids).sent == 0  # failed is final until someone decides otherwise

    url = reverse("drafts:document_outbox", kwargs={"slug": document.slug})
    for outsider, status in (("member", 403), ("ngo", 404)):
        client.force_login(people[outsider])
        assert client.get(url).status_code == status
        assert client.post(url, {"mail": ids}).status_code == status
    assert set(OutboundMail.objects.filter(pk__in=ids).values_list("state", flat=True)) == {"failed"}

    client.force_login(people["editor"])
    page = client.get(url)
    assert "0 waiting to be sent, 2 failed." in page.content.decode()
    fields = rendered_fields(page.content, action="")
    assert "mail" in fields["__names__"]
    settings.EMAIL_PORT = smtp.port
    chosen = [str(pk) for pk in ids]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, submit(fields, mail=chosen), follow=True)
    assert "2 messages will be sent again." in response.content.decode()
    queued.run()
    assert sorted(smtp.recipients) == ["ngo@example.org", "state@example.org"]
    assert set(OutboundMail.objects.filter(pk__in=ids).values_list("state", flat=True)) == {"sent"}


def test_a_change_rolled_back_leaves_no_notice_and_enqueues_nothing(commented, queued) -> None:
    document, draft = commented
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.notice_record(Notice.Kind.DRAFT_PUBLISHED, document=document, draft=draft, previous=draft.pk)
        raise RuntimeError("the freeze failed after recording its notice")
    assert not Notice.objects.filter(kind=Notice.Kind.DRAFT_PUBLISHED).exists()
    assert queued == []


def test_a_comment_post_costs_the_same_queries_however_many_follow_the_section(
    make_guidance, people, queued, django_capture_on_commit_callbacks
) -> None:
    """Before: one mail per follower inside the request (p50 0.23 s → 2.5 s with 14.5 followers)."""
    document = make_guidance(principles=1, guidelines=1)
    draft = freeze(document, visibility=Draft.Visibility.PUBLIC, **open_window())
    section = DraftSection.objects.get(draft=draft, key="p1")

    def queries_of_a_post(text: str) -> int:
        with django_capture_on_commit_callbacks(execute=True), CaptureQueriesContext(connection) as counted:
            post(people["editor"], section, text)
        return len(counted.captured_queries)

    with django_capture_on_commit_callbacks(execute=True):
        post(people["editor"], section, "The editor's first comment")  # numbering their comments starts once
    for n in range(2):
        post(make_user(f"few{n}", email=f"few{n}@example.org"), section, f"Follower {n}")
    few = queries_of_a_post("With two followers")
    for n in range(12):
        post(make_user(f"many{n}", email=f"many{n}@example.org"), section, f"Follower {n}")
    assert queries_of_a_post("With fourteen followers") == few
    queued.run()
    assert OutboundMail.objects.filter(notice__comment__comment="With fourteen followers").count() == 14


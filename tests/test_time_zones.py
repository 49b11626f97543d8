"""Dates in the document's time zone (or the reader's own), typed year first, stored in UTC."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest
from django.core.management import call_command
from django.urls import reverse

from drafts.models import Document, Draft, Profile
from tests.factories import freeze
from tests.html_forms import rendered_fields, submit


@pytest.fixture
def geneva(make_guidance) -> Document:
    document = make_guidance(principles=1, guidelines=1)
    document.time_zone = "Europe/Zurich"
    document.save(update_fields=["time_zone"])
    return document


def test_a_geneva_editor_types_the_deadline_in_geneva_time_and_it_is_stored_in_utc(client, people, geneva) -> None:
    draft = freeze(geneva)
    client.force_login(people["editor"])
    url = reverse("drafts:draft_settings", args=["guidance", draft.number])
    page = client.get(url)
    assert "in Europe/Zurich time" in page.content.decode()
    assert 'type="datetime-local"' not in page.content.decode()
    fields = rendered_fields(page.content, action="")
    response = client.post(url, submit(fields, comments_open_from="2026-12-01 09:00",
                                       comments_open_until="2026-12-31 18:00"))
    assert response.status_code == 302, response.content.decode()[:2000]
    draft.refresh_from_db()
    assert draft.comments_open_until == datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    shown = client.get(draft.get_absolute_url()).content.decode()
    assert "31 Dec 2026 18:00 CET" in shown
    # The form shows it back as it was typed, and the window is asked of the stored instant.
    assert rendered_fields(client.get(url).content, action="")["comments_open_until"] == "2026-12-31 18:00"
    assert draft.comments_open(datetime(2026, 12, 31, 16, 59, tzinfo=UTC))
    assert not draft.comments_open(datetime(2026, 12, 31, 17, 0, tzinfo=UTC))


def test_a_reader_with_a_new_york_preference_sees_new_york_time(client, people, geneva) -> None:
    draft = freeze(geneva, comments_open_until=datetime(2026, 12, 31, 17, 0, tzinfo=UTC))
    client.force_login(people["ngo"])
    prefs = reverse("drafts:preferences")
    fields = rendered_fields(client.get(prefs).content, action="")
    assert client.post(prefs, submit(fields, time_zone="America/New_York")).status_code == 302
    assert Profile.objects.get(user=people["ngo"]).time_zone == "America/New_York"
    assert "31 Dec 2026 12:00 EST" in client.get(draft.get_absolute_url()).content.decode()
    client.logout()
    client.force_login(people["ngo"])  # kept from one sign-in to the next
    assert "31 Dec 2026 12:00 EST" in client.get(draft.get_absolute_url()).content.decode()
    client.force_login(people["state"])
    assert "31 Dec 2026 18:00 CET" in client.get(draft.get_absolute_url()).content.decode()


def test_an_unknown_preference_is_refused(client, people) -> None:
    client.force_login(people["ngo"])
    response = client.post(reverse("drafts:preferences"), {"time_zone": "Mars/Olympus"})
    assert response.status_code == 400 and not Profile.objects.get(user=people["ngo"]).time_zone


@pytest.mark.parametrize(("typed", "error"), [
    ("12/31/2026 18:00", "Enter a valid date/time."),
    ("2027-03-28 02:30", "couldn’t be interpreted in time zone Europe/Zurich"),  # the hour clocks skip
])
def test_a_date_that_cannot_be_read_is_a_clear_form_error(client, people, geneva, typed, error) -> None:
    draft = freeze(geneva)
    client.force_login(people["editor"])
    url = reverse("drafts:draft_settings", args=["guidance", draft.number])
    fields = rendered_fields(client.get(url).content, action="")
    response = client.post(url, submit(fields, comments_open_until=typed))
    assert response.status_code == 200 and error in response.content.decode()
    draft.refresh_from_db()
    assert draft.comments_open_until is None


def test_freeze_draft_reads_a_time_without_offset_in_the_documents_zone(people, geneva) -> None:
    call_command("freeze_draft", "guidance", "--comments-open-until", "2026-12-31T18:00",
                 stdout=io.StringIO(), stderr=io.StringIO())
    call_command("freeze_draft", "guidance", "--comments-open-until", "2026-12-31T18:00+00:00", "--keep-previous-open",
                 stdout=io.StringIO(), stderr=io.StringIO())
    first, second = Draft.objects.order_by("number")
    assert first.comments_open_until == datetime(2026, 12, 31, 17, 0, tzinfo=UTC)
    assert second.comments_open_until == datetime(2026, 12, 31, 18, 0, tzinfo=UTC)


def test_a_follow_up_mail_dates_the_comment_in_its_recipients_time_zone(client, people, geneva, settings) -> None:
    from django.core import mail

    from drafts import services
    from tests.test_comments import open_window, post_comment

    draft = freeze(geneva, visibility=Draft.Visibility.RESTRICTED, **open_window())
    Profile.objects.filter(user=people["ngo"]).update(time_zone="Asia/Tokyo")
    client.force_login(people["ngo"])
    post_comment(client, draft, "p1-g1", comment="Following this.")
    client.force_login(people["state"])
    mail.outbox.clear()
    post_comment(client, draft, "p1-g1", comment="A second view.")
    comment = draft.comments.get(comment="A second view.")
    services.notifications.followup_notify(comment)
    (message,) = [m for m in mail.outbox if m.to == ["ngo@example.org"]][-1:]
    assert "JST" in message.body

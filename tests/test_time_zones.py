"""Dates in the document's time zone (or the reader's own), typed year first, stored in UTC, shown
as "31 Dec 2026 18:00 CET" everywhere: pages, messages and e-mails."""

from __future__ import annotations

import io
import zoneinfo
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from drafts import services, values
from drafts.access import system_actor
from drafts.middleware import TimeZoneMiddleware
from drafts.models import Document, Draft, Notice, Profile
from tests.factories import freeze
from tests.html_forms import rendered_fields, submit
from tests.test_comments import form_data, open_window, post_comment

ZURICH = zoneinfo.ZoneInfo("Europe/Zurich")
DEADLINE = datetime(2026, 12, 31, 17, 0, tzinfo=UTC)  # 18:00 in Geneva, 12:00 in New York


@pytest.fixture
def geneva(make_guidance) -> Document:
    # IANA has no Europe/Geneva: Switzerland's clocks are Europe/Zurich's.
    document = make_guidance(principles=1, guidelines=1)
    document.time_zone = "Europe/Zurich"
    document.save(update_fields=["time_zone"])
    return document


def settings_url(draft: Draft) -> str:
    return reverse("drafts:draft_settings", args=[draft.document.slug, draft.number])


def post_settings(client, draft: Draft, **typed):
    """Post the draft's settings form as the page renders it, with ``typed`` on top."""
    fields = rendered_fields(client.get(settings_url(draft)).content, action="")
    return client.post(settings_url(draft), submit(fields, **typed))


def page(client, draft: Draft) -> str:
    return client.get(draft.get_absolute_url()).content.decode()


# Typing a comment window ---------------------------------------------------------------------


def test_a_geneva_editor_types_the_deadline_in_geneva_time_and_it_is_stored_in_utc(client, people, geneva) -> None:
    draft = freeze(geneva)
    client.force_login(people["editor"])
    form = client.get(settings_url(draft)).content.decode()
    assert "e.g. 2026-12-31 18:00, in Europe/Zurich time (CET/CEST). A date alone is refused: give the time" in form
    assert 'type="datetime-local"' not in form
    response = post_settings(client, draft, comments_open_from="2026-12-01 09:00",
                             comments_open_until="2026-12-31 18:00")
    assert response.status_code == 302, response.content.decode()[:2000]
    draft.refresh_from_db()
    assert (draft.comments_open_from, draft.comments_open_until) == (datetime(2026, 12, 1, 8, 0, tzinfo=UTC), DEADLINE)
    shown = page(client, draft)
    assert "31 Dec 2026 18:00 CET" in shown
    assert '<time datetime="2026-12-31T17:00:00+00:00">' in shown  # machines read the UTC instant
    # The form shows it back as it was typed, and the window is asked of the stored instant.
    shown_back = rendered_fields(client.get(settings_url(draft)).content, action="")["comments_open_until"]
    assert shown_back == "2026-12-31 18:00"
    assert draft.comments_open(datetime(2026, 12, 31, 16, 59, tzinfo=UTC))
    assert not draft.comments_open(DEADLINE)


@pytest.mark.parametrize(("typed", "stored"), [
    ("2026-12-31T18:00", DEADLINE),  # what a datetime-local box used to send
    ("2026-12-31 18:00:00", DEADLINE),
    ("2027-10-31 02:30+01:00", datetime(2027, 10, 31, 1, 30, tzinfo=UTC)),  # an offset says which 02:30
    ("2027-07-01 18:00", datetime(2027, 7, 1, 16, 0, tzinfo=UTC)),  # summer time: CEST, UTC+2
])
def test_the_other_ways_of_typing_a_time_are_read_as_meant(client, people, geneva, typed, stored) -> None:
    draft = freeze(geneva)
    client.force_login(people["editor"])
    assert post_settings(client, draft, comments_open_until=typed).status_code == 302
    draft.refresh_from_db()
    assert draft.comments_open_until == stored


@pytest.mark.parametrize(("typed", "error"), [
    ("12/31/2026 18:00", "Enter the date year first and the time on a 24-hour clock, e.g. 2026-12-31 18:00."),
    ("31.12.2026 18:00", "Enter the date year first"),
    ("2026-12-31", "Add the time as well, e.g. 2026-12-31 18:00: a date alone would mean 00:00 at its start."),
    ("2027-03-28 02:30", "2027-03-28 02:30 does not exist in Europe/Zurich: the clocks go forward then."),
    ("2027-10-31 02:30", "2027-10-31 02:30 happens twice in Europe/Zurich: the clocks go back then. Enter another "
                         "time, or add the UTC offset you mean: 2027-10-31 02:30+02:00 or 2027-10-31 02:30+01:00."),
])
def test_a_time_that_cannot_be_read_is_a_clear_form_error(client, people, geneva, typed, error) -> None:
    draft = freeze(geneva)
    client.force_login(people["editor"])
    response = post_settings(client, draft, comments_open_until=typed)
    assert response.status_code == 200 and error in response.content.decode()
    draft.refresh_from_db()
    assert draft.comments_open_until is None


def test_the_freeze_form_reads_the_deadline_in_the_documents_zone(client, people, geneva) -> None:
    client.force_login(people["editor"])
    url = reverse("drafts:draft_freeze", args=["guidance"])
    form = client.get(url).content.decode()
    assert "in Europe/Zurich time (CET/CEST)" in form
    fields = rendered_fields(form, action="")
    response = client.post(url, submit(fields, confirm="on", comments_open_until="2026-12-31 18:00"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Draft.objects.get(document=geneva).comments_open_until == DEADLINE


def test_a_refused_comment_says_when_the_window_closed_in_the_documents_zone(client, people, geneva) -> None:
    draft = freeze(geneva, visibility=Draft.Visibility.RESTRICTED, **open_window())
    client.force_login(people["ngo"])
    data = form_data(client, draft, "p1-g1", comment="Too late?")
    closed = timezone.now() - timedelta(minutes=1)
    services.draft_update_settings(draft=draft, user=system_actor(), comments_open_until=closed,
                                   comments_open_from=closed - timedelta(days=2))
    response = client.post(reverse("drafts:comment_post", args=["guidance", draft.number]), data)
    with timezone.override(ZURICH):
        assert response.status_code == 403 and f"closed on {values.when(closed)}." in response.content.decode()
    assert not draft.comments.exists()


# Reading dates -------------------------------------------------------------------------------


def test_a_reader_with_a_new_york_preference_sees_new_york_time(client, people, geneva) -> None:
    draft = freeze(geneva, comments_open_until=DEADLINE)
    client.force_login(people["ngo"])
    prefs = reverse("drafts:preferences")
    fields = rendered_fields(client.get(prefs).content, action="")
    assert client.post(prefs, submit(fields, time_zone="America/New_York")).status_code == 302
    assert Profile.objects.get(user=people["ngo"]).time_zone == "America/New_York"
    assert "31 Dec 2026 12:00 EST" in page(client, draft)
    assert "Dates are shown in America/New_York time" in client.get(prefs).content.decode()
    client.logout()
    client.force_login(people["ngo"])  # kept from one sign-in to the next
    assert "31 Dec 2026 12:00 EST" in page(client, draft)
    client.force_login(people["state"])
    assert "31 Dec 2026 18:00 CET" in page(client, draft)
    client.logout()
    assert "31 Dec 2026 18:00 CET" in page(client, draft)  # a visitor reads the document's time


def test_going_back_to_each_documents_own_zone(client, people, geneva) -> None:
    draft = freeze(geneva, comments_open_until=DEADLINE)
    Profile.objects.filter(user=people["ngo"]).update(time_zone="Asia/Tokyo")
    client.force_login(people["ngo"])
    assert "1 Jan 2027 02:00 JST" in page(client, draft)
    prefs = reverse("drafts:preferences")
    fields = rendered_fields(client.get(prefs).content, action="")
    assert fields["time_zone"] == "Asia/Tokyo"  # the select shows the saved choice
    assert client.post(prefs, submit(fields, time_zone="")).status_code == 302
    assert "31 Dec 2026 18:00 CET" in page(client, draft)


def test_an_unknown_preference_is_refused(client, people) -> None:
    client.force_login(people["ngo"])
    response = client.post(reverse("drafts:preferences"), {"time_zone": "Mars/Olympus"})
    assert response.status_code == 400 and not Profile.objects.get(user=people["ngo"]).time_zone


def test_the_preferences_page_is_for_signed_in_people_and_linked_from_the_header(client, people) -> None:
    prefs = reverse("drafts:preferences")
    assert client.get(prefs).status_code == 302  # to the sign-in page
    client.force_login(people["editor"])  # no profile yet: saving makes one
    assert f'href="{prefs}"' in client.get(reverse("drafts:my_comments")).content.decode()
    assert client.post(prefs, {"time_zone": "Europe/Zurich"}).status_code == 302
    assert Profile.objects.get(user=people["editor"]).time_zone == "Europe/Zurich"


@pytest.mark.parametrize(("session", "during"), [({}, "UTC"), ({"drafts_time_zone": "Asia/Tokyo"}, "Asia/Tokyo"),
                                              ({"drafts_time_zone": "Mars/Olympus"}, "UTC")])
def test_a_request_starts_in_the_readers_zone_or_the_sites_and_ends_reset(rf, settings, session, during) -> None:
    """Pages about no document (My comments, the list of documents) stay in this zone."""
    settings.TIME_ZONE = "UTC"
    seen = []

    def view(request):
        seen.append(timezone.get_current_timezone_name())
        return HttpResponse()

    request = rf.get("/")
    request.session = session
    with timezone.override(ZURICH):  # whatever a previous request left active
        TimeZoneMiddleware(view)(request)
        assert timezone.get_current_timezone_name() == "UTC"  # reset, not left in the reader's zone
    assert seen == [during]


def test_every_page_writes_a_moment_one_way(client, people, geneva) -> None:
    draft = freeze(geneva)
    client.force_login(people["editor"])
    with timezone.override(ZURICH):
        frozen = values.when(draft.frozen_at)
    assert f"frozen {frozen}" in page(client, draft)  # "frozen 2 Dec 2026 14:47 CET"
    assert frozen in client.get(reverse("drafts:draft_list", args=["guidance"])).content.decode()
    history = client.get(reverse("drafts:section_history", args=["guidance", "p1-g1"])).content.decode()
    assert ("CET" in history or "CEST" in history) and "/20" not in history


@pytest.mark.parametrize(("language", "written"), [
    ("en", "31 Dec 2026 18:00 CET"),
    ("fr", "31 décembre 2026 18:00 CET"),
    ("es", "31 de diciembre de 2026 a las 18:00 CET"),
    ("ru", "31 декабря 2026 г. 18:00 CET"),
    ("zh-hans", "2026年12月31日 18:00 CET"),
    ("ar", "31 ديسمبر، 2026 18:00 CET"),
])
def test_each_language_writes_a_moment_one_unambiguous_way(language, written) -> None:
    with timezone.override(ZURICH), translation.override(language):
        assert values.when(DEADLINE) == written
        assert "/" not in date_format(DEADLINE, "SHORT_DATETIME_FORMAT") or language != "en"
    assert values.when(None) == "" and values.utc_iso(DEADLINE.astimezone(ZURICH)) == "2026-12-31T17:00:00+00:00"


def test_the_clock_changes_are_told_apart() -> None:
    assert values.clock_change(datetime(2027, 3, 28, 2, 30), ZURICH) == "skipped"
    assert values.clock_change(datetime(2027, 10, 31, 2, 30), ZURICH) == "repeated"
    assert values.clock_change(datetime(2027, 10, 31, 3, 30), ZURICH) == ""
    assert values.clock_change(datetime(2027, 3, 28, 2, 30), UTC) == ""
    assert values.is_date_alone(" 2026-12-31 ") and not values.is_date_alone("2026-12-31 18:00")
    assert not values.is_date_alone("2026-13-45")


# Query counts --------------------------------------------------------------------------------


def _queries(user, url: str, settings, *, with_middleware: bool = True) -> int:
    middleware = list(settings.MIDDLEWARE)
    if not with_middleware:
        settings.MIDDLEWARE = [m for m in middleware if m != "drafts.middleware.TimeZoneMiddleware"]
    try:
        browser = Client()
        if user is not None:
            browser.force_login(user)
        assert browser.get(url).status_code == 200  # warms the rendering cache
        with CaptureQueriesContext(connection) as queries:
            assert browser.get(url).status_code == 200
        return len(queries)
    finally:
        settings.MIDDLEWARE = middleware


def test_time_zones_cost_no_query_on_the_draft_page(people, geneva, settings) -> None:
    draft = freeze(geneva, comments_open_until=DEADLINE)
    url = draft.get_absolute_url()
    for user in (None, people["state"]):  # a visitor; a stakeholder who reads the document's zone
        assert _queries(user, url, settings) == _queries(user, url, settings, with_middleware=False)
    Profile.objects.filter(user=people["ngo"]).update(time_zone="America/New_York")
    assert _queries(people["ngo"], url, settings) == _queries(people["state"], url, settings)


# The command and the mail ---------------------------------------------------------------------


def test_freeze_draft_reads_a_time_without_offset_in_the_documents_zone(people, geneva) -> None:
    err = io.StringIO()
    call_command("freeze_draft", "guidance", "--comments-open-until", "2026-12-31T18:00",
                 stdout=io.StringIO(), stderr=err)
    assert "Comments open until 31 Dec 2026 18:00 CET (2026-12-31T17:00:00+00:00)." in err.getvalue()
    call_command("freeze_draft", "guidance", "--comments-open-until", "2026-12-31T18:00+00:00", "--keep-previous-open",
                 stdout=io.StringIO(), stderr=io.StringIO())
    first, second = Draft.objects.order_by("number")
    assert first.comments_open_until == DEADLINE
    assert second.comments_open_until == datetime(2026, 12, 31, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(("typed", "error"), [
    ("2027-03-28T02:30", "2027-03-28T02:30 does not exist in Europe/Zurich"),
    ("2027-10-31T02:30", "happens twice in Europe/Zurich"),
    ("2026-12-31", "has no time"),
    ("2026-02-30T10:00", "is not"),
])
def test_freeze_draft_refuses_a_time_it_cannot_read_and_freezes_nothing(people, geneva, typed, error) -> None:
    with pytest.raises(CommandError, match=error):
        call_command("freeze_draft", "guidance", "--comments-open-until", typed,
                     stdout=io.StringIO(), stderr=io.StringIO())
    assert not Draft.objects.exists()


def test_a_follow_up_mail_dates_the_comment_in_its_recipients_time_zone(
    client, people, geneva, django_capture_on_commit_callbacks
) -> None:
    draft = freeze(geneva, visibility=Draft.Visibility.RESTRICTED, **open_window())
    Profile.objects.filter(user=people["ngo"]).update(time_zone="Asia/Tokyo")
    for follower in ("ngo", "stakeholder"):  # Tokyo by choice; the document's Geneva time
        client.force_login(people[follower])
        post_comment(client, draft, "p1-g1", comment=f"Following this, says {follower}.")
    client.force_login(people["state"])
    post_comment(client, draft, "p1-g1", comment="A second view.")
    comment = draft.comments.get(comment="A second view.")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.outbox.notice_record(Notice.Kind.FOLLOWUP, document=geneva, draft=draft, comment=comment)
    body = {m.to[0]: m.body for m in mail.outbox}
    for address, zone in (("ngo@example.org", "Asia/Tokyo"), ("stakeholder@example.org", "Europe/Zurich")):
        with timezone.override(zoneinfo.ZoneInfo(zone)):
            assert f"Sent by State, {values.when(comment.submit_date)}" in body[address]


# Where a document's zone is set ----------------------------------------------------------------


def test_staff_choose_a_new_documents_time_zone(client, people) -> None:
    people["editor"].is_staff = True
    people["editor"].save(update_fields=["is_staff"])
    client.force_login(people["editor"])
    url = reverse("drafts:document_create")
    fields = rendered_fields(client.get(url).content, action="")
    assert fields["time_zone"] == "UTC" and "Etc/GMT+5" not in client.get(url).content.decode()
    upload = SimpleUploadedFile("fresh.md", b"# Fresh\n\n## One\n\nText.\n")
    response = client.post(url, submit(fields, file=upload, slug="fresh", time_zone="America/New_York"))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Document.objects.get(slug="fresh").time_zone == "America/New_York"

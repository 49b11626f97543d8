"""Long imports as jobs: the upload returns at once, the job's page shows progress and then the result,
and applying a preview imports the previewed file once, as one change, or nothing at all."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.db.models.signals import post_save
from django.urls import reverse
from reversion.models import Version

from drafts import services
from drafts.access import system_actor
from drafts.models import Document, Job, Role, Section
from drafts.services import import_jobs, jobs
from tests.factories import make_document, make_principles, make_user, versions_of
from tests.html_forms import rendered_fields, submit
from tests.test_import_export_pages import REVISED

pytestmark = pytest.mark.django_db

REVISE = reverse("drafts:document_revise", kwargs={"slug": "guidance"})
CREATE = reverse("drafts:document_create")
REFRESH = '<meta http-equiv="refresh"'
# REVISED changes the shared document (2 principles x 2 guidelines) thus: intro and p1-g1 modified,
# "A new guideline" added, p2-g2 removed; its 7 sections, then the sections appended below.
REVISED_SECTIONS = 7


def long_revision(sections: int) -> str:
    """REVISED followed by new top-level sections, ``sections`` in all."""
    added = "".join(f"\n## Added section {n}\n\nText of added section {n}.\n"
                    for n in range(1, sections - REVISED_SECTIONS + 1))
    return REVISED + added


@pytest.fixture
def document(make_guidance):
    return make_guidance(principles=2, guidelines=2)


@pytest.fixture
def run_jobs(django_capture_on_commit_callbacks):
    """Make a request, then run the jobs it started, as the task queue does once the request commits."""

    def request(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return request


@pytest.fixture
def small_threshold(monkeypatch):
    """Jobs from 8 sections on, so REVISED plus one section goes through a job and the test stays fast."""
    monkeypatch.setattr(import_jobs, "JOB_MIN_SECTIONS", REVISED_SECTIONS + 1)


def upload(client, text: str | bytes, *, url: str = REVISE, name: str = "revised.md", **fields):
    data = text.encode() if isinstance(text, str) else text
    return client.post(url, {"file": SimpleUploadedFile(name, data), "message": "", **fields})


def job_page(client, response) -> str:
    """The page the upload or the apply sent the person to: a job's progress page."""
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/jobs/")
    page = client.get(location)
    assert page.status_code == 200
    return page.content.decode()


def latest(kind: Job.Kind) -> Job:
    return Job.objects.filter(kind=kind).latest("pk")


def assert_one_new_version_each(document: Document, keys: list[str], before: dict[str, int], message: str) -> None:
    """Every listed section has exactly one version more than before, carrying the message."""
    for key in keys:
        section = Section.objects.get(document=document, key=key)
        assert versions_of(section) == before.get(key, 0) + 1, key
        assert Version.objects.get_for_object(section).first().revision.comment == message


def version_counts(document: Document) -> dict[str, int]:
    return {section.key: versions_of(section) for section in Section.objects.filter(document=document)}


@contextmanager
def counting_progress_updates() -> Iterator[list[str]]:
    """The statements that write a job's progress, made while the block runs (a few thousand queries in all: more
    than ``CaptureQueriesContext`` keeps)."""
    updates: list[str] = []

    def count(execute, sql, params, many, context):
        if sql.startswith('UPDATE "drafts_job" SET "done"'):
            updates.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield updates


def test_a_long_revision_is_previewed_by_a_job_then_applied_once_as_one_change(
    client, people, document, run_jobs
) -> None:
    """At the real threshold: 400 sections."""
    sections = 400
    assert sections >= import_jobs.JOB_MIN_SECTIONS
    client.force_login(people["editor"])
    versions, before = Version.objects.count(), version_counts(document)
    response = run_jobs(upload, client, long_revision(sections), message="After the consultation")
    preview = latest(Job.Kind.IMPORT_PREVIEW)
    assert response["Location"] == preview.get_absolute_url()
    page = job_page(client, response)
    assert REFRESH not in page and "Done." in page
    assert "2 sections modified" in page and "394 added" in page and "1 removed" in page
    assert "From <bdi>revised.md</bdi>: 400 sections." in page
    assert "<bdi>A new guideline</bdi>" in page and "<bdi>Added section 199</bdi>" in page  # headings, not only keys
    assert "<bdi>Added section 200</bdi>" not in page and "and 194 more" in page  # 394 added, 200 listed
    assert Version.objects.count() == versions  # a preview writes nothing

    fields = rendered_fields(page, action=REVISE)
    assert fields["message"] == "After the consultation"
    assert fields["__names__"] == ["csrfmiddlewaretoken", "job", "message"]  # the file stays on the server
    with counting_progress_updates() as progress_updates:
        applied = run_jobs(client.post, REVISE, submit(fields))
    job = latest(Job.Kind.IMPORT_APPLY)
    assert applied["Location"] == job.get_absolute_url()
    page = job_page(client, applied)
    assert "What was imported" in page and f'href="{document.get_absolute_url()}"' in page
    assert "2 sections modified" in page and "394 added" in page

    added = [f"added-section-{n}" for n in range(1, sections - REVISED_SECTIONS + 1)]
    changed = ["intro", "p1-g1", "a-new-guideline", "p2-g2", *added]
    assert Version.objects.count() == versions + len(changed)
    assert_one_new_version_each(document, changed, before, "After the consultation")
    assert Section.objects.get(document=document, key="p2-g2").removed
    job.refresh_from_db()
    assert (job.state, job.done, job.total) == (Job.State.DONE, len(changed), len(changed))
    # Progress written every 1% of the sections (and once before, once after), not once per section.
    assert 90 <= len(progress_updates) <= 102


def test_a_second_click_on_apply_returns_the_first_job_and_imports_nothing_more(
    client, people, document, small_threshold, run_jobs
) -> None:
    client.force_login(people["editor"])
    page = job_page(client, run_jobs(upload, client, long_revision(8)))
    fields = submit(rendered_fields(page, action=REVISE))
    first = run_jobs(client.post, REVISE, fields)
    versions = Version.objects.count()
    second = run_jobs(client.post, REVISE, fields)
    assert second["Location"] == first["Location"]
    assert Job.objects.filter(kind=Job.Kind.IMPORT_APPLY).count() == 1
    assert Version.objects.count() == versions


def test_the_job_page_reloads_itself_until_the_job_is_done(client, people, document, small_threshold) -> None:
    client.force_login(people["editor"])
    response = upload(client, long_revision(8))  # the job waits: nothing commits in a test unless captured
    page = job_page(client, response)
    assert REFRESH in page and "Waiting to start" in page and "apply-import" not in page
    assert jobs.job_run(latest(Job.Kind.IMPORT_PREVIEW).pk) == Job.State.DONE
    page = client.get(response["Location"]).content.decode()
    assert REFRESH not in page and 'id="apply-import"' in page


def test_a_file_below_the_threshold_is_previewed_in_the_request(client, people, document, small_threshold) -> None:
    client.force_login(people["editor"])
    response = upload(client, long_revision(REVISED_SECTIONS))
    assert response.status_code == 200 and "report" in response.context and "<ins>" in response.content.decode()
    assert not Job.objects.exists()


def test_applying_after_the_working_copy_changed_fails_and_changes_nothing(
    client, people, document, small_threshold, run_jobs
) -> None:
    client.force_login(people["editor"])
    page = job_page(client, run_jobs(upload, client, long_revision(8)))
    section = Section.objects.get(document=document, key="p2-g1")
    services.section_update(section=section, user=people["member"], base_version=section.version_number,
                            heading=section.heading, body="Changed meanwhile.", message="meanwhile")
    versions = Version.objects.count()
    page = job_page(client, run_jobs(client.post, REVISE, submit(rendered_fields(page, action=REVISE))))
    assert "It did not work." in page
    assert "The working copy changed after your preview. Upload the file again" in page
    assert latest(Job.Kind.IMPORT_APPLY).state == Job.State.FAILED
    assert Version.objects.count() == versions
    assert not Section.objects.filter(document=document, key="a-new-guideline").exists()


@pytest.mark.parametrize("who", ["member", "stakeholder", "outsider", "other editor", "visitor"])
def test_nobody_else_sees_a_job_or_applies_its_preview(
    client, people, document, small_threshold, run_jobs, who
) -> None:
    client.force_login(people["editor"])
    response = run_jobs(upload, client, long_revision(8))
    fields = submit(rendered_fields(job_page(client, response), action=REVISE))
    versions = Version.objects.count()
    if who == "visitor":
        client.logout()
    elif who == "other editor":
        other = make_user("other-editor")
        services.membership_set(document=document, person=other, role=Role.EDITOR, user=people["editor"])
        client.force_login(other)
    else:
        client.force_login(people[who])
    assert client.get(response["Location"]).status_code == 404
    refused = run_jobs(client.post, REVISE, fields)
    # Someone else's preview is a 404 even to an editor; a member gets the page's own 403.
    assert refused.status_code == (403 if who == "member" else 404)
    assert not Job.objects.filter(kind=Job.Kind.IMPORT_APPLY).exists()
    assert Version.objects.count() == versions


def test_an_editor_who_lost_the_role_before_the_job_ran_imports_nothing(
    client, people, document, small_threshold, run_jobs
) -> None:
    client.force_login(people["editor"])
    page = job_page(client, run_jobs(upload, client, long_revision(8)))
    response = client.post(REVISE, submit(rendered_fields(page, action=REVISE)))  # the job waits
    services.membership_set(document=document, person=people["editor"], role=Role.MEMBER, user=system_actor())
    versions = Version.objects.count()
    assert jobs.job_run(latest(Job.Kind.IMPORT_APPLY).pk) == Job.State.FAILED
    page = client.get(response["Location"]).content.decode()
    assert "Nothing was imported: Only the document&#x27;s editors manage its drafts." in page
    assert Version.objects.count() == versions


def test_a_preview_applies_only_to_its_own_document(
    client, people, document, small_threshold, run_jobs
) -> None:
    other = make_document("other", editor=people["editor"])
    make_principles(other, principles=1, guidelines=1)
    client.force_login(people["editor"])
    fields = submit(rendered_fields(job_page(client, run_jobs(upload, client, long_revision(8))), action=REVISE))
    versions = Version.objects.count()
    other_revise = reverse("drafts:document_revise", kwargs={"slug": "other"})
    response = client.post(other_revise, fields, follow=True)
    assert "This is not a finished preview of this document" in response.content.decode()
    assert not Job.objects.filter(kind=Job.Kind.IMPORT_APPLY).exists()
    assert Version.objects.count() == versions


def test_a_file_the_import_refuses_fails_its_preview_with_the_reason(
    client, people, document, small_threshold, run_jobs
) -> None:
    text = long_revision(8).replace("Text of added section 1.", ">" * 20 + " Far too deep.")
    client.force_login(people["editor"])
    versions = Version.objects.count()
    page = job_page(client, run_jobs(upload, client, text))
    assert "It did not work." in page
    assert "The file cannot be imported: Section “Added section 1”: Lists and quotes are nested" in page
    assert 'id="apply-import"' not in page
    assert Version.objects.count() == versions


def test_staff_create_a_document_from_a_long_file_through_a_job(
    client, small_threshold, run_jobs
) -> None:
    client.force_login(make_user("staff", is_staff=True))
    response = run_jobs(upload, client, long_revision(8), url=CREATE, slug="fresh", title="", time_zone="Europe/Zurich")
    page = job_page(client, response)
    document = Document.objects.get(slug="fresh")
    assert "Created “<bdi>Guidance</bdi>” with 8 sections." in page
    assert f'href="{document.get_absolute_url()}"' in page
    assert document.sections.count() == 8 and document.time_zone == "Europe/Zurich"
    assert all(versions_of(section) == 1 for section in document.sections.all())
    job = latest(Job.Kind.IMPORT_APPLY)
    assert (job.document, job.done, job.total) == (document, 8, 8)


def test_a_long_new_document_the_import_refuses_is_not_created(
    client, small_threshold, run_jobs
) -> None:
    text = long_revision(8).replace("Text of added section 1.", ">" * 20 + " Far too deep.")
    client.force_login(make_user("staff", is_staff=True))
    page = job_page(client, run_jobs(upload, client, text, url=CREATE, slug="fresh"))
    assert "Nothing was imported: Section “Added section 1”: Lists and quotes are nested" in page
    assert not Document.objects.filter(slug="fresh").exists() and not Section.objects.exists()


def test_a_slug_taken_while_the_job_waited_creates_nothing(client, people, small_threshold) -> None:
    client.force_login(make_user("staff", is_staff=True))
    response = upload(client, long_revision(8), url=CREATE, slug="fresh")
    make_document("fresh", title="Someone else's")
    jobs.job_run(latest(Job.Kind.IMPORT_APPLY).pk)
    page = client.get(response["Location"]).content.decode()
    assert "Nothing was imported: A document with this slug exists already." in page
    assert Document.objects.get(slug="fresh").title == "Someone else's"
    assert not Section.objects.filter(document__slug="fresh").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer: progress shows at the commit")
def test_on_postgresql_the_progress_is_seen_while_the_import_runs(client, people, make_guidance, monkeypatch) -> None:
    """Another connection (the progress page's) sees the count go up before the import commits."""
    make_guidance(principles=2, guidelines=2)
    monkeypatch.setattr(import_jobs, "JOB_MIN_SECTIONS", 100)
    client.force_login(people["editor"])
    page = job_page(client, upload(client, long_revision(200)))  # commits: the job runs in the request
    seen: list[int] = []

    def look() -> None:
        try:
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and not (seen and seen[-1]):
                seen.append(Job.objects.filter(kind=Job.Kind.IMPORT_APPLY).values_list("done", flat=True).get())
                time.sleep(0.05)
        finally:
            connection.close()

    saves = 0

    def halfway(**kwargs) -> None:
        nonlocal saves
        saves += 1
        if saves == 120:  # of 197: the import is half-way through its transaction
            reader = threading.Thread(target=look)
            reader.start()
            reader.join()

    post_save.connect(halfway, sender=Section, dispatch_uid="halfway", weak=False)
    try:
        client.post(REVISE, submit(rendered_fields(page, action=REVISE)))
    finally:
        post_save.disconnect(sender=Section, dispatch_uid="halfway")
    assert seen and 0 < seen[-1] <= 120
    job = latest(Job.Kind.IMPORT_APPLY)
    assert (job.state, job.done, job.total) == (Job.State.DONE, 197, 197)

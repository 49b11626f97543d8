"""Long exports run as jobs (DESIGN rule 8): a big draft's Word or PDF file, a long PDF redline.

Through what people get: the download sends a signed-in person to the job's page, which offers the
file once the job has made it; asking again reuses that job; nobody else sees the job or its file; a
converter's failure and access lost before the job ran are said on the page, and no file is kept.
Visitors and small files keep the download made in the request. The thresholds are lowered so a few
sections count as "big".
"""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from django.urls import reverse

from drafts import interchange, services
from drafts.access import system_actor
from drafts.interchange import ExportFailed
from drafts.models import Document, Draft, Job, Section
from drafts.services import background, export_jobs, jobs
from tests.factories import freeze, make_document, make_principles, make_user
from tests.libreoffice import PDFTOTEXT, pdf_text

pytestmark = pytest.mark.django_db

TITLE = "Guidance on migrant workers"
BIG = 2  # sections past which a file is "big" in these tests; the draft has four


@pytest.fixture
def cast() -> dict:
    return {name: make_user(name) for name in ("editor", "member", "stakeholder", "outsider")}


@pytest.fixture
def document(cast) -> Document:
    document = make_document("migrants", title=TITLE, editor=cast["editor"], members=[cast["member"]],
                             stakeholders=[cast["stakeholder"]])
    make_principles(document, principles=1, guidelines=2)  # introduction, principle 1, guidelines 1.1 and 1.2
    return document


@pytest.fixture
def draft(document) -> Draft:
    return freeze(document, label="Zero draft", visibility=Draft.Visibility.PUBLIC)


@pytest.fixture
def big(monkeypatch) -> None:
    """Word and PDF files of more than :data:`BIG` sections, and redlines of more changed sections, are jobs."""
    monkeypatch.setattr(export_jobs, "EXPORT_INLINE_MAX_SECTIONS", {"docx": BIG, "pdf": BIG})
    monkeypatch.setattr(export_jobs, "COMPARE_PDF_INLINE_MAX_CHANGED", BIG)


@pytest.fixture
def renders(monkeypatch) -> list[str]:
    """Every draft file made, by format (the real converter still makes it)."""
    made: list[str] = []
    real = interchange.export_as

    def counted(fmt, **kwargs):
        made.append(fmt)
        return real(fmt, **kwargs)

    monkeypatch.setattr(interchange, "export_as", counted)
    return made


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    """A task queue whose worker has not started yet: the ids of the jobs waiting for it."""
    waiting: list[int] = []

    def enqueue(task, *args, countdown=None):
        assert task == "job_run"
        waiting.append(*args)
        return True

    monkeypatch.setattr(background, "enqueue", enqueue)
    return waiting


def export_url(draft: Draft, fmt: str) -> str:
    return reverse("drafts:draft_export", kwargs={"slug": draft.document.slug, "number": draft.number, "fmt": fmt})


def ask(client, url: str, capture, **query):
    """A GET as a browser makes it, the job (if it starts one) run by the in-process queue after the commit."""
    with capture(execute=True):
        return client.get(url, query)


def job_of(response) -> Job:
    """The job a download sent the person to (303 See Other, to its page)."""
    assert response.status_code == 303, response.status_code
    match = re.fullmatch(r"/jobs/(\d+)/", response["Location"])
    assert match, response["Location"]
    return Job.objects.get(pk=match.group(1))


def download_link(page) -> str:
    """The job page's download link, as shown."""
    links = re.findall(r'<a href="(/jobs/\d+/file/)"[^>]*>([^<]*(?:<bdi>[^<]*</bdi>[^<]*)?)</a>', page.content.decode())
    assert len(links) == 1, "the job page offers its file once"
    return links[0][0]


def assert_no_file(client, job: Job) -> None:
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and job.output is None and not job.output_name
    assert client.get(reverse("drafts:job_file", args=[job.pk])).status_code == 404
    assert "/file/" not in client.get(job.get_absolute_url()).content.decode()


def pdf_says(pdf: bytes, text: str) -> bool:
    if PDFTOTEXT is None:
        pytest.skip("poppler-utils (pdftotext) is not installed: apt-get install poppler-utils")
    return text in " ".join(pdf_text(pdf, layout=False).split())


def test_a_members_pdf_of_a_big_draft_is_made_by_a_job_whose_page_offers_it(
    client, cast, draft, big, renders, django_capture_on_commit_callbacks
) -> None:
    client.force_login(cast["member"])
    job = job_of(ask(client, export_url(draft, "pdf"), django_capture_on_commit_callbacks))
    assert (job.kind, job.user, job.document_id, job.state) == (Job.Kind.EXPORT, cast["member"], draft.document_id,
                                                                Job.State.DONE)
    page = client.get(job.get_absolute_url())
    assert page.status_code == 200
    text = page.content.decode()
    assert "migrants-draft-1.pdf" in text and re.search(r"\(\d+(\.\d)?\xa0(KB|bytes)\)", text)
    response = client.get(download_link(page))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="migrants-draft-1.pdf"'
    assert response.content.startswith(b"%PDF-")
    assert renders == ["pdf"]
    assert pdf_says(response.content, TITLE)


def test_asking_again_for_the_same_file_reuses_the_job_that_made_it(
    client, cast, draft, big, renders, django_capture_on_commit_callbacks
) -> None:
    client.force_login(cast["member"])
    first = job_of(ask(client, export_url(draft, "pdf"), django_capture_on_commit_callbacks))
    again = job_of(ask(client, export_url(draft, "pdf"), django_capture_on_commit_callbacks))
    assert again == first and Job.objects.count() == 1 and renders == ["pdf"]
    word = job_of(ask(client, export_url(draft, "docx"), django_capture_on_commit_callbacks))
    assert word != first and Job.objects.count() == 2, "another format is another file"


def test_a_job_still_waiting_is_returned_rather_than_a_second_one_started(client, cast, draft, big, queued,
                                                                           django_capture_on_commit_callbacks) -> None:
    client.force_login(cast["member"])
    first = job_of(ask(client, export_url(draft, "pdf"), django_capture_on_commit_callbacks))
    again = job_of(ask(client, export_url(draft, "pdf"), django_capture_on_commit_callbacks))
    assert again == first and first.state == Job.State.QUEUED and queued == [first.pk]


def test_a_failed_job_is_not_reused(client, cast, draft, big, monkeypatch, django_capture_on_commit_callbacks) -> None:
    client.force_login(cast["member"])
    monkeypatch.setattr("drafts.interchange.pdf.html_to_pdf", refusing)
    failed = job_of(ask(client, export_url(draft, "pdf"), django_capture_on_commit_callbacks))
    monkeypatch.setattr("drafts.interchange.pdf.html_to_pdf", interchange.html_to_pdf)
    retried = job_of(ask(client, export_url(draft, "pdf"), django_capture_on_commit_callbacks))
    assert retried != failed and retried.state == Job.State.DONE


def test_nobody_else_sees_the_job_or_its_file(client, cast, draft, big, django_capture_on_commit_callbacks) -> None:
    client.force_login(cast["member"])
    job = job_of(ask(client, export_url(draft, "pdf"), django_capture_on_commit_callbacks))
    for someone in (cast["outsider"], cast["editor"]):
        client.force_login(someone)
        assert client.get(job.get_absolute_url()).status_code == 404
        assert client.get(reverse("drafts:job_file", args=[job.pk])).status_code == 404
    client.logout()
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.get(reverse("drafts:job_file", args=[job.pk])).status_code == 404


def refusing(html, *, max_seconds):
    raise ExportFailed(f"the document is too large to convert to PDF: it took longer than {max_seconds} seconds.")


def test_a_converter_that_fails_says_why_on_the_job_page_and_keeps_no_file(
    client, cast, draft, big, monkeypatch, django_capture_on_commit_callbacks
) -> None:
    monkeypatch.setattr("drafts.interchange.pdf.html_to_pdf", refusing)
    client.force_login(cast["member"])
    job = job_of(ask(client, export_url(draft, "pdf"), django_capture_on_commit_callbacks))
    page = client.get(job.get_absolute_url()).content.decode()
    assert "It did not work." in page
    # A job may take as long as a command does, not just a page request's 30 seconds.
    assert f"it took longer than {interchange.PDF_MAX_SECONDS_OFFLINE} seconds." in page
    assert_no_file(client, job)


def test_access_lost_before_the_job_runs_makes_no_file(
    client, cast, draft, big, queued, django_capture_on_commit_callbacks
) -> None:
    client.force_login(cast["stakeholder"])
    job = job_of(ask(client, export_url(draft, "pdf"), django_capture_on_commit_callbacks))
    assert job.state == Job.State.QUEUED
    services.draft_update_settings(draft=draft, user=cast["editor"], visibility=Draft.Visibility.WORKING_GROUP)
    assert jobs.job_run(queued.pop()) == Job.State.FAILED
    page = client.get(job.get_absolute_url()).content.decode()
    assert "This draft is no longer one you may read, so its file was not made." in page
    assert_no_file(client, job)


def test_a_file_made_while_its_starter_could_read_the_draft_is_not_handed_out_once_they_cannot(
    client, cast, draft, big, django_capture_on_commit_callbacks
) -> None:
    client.force_login(cast["stakeholder"])
    job = job_of(ask(client, export_url(draft, "pdf"), django_capture_on_commit_callbacks))
    link = download_link(client.get(job.get_absolute_url()))
    assert client.get(link).status_code == 200
    services.draft_update_settings(draft=draft, user=cast["editor"], visibility=Draft.Visibility.WORKING_GROUP)
    assert client.get(link).status_code == 404


def test_visitors_and_small_drafts_keep_the_download_made_in_the_request(client, cast, draft, monkeypatch) -> None:
    response = client.get(export_url(draft, "pdf"))
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    client.force_login(cast["member"])
    assert client.get(export_url(draft, "docx")).status_code == 200, "four sections are not a big draft"
    monkeypatch.setattr(export_jobs, "EXPORT_INLINE_MAX_SECTIONS", {"docx": BIG, "pdf": BIG})
    client.logout()
    response = client.get(export_url(draft, "pdf"))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf", (
        "a visitor has no jobs: a public draft stays downloadable without an account"
    )
    assert response["Content-Disposition"] == 'attachment; filename="migrants-draft-1.pdf"'
    assert not Job.objects.exists()


def test_markdown_and_html_are_always_made_in_the_request(client, cast, draft, big) -> None:
    client.force_login(cast["member"])
    for fmt in ("md", "html"):
        response = client.get(export_url(draft, fmt))
        assert response.status_code == 200 and TITLE in response.content.decode()
    assert not Job.objects.exists()


def test_the_word_file_of_a_big_draft_made_by_a_job_opens(
    client, cast, draft, big, django_capture_on_commit_callbacks
) -> None:
    client.force_login(cast["member"])
    job = job_of(ask(client, export_url(draft, "docx"), django_capture_on_commit_callbacks))
    response = client.get(download_link(client.get(job.get_absolute_url())))
    assert response["Content-Disposition"] == 'attachment; filename="migrants-draft-1.docx"'
    with zipfile.ZipFile(io.BytesIO(response.content)) as docx:
        body = docx.read("word/document.xml").decode()
    assert TITLE in body and "Guideline 1.2" in body


def test_the_job_reports_its_steps(draft, cast, monkeypatch) -> None:
    monkeypatch.setattr(interchange, "export_as", lambda fmt, **kwargs: b"%PDF-made")
    job = Job.objects.create(kind=Job.Kind.EXPORT, user=cast["member"], document=draft.document,
                             params={"export": "draft", "slug": draft.document.slug, "draft": 1, "format": "pdf"})
    steps: list[tuple[int, int, str]] = []
    result = export_jobs.export_run(job, lambda done, total, step: steps.append((done, total, step)))
    assert steps == [(0, 2, "Collecting the sections"), (1, 2, "Making the PDF")]
    assert result == {"name": "migrants-draft-1.pdf", "size": 9, "sections": 4}
    job.refresh_from_db()
    assert (bytes(job.output), job.output_name, job.output_type) == (b"%PDF-made", "migrants-draft-1.pdf",
                                                                     "application/pdf")


# The PDF redline -----------------------------------------------------------------------------------


def edit(section: Section, body: str) -> None:
    section.refresh_from_db()
    services.section_update(section=section, user=system_actor(), base_version=section.version_number,
                            heading=section.heading, body=body, message="Tightened")


@pytest.fixture
def two_drafts(document, draft) -> Document:
    """Draft 2 changes three of the four sections of Draft 1."""
    for key in ("intro", "p1-g1", "p1-g2"):
        edit(Section.objects.get(document=document, key=key), f"Rewritten text of {key}.")
    freeze(document, label="First draft", visibility=Draft.Visibility.PUBLIC)
    return document


def redline_url(document: Document) -> str:
    return reverse("drafts:compare_pdf", kwargs={"slug": document.slug})


def test_a_long_redline_is_made_by_a_job(client, cast, two_drafts, big, django_capture_on_commit_callbacks) -> None:
    client.force_login(cast["member"])
    job = job_of(ask(client, redline_url(two_drafts), django_capture_on_commit_callbacks, **{"from": "1", "to": "2"}))
    response = client.get(download_link(client.get(job.get_absolute_url())))
    assert response["Content-Disposition"] == 'attachment; filename="migrants-1-to-2.pdf"'
    assert response.content.startswith(b"%PDF-")
    assert pdf_says(response.content, TITLE)


def test_a_short_redline_and_a_visitors_are_made_in_the_request(client, cast, two_drafts, monkeypatch) -> None:
    client.force_login(cast["member"])
    response = client.get(redline_url(two_drafts), {"from": "1", "to": "2"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF-"), "three changes are not many"
    monkeypatch.setattr(export_jobs, "COMPARE_PDF_INLINE_MAX_CHANGED", BIG)
    client.logout()
    response = client.get(redline_url(two_drafts), {"from": "1", "to": "2"})
    assert response.status_code == 200 and response.content.startswith(b"%PDF-")
    assert not Job.objects.exists()


def test_a_redline_whose_side_became_hidden_before_the_job_ran_makes_no_file(
    client, cast, two_drafts, big, queued, django_capture_on_commit_callbacks
) -> None:
    client.force_login(cast["stakeholder"])
    job = job_of(ask(client, redline_url(two_drafts), django_capture_on_commit_callbacks, **{"from": "1", "to": "2"}))
    second = Draft.objects.get(document=two_drafts, number=2)
    services.draft_update_settings(draft=second, user=cast["editor"], visibility=Draft.Visibility.WORKING_GROUP)
    assert jobs.job_run(queued.pop()) == Job.State.FAILED
    page = client.get(job.get_absolute_url()).content.decode()
    assert "You may no longer see both sides of this comparison, so its PDF was not made." in page
    assert_no_file(client, job)

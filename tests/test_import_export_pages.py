"""The upload page (preview, then apply as one change) and the download links, through the web."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from reversion.models import Version

from drafts import services
from drafts.models import Document, Draft, Section
from tests.factories import freeze, make_user

pytestmark = pytest.mark.django_db

REVISED = """# Guidance

## Introduction {#intro}

Why these principles matter.

## Principle 1: Principle heading 1 {#p1}

Principle 1 text.

### 1.1 Guideline 1.1 {#p1-g1}

First paragraph of 1.1, now amended.

Second paragraph of 1.1.

### 1.2 Guideline 1.2 {#p1-g2}

First paragraph of 1.2.

Second paragraph of 1.2.

## Principle 2: Principle heading 2 {#p2}

Principle 2 text.

### 2.1 Guideline 2.1 {#p2-g1}

First paragraph of 2.1.

Second paragraph of 2.1.

### 2.2 A new guideline

Entirely new text.
"""


@pytest.fixture
def document(make_guidance):
    return make_guidance(principles=2, guidelines=2)


def upload(client, text: str | bytes, name: str = "revised.md", message: str = ""):
    data = text.encode() if isinstance(text, str) else text
    return client.post(reverse("drafts:document_revise", kwargs={"slug": "guidance"}),
                       {"file": SimpleUploadedFile(name, data), "message": message})


def test_an_editor_previews_a_revision_then_applies_it_as_one_change(client, people, document) -> None:
    client.force_login(people["editor"])
    versions = Version.objects.count()
    preview = upload(client, REVISED, message="After the consultation")
    assert preview.status_code == 200
    report = preview.context["report"]
    assert (report.modified, report.added, report.removed) == (["intro", "p1-g1"], ["a-new-guideline"], ["p2-g2"])
    page = preview.content.decode()
    assert "2 sections modified" in page and "1 added" in page and "1 removed" in page
    assert "<ins>" in page and Version.objects.count() == versions  # a preview writes nothing
    apply = preview.context["apply"].initial
    response = client.post(reverse("drafts:document_revise", kwargs={"slug": "guidance"}),
                           {**apply, "apply": "1"})
    assert response.status_code == 302
    assert Version.objects.count() == versions + 4  # 2 modified + 1 added + 1 removed, one version each
    latest = Version.objects.get_for_object(Section.objects.get(document=document, key="p1-g1")).first()
    assert latest.revision.comment == "After the consultation" and latest.revision.user == people["editor"]


def test_applying_after_the_working_copy_changed_is_refused(client, people, document) -> None:
    client.force_login(people["editor"])
    apply = upload(client, REVISED).context["apply"].initial
    section = Section.objects.get(document=document, key="p2-g1")
    services.section_update(section=section, user=people["member"], base_version=1, heading=section.heading,
                            body="Changed meanwhile.", message="meanwhile")
    versions = Version.objects.count()
    response = client.post(reverse("drafts:document_revise", kwargs={"slug": "guidance"}), {**apply, "apply": "1"},
                           follow=True)
    assert "The working copy changed after your preview" in response.content.decode()
    assert Version.objects.count() == versions


@pytest.mark.parametrize(("name", "data", "error"), [
    ("revised.md", b"no title, no headings", "text before the document title"),
    ("revised.md", b"# T\n\n## A\n\n#### B\n", "skips a level"),
    ("revised.md", "# Titre\n\n## Été\n".encode("latin-1"), "not UTF-8"),
    ("revised.docx", b"PK\x03\x04 this is not really a zip", "docx"),
    ("revised.docx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "Office 97-2003"),
    ("revised.md", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "PNG"),
])
def test_bad_files_get_a_clear_answer_and_change_nothing(client, people, document, name, data, error) -> None:
    client.force_login(people["editor"])
    versions = Version.objects.count()
    response = upload(client, data, name=name)
    assert response.status_code == 200
    assert error.lower() in response.content.decode().lower()
    assert Version.objects.count() == versions


def test_only_editors_import(client, people, document) -> None:
    url = reverse("drafts:document_revise", kwargs={"slug": "guidance"})
    client.force_login(people["member"])
    assert client.get(url).status_code == 403
    client.force_login(people["stakeholder"])
    assert client.get(url).status_code == 404


def test_staff_create_a_document_from_a_file(client) -> None:
    staff = make_user("staff", is_staff=True)
    client.force_login(staff)
    response = client.post(reverse("drafts:document_create"), {
        "file": SimpleUploadedFile("new.md", REVISED.encode()), "slug": "fresh", "title": ""})
    assert response.status_code == 302
    document = Document.objects.get(slug="fresh")
    assert document.title == "Guidance" and document.sections.count() == 7
    client.force_login(make_user("nobody"))
    assert client.get(reverse("drafts:document_create")).status_code == 404


def test_a_visible_draft_downloads_as_markdown_html_and_word(client, people, document) -> None:
    freeze(document, visibility=Draft.Visibility.PUBLIC, label="Zero draft")
    freeze(document, visibility=Draft.Visibility.WORKING_GROUP)
    md = client.get(reverse("drafts:draft_export", kwargs={"slug": "guidance", "number": 1, "fmt": "md"}))
    assert md.status_code == 200 and "### 1.1 Guideline 1.1 {#p1-g1}" in md.content.decode()
    html = client.get(reverse("drafts:draft_export", kwargs={"slug": "guidance", "number": 1, "fmt": "html"}))
    assert "<html" in html.content.decode() and "Zero draft" in html.content.decode()
    docx = client.get(reverse("drafts:draft_export", kwargs={"slug": "guidance", "number": 1, "fmt": "docx"}))
    assert "Guideline 1.1" in zipfile.ZipFile(io.BytesIO(docx.content)).read("word/document.xml").decode()
    assert client.get(reverse("drafts:draft_export", kwargs={"slug": "guidance", "number": 2, "fmt": "md"})
                      ).status_code == 404
    assert client.get(reverse("drafts:draft_export", kwargs={"slug": "guidance", "number": 1, "fmt": "exe"})
                      ).status_code == 404

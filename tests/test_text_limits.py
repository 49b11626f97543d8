"""Bodies that would cost too much to render (findings 5 and 6), through the pages and the import.

The renderer's own limits and its property test are in tests/test_rendering_limits.py; here the
rule is held where text comes in (refused with a message, nothing saved) and where it is shown
(a body stored past the checks never makes a page, an export or a compare fail).
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from reversion import create_revision, set_user

from drafts.models import Draft, DraftSection, Section
from tests.factories import freeze, versions_of

pytestmark = pytest.mark.django_db

DEEP = "- " * 600 + "x"  # 1.2 KB: RecursionError in python-markdown
BRACKETS = "[" * 20_000  # 20 KB: 47 s of CPU per render before


def edit_form(client, document, key: str) -> dict:
    page = client.get(reverse("drafts:section_edit", kwargs={"slug": document.slug, "key": key}))
    form = page.context["form"]
    return {name: form[name].value() for name in form.fields if form[name].value() is not None}


@pytest.mark.parametrize(("body", "says"), [(DEEP, "at most 16 levels are allowed"), (BRACKETS, "too long to display")])
def test_a_costly_body_is_refused_when_saved_with_a_message_and_nothing_saved(
    client, people, make_guidance, body, says
) -> None:
    document = make_guidance(principles=1, guidelines=1)
    section = Section.objects.get(document=document, key="p1")
    before = versions_of(section)
    client.force_login(people["member"])
    url = reverse("drafts:section_edit", kwargs={"slug": document.slug, "key": "p1"})
    response = client.post(url, {**edit_form(client, document, "p1"), "body": body, "message": "Try"})
    assert response.status_code == 200
    assert says in response.content.decode()
    assert versions_of(section) == before
    preview = client.post(url, {**edit_form(client, document, "p1"), "body": body, "preview": "1"})
    assert preview.status_code == 200  # the preview shows the text safely rather than failing


def test_a_costly_body_in_an_imported_file_is_refused_at_preview(client, people, make_guidance) -> None:
    document = make_guidance(principles=1, guidelines=1)
    client.force_login(people["editor"])
    text = f"# Guidance\n\n## Introduction {{#intro}}\n\n{DEEP}\n\n## Principle 1 {{#p1}}\n\nText.\n"
    response = client.post(
        reverse("drafts:document_revise", kwargs={"slug": document.slug}),
        {"file": SimpleUploadedFile("revised.md", text.encode()), "message": "Revised"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Introduction" in page and "at most 16 levels are allowed" in page
    assert "drafts/import_preview.html" not in [t.name for t in response.templates]


@pytest.mark.parametrize("body", [DEEP, BRACKETS], ids=["deep", "brackets"])
def test_a_costly_body_stored_past_the_checks_never_makes_a_page_fail(client, people, make_guidance, body) -> None:
    """Finding 5: once frozen, such a body made the draft page, export and compare 500 for everyone."""
    document = make_guidance(principles=1, guidelines=1)
    first = freeze(document, visibility=Draft.Visibility.PUBLIC)
    Section.objects.filter(document=document, key="p1").update(body=body)  # as an old row, or a raw write
    section = Section.objects.get(document=document, key="p1")
    with create_revision():  # the freeze records the latest version, so the stored text needs one
        section.save()
        set_user(people["editor"])
    draft = freeze(document, visibility=Draft.Visibility.PUBLIC)
    assert DraftSection.objects.get(draft=draft, key="p1").body == body
    slug = document.slug
    pages = [
        reverse("drafts:draft_detail", kwargs={"slug": slug, "number": draft.number}),
        reverse("drafts:draft_section", kwargs={"slug": slug, "number": draft.number, "key": "p1"}),
        reverse("drafts:draft_export", kwargs={"slug": slug, "number": draft.number, "fmt": "html"}),
        reverse("drafts:draft_export", kwargs={"slug": slug, "number": draft.number, "fmt": "md"}),
        reverse("drafts:compare", kwargs={"slug": slug}) + f"?from={first.number}&to={draft.number}",
    ]
    for url in pages:
        assert client.get(url).status_code == 200, url  # anonymous readers of the public draft
    client.force_login(people["member"])
    for url in [reverse("drafts:section_detail", kwargs={"slug": slug, "key": "p1"}), *pages]:
        assert client.get(url).status_code == 200, url

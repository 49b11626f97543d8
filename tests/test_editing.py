"""Editing a section (the preview with its redline against the saved text, the Markdown toolbar's markup) and
reading the whole working copy on one page."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from drafts import services
from drafts.access import system_actor
from drafts.models import Draft, Section
from tests.factories import freeze, make_document, make_section, make_user, versions_of
from tests.html_forms import rendered_fields, submit

pytestmark = pytest.mark.django_db


def edit_url(document, key: str) -> str:
    return reverse("drafts:section_edit", kwargs={"slug": document.slug, "key": key})


def working_url(document) -> str:
    return reverse("drafts:working_copy", kwargs={"slug": document.slug})


def preview_parts(response) -> tuple[str, str]:
    """The page's ``#preview`` (the rendered text) and ``#preview-changes`` ("" if absent): what app.js swaps
    in, and what a page without it shows."""
    page = response.content.decode()
    start, changes = page.index('<section class="preview" id="preview"'), page.find('id="preview-changes"')
    if changes == -1:
        return page[start:page.index("</main>")], ""
    return page[start:changes], page[changes:page.index("</main>")]


def assert_nothing_saved(section: Section) -> None:
    fresh = Section.objects.get(pk=section.pk)
    assert (fresh.heading, fresh.body, fresh.version_number) == (section.heading, section.body, section.version_number)
    assert versions_of(fresh) == versions_of(section)


# The edit page's preview ------------------------------------------------------------------------


def test_the_preview_shows_the_changes_from_the_saved_text_and_saves_nothing(client, people, make_guidance) -> None:
    document = make_guidance(principles=1, guidelines=1)
    section = Section.objects.get(document=document, key="p1-g1")
    versions = versions_of(section)
    client.force_login(people["member"])
    page = client.get(edit_url(document, "p1-g1"))
    assert b'name="preview" value="1" data-swap="#preview"' in page.content  # the button the person presses
    assert b'id="preview-changes" data-swap-with="#preview"' in page.content  # swapped in with #preview
    fields = rendered_fields(page.content, action="")
    assert {"heading", "body", "numbered", "message", "base_version"} <= set(fields["__names__"])
    assert fields["body"] == section.body  # the form starts from the saved text

    typed = {
        "heading": "Guideline 1.1 revised",
        "body": fields["body"].replace("First paragraph", "Opening paragraph").replace("\n", "\r\n"),
        "preview": "1",
    }
    response = client.post(edit_url(document, "p1-g1"), submit(fields, **typed))

    assert response.status_code == 200
    text, changes = preview_parts(response)
    assert "<p>Opening paragraph of 1.1.</p>" in text and "<ins>" not in text  # the text as it will read
    assert "Changes from the saved text" in changes and "hidden" not in changes.split(">")[0]
    assert "<del>First </del><ins>Opening </ins>paragraph of 1.1." in changes
    assert "<ins> revised</ins>" in changes  # the heading's change too
    assert "1 word inserted, 1 deleted" in changes
    # Only the changed words are marked: the browser's CRLF line ends are not a change to every line.
    assert "<del>Second" not in changes and "Second paragraph of 1.1." in changes
    assert_nothing_saved(section)
    assert versions_of(section) == versions
    # The form keeps what the person typed, ready to save.
    again = rendered_fields(response.content, action="")
    assert (again["heading"], again["body"].replace("\r\n", "\n")) == (
        typed["heading"], typed["body"].replace("\r\n", "\n"))


def test_a_preview_of_the_saved_text_says_nothing_changed(client, people, make_guidance) -> None:
    document = make_guidance(principles=1, guidelines=1)
    section = Section.objects.get(document=document, key="p1-g1")
    client.force_login(people["member"])
    fields = rendered_fields(client.get(edit_url(document, "p1-g1")).content, action="")
    response = client.post(edit_url(document, "p1-g1"),
                           submit(fields, body=fields["body"].replace("\n", "\r\n"), preview="1"))
    text, changes = preview_parts(response)
    assert "No changes: this is the saved text." in changes
    assert "<del>" not in text + changes and "<ins>" not in text + changes
    assert_nothing_saved(section)


def test_the_preview_compares_with_the_text_saved_now(client, people, make_guidance) -> None:
    """Someone saved while this person was editing: the preview compares with what is saved now."""
    document = make_guidance(principles=1, guidelines=1)
    client.force_login(people["member"])
    fields = rendered_fields(client.get(edit_url(document, "p1-g1")).content, action="")
    section = Section.objects.get(document=document, key="p1-g1")
    services.section_update(section=section, user=people["editor"], base_version=section.version_number,
                            heading=section.heading, body="Someone else's words.", numbered=True, message="Theirs")
    response = client.post(edit_url(document, "p1-g1"), submit(fields, preview="1"))
    _text, changes = preview_parts(response)
    assert re.search(r"<del[^>]*><p>Someone else's words.</p></del><ins[^>]*><p>First paragraph", changes)


def test_the_create_page_preview_is_the_rendered_text_alone(client, people, make_guidance) -> None:
    document = make_guidance(principles=1, guidelines=1)
    client.force_login(people["member"])
    url = reverse("drafts:section_create", kwargs={"slug": document.slug})
    page = client.get(url)
    fields = rendered_fields(page.content, action="")
    sections = Section.objects.count()
    response = client.post(url, submit(fields, heading="New", body="Some **new** text.", preview="1"))
    text, changes = preview_parts(response)
    assert "<strong>new</strong>" in text and "<ins>" not in text
    assert changes == "" and "Changes from the saved text" not in response.content.decode()
    assert Section.objects.count() == sections


def test_the_editor_pages_carry_the_toolbar_for_app_js_and_no_inline_script(client, people, make_guidance) -> None:
    document = make_guidance(principles=1, guidelines=1)
    client.force_login(people["member"])
    for url in (edit_url(document, "p1-g1"), reverse("drafts:section_create", kwargs={"slug": document.slug})):
        page = client.get(url).content.decode()
        assert re.search(r'<textarea name="body"[^>]* data-markdown(="")?[ >]', page), url
        toolbar = page[page.index('<template id="markdown-toolbar">'):]
        toolbar = toolbar[:toolbar.index("</template>")]
        assert 'role="toolbar"' in toolbar
        for action, label in (("bold", "Bold"), ("italic", "Italic"), ("list", "List item"),
                              ("numbered", "Numbered item"), ("link", "Link"), ("footnote", "Footnote")):
            assert f'data-markdown-action="{action}" aria-label="{label}"' in toolbar, action
        assert re.findall(r"<script\b[^>]*>", page) == [re.search(r'<script src="[^"]*app\.js"[^>]*>', page)[0]]


# Reading the working copy -----------------------------------------------------------------------


def test_the_working_copy_page_shows_every_live_section_with_its_number(client, people, make_guidance) -> None:
    document = make_guidance(principles=2, guidelines=2)
    services.section_remove(section=Section.objects.get(document=document, key="p2-g2"), user=system_actor(),
                            message="Gone")
    client.force_login(people["member"])
    response = client.get(working_url(document))
    assert response.status_code == 200
    page = response.content.decode()
    text = page[page.index('<div class="draft-text">'):]
    headings = re.findall(
        r'<h(\d) id="([^"]+)-h"[^>]*>(?:<a class="number" href="#\2">([^<]*)</a> )?([^<]*)</h\1>', text
    )
    assert [(level, number, heading) for level, _anchor, number, heading in headings] == [
        ("2", "", "Introduction"),
        ("2", "Principle 1", "Principle heading 1"),
        ("3", "1.1", "Guideline 1.1"),
        ("3", "1.2", "Guideline 1.2"),
        ("2", "Principle 2", "Principle heading 2"),
        ("3", "2.1", "Guideline 2.1"),
    ]
    assert "Second paragraph of 2.1." in text and "Guideline 2.2" not in page  # the text; no removed section
    contents = page[page.index('id="toc-heading"'):page.index('<div class="draft-text">')]
    assert contents.count("<li ") == 6 and 'href="#s-1-2"' in contents
    for key in ("intro", "p1", "p1-g1", "p2-g1"):
        assert reverse("drafts:section_detail", kwargs={"slug": document.slug, "key": key}) in text
        assert edit_url(document, key) in text


@pytest.mark.parametrize("who", ["stakeholder", "outsider", None])
def test_the_working_copy_page_does_not_exist_for_people_outside_the_working_group(
    client, people, make_guidance, who
) -> None:
    document = make_guidance(principles=1, guidelines=1)
    freeze(document, visibility=Draft.Visibility.PUBLIC)  # the document itself is public
    if who:
        client.force_login(people[who])
    assert client.get(reverse("drafts:document_detail", kwargs={"slug": document.slug})).status_code == 200
    response = client.get(working_url(document))
    assert response.status_code == 404
    assert b"Guideline 1.1" not in response.content


def test_the_working_copy_of_a_document_nobody_may_see_is_404(client, people) -> None:
    hidden = make_document("hidden")
    make_section(hidden)
    assert client.get(working_url(hidden)).status_code == 404
    client.force_login(people["member"])  # a member of another document
    assert client.get(working_url(hidden)).status_code == 404


def test_the_document_page_links_to_the_working_copy_for_members_only(client, people, make_guidance) -> None:
    document = make_guidance(principles=1, guidelines=1)
    freeze(document, visibility=Draft.Visibility.PUBLIC)
    detail = reverse("drafts:document_detail", kwargs={"slug": document.slug})
    for who, linked in (("member", True), ("editor", True), ("stakeholder", False), ("outsider", False)):
        client.force_login(people[who])
        assert (f'href="{working_url(document)}"' in client.get(detail).content.decode()) is linked, who


def _queries_for_working_copy(client, sections: int) -> int:
    member = make_user()
    document = make_document(members=[member])
    for n in range(sections):
        make_section(document, f"Section {n}", f"Text of section {n}, with a [link](https://example.org).")
    client.force_login(member)
    client.get(working_url(document))  # the session, and the renderings cached
    with CaptureQueriesContext(connection) as queries:
        response = client.get(working_url(document))
    assert response.status_code == 200 and response.content.decode().count('<section class="section') == sections
    return len(queries)


def test_the_working_copy_page_costs_the_same_queries_for_5_or_50_sections(client) -> None:
    few, many = _queries_for_working_copy(client, 5), _queries_for_working_copy(client, 50)
    assert few == many, f"{few} queries for 5 sections, {many} for 50"

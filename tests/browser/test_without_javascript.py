"""Every page works without app.js: posting a comment and previewing Markdown are plain form posts."""

from __future__ import annotations

import pytest

from drafts.models import Draft, DraftComment, Section
from tests.browser.support import open_window, person, screenshot, sign_in
from tests.factories import freeze, make_document, make_principles

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_comment_and_markdown_preview_work_without_javascript(new_context, live_server) -> None:
    editor, member = person("editor"), person("member")
    amina = person("amina", organisation="Migrant Rights Network")
    document = make_document("guidance", editor=editor, members=[member], stakeholders=[amina])
    make_principles(document, principles=1, guidelines=1)
    freeze(document, visibility=Draft.Visibility.RESTRICTED, **open_window())

    context = new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(5_000)
    sign_in(page, live_server, "amina", "/d/guidance/drafts/1/s/p1-g1/")
    form = page.locator("#comment-form")
    form.get_by_label("Comment:", exact=True).fill("Without JavaScript, this still posts.")
    form.get_by_label("Paragraph").select_option(label="¶1")
    with page.expect_navigation():  # a real form post and redirect, not app.js's fetch
        form.get_by_role("button", name="Post comment").click()
    comment = DraftComment.objects.get()
    assert page.url == f"{live_server.url}/d/guidance/drafts/1/s/p1-g1/#c{comment.pk}"
    expect(page.get_by_role("status")).to_contain_text("Your comment MRN-001 was posted.")
    expect(page.locator(".comment-list .comment").filter(has_text="this still posts")).to_contain_text("1.1 ¶1")
    assert (comment.paragraph, comment.comment) == (1, "Without JavaScript, this still posts.")
    screenshot(page, "nojs", "1-comment-posted")
    context.close()

    context = new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(5_000)
    sign_in(page, live_server, "member", "/d/guidance/s/p1-g1/edit/")
    section = Section.objects.get(document=document, key="p1-g1")
    expect(page.locator("#preview")).to_be_hidden()
    page.get_by_label("Text (Markdown)").fill("A list:\n\n- one\n- **two**")
    with page.expect_navigation():
        page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview")
    expect(preview).to_be_visible()
    expect(preview.locator("li strong")).to_have_text("two")
    expect(page.get_by_label("Text (Markdown)")).to_have_value("A list:\n\n- one\n- **two**")
    assert Section.objects.get(pk=section.pk).version_number == section.version_number  # nothing saved
    screenshot(page, "nojs", "2-preview")
    # No axe here: axe.run() is a promise, and a page with scripting disabled never settles it. The same
    # markup is checked with JavaScript on in the journeys (the posted comment, the preview).

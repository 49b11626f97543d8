"""The section editor in a real browser: the Markdown toolbar (mouse, keyboard, shortcuts), the preview's redline
against the saved text, the working copy read whole; and, without JavaScript, no toolbar and saving as before."""

from __future__ import annotations

import re

import pytest

from drafts.models import Section
from tests.browser.support import Journey, person, screenshot, sign_in
from tests.factories import make_document, make_principles, versions_of

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.django_db(transaction=True)

EDIT = "/d/guidance/s/p1-g1/edit/"
# What has focus: a toolbar button by its label, a field by its name.
FOCUSED = "() => { const e = document.activeElement; return e && (e.getAttribute('aria-label') || e.name || e.id); }"


def select(area, text: str) -> None:
    """Select the first ``text`` in the text area, as a person dragging over it would."""
    area.evaluate("(a, t) => { a.focus(); const i = a.value.indexOf(t); a.setSelectionRange(i, i + t.length); }", text)


def caret_at_end(area) -> None:
    area.evaluate("a => { a.focus(); a.setSelectionRange(a.value.length, a.value.length); }")


def guidance():
    member = person("member")
    document = make_document("guidance", editor=person("editor"), members=[member])
    make_principles(document, principles=2, guidelines=2)
    return document


def test_the_toolbar_formats_by_mouse_keyboard_and_shortcut_and_the_preview_shows_the_changes(
    page, live_server
) -> None:
    document = guidance()
    section = Section.objects.get(document=document, key="p1-g1")
    sign_in(page, live_server, "member", EDIT)
    journey = Journey(page, "editor")
    area = page.get_by_label("Text (Markdown)")
    toolbar = page.get_by_role("toolbar", name="Formatting")
    expect(toolbar).to_be_visible()
    expect(toolbar.get_by_role("button")).to_have_count(6)
    # The text area has the page's whole width (the form's other fields keep theirs).
    main = page.locator("main").bounding_box()
    box = area.bounding_box()
    assert box and main and box["width"] > main["width"] * 0.9, (box, main)
    journey.step("1-toolbar")

    # Bold wraps the selection in ** and leaves the words selected.
    select(area, "paragraph")
    toolbar.get_by_role("button", name="Bold").click()
    expect(area).to_have_value(re.compile(r"^First \*\*paragraph\*\* of 1\.1\."))
    assert area.evaluate("a => a.value.slice(a.selectionStart, a.selectionEnd)") == "paragraph"

    # Tab reaches the toolbar (one stop), the arrow keys move along it, Tab goes on into the text.
    page.get_by_label("Heading").focus()
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED) == "Bold"
    page.keyboard.press("ArrowRight")
    assert page.evaluate(FOCUSED) == "Italic"
    page.keyboard.press("End")
    assert page.evaluate(FOCUSED) == "Footnote"
    page.keyboard.press("ArrowRight")
    assert page.evaluate(FOCUSED) == "Bold", "the arrows go round"
    page.keyboard.press("ArrowLeft")
    assert page.evaluate(FOCUSED) == "Footnote"
    page.keyboard.press("Tab")
    assert page.evaluate(FOCUSED) == "body"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(FOCUSED) == "Footnote", "Tab comes back to the button last used"
    journey.step("2-toolbar-focused")

    # A footnote by keyboard: its number at the caret, its definition at the end, selected to type over.
    select(area, "Second paragraph of 1.1.")
    area.evaluate("a => a.setSelectionRange(a.selectionEnd, a.selectionEnd)")
    toolbar.get_by_role("button", name="Footnote").focus()
    page.keyboard.press("Enter")
    page.keyboard.type("A source.")
    expect(area).to_have_value(re.compile(r"Second paragraph of 1\.1\.\[\^1\]\n\n\[\^1\]: A source\.$"))

    # Ctrl+B and Ctrl+I in the text area; list items and a link from the toolbar.
    select(area, "Second")
    area.press("Control+b")
    select(area, "of 1.1.[^1]")
    area.press("Control+i")
    expect(area).to_have_value(re.compile(r"\*\*Second\*\* paragraph \*of 1\.1\.\[\^1\]\*"))
    caret_at_end(area)
    area.press("Enter")
    area.press("Enter")
    area.type("one")
    toolbar.get_by_role("button", name="List item").click()
    expect(area).to_have_value(re.compile(r"\n\n- one$"))
    select(area, "First")
    toolbar.get_by_role("button", name="Link").click()
    page.keyboard.type("example.org")
    expect(area).to_have_value(re.compile(r"^\[First\]\(https://example\.org\) \*\*paragraph\*\*"))

    # The preview (app.js swaps it in; no navigation) shows the text and its changes from the saved text.
    url = page.url
    page.get_by_role("button", name="Preview").click()
    preview, changes = page.locator("#preview"), page.locator("#preview-changes")
    expect(preview).to_be_visible()
    expect(preview.locator("strong")).to_have_text(["paragraph", "Second"])
    expect(preview.locator("a[href='https://example.org']")).to_have_text("First")
    expect(changes.get_by_role("heading", name="Changes from the saved text")).to_be_visible()
    expect(changes.locator("ins").first).to_be_visible()
    expect(changes.locator("del").first).to_have_text(re.compile("paragraph"))
    assert page.url == url
    assert Section.objects.get(pk=section.pk).version_number == section.version_number  # nothing saved
    journey.step("3-preview")

    # Saving with JavaScript saves the toolbar's Markdown.
    page.get_by_label("What did you change, and why?").fill("Formatted with the toolbar")
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    saved = Section.objects.get(pk=section.pk)
    assert saved.body.startswith("[First](https://example.org) **paragraph** of 1.1."), saved.body
    assert "[^1]: A source." in saved.body and saved.body.endswith("- one")

    # The working copy read whole, reached from the document page.
    page.goto(f"{live_server.url}/d/guidance/")
    page.get_by_role("link", name="Read the working copy").click()
    expect(page).to_have_url(f"{live_server.url}/d/guidance/working/")
    expect(page.get_by_role("heading", name="1.1 Guideline 1.1")).to_be_visible()
    expect(page.locator(".draft-text strong").first).to_have_text("paragraph")
    journey.step("4-working-copy")
    journey.assert_accessible()


def test_without_javascript_there_is_no_toolbar_and_saving_works(new_context, live_server) -> None:
    document = guidance()
    section = Section.objects.get(document=document, key="p1-g1")
    versions = versions_of(section)
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(5_000)
    sign_in(page, live_server, "member", EDIT)
    expect(page.get_by_role("toolbar")).to_have_count(0)
    expect(page.get_by_role("button", name="Bold")).to_have_count(0)
    area = page.get_by_label("Text (Markdown)")
    area.fill("Typed **without** a toolbar.")
    page.get_by_label("What did you change, and why?").fill("No script")
    screenshot(page, "editor-nojs", "1-edit")
    with page.expect_navigation():
        page.get_by_role("button", name="Save", exact=True).click()
    saved = Section.objects.get(pk=section.pk)
    assert saved.body == "Typed **without** a toolbar." and versions_of(saved) == versions + 1
    expect(page.get_by_role("status")).to_contain_text("Saved a new version")
    screenshot(page, "editor-nojs", "2-saved")
    context.close()

"""Keyboard use (skip link, visible focus, no trap in the comment form) and redlines that do not rely on colour."""

from __future__ import annotations

import pytest

from drafts import services
from drafts.access import system_actor
from drafts.models import Draft, Section
from tests.browser.support import Journey, open_window, person, post_comment, sign_in
from tests.factories import freeze, make_document, make_principles

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.django_db(transaction=True)

# What has focus, in words a failure message can show.
FOCUSED = """() => { const e = document.activeElement;
  return e ? {tag: e.tagName.toLowerCase(), id: e.id, cls: e.className, text: (e.innerText || e.value || '').trim(),
              name: e.getAttribute('name') || '', inForm: !!e.closest('#comment-form'),
              outline: getComputedStyle(e).outlineStyle, outlineWidth: getComputedStyle(e).outlineWidth} : null; }"""


def test_keyboard_skip_link_visible_focus_and_no_trap_in_the_comment_form(page, live_server) -> None:
    editor = person("editor")
    amina = person("amina", organisation="Migrant Rights Network")
    document = make_document("guidance", editor=editor, stakeholders=[amina])
    make_principles(document, principles=1, guidelines=1)
    draft = freeze(document, visibility=Draft.Visibility.PUBLIC, **open_window())
    post_comment(person("lena"), draft, "p1-g1", "An earlier comment, so the form is followed by a thread.")
    sign_in(page, live_server, "amina")
    page.goto(f"{live_server.url}/d/guidance/drafts/1/s/p1-g1/")
    journey = Journey(page, "keyboard")

    page.keyboard.press("Tab")
    first = page.evaluate(FOCUSED)
    assert (first["tag"], first["text"]) == ("a", "Skip to content"), f"the first Tab stop is {first}"
    assert first["outline"] != "none", f"the focused skip link shows no outline: {first}"
    box = page.locator(".skip-link").bounding_box()
    assert box and box["y"] >= 0, "the focused skip link is still off screen"
    journey.step("1-skip-link")

    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    # From main, Tab walks into the page; every stop shows an outline, buttons and links alike.
    seen, left_form_after_button = [], False
    for _ in range(40):
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        assert focused["tag"] != "body", f"focus fell off the page after {seen}"
        assert focused["outline"] != "none" and focused["outlineWidth"] != "0px", f"no visible focus on {focused}"
        seen.append(focused)
        if any(s["text"] == "Post comment" for s in seen) and not focused["inForm"]:
            left_form_after_button = True
            break
    stops = [s["name"] or s["text"] for s in seen if s["inForm"]]
    for name in ("comment", "paragraph", "quote", "kind", "proposed_text", "followup", "Post comment"):
        assert name in stops, f"Tab never reached {name!r} in the comment form; stops: {stops}"
    assert stops.index("comment") < stops.index("Post comment"), stops
    assert left_form_after_button, f"Tab did not leave the comment form after its button: {seen}"
    assert len(stops) == len(set(stops)), f"Tab went round inside the form: {stops}"
    assert {"a", "button"} <= {s["tag"] for s in seen}, "expected to tab through links and buttons"
    page.locator("#comment-form").get_by_label("Comment:", exact=True).focus()
    journey.step("2-comment-form-focused")

    # And back out with Shift+Tab from the button.
    page.locator("#comment-form").get_by_role("button", name="Post comment").focus()
    for _ in range(12):
        page.keyboard.press("Shift+Tab")
        if not page.evaluate(FOCUSED)["inForm"]:
            break
    else:
        raise AssertionError("Shift+Tab did not leave the comment form")

    journey.assert_accessible()


def test_redline_insertions_and_deletions_carry_cues_that_are_not_colour(page, live_server) -> None:
    document = make_document("guidance", title="Guidance on drafting")
    make_principles(document, principles=1, guidelines=1)
    freeze(document, visibility=Draft.Visibility.PUBLIC)
    section = Section.objects.get(document=document, key="p1-g1")
    services.section_update(section=section, user=system_actor(), base_version=section.version_number,
                            heading="Guideline 1.1",
                            body="First paragraph, amended.\n\nSecond paragraph of 1.1.", message="Amend")
    freeze(document, visibility=Draft.Visibility.PUBLIC)
    page.goto(f"{live_server.url}/d/guidance/compare/?from=1&to=2")
    journey = Journey(page, "redline")

    text = page.locator(".compare-text")
    expect(text.locator("ins").first).to_be_visible()
    expect(text.locator("del").first).to_be_visible()
    cues = text.evaluate("""root => ['ins', 'del'].map(tag => { const e = root.querySelector(tag);
        const before = getComputedStyle(e, '::before'), after = getComputedStyle(e, '::after');
        return {tag, text: e.textContent, before: before.content, after: after.content,
                decoration: getComputedStyle(e).textDecorationLine}; })""")
    ins, deleted = cues
    assert "[insertion start]" in ins["before"] and "[insertion end]" in ins["after"], ins
    assert "[deletion start]" in deleted["before"] and "[deletion end]" in deleted["after"], deleted
    # Sighted readers get a second cue too: underline and strike-through, not only green and red.
    assert ins["decoration"] == "underline" and deleted["decoration"] == "line-through", cues
    # Screen readers get the cue: it is in the accessibility tree, on the insertion and deletion roles.
    tree = text.locator(".redline").first.aria_snapshot()
    assert 'deletion: "[deletion start] of 1.1 [deletion end]"' in tree, tree
    assert 'insertion: "[insertion start] , amended [insertion end]"' in tree, tree
    journey.step("1-compare")
    journey.assert_accessible()

"""Left-to-right text inside the Arabic interface, as a browser lays it out: an English document's contents
entry keeps its number at its start, an English comment keeps its full stop at its end.

Positions are measured on the text itself (a DOM Range over the characters), so the tests see what a
reader sees whatever elements the text sits in.
"""

from __future__ import annotations

import pytest
from django.conf import settings

from drafts.models import Draft
from tests.browser.support import open_window, person, post_comment, screenshot
from tests.factories import freeze, make_document, make_section

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.django_db(transaction=True)

# The box of the first occurrence of ``needle`` in one of the element's text nodes (null if none has it).
TEXT_BOX = """(element, needle) => {
  const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(needle);
    if (at >= 0) {
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + needle.length);
      const box = range.getBoundingClientRect();
      return {left: box.left, right: box.right, top: box.top, width: box.width};
    }
  }
  return null;
}"""


def text_box(locator, needle: str) -> dict:
    box = locator.evaluate(TEXT_BOX, needle)
    assert box is not None and box["width"] > 0, f"{needle!r} is not laid out in {locator}"
    return box


@pytest.fixture
def english_draft():
    """An English document whose third principle has a sixth guideline, "3.6 Consular assistance", and a
    public draft of it open for comments, with an English comment on that guideline."""
    amina = person("amina", organisation="Migrant Rights Network")
    document = make_document("guidance", title="Guidance on consular work", stakeholders=[amina])
    for p in range(1, 4):
        principle = make_section(document, f"Principle heading {p}", f"Principle {p} text.", key=f"p{p}")
    for g in range(1, 6):
        make_section(document, f"Guideline 3.{g}", f"Text of 3.{g}.", parent=principle, key=f"p3-g{g}")
    make_section(document, "Consular assistance", "States provide consular assistance.", parent=principle,
                 key="consular")
    draft = freeze(document, visibility=Draft.Visibility.PUBLIC, **open_window())
    post_comment(amina, draft, "consular", "Please add this.")
    return draft


@pytest.fixture
def arabic(page, live_server):
    """The page, with the interface in Arabic (the language cookie the switcher sets)."""
    page.context.add_cookies([{"name": settings.LANGUAGE_COOKIE_NAME, "value": "ar", "url": live_server.url}])
    return page


def test_a_contents_entry_of_an_english_draft_starts_with_its_number_on_the_arabic_interface(
    arabic, live_server, english_draft
) -> None:
    arabic.goto(f"{live_server.url}/d/guidance/drafts/1/")
    expect(arabic.locator("html")).to_have_attribute("dir", "rtl")
    entry = arabic.locator(".toc a", has_text="Consular assistance")
    expect(entry).to_contain_text("3.6")
    screenshot(arabic, "rtl", "1-arabic-reading-page")
    number, heading = text_box(entry, "3.6"), text_box(entry, "Consular assistance")
    assert abs(number["top"] - heading["top"]) < 2, (number, heading)  # on one line
    assert number["right"] <= heading["left"], (number, heading)


def test_an_english_comment_ends_with_its_full_stop_on_the_arabic_interface(
    arabic, live_server, english_draft
) -> None:
    arabic.goto(f"{live_server.url}/d/guidance/drafts/1/s/consular/")
    expect(arabic.locator("html")).to_have_attribute("dir", "rtl")
    comment = arabic.locator(".comment-text", has_text="Please add this.")
    expect(comment).to_be_visible()
    screenshot(arabic, "rtl", "2-arabic-comment")
    last_word, full_stop = text_box(comment, "this"), text_box(comment, ".")
    assert full_stop["left"] >= last_word["right"] - 0.5, (last_word, full_stop)
    first_word = text_box(comment, "Please")
    assert first_word["right"] <= last_word["left"], (first_word, last_word)  # read left to right

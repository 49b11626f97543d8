"""Issue 14 in a real browser: side by side marks each side, two members' edits from one base both kept,
overlapping edits settled on the three-way page, and a renumbering read right to left on the Arabic compare."""

from __future__ import annotations

import re

import pytest

from drafts import services
from drafts.access import system_actor
from drafts.models import Draft, Section
from tests.browser.support import Journey, person, sign_in
from tests.factories import freeze, make_document, make_principles

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.django_db(transaction=True)

BASE = "Access to justice for all migrants.\n\nDetention only as a last resort.\n\nReturn in safety and dignity."


@pytest.fixture
def two_drafts():
    """Draft 1 and Draft 2: 2.1 has one word changed in a long paragraph; 1.2 moved to the front of
    Principle 3 (so 3.1 and 3.2 were renumbered)."""
    alice = person("alice", last_name="Member")
    bob = person("bob", last_name="Member")
    document = make_document("guidance", members=[alice, bob])
    make_principles(document, principles=3, guidelines=2)
    sections = {s.key: s for s in Section.objects.filter(document=document)}
    long = " ".join(["States should ensure that every migrant has effective access to remedies."] * 6)
    services.section_update(section=sections["p2-g1"], user=system_actor(), base_version=1,
                            heading=sections["p2-g1"].heading, body=long, message="Long")
    freeze(document, visibility=Draft.Visibility.PUBLIC)
    services.section_update(section=sections["p2-g1"], user=alice, base_version=2,
                            heading=sections["p2-g1"].heading, body=long.replace("should", "shall", 1),
                            message="Stronger")
    services.section_move(section=sections["p1-g2"], user=alice, parent=sections["p3"], position=1)
    freeze(document, visibility=Draft.Visibility.PUBLIC)
    return document


def test_side_by_side_marks_deletions_left_and_insertions_right(page, live_server, two_drafts) -> None:
    page.goto(f"{live_server.url}/d/guidance/compare/?from=1&to=2&mode=side")
    journey = Journey(page, "side-by-side")
    modified = page.locator("#k-p2-g1 .side-by-side")
    old, new = modified.locator("> .old"), modified.locator("> .new")
    expect(old.locator("del")).to_have_count(1)
    expect(old.locator("ins")).to_have_count(0)
    expect(new.locator("ins")).to_have_count(1)
    expect(new.locator("del")).to_have_count(0)
    expect(old.locator("del")).to_have_text("should")
    expect(new.locator("ins")).to_have_text("shall")
    # Aligned: the changed paragraph's two sides start on the same line.
    left, right = old.first.bounding_box(), new.first.bounding_box()
    assert left and right and abs(left["y"] - right["y"]) < 2 and left["x"] < right["x"]
    # The moved section says where it came from, and its old place links to where it is.
    moved_from = page.locator("#k-p1-g2").get_by_role("link", name="1.2")
    expect(moved_from).to_have_attribute("href", "#k-p1-g2-was")
    moved_from.click()
    expect(page).to_have_url(re.compile("#k-p1-g2-was$"))
    page.locator("#k-p1-g2-was").get_by_role("link", name="3.1").click()
    expect(page).to_have_url(re.compile("#k-p1-g2$"))
    journey.step("1-side-by-side")
    journey.assert_accessible()


def _open_editor(context, live_server, username: str):
    page = context.new_page()
    sign_in(page, live_server, username, "/d/guidance/s/merged/edit/")
    return page


def test_two_members_editing_one_section_keep_each_others_words(new_context, live_server, two_drafts) -> None:
    document = two_drafts
    services.section_create(document=document, user=system_actor(), heading="Merged", body=BASE, key="merged")
    alice = _open_editor(new_context(), live_server, "alice")
    bob = _open_editor(new_context(), live_server, "bob")
    journey = Journey(bob, "merge")

    # Different paragraphs from the same base: both kept, no conflict page.
    alice.get_by_label("Text (Markdown)").fill(BASE.replace("for all migrants", "for all migrants, without "
                                                                                  "discrimination"))
    alice.get_by_label("What did you change, and why?").fill("Non-discrimination")
    alice.get_by_role("button", name="Save", exact=True).click()
    expect(alice.get_by_text("Saved a new version")).to_be_visible()
    bob.get_by_label("Text (Markdown)").fill(BASE.replace("in safety and dignity", "in safety, dignity and "
                                                                                     "with legal aid"))
    bob.get_by_label("What did you change, and why?").fill("Legal aid")
    bob.get_by_role("button", name="Save", exact=True).click()
    expect(bob.get_by_text(re.compile("Alice Member had saved version 2 meanwhile"))).to_be_visible()
    body = Section.objects.get(document=document, key="merged").body
    assert "without discrimination" in body and "with legal aid" in body
    journey.step("1-merged")

    # The same words, changed differently: the three-way page, and nothing is lost.
    for page in (alice, bob):
        page.goto(f"{live_server.url}/d/guidance/s/merged/edit/")
    alice.get_by_label("Text (Markdown)").fill(body.replace("a last resort", "an exceptional last resort"))
    alice.get_by_label("What did you change, and why?").fill("Exceptional")
    alice.get_by_role("button", name="Save", exact=True).click()
    expect(alice.get_by_text("Saved a new version")).to_be_visible()
    bob.get_by_label("Text (Markdown)").fill(body.replace("a last resort", "a measure of last resort"))
    bob.get_by_label("What did you change, and why?").fill("Measure")
    bob.get_by_role("button", name="Save", exact=True).click()
    expect(bob.get_by_role("heading", name="Someone saved this section while you were editing")).to_be_visible()
    conflict = bob.locator("#conflict-0")
    expect(conflict.locator(".theirs")).to_contain_text("exceptional")
    expect(conflict.locator(".yours")).to_contain_text("measure of")
    expect(conflict.locator(".theirs ins")).to_have_count(1)
    journey.step("2-three-way")
    # One click does not drop their words: saving unsettled is refused.
    bob.get_by_role("button", name="Save with these choices").click()
    expect(bob.get_by_text("Choose how to settle conflict 1.")).to_be_visible()
    assert "exceptional" in Section.objects.get(document=document, key="merged").body
    bob.locator("#conflict-0").get_by_label("Keep both (theirs first)").check()
    bob.get_by_role("button", name="Save with these choices").click()
    expect(bob.get_by_text("with every conflict settled")).to_be_visible()
    body = Section.objects.get(document=document, key="merged").body
    assert "an exceptional last resort" in body and "a measure of last resort" in body
    assert "without discrimination" in body and "with legal aid" in body
    journey.assert_accessible()


def test_on_the_arabic_compare_a_renumbering_reads_from_old_to_new_right_to_left(new_context, live_server,
                                                                                  two_drafts) -> None:
    context = new_context()
    context.add_cookies([{"name": "django_language", "value": "ar", "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/d/guidance/compare/?from=1&to=2")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    label = page.locator("#k-p3-g1 .compared-heading .number")
    numbers, arrow = label.locator("bdi"), label.locator(".arrow")
    expect(numbers.first).to_have_text("3.1")
    expect(numbers.last).to_have_text("3.2")
    expect(arrow).to_have_text("←")
    old_box, arrow_box, new_box = numbers.first.bounding_box(), arrow.bounding_box(), numbers.last.bounding_box()
    assert old_box and arrow_box and new_box
    # Right to left: the old number first (rightmost), then the arrow, pointing left, to the new number.
    assert old_box["x"] > arrow_box["x"] > new_box["x"], (old_box, arrow_box, new_box)
    Journey(page, "compare-ar").step("1-renumbered")


def test_on_the_arabic_interface_english_text_reads_left_to_right(new_context, live_server, two_drafts) -> None:
    """Contents entries of an English document keep their number before the heading, and an English
    comment ends with its full stop, inside right-to-left pages."""
    from tests.browser.support import open_window, post_comment

    document = two_drafts
    draft = document.drafts.get(number=2)
    draft.comments_open_from, draft.comments_open_until = open_window().values()
    Draft.objects.filter(pk=draft.pk).update(comments_open_from=draft.comments_open_from,
                                             comments_open_until=draft.comments_open_until)
    post_comment(person("lena", organisation="Migrant Rights Network"), draft, "p2-g1", "Please add this.")
    context = new_context()
    context.add_cookies([{"name": "django_language", "value": "ar", "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/d/guidance/drafts/2/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    entry = page.locator("nav.toc li").filter(has_text="Guideline 3.2").first.locator("a > span")
    expect(entry).to_have_attribute("dir", "ltr")
    number, heading = entry.locator("bdi").nth(0), entry.locator("bdi").nth(1)
    expect(number).to_have_text("3.3")  # Guideline 3.2 is 3.3 in Draft 2
    number_x, heading_x = number.bounding_box()["x"], heading.bounding_box()["x"]
    assert number_x < heading_x, "the number shows after the heading in an English contents entry"
    Journey(page, "rtl").step("1-reading")
    page.goto(f"{live_server.url}/d/guidance/drafts/2/s/p2-g1/")
    text = page.locator(".comment-text").first
    expect(text).to_have_attribute("dir", "auto")
    stop_x, word_x = text.evaluate("""e => { const t = e.querySelector('p').firstChild; const n = t.length;
        const a = document.createRange(); a.setStart(t, n - 1); a.setEnd(t, n);
        const b = document.createRange(); b.setStart(t, n - 5); b.setEnd(t, n - 1);
        return [a.getBoundingClientRect().x, b.getBoundingClientRect().x]; }""")
    assert stop_x > word_x, "the English comment's full stop shows before its words"
    Journey(page, "rtl").step("2-comment")

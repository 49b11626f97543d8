"""The interface in Arabic is laid out right to left; an Arabic text keeps its language inside an English page."""

from __future__ import annotations

import pytest

from drafts import services
from drafts.access import system_actor
from drafts.models import Draft
from tests.browser.support import Journey, person, sign_in
from tests.factories import freeze, make_document, make_section

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_language_switcher_turns_the_interface_to_arabic_right_to_left(page, live_server) -> None:
    document = make_document("guidance", title="Guidance on drafting")
    make_section(document, "Introduction", "Why these principles.", numbered=False)
    freeze(document, visibility=Draft.Visibility.PUBLIC)
    page.goto(f"{live_server.url}/d/guidance/drafts/1/")
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "ltr")

    header = page.locator("header.site-header")
    header.get_by_label("Language").select_option(value="ar")
    with page.expect_navigation():
        header.locator("form.language button[type=submit]").click()
    expect(html).to_have_attribute("lang", "ar")
    expect(html).to_have_attribute("dir", "rtl")
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert page.url.endswith("/d/guidance/drafts/1/")  # back on the same page
    # Translated, not only flipped.
    expect(page.locator("header.site-header nav").first).not_to_contain_text("Documents")
    # Right to left: the contents column sits to the right of the text.
    toc, text = page.locator(".toc").bounding_box(), page.locator(".draft-text").bounding_box()
    assert toc["x"] > text["x"], (toc, text)
    journey = Journey(page, "languages")
    journey.step("1-arabic-interface")
    journey.assert_accessible()


def test_an_arabic_document_keeps_its_language_and_direction_inside_an_english_page(page, live_server) -> None:
    member = person("member")
    document = make_document("arabic", title="Arabic guidance", members=[member])
    document.language = "ar"
    document.save(update_fields=["language"])
    intro = make_section(document, "مقدمة", "هذه هي المبادئ التوجيهية.\n\nالفقرة الثانية.", key="intro",
                         numbered=False)
    freeze(document, visibility=Draft.Visibility.PUBLIC)
    services.section_update(section=intro, user=system_actor(), base_version=intro.version_number, heading="مقدمة",
                            body="هذه هي المبادئ التوجيهية الجديدة.\n\nالفقرة الثانية.", message="تعديل")
    freeze(document, visibility=Draft.Visibility.PUBLIC)
    journey = Journey(page, "languages")

    page.goto(f"{live_server.url}/d/arabic/drafts/1/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    body = page.locator("#s-intro .body")
    expect(body).to_have_attribute("lang", "ar")
    expect(body).to_have_attribute("dir", "rtl")
    expect(body).to_contain_text("هذه هي المبادئ التوجيهية.")
    assert body.evaluate("e => getComputedStyle(e).direction") == "rtl"
    assert page.locator("h1").evaluate("e => getComputedStyle(e).direction") == "ltr"
    journey.step("2-arabic-draft")

    # The compare page, both ways of showing the change.
    for mode in ("inline", "side"):
        page.goto(f"{live_server.url}/d/arabic/compare/?from=1&to=2&mode={mode}")
        bodies = page.locator(".compare-text .body")
        # Side by side has one body per aligned row and side (issue 14), so look in the whole compare.
        expect(page.locator(".compare-text")).to_contain_text("الجديدة")
        for i in range(bodies.count()):
            expect(bodies.nth(i)).to_have_attribute("lang", "ar")
            expect(bodies.nth(i)).to_have_attribute("dir", "rtl")
        journey.step(f"3-arabic-compare-{mode}")

    sign_in(page, live_server, "member", "/d/arabic/s/intro/")
    body = page.locator("article .body")
    expect(body).to_have_attribute("lang", "ar")
    expect(body).to_have_attribute("dir", "rtl")
    expect(body).to_contain_text("الفقرة الثانية.")
    expect(page.locator("html")).to_have_attribute("dir", "ltr")
    journey.step("4-arabic-section")
    journey.assert_accessible()

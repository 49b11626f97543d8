"""The error pages in Chromium, with axe on each: a signed-out delegate follows a link to a restricted draft,
gets the 404 with the sign-in offer and, signed in, lands on the draft; a working-group member opening the
editors' comment table gets the 403 with the reason and goes back to where she came from."""

from __future__ import annotations

import re

import pytest

from drafts.models import Draft
from tests.browser.support import PASSWORD, Journey, person, sign_in
from tests.factories import freeze, make_document, make_principles

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def restricted_draft() -> Draft:
    """Draft 1 of "guidance", restricted to its invited stakeholders (Amina) and the working group (Maria)."""
    document = make_document("guidance", title="Guidance on drafting", editor=person("editor"),
                             members=[person("maria")],
                             stakeholders=[person("amina", organisation="Migrant Rights Network")])
    make_principles(document, principles=1, guidelines=1)
    return freeze(document, visibility=Draft.Visibility.RESTRICTED, label="Zero draft")


def test_a_signed_out_delegate_on_a_restricted_draft_is_offered_to_sign_in_and_lands_on_it(
    page, live_server, restricted_draft
) -> None:
    journey = Journey(page, "error-pages")
    address = restricted_draft.get_absolute_url()

    response = page.goto(live_server.url + address)
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    main = page.locator("main")
    expect(main).to_contain_text("This page does not exist, or it is not visible to you.")
    expect(main).not_to_contain_text("Zero draft")
    expect(page.locator("header.site-header")).to_contain_text("Drafting tracker")
    journey.step("1-404-signed-out")

    main.get_by_role("link", name="Sign in").click()
    page.get_by_label("Username").fill("amina")
    page.get_by_label("Password").fill(PASSWORD)
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(live_server.url + address)
    expect(page.locator("main")).to_contain_text("Zero draft")

    page.goto(f"{live_server.url}/no-such-page/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    expect(page.locator("main").get_by_role("link", name="Sign in")).to_have_count(0)
    journey.step("2-404-signed-in")
    journey.assert_accessible()


def test_a_member_on_the_editors_table_is_told_why_and_goes_back(page, live_server, restricted_draft) -> None:
    journey = Journey(page, "error-pages")
    came_from = live_server.url + restricted_draft.get_absolute_url()
    sign_in(page, live_server, "maria", restricted_draft.get_absolute_url())

    response = page.goto(f"{came_from}comments/", referer=came_from)
    assert response.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("You cannot open this page")
    expect(page.locator("main")).to_contain_text("Only the document's editors decide on comments.")
    expect(page.get_by_text(re.compile(r"^Signed in as "))).to_be_visible()
    journey.step("3-403-member")

    page.locator("main").get_by_role("link", name="Go back to the page you came from").click()
    expect(page).to_have_url(came_from)
    journey.assert_accessible()

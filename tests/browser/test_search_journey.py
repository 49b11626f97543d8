"""Search, the constituency page and API keys in Chromium, with axe on every page: a delegation searches
(with scripts off too) and follows a result to its paragraph; an editor reads who commented on what,
decides a campaign at once, and makes and revokes an API key that a program then uses."""

from __future__ import annotations

import re

import pytest

from drafts.models import Disposition, Draft, DraftComment
from tests.browser.support import Journey, open_window, person, post_comment, screenshot, sign_in
from tests.factories import freeze, make_document, make_principles

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.django_db(transaction=True)

LETTER = ("We urge the working group to state that the immigration detention of children is never in their "
          "best interests and that States should end it in law and in practice.")


@pytest.fixture
def consulted() -> Draft:
    editor = person("editor")
    omar = person("omar", organisation="Republic of Examplia")
    signers = [person(f"ngo{n}", organisation=f"Association {n}") for n in range(3)]
    document = make_document("guidance", title="Guidance", editor=editor, stakeholders=[omar, *signers])
    make_principles(document, principles=2, guidelines=2)
    draft = freeze(document, visibility=Draft.Visibility.RESTRICTED, **open_window())
    post_comment(omar, draft, "p1-g1", "Examplia asks that detention be reviewed by a court.", paragraph=2)
    for n, signer in enumerate(signers):
        post_comment(signer, draft, "p2-g1", f"Dear colleagues, {LETTER} Signed, Association {n}.")
    return draft


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_delegation_searches_and_follows_a_result_to_its_paragraph(new_context, live_server, consulted,
                                                                     javascript) -> None:
    context = new_context(java_script_enabled=javascript)
    page = context.new_page()
    journey = Journey(page, f"search-{'js' if javascript else 'nojs'}")
    step = journey.step if javascript else (lambda name: screenshot(page, journey.name, name))
    sign_in(page, live_server, "omar", "/")
    page.get_by_role("link", name="Search", exact=True).click()
    page.get_by_label("Search for").fill("paragraphs")  # stemmed: "paragraph" matches
    step("search-form")
    page.locator("#search-form").get_by_role("button", name="Search").click()
    expect(page.get_by_role("heading", name=re.compile(r"^\d+ results?$"))).to_be_visible()
    first = page.locator(".result").first
    expect(first.locator("mark").first).to_have_text(re.compile("paragraph", re.IGNORECASE))
    step("results")
    page.get_by_label("In", exact=True).select_option(label="Comments and responses")
    page.get_by_label("Search for").fill("court")
    page.locator("#search-form").get_by_role("button", name="Search").click()
    expect(page.locator(".result")).to_have_count(1)
    expect(page.locator(".result")).to_contain_text("1.1 ¶2")
    page.locator(".result a").first.click()
    expect(page).to_have_url(re.compile(r"/d/guidance/drafts/1/s/p1-g1/#c\d+$"))
    step("landed")

    page.goto(f"{live_server.url}/search/?q=%00")
    expect(page.locator("#q-errors")).to_contain_text("Null characters")
    step("refused")
    journey.assert_accessible()


def test_an_editor_reads_who_commented_and_decides_a_campaign(page, live_server, consulted) -> None:
    journey = Journey(page, "analysis")
    sign_in(page, live_server, "editor", "/d/guidance/drafts/1/")
    page.get_by_role("link", name="Who commented on what").click()
    expect(page.get_by_role("img", name=re.compile("^Comments by section and stakeholder category"))).to_be_visible()
    expect(page.locator(".heat-table tfoot")).to_contain_text("4")
    expect(page.locator(".campaign h3")).to_contain_text("3 signatories")
    journey.step("analysis")
    page.get_by_label("Only the section numbered").fill("1")
    page.get_by_role("button", name="Count").click()
    expect(page.get_by_role("heading", name="Who commented on 1")).to_be_visible()
    expect(page.locator(".organisations tbody tr")).to_have_count(1)
    journey.step("principle-1")

    campaign = page.locator(".campaign")
    campaign.get_by_label("Disposition for every comment of the campaign").select_option(label="Noted")
    campaign.get_by_label("Response").fill("Taken into account in 2.1.")
    campaign.get_by_role("button", name="Decide all 3 comments").click()
    expect(page.get_by_role("status")).to_contain_text("Decided the 3 comments of the campaign")
    journey.step("decided")
    assert set(DraftComment.objects.filter(draft_section__key="p2-g1").values_list("disposition", flat=True)) == {
        Disposition.NOTED}
    journey.assert_accessible()


def test_a_person_makes_an_api_key_a_program_uses_it_and_it_is_revoked(page, live_server, consulted) -> None:
    journey = Journey(page, "api-keys")
    sign_in(page, live_server, "omar", "/api/")
    expect(page.get_by_role("heading", name="The REST API")).to_be_visible()
    journey.step("docs")
    page.get_by_role("link", name="Your API keys").click()
    page.get_by_label("What is the key for?").fill("Delegation tool")
    page.get_by_role("button", name="Make a key").click()
    key = page.get_by_label("Key", exact=True).input_value()
    journey.step("made")
    program = page.context.request  # another client: no session cookie is sent with an explicit header only
    answer = page.request.get(f"{live_server.url}/api/documents/guidance/drafts/",
                              headers={"Authorization": f"Token {key}", "Cookie": ""})
    assert answer.status == 200 and [d["number"] for d in answer.json()["results"]] == [1]
    page.get_by_role("button", name="Revoke Delegation tool").click()
    expect(page.get_by_role("status")).to_contain_text("Revoked the API key")
    journey.step("revoked")
    refused = program.get(f"{live_server.url}/api/documents/", headers={"Authorization": f"Token {key}", "Cookie": ""})
    assert refused.status == 401
    journey.assert_accessible()

"""The consultation round in Chromium, with axe per step: a reply with JavaScript on and off, an
editor triaging with next / previous pending and publishing, and the stakeholder who sees the
decisions only after they are published."""

from __future__ import annotations

import re

import pytest

from drafts.models import Disposition, Draft, DraftComment
from tests.browser.support import Journey, open_window, person, post_comment, sign_in
from tests.factories import freeze, make_document, make_principles

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def round_draft(settings) -> dict:
    settings.COMMENTS_PER_MINUTE = 100
    editor, amina, omar = person("editor"), person("amina", organisation="Migrant Rights Network"), person(
        "omar", organisation="Republic of Examplia")
    document = make_document("guidance", title="Guidance", editor=editor, stakeholders=[amina, omar])
    make_principles(document, principles=2, guidelines=2)
    draft = freeze(document, visibility=Draft.Visibility.RESTRICTED, **open_window())
    comments = [
        post_comment(amina, draft, "p1-g1", "Name the remedy.", paragraph=2, kind="technical",
                     proposed="Second paragraph of 1.1, with an effective remedy."),
        post_comment(amina, draft, "p1-g2", "Cite the treaty.", paragraph=1),
        post_comment(amina, draft, "p2-g1", "Too long.", paragraph=1, kind="editorial"),
    ]
    return {"document": document, "draft": draft, "comments": comments}


def _switch_to(page, live_server, username: str, next_path: str) -> None:
    page.context.clear_cookies()
    sign_in(page, live_server, username, next_path)


@pytest.mark.parametrize("javascript", [True, False], ids=["javascript", "no-javascript"])
def test_a_stakeholder_replies_through_the_rendered_form(new_context, live_server, round_draft, javascript) -> None:
    first = round_draft["comments"][0]
    context = new_context(java_script_enabled=javascript)
    page = context.new_page()
    page.set_default_timeout(5_000)
    sign_in(page, live_server, "omar", "/d/guidance/drafts/1/s/p1-g1/")
    page.locator(f"#c{first.pk}").get_by_role("link", name=re.compile("^Reply")).click()
    form = page.locator("#comment-form")
    expect(form.get_by_role("heading")).to_have_text("Reply to MRN-001")
    expect(form.get_by_label("Type of comment")).to_have_count(0)  # a reply has no type to choose
    form.get_by_label("Comment:", exact=True).fill("Examplia supports naming the remedy.")
    form.get_by_role("button", name="Post reply").click()
    expect(page.get_by_role("status")).to_contain_text("was posted")
    reply = page.locator(".comment.level-1")
    expect(reply).to_contain_text("Examplia supports naming the remedy.")
    stored = DraftComment.objects.get(comment="Examplia supports naming the remedy.")
    assert (stored.parent_id, stored.level) == (first.pk, 1)
    if javascript:
        journey = Journey(page, "round-reply")
        journey.step("1-reply-posted")
        journey.assert_accessible()
    context.close()


def test_an_editor_triages_and_publishes_and_the_stakeholder_sees_decisions_only_then(
    page, live_server, round_draft
) -> None:
    three = round_draft["comments"][2]
    journey = Journey(page, "round-triage")
    sign_in(page, live_server, "editor", "/d/guidance/drafts/1/comments/?disposition=pending")
    journey.step("1-table")
    page.locator("main table").get_by_role("link", name="Decide MRN-001").click()
    beside = page.locator(".beside")
    expect(beside.locator(".commented blockquote")).to_contain_text("Second paragraph of 1.1")
    expect(beside.locator(".proposed .redline ins")).to_contain_text("effective remedy")
    journey.step("2-decide-beside")
    page.get_by_label("Disposition").select_option(label="Accepted")
    page.get_by_label("Response").fill("Agreed; the remedy is named.")
    page.get_by_role("button", name="Save and go to the next pending comment").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("MRN-002")
    assert "disposition=pending" in page.url  # the table's filter travels with the editor
    expect(page.get_by_role("link", name="Previous pending")).to_have_count(0)  # MRN-001 is decided now
    page.get_by_label("Disposition").select_option(label="Rejected")
    page.get_by_label("Response").fill("Cited in the preamble.")
    page.get_by_role("button", name="Save and go to the next pending comment").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("MRN-003")
    page.get_by_role("link", name="Back to the table").click()
    assert page.url.endswith("?disposition=pending")
    journey.step("3-table-filtered")

    # The stakeholder does not see the drafted decisions.
    _switch_to(page, live_server, "amina", "/my/comments/")
    expect(page.locator("main")).not_to_contain_text("Agreed; the remedy is named.")
    expect(page.locator("main")).not_to_contain_text("Cited in the preamble.")
    journey.step("4-stakeholder-before")

    _switch_to(page, live_server, "editor", "/d/guidance/drafts/1/comments/")
    page.get_by_role("link", name=re.compile("^Publish 2 drafted decisions")).click()
    journey.step("5-publish")
    page.get_by_role("button", name="Publish all 2 decisions").click()
    expect(page.get_by_role("status")).to_contain_text("Published 2 decisions")
    assert DraftComment.objects.filter(published_disposition=Disposition.ACCEPTED).count() == 1

    _switch_to(page, live_server, "amina", "/my/comments/")
    expect(page.locator("main")).to_contain_text("Agreed; the remedy is named.")
    expect(page.locator("main")).to_contain_text("Not retained")
    journey.step("6-stakeholder-after")
    journey.assert_accessible()
    assert three.disposition == Disposition.PENDING

"""Lineage in Chromium, with axe per step: an editor applies a comment's proposed text, links and decides
comments, freezes the next draft and re-anchors a comment whose section is gone; a stakeholder then reads
what became of her comments, what changed and why, and the response to comments. The what-changed and
decision pages are also used with JavaScript off."""

from __future__ import annotations

import json
import re
import tempfile
import zipfile
from pathlib import Path

import pytest

from drafts import services
from drafts.models import CommentChange, Disposition, Draft, DraftComment, DraftSection, Section
from tests.browser import support
from tests.browser.support import Journey, open_window, person, post_comment, screenshot, sign_in
from tests.factories import freeze, make_document, make_principles

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.django_db(transaction=True)

PROPOSED = "Second paragraph of 1.1, with an effective remedy."
MODIFIED = "Second paragraph of 1.1, with an effective and timely remedy."
MEMBERS_FIRST = "First paragraph of 1.1, reworded by the member."


@pytest.fixture(autouse=True)
def _screenshots_in_tmp(monkeypatch) -> None:
    """These journeys' screenshots go to <tmp>/lineage-shots/, where a reviewer looks at them."""
    monkeypatch.setattr(support, "ARTIFACTS", Path(tempfile.gettempdir()) / "lineage-shots")


@pytest.fixture
def first_draft(settings) -> dict:
    """Draft 1 of "guidance" (2 principles x 2 guidelines, public, window open) with Amina's comments."""
    settings.COMMENTS_PER_MINUTE = 100  # eight comments in a row from one account
    editor, member = person("editor"), person("member")
    amina = person("amina", organisation="Migrant Rights Network")
    document = make_document("guidance", title="Guidance on drafting", editor=editor, members=[member],
                             stakeholders=[amina])
    make_principles(document, principles=2, guidelines=2)
    draft = freeze(document, visibility=Draft.Visibility.PUBLIC, **open_window())
    comments = {
        "proposal": post_comment(amina, draft, "p1-g1", "The second paragraph should name the remedy.",
                                 paragraph=2, kind="technical", proposed=PROPOSED),
        "cited": post_comment(amina, draft, "p1-g2", "Cite the treaty in the first paragraph.", paragraph=1),
        "linked": post_comment(amina, draft, "p1-g2", "The second paragraph repeats the first.", paragraph=2),
        "removed": post_comment(amina, draft, "p2-g2", "This guideline overlaps with 2.1.", paragraph=1),
        "rejected": post_comment(amina, draft, "p2-g1", "Drop the first paragraph.", paragraph=1),
        "noted": post_comment(amina, draft, None, "Thank you for the open consultation."),
        "unlinked": post_comment(amina, draft, "p2-g1", "Add an example to the second paragraph.", paragraph=2),
        "pending": post_comment(amina, draft, "p1-g1", "Define “remedy” in the first paragraph.", paragraph=1),
    }
    assert [c.reference for c in comments.values()] == [f"MRN-00{n}" for n in range(1, 9)]
    return {"editor": editor, "member": member, "amina": amina, "document": document, "draft": draft, **comments}


def _decide_url(c: DraftComment) -> str:
    return f"/d/guidance/drafts/1/comments/{c.pk}/"


def _switch_to(page, live_server, username: str, next_path: str) -> None:
    page.context.clear_cookies()
    sign_in(page, live_server, username, next_path)


def assert_change_linked(comment: DraftComment, how: str, section_key: str) -> None:
    change = CommentChange.objects.get(comment=comment)
    assert (change.how, change.section.key) == (how, section_key)


# (1) The editor: apply, cite, link, decide, freeze, re-anchor -----------------------------------------


def test_an_editor_applies_links_and_decides_comments_then_freezes_and_reanchors(page, live_server,
                                                                               first_draft) -> None:
    data = first_draft
    proposal, cited, linked, removed = data["proposal"], data["cited"], data["linked"], data["removed"]
    journey = Journey(page, "lineage-editor")

    sign_in(page, live_server, "editor", _decide_url(proposal))
    expect(page.get_by_role("heading", level=1)).to_have_text("Comment MRN-001 on 1.1 ¶2")
    standing = page.locator("section.outcome")
    expect(standing.get_by_role("heading", name="Where it stands")).to_be_visible()
    expect(standing).to_contain_text("Pending")
    expect(standing).to_contain_text("No change is linked to this decision yet")
    journey.step("1-decision-page")

    page.get_by_role("link", name="Apply the proposed text to the working copy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Apply the text proposed in MRN-001 to “Guideline 1.1”")
    body = page.get_by_label("Text (Markdown)")
    expect(body).to_have_value(f"First paragraph of 1.1.\n\n{PROPOSED}")  # placed in ¶2, ¶1 untouched
    expect(page.get_by_label("Heading")).to_have_value("Guideline 1.1")
    expect(page.get_by_label("Numbered")).to_be_checked()
    expect(page.get_by_label("Message for the section's history")).to_have_value("Applies MRN-001 (proposed text)")
    body.fill(f"First paragraph of 1.1.\n\n{MODIFIED}")
    page.get_by_label("Decision").select_option(label="Accepted with modifications")
    page.get_by_label("Response to the commenter").fill("Taken, with “timely” added.")
    journey.step("2-apply-form")

    # The member saves the same section while the editor's form is open, in another paragraph: the
    # two are merged (issue 14), nothing is overwritten and the decision is saved with the merge.
    section = Section.objects.get(key="p1-g1")
    services.section_update(section=section, user=data["member"], base_version=section.version_number,
                            heading=section.heading, body=f"{MEMBERS_FIRST}\n\nSecond paragraph of 1.1.",
                            message="Reword the opening")
    journey.step("3-colleague-saved")
    page.get_by_role("button", name="Save the text and the decision").click()
    expect(page.get_by_role("status")).to_contain_text("Applied the proposed text of MRN-001 and saved the decision.")
    expect(page).to_have_url(f"{live_server.url}{_decide_url(proposal)}")
    changes = page.locator("ul.linked-changes")
    expect(changes).to_contain_text("Applies MRN-001 (proposed text)")
    expect(changes).to_contain_text("(proposed text applied)")
    expect(standing).to_contain_text("Accepted with modifications; the change is not yet in a draft")
    assert Section.objects.get(key="p1-g1").body == f"{MEMBERS_FIRST}\n\n{MODIFIED}"
    assert_change_linked(proposal, "applied", "p1-g1")
    journey.step("4-applied-and-decided")

    # A member's edit of 1.2 cites MRN-002 (in lower case, as people type it).
    _switch_to(page, live_server, "member", "/d/guidance/s/p1-g2/edit/")
    page.get_by_label("Text (Markdown)").fill(
        "First paragraph of 1.2, as the treaty requires.\n\nSecond paragraph of 1.2.")
    page.get_by_label("What did you change, and why?").fill("Cite the treaty in 1.2")
    page.get_by_label("Comments this change addresses (optional)").fill("mrn-002")
    journey.step("5-member-cites-a-comment")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("Saved a new version of “Guideline 1.2”")
    assert_change_linked(cited, "cited", "p1-g2")

    # The editor links MRN-003 to the member's version, then decides MRN-002 with the decision form.
    _switch_to(page, live_server, "editor", _decide_url(linked))
    link_form = page.locator("form.link-form")
    version = link_form.get_by_label(re.compile(r"· Member · Cite the treaty in 1\.2$"))
    expect(version).to_be_visible()
    journey.step("6-link-form")
    version.check()
    link_form.get_by_role("button", name="Link to these versions").click()
    expect(page.get_by_role("status")).to_contain_text("Linked MRN-003 to 1 version.")
    expect(page.locator("ul.linked-changes")).to_contain_text("(linked by an editor)")
    assert_change_linked(linked, "linked", "p1-g2")
    page.get_by_label("Disposition").select_option(label="Accepted")
    page.get_by_label("Response").fill("The repetition is gone.")
    page.get_by_role("button", name="Save and go back to the table").click()
    expect(page.get_by_role("status")).to_contain_text("Saved the decision on MRN-003")

    page.goto(f"{live_server.url}{_decide_url(cited)}")
    expect(page.locator("ul.linked-changes")).to_contain_text("Cite the treaty in 1.2")
    expect(page.locator("ul.linked-changes")).to_contain_text("(cited when the section was saved)")
    page.get_by_label("Disposition").select_option(label="Accepted")
    page.get_by_label("Response").fill("1.2 now cites the treaty.")
    journey.step("7-decision-form")
    page.get_by_role("button", name="Save and go back to the table").click()
    expect(page.get_by_role("status")).to_contain_text("Saved the decision on MRN-002")
    cited.refresh_from_db()
    assert (cited.disposition, cited.response) == (Disposition.ACCEPTED, "1.2 now cites the treaty.")

    # Guideline 2.2 is removed, so MRN-004's paragraph has no place in the next draft.
    services.section_remove(section=Section.objects.get(key="p2-g2"), user=data["editor"], message="Folded into 2.1")
    page.goto(f"{live_server.url}/d/guidance/")
    page.get_by_role("link", name="Freeze the working copy as a new draft").click()
    page.get_by_label("Label").fill("First revision")
    page.get_by_label("Visibility").select_option(label="Public")
    page.get_by_label("I understand that a frozen draft can never change.").check()
    page.get_by_role("button", name="Freeze").click()
    expect(page.get_by_role("status")).to_contain_text("Froze Draft 2 (First revision).")
    second = Draft.objects.get(document=data["document"], number=2)
    proposal.refresh_from_db()
    assert proposal.addressed_in_id == second.pk

    page.goto(f"{live_server.url}/d/guidance/drafts/1/")
    page.get_by_role("link", name="Comments to re-anchor").click()
    expect(page).to_have_url(f"{live_server.url}/d/guidance/drafts/1/comments/orphans/")
    orphans = page.locator("section.orphan")
    expect(orphans).to_have_count(1)
    orphan = orphans.first
    expect(orphan.get_by_role("heading", level=2)).to_contain_text("MRN-004 · 2.2 ¶1")
    expect(orphan).to_contain_text("This guideline overlaps with 2.1.")
    journey.step("8-orphan-queue")

    orphan.get_by_label("Section in the next draft").select_option(label="2.1 Guideline 2.1")
    orphan.get_by_label("Paragraph").fill("9")
    orphan.get_by_role("button", name="Re-anchor here").click()
    # Refused beside the form, which keeps what the editor chose.
    orphan = page.locator("section.orphan").first
    expect(orphan.get_by_role("alert")).to_contain_text("has no paragraph 9 (it has 2)")
    expect(orphan.get_by_label("Section in the next draft")).to_have_value(
        str(DraftSection.objects.get(draft=second, key="p2-g1").pk))
    expect(orphan.get_by_label("Paragraph")).to_have_value("9")
    removed.refresh_from_db()
    assert removed.carried == ""
    journey.step("9-reanchor-refused")

    orphan.get_by_label("Paragraph").fill("2")
    orphan.get_by_role("button", name="Re-anchor here").click()
    expect(page.get_by_role("status")).to_contain_text("MRN-004 is now anchored in Draft 2 (First revision).")
    expect(page.locator("main")).to_contain_text("Every comment on this draft has a place in Draft 2 (First revision).")
    removed.refresh_from_db()
    target = DraftSection.objects.get(draft=second, key="p2-g1")
    assert (removed.carried, removed.carried_to_id, removed.carried_paragraph) == ("reanchored", target.pk, 2)
    journey.step("10-reanchored")

    journey.assert_accessible()


# (2) The stakeholder reads what became of her comments ------------------------------------------------


@pytest.fixture
def second_draft(first_draft) -> dict:
    """What the editor's journey leaves behind, made through the services: Draft 2 frozen after MRN-001's
    proposal was applied, MRN-002 cited and accepted, MRN-004's section removed (and re-anchored),
    and one comment each rejected, noted, accepted without a change, and left pending."""
    data = first_draft
    editor, member, draft = data["editor"], data["member"], data["draft"]
    section = Section.objects.get(key="p1-g1")
    services.comment_apply_proposal(
        comment=data["proposal"], user=editor, base_version=section.version_number, heading=section.heading,
        body=f"First paragraph of 1.1.\n\n{MODIFIED}", message="Applies MRN-001 (proposed text)",
        disposition=Disposition.MODIFIED, response="Taken, with “timely” added.",
        seen=services.decision_stamp(data["proposal"]),
    )
    section = Section.objects.get(key="p1-g2")
    services.section_update(section=section, user=member, base_version=section.version_number,
                            heading=section.heading, body="First paragraph of 1.2, as the treaty requires.\n\n"
                            "Second paragraph of 1.2.", message="Cite the treaty in 1.2", addresses=[data["cited"]])
    for key, disposition, response in (("cited", Disposition.ACCEPTED, "1.2 now cites the treaty."),
                                       ("rejected", Disposition.REJECTED, "The paragraph is needed for context."),
                                       ("noted", Disposition.NOTED, "Thank you."),
                                       ("unlinked", Disposition.ACCEPTED, "An example will follow.")):
        services.comment_dispose(comments=[data[key]], user=editor, draft=draft, disposition=disposition,
                                 response=response)
    services.section_remove(section=Section.objects.get(key="p2-g2"), user=editor, message="Folded into 2.1")
    second = freeze(data["document"], user=editor, label="First revision")
    services.comment_reanchor(comment=data["removed"], user=editor,
                              target=DraftSection.objects.get(draft=second, key="p2-g1"), paragraph=2)
    services.decisions_publish(draft=draft, user=editor)  # what the stakeholder reads is published
    return {**data, "second": second}


def _row(page, reference: str):
    return page.locator("main tbody tr").filter(has=page.get_by_role("link", name=reference, exact=True))


def test_a_stakeholder_reads_what_became_of_her_comments_and_what_changed_why(
        page, live_server, new_context, second_draft) -> None:
    journey = Journey(page, "lineage-reader")
    sign_in(page, live_server, "amina", "/my/comments/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My comments")
    applied = _row(page, "MRN-001")
    expect(applied).to_contain_text("Addressed in Draft 2 (First revision)")
    expect(applied).to_contain_text("Taken, with “timely” added.")
    expect(applied.locator(".landing")).to_contain_text("now 1.1 ¶2 in Draft 2 (First revision), edited")
    expect(applied.locator(".paragraph-redline ins")).to_have_text(", with an effective and timely remedy")
    expect(applied.locator(".paragraph-redline del")).to_have_count(0)
    expect(_row(page, "MRN-002")).to_contain_text("Addressed in Draft 2 (First revision)")
    expect(_row(page, "MRN-004").locator(".landing")).to_contain_text("placed by an editor")
    expect(_row(page, "MRN-005")).to_contain_text("Not retained")
    expect(_row(page, "MRN-005")).to_contain_text("The paragraph is needed for context.")
    expect(_row(page, "MRN-006")).to_contain_text("Noted")
    # A comment on the draft as a whole is carried to the next draft, never reported as lost.
    expect(_row(page, "MRN-006")).to_contain_text("on the draft as a whole")
    expect(_row(page, "MRN-006")).not_to_contain_text("no longer in")
    expect(_row(page, "MRN-007")).to_contain_text("Accepted; the change is not yet in a draft")
    expect(_row(page, "MRN-008")).to_contain_text("Pending")
    assert page.locator("main").inner_text().count("Addressed in") == 2  # MRN-001 and MRN-002 only
    journey.step("1-my-comments")

    page.goto(f"{live_server.url}/d/guidance/drafts/2/")
    page.get_by_role("link", name="What changed since the previous draft, and why").click()
    expect(page).to_have_url(f"{live_server.url}/d/guidance/drafts/2/changes/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "What changed from Draft 1 to Draft 2 (First revision), and why")
    first = page.locator("section.compared").filter(has=page.get_by_role("heading", name="1.1 Guideline 1.1"))
    expect(first.locator(".reason-messages")).to_contain_text("Applies MRN-001 (proposed text)")
    expect(first.locator(".reason-comments")).to_contain_text("Carries out the decisions on: MRN-001")
    expect(first.locator(".body.redline ins")).to_contain_text("and timely remedy")
    decision = first.locator(".outcomes li").filter(has_text="MRN-001")
    expect(decision).to_contain_text("Addressed in Draft 2 (First revision)")
    expect(decision.locator(".response")).to_contain_text("Taken, with “timely” added.")
    expect(first.locator(".outcomes li").filter(has_text="MRN-008")).to_contain_text("Pending")
    second_guideline = page.locator("section.compared").filter(
        has=page.get_by_role("heading", name="1.2 Guideline 1.2"))
    expect(second_guideline.locator(".reason-messages")).to_contain_text("Member")
    expect(second_guideline.locator(".reason-messages")).to_contain_text("Cite the treaty in 1.2")
    expect(second_guideline.locator(".reason-comments")).to_contain_text("MRN-002")
    gone = page.locator("section.compared").filter(has=page.get_by_role("heading", name="2.2 Guideline 2.2"))
    expect(gone.locator(".reason-messages")).to_contain_text("Folded into 2.1")
    expect(page.locator("main")).to_contain_text("Comments on the draft as a whole")
    journey.step("2-what-changed")

    page.get_by_role("link", name="Response to the comments on Draft 1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Response to comments on Draft 1")
    expect(_row(page, "MRN-005")).to_contain_text("Not retained")
    expect(_row(page, "MRN-001").locator(".landing")).to_contain_text("now 1.1 ¶2 in Draft 2 (First revision)")
    expect(_row(page, "MRN-001").locator(".paragraph-redline ins")).to_be_visible()
    journey.step("3-responses")

    with page.expect_download() as download:
        page.get_by_role("link", name="JSON").click()
    records = {r["id"]: r for r in json.loads(Path(download.value.path()).read_text())}
    assert records["MRN-001"]["status"] == "Addressed in Draft 2 (First revision)"
    assert records["MRN-001"]["landed_in"]["match"] == "edited"
    assert records["MRN-004"]["landed_in"]["section"] == "p2-g1"
    with page.expect_download() as download:
        page.get_by_role("link", name="Word").click()
    assert download.value.suggested_filename == "guidance-draft-1-responses.docx"
    xml = zipfile.ZipFile(download.value.path()).read("word/document.xml").decode()
    assert "MRN-005" in xml and "The paragraph is needed for context." in xml and "Not retained" in xml

    page.goto(f"{live_server.url}/d/guidance/drafts/2/s/p1-g1/")
    carried = page.locator("section.carried-over")
    expect(carried.get_by_role("heading")).to_have_text("1 undecided comment carried over from the previous draft")
    expect(carried).to_contain_text("MRN-008 carried over from Draft 1 (1.1 ¶1)")
    expect(carried).not_to_contain_text("MRN-001")
    journey.step("4-carried-over")
    journey.assert_accessible()

    # Without JavaScript: what changed reads the same, and an editor decides a comment with a plain post.
    context = new_context(java_script_enabled=False)
    nojs = context.new_page()
    nojs.set_default_timeout(5_000)
    sign_in(nojs, live_server, "editor", "/d/guidance/drafts/2/changes/")
    first = nojs.locator("section.compared").filter(has=nojs.get_by_role("heading", name="1.1 Guideline 1.1"))
    expect(first.locator(".reason-comments")).to_contain_text("MRN-001")
    expect(first.locator(".outcomes li").filter(has_text="MRN-001").locator(".response")).to_contain_text("timely")
    screenshot(nojs, "lineage-nojs", "1-what-changed")
    pending = second_draft["pending"]
    nojs.goto(f"{live_server.url}{_decide_url(pending)}")
    expect(nojs.locator("section.outcome")).to_contain_text("Pending")
    expect(nojs.locator("section.outcome .landing")).to_contain_text(
        "now 1.1 ¶1 in Draft 2 (First revision), unchanged")
    nojs.get_by_label("Disposition").select_option(label="Noted")
    nojs.get_by_label("Response").fill("Defined in the glossary.")
    screenshot(nojs, "lineage-nojs", "2-decision-page")
    with nojs.expect_navigation():
        nojs.get_by_role("button", name="Save and go back to the table").click()
    expect(nojs.get_by_role("status")).to_contain_text("Saved the decision on MRN-008")
    pending.refresh_from_db()
    assert (pending.disposition, pending.response) == (Disposition.NOTED, "Defined in the glossary.")
    context.close()
    # No axe with scripting off (axe.run() never settles there); the same pages are checked above and in (1).

"""Three journeys through the real pages in Chromium, with a screenshot and an axe-core check per step."""

from __future__ import annotations

import re

import pytest

from drafts import services
from drafts.interchange.matrix import COLUMNS
from drafts.models import Draft, DraftComment, Section, StakeholderCategory
from tests.browser.support import ARTIFACTS, Journey, open_window, person, post_comment, sign_in
from tests.factories import freeze, make_document, make_principles, versions_of

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.django_db(transaction=True)


# (1) Edit, conflict, merge, freeze ----------------------------------------------------------------


def test_a_member_merges_after_a_conflict_and_the_editor_freezes_a_draft(page, live_server) -> None:
    editor, member, colleague = person("editor"), person("member"), person("colleague")
    document = make_document("guidance", title="Guidance on drafting", editor=editor, members=[member, colleague])
    make_principles(document, principles=2, guidelines=2)
    journey = Journey(page, "journey1")

    sign_in(page, live_server, "member", "/d/guidance/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Guidance on drafting")
    journey.step("1-document")

    page.get_by_role("link", name="Edit Guideline 1.1").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit “Guideline 1.1”")
    body = page.get_by_label("Text (Markdown)")
    expect(body).to_have_value("First paragraph of 1.1.\n\nSecond paragraph of 1.1.")
    journey.step("2-edit")

    # The Markdown preview comes back into the page (app.js): no navigation, nothing saved.
    page.evaluate("window.stillHere = true")
    body.fill("First paragraph of 1.1, **clarified** by the member.\n\nSecond paragraph of 1.1.")
    page.get_by_role("button", name="Preview").click()
    preview = page.locator("#preview")
    expect(preview.locator("strong")).to_have_text("clarified")
    expect(preview).to_be_visible()
    assert page.evaluate("window.stillHere === true"), "the preview reloaded the page instead of swapping it in"
    journey.step("3-preview")

    # A colleague saves the same section while the member's form is open.
    section = Section.objects.get(document=document, key="p1-g1")
    services.section_update(
        section=section, user=colleague, base_version=section.version_number, heading="Guideline 1.1",
        body="First paragraph of 1.1.\n\nSecond paragraph of 1.1, with the colleague's fix.",
        message="Fix the second paragraph",
    )

    page.get_by_label("What did you change, and why?").fill("Clarify the first paragraph")
    page.get_by_role("button", name="Save", exact=True).click()
    # Issue 14: the two edits touch different paragraphs, so they are merged, not refused; the member
    # is told whose version was merged, and nothing either typed is lost.
    merged = ("First paragraph of 1.1, **clarified** by the member.\n\n"
              "Second paragraph of 1.1, with the colleague's fix.")
    expect(page.get_by_role("status")).to_contain_text("Saved a new version of “Guideline 1.1”")
    expect(page.get_by_role("status")).to_contain_text("Colleague had saved version 2 meanwhile")
    expect(page.locator("article .body")).to_contain_text("clarified by the member")
    expect(page.locator("article .body")).to_contain_text("with the colleague's fix")
    section.refresh_from_db()
    assert section.body == merged
    assert versions_of(section) == 3  # created, the colleague's save, the merge
    journey.step("4-merged")

    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, "editor", "/d/guidance/")
    page.get_by_role("link", name="Freeze the working copy as a new draft").click()
    page.get_by_label("Label").fill("Zero draft")
    page.get_by_label("Visibility").select_option(label="Public")
    page.get_by_label("I understand that a frozen draft can never change.").check()
    journey.step("6-freeze-form")

    page.get_by_role("button", name="Freeze").click()
    expect(page.get_by_role("status")).to_contain_text("Froze Draft 1")
    expect(page.locator(".draft-meta")).to_contain_text("Draft 1")
    expect(page.locator(".draft-text section#s-1-1 .body")).to_contain_text(
        "First paragraph of 1.1, clarified by the member.")
    draft = Draft.objects.get(document=document, number=1)
    assert (draft.label, draft.visibility) == ("Zero draft", Draft.Visibility.PUBLIC)
    journey.step("7-draft")

    journey.assert_accessible()


# (2) A stakeholder comments on a paragraph ---------------------------------------------------------


def test_a_stakeholder_comments_on_a_paragraph_and_finds_it_under_my_comments(page, live_server) -> None:
    editor = person("editor")
    amina = person("amina", organisation="Migrant Rights Network", category=StakeholderCategory.NGO)
    document = make_document("guidance", title="Guidance on drafting", editor=editor, stakeholders=[amina])
    make_principles(document, principles=2, guidelines=2)
    freeze(document, visibility=Draft.Visibility.RESTRICTED, label="Zero draft", **open_window())
    journey = Journey(page, "journey2")

    page.goto(f"{live_server.url}/")
    expect(page.get_by_text("There are no documents you can read yet.")).to_be_visible()  # restricted draft
    journey.step("1-documents")
    page.get_by_role("navigation", name="Site").get_by_role("link", name="Sign in").click()
    journey.step("2-sign-in")
    page.get_by_label("Username").fill("amina")
    page.get_by_label("Password").fill("pw-for-tests-only")
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Signed in as Amina")).to_be_visible()

    page.get_by_role("link", name="Guidance on drafting").click()
    expect(page.locator(".role")).to_contain_text("Stakeholder")
    journey.step("3-document")
    page.get_by_role("link", name="Draft 1").click()
    expect(page.locator(".window")).to_contain_text("open")
    journey.step("4-draft")

    page.get_by_role("link", name=re.compile(r"Comment on this section – 1\.1 Guideline 1\.1")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("1.1 Guideline 1.1")
    form = page.locator("#comment-form")
    form.get_by_label("Paragraph").select_option(label="¶2")
    form.get_by_label("Comment:", exact=True).fill("The second paragraph should name the remedy.")
    form.get_by_label("Type of comment").select_option(label="Technical")
    form.get_by_label("Proposed text (optional)").fill("Second paragraph of 1.1, with an effective remedy.")
    journey.step("5-comment-form")

    page.evaluate("window.stillHere = true")
    form.get_by_role("button", name="Post comment").click()
    posted = page.locator(".comment-list .comment").filter(has_text="should name the remedy")
    expect(posted).to_be_visible()
    expect(posted).to_contain_text("MRN-001")
    expect(posted.get_by_role("link", name="1.1 ¶2")).to_be_visible()
    expect(posted.locator(".proposed")).to_contain_text("with an effective remedy")
    expect(page.get_by_role("status")).to_contain_text("Your comment MRN-001 was posted")
    assert page.evaluate("window.stillHere === true"), "posting the comment left the page"
    expect(page.locator("#comment-form").get_by_label("Comment:", exact=True)).to_have_value("")  # a fresh form
    comment = DraftComment.objects.get()
    assert (comment.paragraph, comment.kind, comment.organisation) == (2, "technical", "Migrant Rights Network")
    journey.step("6-posted")

    page.get_by_role("link", name="My comments").click()
    row = page.get_by_role("row").filter(has_text="MRN-001")
    expect(row).to_contain_text("1.1 ¶2")
    expect(row).to_contain_text("The second paragraph should name the remedy.")
    expect(row).to_contain_text("Pending")
    journey.step("7-my-comments")

    journey.assert_accessible()


# (3) Compare, dispositions, the comment matrix --------------------------------------------------


@pytest.fixture
def consultation():
    """Draft 1 with four comments from three organisations, then edits and Draft 2."""
    editor = person("editor")
    people = [
        person("amina", organisation="Migrant Rights Network"),
        person("examplia", organisation="Republic of Examplia", category=StakeholderCategory.MEMBER_STATE),
        person("lena", organisation="", category=StakeholderCategory.INDIVIDUAL),
    ]
    document = make_document("guidance", title="Guidance on drafting", editor=editor, stakeholders=people)
    make_principles(document, principles=3, guidelines=2)
    first = freeze(document, label="Zero draft", **open_window())
    amina, examplia, lena = people
    post_comment(amina, first, "p1-g1", "Name the remedy.", paragraph=2, kind="technical",
                 proposed="Second paragraph of 1.1, with an effective remedy.")
    post_comment(examplia, first, "p2-g2", "Too broad.", paragraph=1)
    post_comment(lena, first, "p3", "Add an example.", kind="editorial")
    post_comment(amina, first, None, "Shorter, please.")
    sections = {s.key: s for s in Section.objects.filter(document=document)}
    edits = {
        "p1-g1": ("Guideline 1.1", "First paragraph of 1.1.\n\nSecond paragraph of 1.1, with an effective remedy."),
        "p2-g2": ("Guideline 2.2", "First paragraph of 2.2, narrowed.\n\nSecond paragraph of 2.2."),
        "p3": ("Principle heading 3, renamed", "Principle 3 text, for example."),
        "p3-g1": ("Guideline 3.1", "Second paragraph of 3.1."),
    }
    for key, (heading, body) in edits.items():
        section = sections[key]
        services.section_update(section=section, user=editor, base_version=section.version_number, heading=heading,
                                body=body, message=f"Edit {key}")
    freeze(document, label="First draft")
    return document


def test_an_editor_compares_drafts_decides_on_comments_and_downloads_the_matrix(
    page, live_server, consultation
) -> None:
    journey = Journey(page, "journey3")
    sign_in(page, live_server, "editor", "/d/guidance/")
    expect(page.get_by_role("table").first).to_contain_text("Draft 2 (First draft)")
    journey.step("1-document")
    page.get_by_role("link", name="Compare drafts").click()
    # An editor's default is the last draft against the working copy; choose the two drafts.
    page.get_by_label("From").select_option(label="Draft 1 (Zero draft)")
    page.get_by_label("To").select_option(label="Draft 2 (First draft)")
    page.get_by_role("button", name="Compare").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "What changed from Draft 1 (Zero draft) to Draft 2 (First draft)")
    redline = page.locator(".compare-text")
    expect(redline.locator("ins").first).to_be_visible()
    expect(redline.locator("del").first).to_be_visible()
    expect(page.locator(".summary")).to_contain_text("Modified: 4")
    journey.step("2-compare-inline")

    page.get_by_label("View").select_option(label="Side by side")
    page.get_by_role("button", name="Compare").click()
    expect(page.locator(".side-by-side").first).to_be_visible()
    assert "mode=side" in page.url
    expect(page.locator(".side-by-side .old").first).to_contain_text("Zero draft")
    journey.step("3-compare-side")

    page.get_by_label("View").select_option(label="Inline redline")
    page.get_by_role("button", name="Compare").click()
    expect(page.locator(".redline").first).to_be_visible()
    expect(page.locator(".side-by-side")).to_have_count(0)

    page.get_by_role("link", name="Go to the first change").click()
    expect(page).to_have_url(re.compile(r"#change-1$"))
    page.locator("section.compared:has(#change-1)").get_by_role("link", name="Next change").click()
    expect(page).to_have_url(re.compile(r"#change-2$"))
    page.keyboard.press("n")  # app.js: n and p step through the changes
    expect(page).to_have_url(re.compile(r"#change-3$"))
    page.keyboard.press("n")
    expect(page).to_have_url(re.compile(r"#change-4$"))
    page.keyboard.press("p")
    expect(page).to_have_url(re.compile(r"#change-3$"))
    assert page.locator("#change-3").evaluate("e => { const r = e.closest('section').getBoundingClientRect(); "
                                              "return r.top >= -2 && r.top < innerHeight; }"), "not scrolled to"
    journey.step("4-change-3")

    page.goto(f"{live_server.url}/d/guidance/drafts/1/")
    page.get_by_role("link", name="All comments and dispositions (4)").click()
    table = page.locator("table.comment-table")
    expect(table.locator("tbody tr")).to_have_count(4)
    journey.step("5-comment-table")

    page.get_by_role("link", name="Decide MRN-001").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Comment MRN-001 on 1.1 ¶2")
    page.get_by_label("Disposition").select_option(label="Accepted")
    page.get_by_label("Response").fill("Accepted: the remedy is named in 1.1.")
    journey.step("6-decide")
    page.get_by_role("button", name="Save and go back to the table").click()
    expect(page.get_by_role("status")).to_contain_text("Saved the decision on")
    expect(table.get_by_role("row").filter(has_text="MRN-001").filter(has_text="Name the remedy")).to_contain_text(
        "Accepted: the remedy is named in 1.1."
    )

    page.get_by_label("Select RE-001").check()
    page.get_by_label("Select IND-001").check()
    page.get_by_label("Set disposition").select_option(label="Noted")
    page.get_by_label("Response (optional, replaces the current one)").fill("Noted for the next round.")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_role("status")).to_contain_text("Set the disposition of 2 comments.")
    expect(page.locator(".counts")).to_contain_text("Noted: 2")
    journey.step("7-after-bulk")

    with page.expect_download() as info:
        page.get_by_role("link", name="Excel (XLSX)").click()
    download = info.value
    assert download.suggested_filename == "guidance-draft-1-comments.xlsx"
    saved = ARTIFACTS / "journey3-matrix.xlsx"
    download.save_as(saved)

    from openpyxl import load_workbook

    sheet = load_workbook(saved, read_only=True)["Comments"]
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    header = rows.index([*map(str, COLUMNS), "Stamp"])  # under the title rows (title, symbol and draft, scope)
    assert header == 3 and rows[0][0] == "Guidance on drafting"
    by_ref = {r[0]: dict(zip(rows[header], r, strict=True)) for r in rows[header + 1 :]}
    assert set(by_ref) == {"MRN-001", "MRN-002", "RE-001", "IND-001"}
    assert (by_ref["MRN-001"]["Disposition"], by_ref["MRN-001"]["Response"]) == (
        "Accepted", "Accepted: the remedy is named in 1.1.")
    assert (by_ref["MRN-001"]["Section"], by_ref["MRN-001"]["Paragraph"]) == ("1.1", "2")
    assert by_ref["RE-001"]["Disposition"] == by_ref["IND-001"]["Disposition"] == "Noted"
    assert by_ref["MRN-002"]["Disposition"] == "Pending"

    journey.assert_accessible()

"""A delegation's comments from a template, in Chromium with axe on each page: a stakeholder downloads the
comment template from the draft's upload page, fills it in (openpyxl, as Excel would), uploads it, reads
the preview, confirms, and finds the comments on the section page; a file with a bad row is refused,
saying which row."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from drafts.interchange.comment_sheets import TEMPLATE_HEADER_ROW
from drafts.models import CommentBatch, Draft, DraftComment
from tests.browser import support
from tests.browser.support import Journey, open_window, person, sign_in
from tests.factories import freeze, make_document, make_principles

expect = pytest.importorskip("playwright.sync_api").expect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _screenshots_in_tmp(monkeypatch) -> None:
    monkeypatch.setattr(support, "ARTIFACTS", Path(tempfile.gettempdir()) / "comment-upload-shots")


@pytest.fixture
def draft() -> Draft:
    amina = person("amina", organisation="Migrant Rights Network")
    document = make_document("guidance", title="Guidance on drafting", editor=person("editor"), stakeholders=[amina])
    make_principles(document, principles=2, guidelines=2)
    return freeze(document, visibility=Draft.Visibility.RESTRICTED, **open_window())


def fill(template: Path, rows: list[list], out: Path) -> Path:
    book = load_workbook(template)
    sheet = book["Comments"]
    for number, row in enumerate(rows, start=TEMPLATE_HEADER_ROW + 1):
        for column, value in enumerate(row, start=1):
            sheet.cell(row=number, column=column, value=value)
    book.save(out)
    return out


def test_a_stakeholder_uploads_a_filled_template_previews_it_and_finds_the_comments(page, live_server,
                                                                                  draft, tmp_path) -> None:
    journey = Journey(page, "comment-upload")
    sign_in(page, live_server, "amina", "/d/guidance/drafts/1/")
    page.get_by_role("link", name="Upload many comments from a template").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Upload comments on Draft 1 from a template")
    journey.step("1-upload-page")

    with page.expect_download() as info:
        page.get_by_role("link", name="Download the comment template (Excel)").click()
    assert info.value.suggested_filename == "guidance-draft-1-comment-template.xlsx"
    template = tmp_path / "template.xlsx"
    info.value.save_as(template)

    # A bad row first: nothing is stored, and the page says which row and why.
    bad = fill(template, [["1.1 Guideline 1.1", 7, "Technical", "Seven paragraphs?", None]], tmp_path / "bad.xlsx")
    page.get_by_label("Filled comment template (.xlsx or .csv)").set_input_files(bad)
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("alert")).to_contain_text("Row 5: 1.1 has no paragraph 7 (it has 2).")
    assert not DraftComment.objects.exists()
    journey.step("2-refused-row")

    good = fill(template, [
        ["1.1 Guideline 1.1", 2, "Technical", "The second paragraph should name the remedy.", "An effective remedy."],
        ["Principle 2: Principle heading 2", None, "General", "We welcome this principle.", None],
    ], tmp_path / "delegation.xlsx")
    page.get_by_label("Filled comment template (.xlsx or .csv)").set_input_files(good)
    page.get_by_role("button", name="Upload and preview").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("2 comments to store")
    table = page.get_by_role("table", name="What will be stored")
    expect(table).to_contain_text("1.1 ¶2")
    expect(table).to_contain_text("The second paragraph should name the remedy.")
    expect(table).to_contain_text("MRN-002")
    assert not DraftComment.objects.exists()  # the preview stores nothing
    journey.step("3-preview")

    page.get_by_role("button", name="Store these 2 comments").click()
    expect(page.get_by_role("status")).to_contain_text("Stored 2 comments from delegation.xlsx: MRN-001, MRN-002.")
    expect(page).to_have_url(re.compile(r"/d/guidance/drafts/1/$"))
    assert CommentBatch.objects.get().comments.count() == 2

    page.goto(f"{live_server.url}/d/guidance/drafts/1/s/p1-g1/")
    expect(page.locator("main")).to_contain_text("The second paragraph should name the remedy.")
    expect(page.locator("main")).to_contain_text("MRN-001")
    journey.step("4-section-page")
    journey.assert_accessible()

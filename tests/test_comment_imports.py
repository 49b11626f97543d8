"""Spreadsheets back in, through the pages (the forms they render) and the commands: a delegation's filled
comment template stored as one upload, and the editors' decisions from a filled comment matrix.

Everything is all or nothing: whatever is refused stores nothing, and says which row and why.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from drafts import services
from drafts.interchange.comment_sheets import MAX_ROWS, TEMPLATE_HEADER_ROW
from drafts.models import CommentBatch, Disposition, Draft, DraftComment, Role
from drafts.services.comments import CommentRefused
from tests.factories import freeze, make_user
from tests.html_forms import rendered_fields, submit
from tests.test_comments import open_window, post_comment

pytestmark = pytest.mark.django_db

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def document(make_guidance):
    return make_guidance(principles=2, guidelines=2)


@pytest.fixture
def draft(document):
    return freeze(document, visibility=Draft.Visibility.RESTRICTED, **open_window())


def url(name: str, draft: Draft) -> str:
    return reverse(f"drafts:{name}", args=[draft.document.slug, draft.number])


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def refused(*args: str) -> tuple[str, str]:
    """The command's error and what it wrote to stderr before failing."""
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command(*args, stdout=out, stderr=err)
    assert out.getvalue() == ""
    return str(error.value), err.getvalue()


def assert_nothing_stored() -> None:
    assert (DraftComment.objects.count(), CommentBatch.objects.count()) == (0, 0)


# The comment template --------------------------------------------------------------------------------


def downloaded_template(client, person, draft: Draft):
    client.force_login(person)
    response = client.get(url("comment_template", draft))
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    assert response["Content-Disposition"] == 'attachment; filename="guidance-draft-1-comment-template.xlsx"'
    return load_workbook(io.BytesIO(response.content))


def filled(book, rows: list[list]) -> bytes:
    sheet = book["Comments"]
    for offset, row in enumerate(rows, start=TEMPLATE_HEADER_ROW + 1):
        for column, value in enumerate(row, start=1):
            cell = sheet.cell(row=offset, column=column, value=value)
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"  # typed as text, as Excel keeps '=... (openpyxl would make it a formula)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


ROWS = [
    ["1.1 Guideline 1.1", 2, "Technical", "Name the remedy.", "An effective remedy."],
    ["Principle 2: Principle heading 2", None, "General", "The principle is welcome.", None],
    ["Whole draft", None, "editorial", "Use one spelling throughout.", None],
    ["p2-g2", 1, "GENERAL", "=this stays text", None],
]


def upload_through_the_page(client, draft: Draft, data: bytes, name: str = "delegation.xlsx"):
    """Post the file through the upload form the page renders; returns the preview page's response."""
    page = client.get(url("comments_upload", draft))
    assert page.status_code == 200
    fields = rendered_fields(page.content, form_id="upload-form")
    assert "file" in fields["__names__"]
    return client.post(url("comments_upload", draft), submit(fields, file=SimpleUploadedFile(name, data)))


def confirm_through_the_page(client, draft: Draft, preview):
    fields = rendered_fields(preview.content, form_id="confirm-form")
    return client.post(url("comments_upload", draft), submit(fields))


def test_the_template_lists_the_drafts_sections_with_drop_downs(client, people, draft) -> None:
    book = downloaded_template(client, people["ngo"], draft)
    sheet = book["Comments"]
    assert [c.value for c in sheet[TEMPLATE_HEADER_ROW]] == ["Section", "Paragraph", "Type", "Comment",
                                                            "Proposed change"]
    assert "Guidance" in sheet["A1"].value and "Draft 1" in sheet["A1"].value
    assert "One comment per row" in sheet["A2"].value
    kinds = {v.formula1 for v in sheet.data_validations.dataValidation if v.type == "list"}
    assert kinds == {"=Sections!$A$2:$A$9", "=Types!$A$1:$A$3"}
    sections = [[c.value for c in row][:3] for row in book["Sections"].iter_rows(min_row=2)]
    assert sections == [
        ["Whole draft", None, None], ["Introduction", 1, "intro"], ["Principle 1: Principle heading 1", 1, "p1"],
        ["1.1 Guideline 1.1", 2, "p1-g1"], ["1.2 Guideline 1.2", 2, "p1-g2"],
        ["Principle 2: Principle heading 2", 1, "p2"], ["2.1 Guideline 2.1", 2, "p2-g1"],
        ["2.2 Guideline 2.2", 2, "p2-g2"],
    ]
    assert [c.value for c in book["Types"]["A"]] == ["General", "Technical", "Editorial"]


def test_the_template_and_the_upload_are_for_those_who_may_comment(client, people, draft) -> None:
    for name in ("comment_template", "comments_upload"):
        client.logout()
        assert client.get(url(name, draft)).status_code == 302  # to the sign-in page
        client.force_login(people["outsider"])
        assert client.get(url(name, draft)).status_code == 404  # a restricted draft they may not know of
    client.force_login(people["ngo"])
    assert url("comments_upload", draft) in client.get(draft.get_absolute_url()).content.decode()
    client.logout()
    assert url("comments_upload", draft) not in client.get(
        freeze(draft.document, **open_window()).get_absolute_url()).content.decode()


def test_a_filled_template_uploaded_through_the_page_is_previewed_then_stored_as_one_batch(
    client, people, draft
) -> None:
    data = filled(downloaded_template(client, people["ngo"], draft), ROWS)
    preview = upload_through_the_page(client, draft, data)
    assert preview.status_code == 200, preview.content.decode()[preview.content.decode().find("<main"):][:3000]
    page = preview.content.decode()
    for text in ("Name the remedy.", "1.1 ¶2", "Whole draft", "2.2 ¶1", "MRN-004", "=this stays text"):
        assert text in page
    assert_nothing_stored()  # the preview stores nothing

    response = confirm_through_the_page(client, draft, preview)
    assert response.status_code == 302 and response.url == draft.get_absolute_url()
    (batch,) = CommentBatch.objects.all()
    assert (batch.draft, batch.user, batch.filename) == (draft, people["ngo"], "delegation.xlsx")
    comments = list(DraftComment.objects.order_by("pk"))
    assert [c.batch for c in comments] == [batch] * 4
    assert [(c.reference, c.anchor_label, c.kind) for c in comments] == [
        ("MRN-001", "1.1 ¶2", "technical"), ("MRN-002", "2", "general"), ("MRN-003", "Whole draft", "editorial"),
        ("MRN-004", "2.2 ¶1", "general")]
    assert {(c.organisation, c.category, c.user_email, c.is_public) for c in comments} == {
        ("Migrant Rights Network", "ngo", "ngo@example.org", True)}
    assert comments[0].proposed_text == "An effective remedy." and comments[3].comment == "=this stays text"
    assert "Stored 4 comments from delegation.xlsx: MRN-001, MRN-002, MRN-003, MRN-004." in client.get(
        response.url).content.decode()
    section_page = client.get(comments[0].get_absolute_url().split("#")[0]).content.decode()
    assert "Name the remedy." in section_page and "MRN-001" in section_page
    # Confirming the same preview again (a double click, a reload) stores nothing more.
    assert confirm_through_the_page(client, draft, preview).status_code == 302
    assert (CommentBatch.objects.count(), DraftComment.objects.count()) == (1, 4)


def test_ids_continue_the_organisations_numbering_as_comments_posted_one_by_one_get_them(
    client, people, draft
) -> None:
    client.force_login(people["ngo"])
    assert post_comment(client, draft, "p1-g1", comment="Posted on its own.").status_code == 302
    upload = services.comments_upload(draft=draft, user=people["ngo"], lines=lines_of(ROWS[:2]))
    assert [c.reference for c in upload.stored] == ["MRN-002", "MRN-003"]
    assert post_comment(client, draft, "p1-g2", comment="And another.").status_code == 302
    assert DraftComment.objects.latest("pk").reference == "MRN-004"
    other = services.comments_upload(draft=draft, user=people["state"], lines=lines_of(ROWS[:1]))
    assert [c.reference for c in other.stored] == ["EXA-001"]


def lines_of(rows: list[list], name: str = "rows.xlsx"):
    from drafts.interchange.comment_sheets import read_comment_sheet

    book = Workbook()
    book.active.title = "Comments"
    book.active.append(["Section", "Paragraph", "Type", "Comment", "Proposed change"])
    for row in rows:
        book.active.append(row)
    for line in book.active.iter_rows(min_row=2):
        for cell in line:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return read_comment_sheet(name, out.getvalue())


def test_followers_of_a_section_hear_of_each_uploaded_comment_there(
    client, people, draft, django_capture_on_commit_callbacks
) -> None:
    client.force_login(people["state"])
    assert post_comment(client, draft, "p1-g1", comment="We follow 1.1.").status_code == 302
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.comments_upload(draft=draft, user=people["ngo"], lines=lines_of(ROWS))
    assert [m.to for m in mail.outbox] == [["state@example.org"]]  # only the comment on 1.1 is on their section


# The limit per minute counts the upload, not its rows ---------------------------------------------------


def test_an_upload_counts_once_towards_the_limit_per_minute(client, people, draft, settings) -> None:
    settings.COMMENTS_PER_MINUTE = 3
    rows = [["2.1", None, "General", f"Comment {n}", None] for n in range(20)]
    assert len(services.comments_upload(draft=draft, user=people["ngo"], lines=lines_of(rows)).stored) == 20
    client.force_login(people["ngo"])
    assert post_comment(client, draft, "p1-g1", comment="One more, within the minute.").status_code == 302
    assert post_comment(client, draft, "p1-g1", comment="And a third action.").status_code == 302
    response = post_comment(client, draft, "p1-g1", comment="One too many.")
    assert response.status_code == 403 and "Please wait a moment" in response.content.decode()
    with pytest.raises(CommentRefused, match="Please wait a moment"):
        services.comments_upload(draft=draft, user=people["ngo"], lines=lines_of(ROWS[:1]))
    assert DraftComment.objects.count() == 22 and CommentBatch.objects.count() == 1


def test_uploads_are_limited_as_posts_are(client, people, draft, settings) -> None:
    settings.COMMENTS_PER_MINUTE = 2
    services.comments_upload(draft=draft, user=people["ngo"], lines=lines_of(ROWS[:1]))
    services.comments_upload(draft=draft, user=people["ngo"], lines=lines_of(ROWS[1:2]))
    client.force_login(people["ngo"])
    page = upload_through_the_page(client, draft, filled(downloaded_template(client, people["ngo"], draft),
                                                          ROWS[2:3]))
    assert page.status_code == 403 and "Please wait a moment" in page.content.decode()
    assert CommentBatch.objects.count() == 2


# Bad input: a clear message, with the row, and nothing stored ---------------------------------------------


LONG = "x" * 3001


@pytest.mark.parametrize("row, message", [
    (["9.9", None, "General", "About nothing.", None], "Row 5: unknown section 9.9"),
    (["1.1", 3, "General", "There is no third paragraph.", None], "Row 5: 1.1 has no paragraph 3 (it has 2)."),
    (["1.1", "two", "General", "Hm.", None], "Row 5: the paragraph must be a number (1, 2, …) or empty"),
    (["Whole draft", 1, "General", "Hm.", None], "Row 5: a comment on the draft as a whole has no paragraph"),
    (["1.1", None, "General", "   ", "Only a proposal."], "Row 5: the comment is empty."),
    (["1.1", None, "General", LONG, None], "Row 5: the comment has 3,001 characters; at most 3,000 are allowed."),
    (["1.1", None, "General", "Fine.", "y" * 20_001], "Row 5: the proposed change has 20,001 characters"),
    (["1.1", None, "Urgent", "Fine.", None],
     "Row 5: unknown type “Urgent”; the types are General, Technical, Editorial."),
    (["1.1", None, None, "Fine.", None], "Row 5: choose the type of comment: General, Technical, Editorial."),
    ([None, None, "General", "Fine.", None], "Row 5: choose the section"),
    (["1.1 Another heading", None, "General", "Fine.", None], "Row 5: section 1.1 is “Guideline 1.1” in this draft"),
])
def test_a_bad_row_is_refused_with_its_row_and_nothing_is_stored(client, people, draft, row, message) -> None:
    data = filled(downloaded_template(client, people["ngo"], draft), [row, ROWS[0]])
    page = upload_through_the_page(client, draft, data)
    assert page.status_code == 400
    text = page.content.decode()
    assert 'role="alert"' in text and message in text.replace("&#x27;", "'"), text[text.find("alert"):][:800]
    assert_nothing_stored()


def workbook_with_formula() -> bytes:
    book = Workbook()
    book.active.append(["Section", "Paragraph", "Type", "Comment", "Proposed change"])
    book.active.append(["1.1", 1, "General", "=CONCAT(\"a\",\"b\")", None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def zip_named(names: list[str]) -> bytes:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name in names:
            archive.writestr(name, "<x/>")
    return out.getvalue()


@pytest.mark.parametrize("name, data, message", [
    ("formula.xlsx", workbook_with_formula(), "Row 2: cell D2 holds a formula"),
    ("garbage.xlsx", bytes(range(256)) * 8, "This is not a spreadsheet"),
    ("renamed.xlsx", zip_named(["[Content_Types].xml", "word/document.xml"]), "it looks like a Word (.docx) document"),
    ("empty.csv", b"", "The submitted file is empty."),  # Django's own check, before the file is read
    ("header.csv", b"Section,Paragraph,Type,Comment,Proposed change\r\n", "no rows below it"),
    ("nul.csv", b"Section,Paragraph,Type,Comment,Proposed change\r\n1.1,,General,a\x00b,\r\n",
     "Row 2: cell D2 contains a control character (U+0000)"),
    ("many.csv", ("Section,Paragraph,Type,Comment,Proposed change\r\n" + "1.1,,General,Again,\r\n" * (MAX_ROWS + 1))
     .encode(), f"more than {MAX_ROWS:,} rows"),
    ("big.csv", b"Section,Paragraph,Type,Comment,Proposed change\r\n" + b"1.1,,General,x,\r\n" * 400_000,
     "The file is larger than 5 MB."),
    ("header.csv", b"Where,What\r\n1.1,x\r\n", "The file has no header row"),
])
def test_a_file_that_cannot_be_used_is_refused_saying_why(client, people, draft, name, data, message) -> None:
    client.force_login(people["ngo"])
    page = upload_through_the_page(client, draft, data, name=name)
    assert page.status_code == 400
    text = page.content.decode()
    assert 'role="alert"' in text and message in text.replace("&#x27;", "'").replace("&quot;", '"'), message
    assert_nothing_stored()


def test_one_bad_row_among_good_ones_stores_nothing_and_every_problem_is_listed(client, people, draft) -> None:
    rows = [ROWS[0], ["9.9", None, "General", "x", None], ROWS[1], ["1.1", 7, "Odd", "", None], ROWS[0]]
    with pytest.raises(Exception) as refusal:
        services.comments_upload(draft=draft, user=people["ngo"], lines=lines_of(rows))
    assert refusal.value.messages == [
        "Row 3: unknown section 9.9",
        "Row 5: 1.1 has no paragraph 7 (it has 2).",
        "Row 5: unknown type “Odd”; the types are General, Technical, Editorial.",
        "Row 5: the comment is empty.",
        "Row 6: it repeats row 2.",
    ]
    assert_nothing_stored()


def test_a_comment_the_person_posted_already_is_not_stored_twice(client, people, draft) -> None:
    services.comments_upload(draft=draft, user=people["ngo"], lines=lines_of(ROWS[:1]))
    with pytest.raises(Exception, match="you posted this comment already \\(MRN-001\\)"):
        services.comments_upload(draft=draft, user=people["ngo"], lines=lines_of(ROWS[:2]))
    assert CommentBatch.objects.count() == 1


def test_a_closed_window_takes_no_upload(client, people, document) -> None:
    draft = freeze(document, visibility=Draft.Visibility.RESTRICTED,
                   comments_open_from=timezone.now() - timezone.timedelta(days=9),
                   comments_open_until=timezone.now() - timezone.timedelta(days=1))
    client.force_login(people["ngo"])
    page = client.get(url("comments_upload", draft))
    assert page.status_code == 200 and "is not open for comments" in page.content.decode()
    assert 'id="upload-form"' not in page.content.decode()
    response = client.post(url("comments_upload", draft), {"file": SimpleUploadedFile("c.xlsx", b"x")})
    assert response.status_code in (400, 403)
    with pytest.raises(CommentRefused, match="closed on"):
        services.comments_upload(draft=draft, user=people["ngo"], lines=lines_of(ROWS[:1]))
    assert_nothing_stored()


# The command ------------------------------------------------------------------------------------------


def template_file(tmp_path: Path, people, draft, rows: list[list], name: str = "filled.xlsx") -> Path:
    book = load_workbook(io.BytesIO(services.comment_template(draft=draft, user=people["ngo"])))
    path = tmp_path / name
    path.write_bytes(filled(book, rows))
    return path


def test_import_comments_stores_a_filled_template_and_prints_each_id(tmp_path, people, draft) -> None:
    path = template_file(tmp_path, people, draft, ROWS)
    out, err = run("import_comments", "guidance", "1", str(path), "--user", "ngo", "--dry-run")
    assert out.splitlines()[0] == "MRN-001\t1.1 ¶2\ttechnical" and "Would store 4 comments" in err
    assert_nothing_stored()
    out, err = run("import_comments", "guidance", "1", str(path), "--user", "ngo")
    assert out.splitlines() == ["MRN-001\t1.1 ¶2\ttechnical", "MRN-002\t2\tgeneral", "MRN-003\tWhole draft\teditorial",
                                "MRN-004\t2.2 ¶1\tgeneral"]
    assert "Stored 4 comments on Draft 1 of guidance as ngo." in err
    (batch,) = CommentBatch.objects.all()
    assert (batch.user, batch.filename, batch.comments.count()) == (people["ngo"], "filled.xlsx", 4)


def test_import_comments_reads_csv_too(tmp_path, people, draft) -> None:
    path = tmp_path / "filled.csv"
    with path.open("w", newline="", encoding="utf-8-sig") as f:
        writer = csv.writer(f)
        writer.writerow(["Section", "Paragraph", "Type", "Comment", "Proposed change"])
        writer.writerow(["Principle 1", "", "Technique", "En français.", ""])
    out, _err = run("import_comments", "guidance", "1", str(path), "--user", "state")
    assert out == "EXA-001\t1\ttechnical\n"


def test_import_comments_refuses_with_every_problem_on_stderr_and_stores_nothing(tmp_path, people, draft) -> None:
    path = template_file(tmp_path, people, draft, [ROWS[0], ["9.9", None, "General", "x", None],
                                                   ["1.1", 9, "General", "y", None]])
    error, err = refused("import_comments", "guidance", "1", str(path), "--user", "ngo")
    assert "nothing was stored (2 problems)" in error
    assert err.splitlines() == ["Row 6: unknown section 9.9", "Row 7: 1.1 has no paragraph 9 (it has 2)."]
    assert_nothing_stored()


def test_import_comments_acts_as_someone_who_may_comment(tmp_path, people, draft) -> None:
    path = template_file(tmp_path, people, draft, ROWS[:1])
    assert "give --user" in refused("import_comments", "guidance", "1", str(path))[0]
    assert "No document" in refused("import_comments", "guidance", "1", str(path), "--user", "outsider")[0]
    assert "only Excel (.xlsx) and CSV" in refused("import_comments", "guidance", "1", "notes.txt", "--user", "ngo")[0]
    assert "no such file" in refused("import_comments", "guidance", "1", str(tmp_path / "x.xlsx"), "--user", "ngo")[0]
    assert_nothing_stored()


# Decisions from the filled matrix ----------------------------------------------------------------------


@pytest.fixture
def commented(client, people, draft) -> dict[str, DraftComment]:
    """Three comments on Draft 1: MRN-001, MRN-002 (the NGO) and EXA-001 (the State)."""
    for person, key, text in (("ngo", "p1-g1", "Name the remedy."), ("ngo", "p2-g1", "Too long."),
                              ("state", "p1-g2", "We support this.")):
        client.force_login(people[person])
        assert post_comment(client, draft, key, comment=text, paragraph=1).status_code == 302
    client.logout()
    return {c.reference: c for c in DraftComment.objects.all()}


def exported(tmp_path: Path, fmt: str, user: str = "editor") -> Path:
    path = tmp_path / f"matrix.{fmt}"
    run("export_comments", "guidance", "1", "--format", fmt, "-o", str(path), "--user", user)
    return path


def fill_matrix(path: Path, decisions: dict[str, tuple[str, str]]) -> Path:
    """Type each comment's Disposition and Response into the exported matrix, as an editor does in Excel."""
    if path.suffix == ".xlsx":
        book = load_workbook(path)
        sheet = book["Comments"]
        # The header row follows the matrix's title rows (document, symbol and draft, what it holds).
        at = next(row[0].row for row in sheet.iter_rows(max_row=10) if row[0].value == "ID")
        header = [c.value for c in sheet[at]]
        for row in sheet.iter_rows(min_row=at + 1):
            if row[0].value in decisions:
                disposition, response = decisions[row[0].value]
                row[header.index("Disposition")].value = disposition
                row[header.index("Response")].value = response
        book.save(path)
        return path
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
    header = rows[0]
    for row in rows[1:]:
        if row[0] in decisions:
            row[header.index("Disposition")], row[header.index("Response")] = decisions[row[0]]
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    return path


def decisions() -> dict[str, tuple[str, str, str | None]]:
    return {c.reference: (c.disposition, c.response, c.decided_by and c.decided_by.username)
            for c in DraftComment.objects.select_related("decided_by")}


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_exported_matrix_filled_in_and_imported_records_the_decisions(tmp_path, people, commented, fmt) -> None:
    path = fill_matrix(exported(tmp_path, fmt), {
        "MRN-001": ("Accepted", "Named in 1.1."),
        "MRN-002": ("accepted_modified", "Shortened."),  # the stored value reads too
    })
    out, err = run("import_dispositions", "guidance", "1", str(path), "--user", "editor", "--dry-run")
    assert "Would save 2 decisions" in err and all(c.disposition == "pending" for c in DraftComment.objects.all())
    out, err = run("import_dispositions", "guidance", "1", str(path), "--user", "editor")
    assert out.splitlines() == ["MRN-001\tpending -> accepted\tresponse changed",
                                "MRN-002\tpending -> accepted_modified\tresponse changed"]
    assert "Saved 2 decisions on Draft 1 of guidance; 1 rows unchanged." in err
    assert decisions() == {"MRN-001": ("accepted", "Named in 1.1.", "editor"),
                           "MRN-002": ("accepted_modified", "Shortened.", "editor"), "EXA-001": ("pending", "", None)}
    stored = DraftComment.objects.get(reference="MRN-001")
    assert stored.decided_at is not None and stored.published_disposition == Disposition.PENDING  # drafted only


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_row_whose_comment_changed_since_the_export_is_refused_and_nothing_is_saved(
    tmp_path, people, commented, fmt
) -> None:
    path = fill_matrix(exported(tmp_path, fmt), {"MRN-001": ("Accepted", "Named in 1.1."),
                                                "MRN-002": ("Rejected", "Out of scope.")})
    run("import_dispositions", "guidance", "1", str(path), "--user", "editor")
    fill_matrix(path, {"EXA-001": ("Noted", "")})  # the same file, one more decision typed in
    other = make_user("chair", email="chair@example.org", first_name="Carla", last_name="Chair")
    services.membership_set(document=commented["MRN-001"].draft.document, person=other, role=Role.EDITOR,
                            user=people["editor"])
    services.comment_decide(comment=commented["MRN-002"], user=other, disposition="noted", response="Noted.")
    before = decisions()
    error, err = refused("import_dispositions", "guidance", "1", str(path), "--user", "editor")
    (problem,) = err.splitlines()
    assert problem.startswith("Row ") and "MRN-002 was changed since your export (decided by Carla Chair at " in problem
    assert problem.endswith("); export again.")
    assert "nothing was saved (1 problem)" in error
    assert decisions() == before  # EXA-001's decision was not saved either
    assert before["EXA-001"] == ("pending", "", None)


def test_a_comment_reworded_or_withdrawn_since_the_export_is_refused(tmp_path, people, commented) -> None:
    path = fill_matrix(exported(tmp_path, "csv"), {"MRN-001": ("Noted", "")})
    services.comment_edit(comment=commented["MRN-001"], user=people["ngo"], text="Name the remedy, please.",
                          kind="general", paragraph=1)
    _error, err = refused("import_dispositions", "guidance", "1", str(path), "--user", "editor")
    assert "MRN-001 was changed since your export (reworded by Ngo at " in err
    path = fill_matrix(exported(tmp_path, "csv"), {"MRN-002": ("Noted", "")})
    services.comment_withdraw(comment=commented["MRN-002"], user=people["ngo"])
    _error, err = refused("import_dispositions", "guidance", "1", str(path), "--user", "editor")
    assert "MRN-002 was changed since your export (withdrawn by Ngo at " in err
    assert DraftComment.objects.get(reference="MRN-002").disposition == Disposition.PENDING


def test_unchanged_rows_are_skipped_and_reported_unchanged(tmp_path, people, commented) -> None:
    path = exported(tmp_path, "xlsx")
    out, err = run("import_dispositions", "guidance", "1", str(path), "--user", "editor")
    assert out == "" and "Saved 0 decisions on Draft 1 of guidance; 3 rows unchanged." in err


def matrix_lines(rows: list[tuple[str, str, str, str]]):
    from drafts.interchange.comment_sheets import read_decision_sheet

    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(["ID", "Disposition", "Response", "Stamp"])
    writer.writerows(rows)
    return read_decision_sheet("m.csv", text.getvalue().encode())


def test_ids_dispositions_and_rows_the_matrix_cannot_decide_are_refused(client, people, commented, document) -> None:
    from drafts.interchange.matrix import matrix_stamp

    first = freeze(document, **open_window())  # Draft 2: MRN-004 is on it
    client.force_login(people["ngo"])
    assert post_comment(client, first, "p1-g1", comment="On the second draft.").status_code == 302
    services.comment_hide(comment=commented["EXA-001"], user=people["editor"], reason="Off topic.")
    draft = commented["MRN-001"].draft
    stamp = {ref: matrix_stamp(c) for ref, c in {**commented, "MRN-003": DraftComment.objects.get(
        reference="MRN-003")}.items()}
    lines = matrix_lines([
        ("MRN-001", "Acepted", "", stamp["MRN-001"]),
        ("MRN-002", "", "Yes.", stamp["MRN-002"]),
        ("MRN-009", "Accepted", "", "x"),
        ("MRN-003", "Accepted", "", stamp["MRN-003"]),
        ("EXA-001", "Accepted", "", stamp["EXA-001"]),
        ("", "Accepted", "A reply's row has no ID.", ""),
        ("mrn-001", "Noted", "", stamp["MRN-001"]),
        ("MRN-002", "Withdrawn", "", stamp["MRN-002"]),
    ])
    with pytest.raises(Exception) as refusal:
        services.decisions_import(draft=draft, user=people["editor"], lines=lines)
    assert refusal.value.messages == [
        "Row 2: unknown disposition “Acepted”; use one of Pending, Accepted, Accepted with modifications, "
        "Rejected, Noted.",
        "Row 3: the disposition is empty; use one of Pending, Accepted, Accepted with modifications, Rejected, Noted.",
        "Row 4: unknown ID MRN-009: no comment of this document has it.",
        "Row 5: MRN-003 is a comment on Draft 2, not on Draft 1.",
        "Row 6: EXA-001 is hidden, so it is not in the matrix; decide on it on its own page.",
        "Row 7: no comment ID; keep the ID column as exported.",
        "Row 8: MRN-001 appears again (first on row 2).",
        "Row 9: MRN-002 appears again (first on row 3).",
    ]
    assert decisions()["MRN-001"][0] == "pending"
    with pytest.raises(Exception, match="“Withdrawn” is not a decision"):
        services.decisions_import(draft=draft, user=people["editor"],
                                  lines=matrix_lines([("MRN-002", "Withdrawn", "", stamp["MRN-002"])]))


def test_dispositions_read_in_the_interface_language_and_a_withdrawn_row_keeps_its_decision(
    people, commented
) -> None:
    from drafts.interchange.matrix import matrix_stamp

    draft = commented["MRN-001"].draft
    services.comment_withdraw(comment=commented["MRN-002"], user=people["ngo"])
    withdrawn = DraftComment.objects.get(reference="MRN-002")
    report = services.decisions_import(draft=draft, user=people["editor"], lines=matrix_lines([
        ("MRN-001", "Accepté avec modifications", "Reformulé.", matrix_stamp(commented["MRN-001"])),
        ("MRN-002", "Withdrawn", "Its author withdrew it.", matrix_stamp(withdrawn)),
    ]))
    assert [(c.reference, c.new_disposition, c.response_changed) for c in report.changes] == [
        ("MRN-001", "accepted_modified", True), ("MRN-002", "pending", True)]
    assert decisions()["MRN-002"] == ("pending", "Its author withdrew it.", "editor")


def test_only_editors_import_decisions(tmp_path, people, commented, client) -> None:
    path = exported(tmp_path, "csv")
    assert "decide on comments" in refused("import_dispositions", "guidance", "1", str(path), "--user", "member")[0]
    draft = commented["MRN-001"].draft
    client.force_login(people["member"])
    assert client.get(url("dispositions_upload", draft)).status_code == 403
    client.force_login(people["ngo"])
    assert client.get(url("dispositions_upload", draft)).status_code == 404
    with pytest.raises(Exception, match="decide on comments"):
        services.decisions_import(draft=draft, user=people["member"], lines=[])


def test_an_editor_uploads_the_filled_matrix_sees_the_change_report_and_confirms(
    tmp_path, client, people, commented
) -> None:
    draft = commented["MRN-001"].draft
    client.force_login(people["editor"])
    table = client.get(url("comment_table", draft)).content.decode()
    assert url("dispositions_upload", draft) in table
    export = client.get(reverse("drafts:comment_export", args=["guidance", 1, "xlsx"]))
    path = tmp_path / "matrix.xlsx"
    path.write_bytes(export.content)
    fill_matrix(path, {"MRN-001": ("Accepted", "Named in 1.1."), "EXA-001": ("Pending", "We will come back to it.")})
    page = client.get(url("dispositions_upload", draft))
    fields = rendered_fields(page.content, form_id="upload-form")
    preview = client.post(url("dispositions_upload", draft),
                          submit(fields, file=SimpleUploadedFile("matrix.xlsx", path.read_bytes())))
    assert preview.status_code == 200, preview.content.decode()[:3000]
    text = preview.content.decode()
    assert "<del>Pending</del> → <ins>Accepted</ins>" in text and "We will come back to it." in text
    assert "1 row is unchanged" in text
    assert decisions()["MRN-001"][0] == "pending"  # nothing saved before the confirmation
    response = client.post(url("dispositions_upload", draft), submit(rendered_fields(preview.content,
                                                                                     form_id="confirm-form")))
    assert response.status_code == 302 and response.url == url("comment_table", draft)
    assert decisions()["MRN-001"] == ("accepted", "Named in 1.1.", "editor")
    assert decisions()["EXA-001"] == ("pending", "We will come back to it.", "editor")
    # The same preview confirmed again after another change is refused, and says why.
    services.comment_decide(comment=commented["MRN-001"], user=people["editor"], disposition="rejected", response="")
    again = client.post(url("dispositions_upload", draft), submit(rendered_fields(preview.content,
                                                                                  form_id="confirm-form")))
    assert again.status_code == 400 and "MRN-001 was changed since your export (decided by" in again.content.decode()
    assert decisions()["MRN-001"][0] == "rejected"


def test_an_altered_preview_is_refused(client, people, commented) -> None:
    draft = commented["MRN-001"].draft
    client.force_login(people["editor"])
    response = client.post(url("dispositions_upload", draft), {"rows": "tampered", "filename": "m.csv"})
    assert response.status_code == 400 and "expired or was altered" in response.content.decode()


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_response_the_export_quoted_as_text_reads_back_unchanged(tmp_path, people, commented, fmt) -> None:
    # The matrix quotes a cell that starts like a formula ("'- see 1.2"); reading it back undoes that.
    services.comment_decide(comment=commented["MRN-001"], user=people["editor"], disposition="noted",
                            response="- see 1.2")
    path = exported(tmp_path, fmt)
    out, err = run("import_dispositions", "guidance", "1", str(path), "--user", "editor")
    assert out == "" and "3 rows unchanged" in err
    assert decisions()["MRN-001"][:2] == ("noted", "- see 1.2")


@pytest.mark.parametrize("name, data, message", [
    ("empty.csv", b"", "The file is empty."),
    ("garbage.xlsx", bytes(range(256)) * 8, "This is not a spreadsheet"),
    ("header.csv", b"Section,Paragraph,Type,Comment,Proposed change\r\n", "no rows below it"),
])
def test_import_comments_refuses_a_file_it_cannot_use_on_stderr(tmp_path, people, draft, name, data, message) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    error, err = refused("import_comments", "guidance", "1", str(path), "--user", "ngo")
    assert message in err and "nothing was stored (1 problem)" in error
    assert_nothing_stored()

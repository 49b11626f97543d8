"""The comment matrix as a document a secretariat sends as it is: the workbook prints on A4 landscape one
page wide with title rows, repeated header, running header and footer, and rows tall enough for every
word; formula-looking text is typed text; the Word table is landscape in columns that fit their words;
every format carries the quoted phrase, the paragraph's text, the date, the author and the replies; the
editors' table's filters travel into the files and into ``export_comments``; and LibreOffice, printing
the files to PDF, shows every word."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from collections import Counter
from functools import cache
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from drafts import services
from drafts.interchange.comment_sheets import SheetError, read_decision_sheet
from drafts.interchange.matrix import (
    COLUMNS,
    MAX_ROW_HEIGHT,
    WORD_COLUMNS,
    MatrixHeading,
    MatrixRow,
    line_starts,
    matrix_csv,
    matrix_docx,
    matrix_xlsx,
)
from drafts.interchange.page import PageFurniture
from drafts.models import Draft, DraftComment, Profile
from drafts.presenting.matrix import matrix_rows
from drafts.selectors import comments_visible_to
from tests.factories import freeze
from tests.html_forms import rendered_fields, submit
from tests.libreoffice import A4_LANDSCAPE, needs_libreoffice, pdf_page_sizes, pdf_pages, pdf_text, to_pdf
from tests.test_comment_imports import refused, run
from tests.test_comments import open_window, post_comment
from tests.test_docx_exports import W, document_xml

HEADING = MatrixHeading(
    title="Guidelines on access to justice for migrants", symbol="A/HRC/WG.7/2026/CRP.1 & Corr.1",
    draft="Draft 1 (Zero draft)", dated="frozen 1 Mar 2026 10:00 CET, exported 12 Mar 2026 14:05 CET",
    scope="All comments: 2 comments.",
)
_VOCABULARY = ("States", "should", "ensure", "migrants", "access", "justice", "remedies", "children", "detention",
               "families", "safeguard", "interpreter", "national", "effective", "procedure", "review")


def words(count: int, tag: str) -> str:
    """``count`` distinct real-looking words, none longer than twelve letters (``tag`` keeps cells apart)."""
    return " ".join(f"{_VOCABULARY[n % len(_VOCABULARY)]}{tag}{n}" for n in range(count))


def row(**fields) -> MatrixRow:
    values = dict(reference="IND-001", organisation="Migrant Rights Network", category="NGO / civil society",
                  author="Amina Haddad", submitted="12 Mar 2026 14:05 CET", section="4.3", paragraph="2",
                  paragraph_text="States should ensure effective access to justice.", quote="effective access",
                  kind="Technical", comment="Name the remedy.", proposed="", disposition="Pending", response="",
                  replies=("Carla Chair (13 Mar 2026 09:00 CET): We will look at it.",), addressed_in="",
                  stamp="abcdefghij")
    return MatrixRow(**{**values, **fields})


def sheet_of(data: bytes):
    return load_workbook(io.BytesIO(data)).active


def header_line(sheet) -> int:
    return next(r[0].row for r in sheet.iter_rows(max_row=10) if r[0].value == "ID")


def by_name(sheet, line: int) -> dict:
    at = header_line(sheet)
    return {h.value: c for h, c in zip(sheet[at], sheet[line], strict=True)}


# The workbook -------------------------------------------------------------------------------------------


def test_the_workbook_prints_on_a4_landscape_one_page_wide_with_title_rows_and_running_header() -> None:
    sheet = sheet_of(matrix_xlsx([row(), row(reference="IND-002")], title=HEADING))
    setup = sheet.page_setup
    assert (setup.orientation, str(setup.paperSize)) == ("landscape", "9")  # 9 is A4
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0) and sheet.sheet_properties.pageSetUpPr.fitToPage
    at = header_line(sheet)
    assert at == 4 and sheet.print_title_rows == "$4:$4"  # the header row on every printed page
    assert [sheet.cell(row=n, column=1).value for n in (1, 2, 3)] == [
        HEADING.title,
        f"{HEADING.symbol} · {HEADING.draft} · {HEADING.dated}",
        HEADING.scope,
    ]
    assert sheet.freeze_panes == "A5" and sheet.auto_filter.ref.startswith("A4:")
    # The symbol's "&" doubled: a lone "&" would start a header code.
    assert sheet.oddHeader.left.text == "A/HRC/WG.7/2026/CRP.1 && Corr.1"
    assert sheet.oddHeader.right.text == "Draft 1 (Zero draft)"
    assert sheet.oddFooter.right.text == "Page &P of &N"
    assert sheet.evenFooter.right.text == "Page &P of &N"


def test_every_row_is_given_the_height_its_longest_cell_needs() -> None:
    short, long = row(comment="Short."), row(reference="IND-002", comment=words(120, "c"))
    sheet = sheet_of(matrix_xlsx([short, long], title=HEADING))
    first, second = header_line(sheet) + 1, header_line(sheet) + 2
    heights = sheet.row_dimensions[first].height, sheet.row_dimensions[second].height
    assert heights[0] < heights[1] <= MAX_ROW_HEIGHT
    # The height holds at least the lines the comment wraps to in its column, at 9 points a line and more.
    comment = by_name(sheet, second)["Comment"]
    width = sheet.column_dimensions[comment.column_letter].width
    lines = len(line_starts(comment.value, (7 * width - 6) * 0.75, 9))
    assert lines > 10 and heights[1] >= lines * 9 * 1.3


def test_formula_looking_text_is_a_text_cell_with_the_string_unaltered() -> None:
    texts = {"comment": "=1+1", "proposed": "- the likely impact on children", "response": "+", "quote": "@"}
    sheet = sheet_of(matrix_xlsx([row(**texts)], title=HEADING))
    cells = by_name(sheet, header_line(sheet) + 1)
    for name, text in zip(("Comment", "Proposed change", "Response", "Quoted phrase"), texts.values(), strict=True):
        assert (cells[name].value, cells[name].data_type) == (text, "s"), name
        assert cells[name].quotePrefix  # Excel keeps it text when someone edits the cell
    # CSV has no types: it keeps OWASP's quote.
    named = next(csv.DictReader(io.StringIO(matrix_csv([row(**texts)]))))
    assert named["Comment"] == "'=1+1" and named["Proposed change"] == "'- the likely impact on children"


def test_a_cell_longer_than_the_tallest_row_continues_below_and_reads_back_as_one() -> None:
    response = "\n\n".join(words(150, f"r{n}-") for n in range(4))  # about 600 words, with paragraph breaks
    exported = row(comment=words(400, "c"), response=response, disposition="Accepted")
    data = matrix_xlsx([exported, row(reference="IND-002")], title=HEADING)
    sheet = sheet_of(data)
    ids = [r[0].value for r in sheet.iter_rows(min_row=header_line(sheet) + 1)]
    parts = [i for i in ids if i.startswith("IND-001")]
    assert len(parts) > 2 and parts[0] == "IND-001" and parts[1] == f"IND-001 (2/{len(parts)})"
    assert ids[len(parts)] == "IND-002"
    assert all(sheet.row_dimensions[n].height <= MAX_ROW_HEIGHT for n in range(1, sheet.max_row + 1))
    # The pieces, joined, are the cell exactly; the decision is read from the first row only.
    comment = "".join(by_name(sheet, header_line(sheet) + 1 + n)["Comment"].value or "" for n in range(len(parts)))
    assert comment == exported.comment
    (first, second) = read_decision_sheet("m.xlsx", data)
    assert (first.reference, first.disposition, first.response, first.stamp) == (
        "IND-001", "Accepted", response, "abcdefghij")
    assert second.reference == "IND-002"


def test_a_continuation_row_out_of_place_or_with_a_decision_of_its_own_is_refused() -> None:
    data = matrix_xlsx([row(comment=words(500, "c"))], title=HEADING)
    book = load_workbook(io.BytesIO(data))
    sheet = book.active
    at = header_line(sheet)
    names = [c.value for c in sheet[at]]
    sheet.cell(row=at + 2, column=names.index("Disposition") + 1).value = "Accepted"
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(SheetError, match=rf"Row {at + 2}: this row continues IND-001: type its disposition in its "
                                         rf"first row, row {at + 1}"):
        read_decision_sheet("m.xlsx", out.getvalue())
    sheet.delete_rows(at + 1)  # sorted away from its first row
    out = io.BytesIO()
    book.save(out)
    with pytest.raises(SheetError, match="continues IND-001 but does not follow its rows"):
        read_decision_sheet("m.xlsx", out.getvalue())


def test_an_old_matrix_whose_cells_were_quoted_with_an_apostrophe_still_reads_back_unquoted() -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["ID", "Disposition", "Response", "Stamp"])
    sheet.append(["IND-001", "Noted", "'- see 7.3", "abcdefghij"])
    sheet.append(["IND-002", "Noted", "- see 7.4", "abcdefghij"])  # typed as text, the new way
    sheet["C3"].data_type = "s"
    out = io.BytesIO()
    book.save(out)
    assert [line.response for line in read_decision_sheet("m.xlsx", out.getvalue())] == ["- see 7.3", "- see 7.4"]


# The Word table -----------------------------------------------------------------------------------------


def word_table(data: bytes):
    root = document_xml(data)
    (table,) = root.iter(W + "tbl")
    return root, table


def cell_texts(table_row) -> list[str]:
    return ["".join((e.text or "") if e.tag == W + "t" else "\n" for e in cell.iter() if e.tag in (W + "t", W + "br"))
            for cell in table_row.findall(W + "tc")]


def test_the_word_matrix_is_landscape_in_six_columns_the_first_holding_id_section_and_paragraph() -> None:
    furniture = PageFurniture(symbol=HEADING.symbol, title=HEADING.title, label=HEADING.draft)
    data = matrix_docx([row(), row(reference="MRN-012", organisation="Kommunikationsinfrastrukturministerium")],
                       title=HEADING, furniture=furniture)
    root, table = word_table(data)
    size = root.find(f"{W}body/{W}sectPr/{W}pgSz")
    assert size.get(W + "orient") == "landscape" and int(size.get(W + "w")) > int(size.get(W + "h"))
    rows = table.findall(W + "tr")
    assert cell_texts(rows[0]) == [str(c) for c in WORD_COLUMNS]
    first = cell_texts(rows[1])
    assert first[0] == "IND-001\n4.3 ¶2\nTechnical"
    assert first[1] == "Migrant Rights Network\nNGO / civil society\nAmina Haddad\n12 Mar 2026 14:05 CET"
    assert first[2] == "States should ensure effective access to justice."
    assert first[3] == "“effective access”\n\nName the remedy."
    assert "Replies:\nCarla Chair (13 Mar 2026 09:00 CET): We will look at it." in first[5]
    widths = [int(col.get(W + "w")) for col in table.iter(W + "gridCol")]
    assert len(widths) == 6 and widths[0] == min(widths)
    margins = root.find(f"{W}body/{W}sectPr/{W}pgMar")
    usable = int(size.get(W + "w")) - int(margins.get(W + "left")) - int(margins.get(W + "right"))
    assert sum(widths) == usable, (widths, usable)
    # The 38-letter organisation fits its column whole (9-point letters are under 0.45 em on average): the
    # column is widened beyond its share (13 of 104) for it.
    assert widths[1] >= len("Kommunikationsinfrastrukturministerium") * 9 * 0.45 * 20 > usable * 13 / 104
    # The text is 9 points, the header bold.
    assert {e.get(W + "val") for e in table.iter(W + "sz")} == {"18"}
    assert all(r.find(f"{W}rPr/{W}b") is not None for r in rows[0].iter(W + "r"))
    # The running header carries the symbol (the furniture's).
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        headers = " ".join(archive.read(n).decode() for n in archive.namelist() if n.startswith("word/header"))
    assert "A/HRC/WG.7/2026/CRP.1 &amp; Corr.1" in headers


# Bad input ----------------------------------------------------------------------------------------------

AWKWARD = "<b>Bold</b> & <script>x</script> \x01\x0b\ufffe שלום עולם مرحبا بالعالم"
SHOWN = "<b>Bold</b> & <script>x</script>  שלום עולם مرحبا بالعالم"  # the controls XML cannot hold, left out


def test_markup_ampersands_controls_and_right_to_left_text_reach_every_file_as_text() -> None:
    awkward = row(comment=AWKWARD, organisation="Réseau <Migrants> & Co", response=AWKWARD)
    named = next(csv.DictReader(io.StringIO(matrix_csv([awkward]))))
    assert named["Comment"] == AWKWARD and named["Organisation"] == "Réseau <Migrants> & Co"  # CSV: as typed
    sheet = sheet_of(matrix_xlsx([awkward], title=f"Title {AWKWARD}"))
    cells = by_name(sheet, header_line(sheet) + 1)
    assert cells["Comment"].value == SHOWN and cells["Organisation"].value == "Réseau <Migrants> & Co"
    assert sheet["A1"].value == f"Title {SHOWN}"
    _root, table = word_table(matrix_docx([awkward], title=f"Title {AWKWARD}"))
    texts = cell_texts(table.findall(W + "tr")[1])
    assert texts[3] == "“effective access”\n\n" + SHOWN.replace("  ", " ")
    assert texts[1].startswith("Réseau <Migrants> & Co\n")


# The matrix of a draft: columns, access, filters, the command ---------------------------------------------


@pytest.fixture
def draft(make_guidance):
    return freeze(make_guidance(principles=2, guidelines=2), visibility=Draft.Visibility.RESTRICTED, **open_window())


@pytest.fixture
def commented(client, people, draft) -> dict[str, DraftComment]:
    """MRN-001 (technical, quoting, with a reply by the editor), MRN-002 (editorial), EXA-001 (the State's)."""
    client.force_login(people["ngo"])
    post_comment(client, draft, "p1-g1", comment="Name the remedy.", paragraph=1, kind="technical",
                 quote="Guideline", proposed_text="- the likely impact")
    post_comment(client, draft, "p2-g1", comment="Too long.", paragraph=1, kind="editorial")
    client.force_login(people["state"])
    post_comment(client, draft, "p1-g2", comment="We support this.")
    found = {c.reference: c for c in DraftComment.objects.filter(level=0)}
    client.force_login(people["editor"])
    assert post_comment(client, draft, "p1-g1", comment="Which remedy?", reply_to=found["MRN-001"].pk).status_code \
        == 302
    client.logout()
    return found


def test_the_matrix_carries_the_quote_the_paragraph_the_date_the_author_and_the_replies(people, draft, commented):
    services.comment_decide(comment=commented["MRN-001"], user=people["editor"], disposition="accepted",
                            response="Done.")
    rows = {r.reference: r for r in matrix_rows(comments_visible_to(people["editor"], draft))}
    first = rows["MRN-001"]
    section = draft.sections.get(key="p1-g1")
    assert first.quote == "Guideline" and first.author == "Ngo" and first.organisation == "Migrant Rights Network"
    assert first.paragraph_text and first.paragraph_text in " ".join(section.body.split())
    assert re.fullmatch(r"\d{1,2} \w{3} \d{4} \d{2}:\d{2} \w+", first.submitted), first.submitted  # with its zone
    assert len(first.replies) == 1 and re.fullmatch(r"editor \(.+\): Which remedy\?", first.replies[0])
    assert "MRN-001" in rows and len(rows) == 3  # the reply is in its comment's row, not a row of its own
    assert first.disposition == "Accepted"
    # A stakeholder (were they to get a matrix) sees the published decision only.
    assert {r.reference: r.disposition for r in matrix_rows(comments_visible_to(people["ngo"], draft))} == {
        "MRN-001": "Pending", "MRN-002": "Pending", "EXA-001": "Pending"}


def test_hidden_replies_stay_out_of_the_matrix(people, draft, commented) -> None:
    reply = DraftComment.objects.get(level=1)
    services.comment_hide(comment=reply, user=people["editor"], reason="Off topic.")
    rows = {r.reference: r for r in matrix_rows(comments_visible_to(people["editor"], draft))}
    assert rows["MRN-001"].replies == ()


def test_the_export_costs_the_same_queries_for_many_comments_as_for_few(client, people, draft, commented,
                                                                      django_assert_max_num_queries) -> None:
    client.force_login(people["editor"])
    url = reverse("drafts:comment_export", args=["guidance", draft.number, "csv"])
    with django_assert_max_num_queries(100) as few:
        assert client.get(url).status_code == 200
    bound = len(few.captured_queries)
    assert bound > 3
    for n, person in enumerate(("ngo", "state", "ngo", "state")):  # more comments, each with a reply
        client.force_login(people[person])
        assert post_comment(client, draft, "p2-g2", comment=f"More {n}.").status_code == 302
        parent = DraftComment.objects.filter(level=0).order_by("-pk").first()
        client.force_login(people["editor"])
        assert post_comment(client, draft, "p2-g2", comment=f"Reply {n}.", reply_to=parent.pk).status_code == 302
    client.force_login(people["editor"])
    with django_assert_max_num_queries(bound):
        response = client.get(url)
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 3 + 4 and sum(1 for r in rows if r["Replies"]) == 5


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "a":
            self.hrefs.extend(v for k, v in attrs if k == "href" and v)


def export_links(html: bytes) -> dict[str, str]:
    reader = _Links()
    reader.feed(html.decode())
    return {m.group(1): href for href in reader.hrefs if (m := re.search(r"/matrix\.(\w+)", href))}


def test_the_tables_filters_travel_into_the_matrix_downloads(client, people, draft, commented) -> None:
    client.force_login(people["editor"])
    table = reverse("drafts:comment_table", args=["guidance", draft.number])
    fields = rendered_fields(client.get(table).content, form_id="comment-filters")
    assert {"section", "kind", "category", "disposition"} <= set(fields["__names__"])
    page = client.get(table, submit(fields, kind="technical", section="1.1"))
    assert page.status_code == 200 and page.context["page"].paginator.count == 1
    links = export_links(page.content)
    assert set(links) == {"xlsx", "csv", "docx"} and "kind=technical" in links["xlsx"] and "section=p1-g1" not in \
        links["xlsx"]
    sheet = sheet_of(client.get(links["xlsx"]).content)
    assert sheet["A3"].value == "Only the comments with section 1.1 (Guideline 1.1); type Technical: 1 comment."
    assert [r[0] for r in sheet.iter_rows(min_row=header_line(sheet) + 1, values_only=True)] == ["MRN-001"]
    rows = list(csv.DictReader(io.StringIO(client.get(links["csv"]).content.decode())))
    assert [r["ID"] for r in rows] == ["MRN-001"]
    _root, word = word_table(client.get(links["docx"]).content)
    assert len(word.findall(W + "tr")) == 2
    # By category and by disposition, as the form offers them.
    services.comment_decide(comment=commented["EXA-001"], user=people["editor"], disposition="noted", response="")
    for typed, expected in (({"category": "member_state"}, ["EXA-001"]), ({"disposition": "pending"},
                                                                          ["MRN-001", "MRN-002"])):
        links = export_links(client.get(table, submit(fields, **typed)).content)
        rows = list(csv.DictReader(io.StringIO(client.get(links["csv"]).content.decode())))
        assert [r["ID"] for r in rows] == expected, typed
    # Unfiltered, the links carry nothing and the file says it holds all comments.
    links = export_links(client.get(table).content)
    assert "?" not in links["xlsx"]
    assert sheet_of(client.get(links["xlsx"]).content)["A3"].value == "All comments: 3 comments."


def test_a_bad_filter_is_a_clear_400_on_the_table_and_on_the_download(client, people, draft, commented) -> None:
    client.force_login(people["editor"])
    table = reverse("drafts:comment_table", args=["guidance", draft.number])
    page = client.get(table, {"section": "9.9", "kind": "bogus"})
    assert page.status_code == 400
    text = page.content.decode()
    assert "This draft has no section “9.9”" in text and "bogus" in text
    assert "?" not in export_links(page.content)["csv"]  # a refused filter is not carried into the files
    url = reverse("drafts:comment_export", args=["guidance", draft.number, "xlsx"])
    response = client.get(url, {"section": "9.9"})
    assert response.status_code == 400 and "This draft has no section “9.9”" in response.content.decode()
    assert client.get(url, {"category": "<script>"}).status_code == 400
    client.force_login(people["ngo"])
    assert client.get(url, {"kind": "technical"}).status_code == 404  # the working group's file only


def test_export_comments_filters_as_the_table_does_and_refuses_bad_values(draft, commented) -> None:
    out, err = run("export_comments", "guidance", "1", "--format", "csv", "--kind", "technical", "--user", "editor")
    assert [r["ID"] for r in csv.DictReader(io.StringIO(out))] == ["MRN-001"] and "type Technical" in err
    out, _err = run("export_comments", "guidance", "1", "--format", "csv", "--section", "p1-g2", "--user", "editor")
    assert [r["ID"] for r in csv.DictReader(io.StringIO(out))] == ["EXA-001"]
    out, _err = run("export_comments", "guidance", "1", "--format", "json", "--category", "ngo", "--user", "editor")
    records = json.loads(out)
    assert [r["id"] for r in records] == ["MRN-001", "MRN-002"]
    first = records[0]
    # The contract's keys are all still there, with the matrix's new ones beside them.
    assert {"id", "section", "number", "paragraph", "organisation", "category", "kind", "comment", "proposed_text",
            "disposition", "response", "replies", "landed_in"} <= set(first)
    assert (first["quote"], first["author"], first["at"][:4]) == ("Guideline", "Ngo", str(commented["MRN-001"]
                                                                                        .submit_date.year))
    assert first["paragraph_text"] and [r["comment"] for r in first["replies"]] == ["Which remedy?"]
    error, _err = refused("export_comments", "guidance", "1", "--section", "9.9", "--user", "editor")
    assert "--section: This draft has no section “9.9”" in error
    error, _err = refused("export_comments", "guidance", "1", "--kind", "bogus", "--disposition", "maybe",
                          "--user", "editor")
    assert "--kind:" in error and "--disposition:" in error


def test_organisation_names_and_comments_with_markup_reach_the_downloads_as_text(client, people, draft) -> None:
    Profile.objects.filter(user=people["ngo"]).update(organisation="Réseau <Migrants> & Co")
    client.force_login(people["ngo"])
    text = "<b>Bold</b> & <i>x</i> שלום עולם مرحبا بالعالم"
    assert post_comment(client, draft, "p1-g1", comment=text).status_code == 302
    client.force_login(people["editor"])
    files = {fmt: client.get(reverse("drafts:comment_export", args=["guidance", draft.number, fmt])).content
             for fmt in ("csv", "xlsx", "docx")}
    (named,) = csv.DictReader(io.StringIO(files["csv"].decode()))
    assert (named["Organisation"], named["Comment"]) == ("Réseau <Migrants> & Co", text)
    sheet = sheet_of(files["xlsx"])
    cells = by_name(sheet, header_line(sheet) + 1)
    assert (cells["Organisation"].value, cells["Comment"].value) == ("Réseau <Migrants> & Co", text)
    _root, table = word_table(files["docx"])
    texts = cell_texts(table.findall(W + "tr")[1])
    assert texts[1].startswith("Réseau <Migrants> & Co\n") and texts[3] == text
    out, _err = run("export_comments", "guidance", "1", "--format", "json", "--user", "editor")
    assert [(r["organisation"], r["comment"]) for r in json.loads(out)] == [("Réseau <Migrants> & Co", text)]


# LibreOffice prints the files ---------------------------------------------------------------------------


def long_matrix() -> list[MatrixRow]:
    """Forty comments: every seventh of 350 words, paragraphs, proposals, responses and replies, one awkward."""
    rows = []
    for n in range(40):
        size = 350 if n % 7 == 0 else 10 + (n * 37) % 110
        rows.append(row(
            reference=f"IND-{n + 1:03d}", paragraph_text=words(20 + (n * 13) % 70, f"p{n}x"),
            comment=words(size, f"c{n}x"), proposed=words((n * 11) % 50, f"x{n}x"),
            response=words((n * 17) % 60, f"r{n}x"), disposition="Accepted with modifications",
            replies=(f"Carla Chair (13 Mar 2026 09:00 CET): {words(15, f'y{n}x')}",) if n % 3 == 0 else (),
        ))
    rows.append(row(reference="IND-041", comment=SHOWN))
    return rows


def matrix_words(rows: list[MatrixRow]) -> Counter:
    texts = [text for r in rows for text in (r.reference, r.paragraph_text, r.comment, r.proposed, r.response,
                                             *r.replies, r.organisation, r.author)]
    return Counter(_tokens(" ".join(texts)))


def _tokens(text: str) -> list[str]:
    # pdftotext marks a right-to-left run with embedding controls (U+202B ... U+202C): not part of a word.
    text = re.sub("[\u202a-\u202e\u2066-\u2069]", "", text)
    return [word.strip("“”.,:()") for word in text.split() if word.strip("“”.,:()")]


@cache
def printed(suffix: str) -> bytes:
    rows = long_matrix()
    furniture = PageFurniture(symbol="A/HRC/WG.7/2026/CRP.1", title=HEADING.title, label=HEADING.draft)
    data = matrix_xlsx(rows, title=HEADING) if suffix == ".xlsx" else matrix_docx(rows, title=HEADING,
                                                                                   furniture=furniture)
    return to_pdf(data, suffix)


def missing_words(pdf: bytes) -> Counter:
    return matrix_words(long_matrix()) - Counter(_tokens(pdf_text(pdf, layout=False)))


@needs_libreoffice
@pytest.mark.parametrize("suffix", [".xlsx", ".docx"])
def test_libreoffice_prints_every_word_of_the_matrix_on_a4_landscape(suffix) -> None:
    pdf = printed(suffix)
    assert not missing_words(pdf), f"{sum(missing_words(pdf).values())} words missing: {list(missing_words(pdf))[:20]}"
    sizes = pdf_page_sizes(pdf)
    assert len(sizes) > 3 and set(sizes) == {A4_LANDSCAPE}


@needs_libreoffice
def test_every_page_of_the_printed_workbook_shows_whole_rows() -> None:
    pages = pdf_pages(printed(".xlsx"))
    for number, page in enumerate(pages, start=1):
        # The header row repeats on every page, first column to last: all columns are on the page's width.
        assert re.search(r"\bID\b.*Organisation.*Comment.*Response.*Stamp", page), f"page {number}"
        assert f"Page {number} of {len(pages)}" in page and "A/HRC/WG.7/2026/CRP.1" in page
    assert HEADING.title in pages[0] and HEADING.scope in pages[0]


@needs_libreoffice
def test_no_word_of_the_printed_word_matrix_is_broken_letter_by_letter() -> None:
    pages = pdf_pages(printed(".docx"))
    for number, page in enumerate(pages, start=1):
        assert "Submitted by" in page and "Disposition and response" in page, f"page {number}"  # header repeated
    text = pdf_text(printed(".docx"), layout=False)
    tokens = set(_tokens(text))
    # The narrow columns' words whole: IDs, places, types, categories, headers.
    for word in ("IND-001", "IND-041", "Technical", "Network", "Paragraph", "civil", "society", "Haddad",
                 "Submitted", "Proposed", "Disposition", "response"):
        assert word in tokens, word
    assert "4.3 ¶2" in text


# Campaigns: one row for many signatories ---------------------------------------------------------------

ORDINARY = [*map(str, COLUMNS), "Stamp"]
CAMPAIGN = ["ID", "Organisation", "Signatories", "Also signed by", *ORDINARY[2:]]
OTHERS = ("Caritas Lyon", "Asylum Aid", "Red Cross Youth")


def campaign(names: tuple[str, ...] = OTHERS, **fields) -> MatrixRow:
    """A campaign's lead row: 400 signed it, ``names`` being the organisations of the others (for people)."""
    return row(signatories=400, signatory_names=names, **fields)


def csv_rows(rows: list[MatrixRow]) -> list[list[str]]:
    return list(csv.reader(io.StringIO(matrix_csv(rows))))


def sheet_rows(sheet) -> list[list[str]]:
    return [[c or "" for c in r] for r in sheet.iter_rows(min_row=header_line(sheet), values_only=True)]


def test_an_export_without_a_campaign_has_the_ordinary_columns_only() -> None:
    rows = [row(), row(reference="IND-002", signatories=1)]
    assert csv_rows(rows)[0] == ORDINARY
    sheet = sheet_of(matrix_xlsx(rows, title=HEADING))
    assert sheet_rows(sheet)[0] == ORDINARY
    assert sheet.max_column == len(ORDINARY) and sheet.auto_filter.ref == f"A4:Q{sheet.max_row}"
    _root, table = word_table(matrix_docx(rows, title=HEADING))
    assert "signator" not in cell_texts(table.findall(W + "tr")[1])[1]


def test_a_campaign_adds_its_count_and_the_other_signatories_after_the_organisation() -> None:
    rows = [campaign(), row(reference="IND-002", organisation="Amnesty")]
    for name, table in (("csv", csv_rows(rows)), ("xlsx", sheet_rows(sheet_of(matrix_xlsx(rows, title=HEADING))))):
        assert table[0] == CAMPAIGN, name
        lead, ordinary = (dict(zip(table[0], line, strict=True)) for line in table[1:])
        assert (lead["ID"], lead["Organisation"], lead["Signatories"], lead["Also signed by"]) == (
            "IND-001", "Migrant Rights Network", "400", "Caritas Lyon; Asylum Aid; Red Cross Youth"), name
        assert (ordinary["ID"], ordinary["Organisation"], ordinary["Signatories"], ordinary["Also signed by"]) == (
            "IND-002", "Amnesty", "1", ""), name
        assert lead["Category"] == "NGO / civil society" and lead["Stamp"] == "abcdefghij", name
    sheet = sheet_of(matrix_xlsx(rows, title=HEADING))
    cells = by_name(sheet, header_line(sheet) + 1)
    assert cells["Signatories"].data_type == "s"  # typed as text, as every cell of the matrix
    # The title rows span the two columns more, and the filter covers them.
    assert {r.coord for r in sheet.merged_cells.ranges} == {"A1:S1", "A2:S2", "A3:S3"}
    assert sheet.auto_filter.ref == f"A4:S{sheet.max_row}" and sheet.print_area == f"'Comments'!$A$1:$S${sheet.max_row}"


def test_a_campaign_of_400_continues_its_names_below_and_they_read_back_whole() -> None:
    names = tuple(f"Comité de solidarité {words(1, f'n{n}-')}" for n in range(399))
    data = matrix_xlsx([campaign(names, disposition="Noted"), row(reference="IND-002")], title=HEADING)
    sheet = sheet_of(data)
    first = header_line(sheet) + 1
    parts = [n for n in range(first, sheet.max_row + 1) if sheet.cell(row=n, column=1).value.startswith("IND-001")]
    assert len(parts) > 2 and sheet.cell(row=parts[-1], column=1).value == f"IND-001 ({len(parts)}/{len(parts)})"
    cells = [by_name(sheet, n) for n in parts]
    assert "".join(c["Also signed by"].value or "" for c in cells) == "; ".join(names)
    # Each row is as tall as its piece of the list needs, and no taller than a row can be.
    width = sheet.column_dimensions[cells[0]["Also signed by"].column_letter].width
    for n, piece in zip(parts, cells, strict=True):
        lines = len(line_starts(piece["Also signed by"].value, (7 * width - 6) * 0.75, 9))
        assert lines * 9 * 1.3 <= sheet.row_dimensions[n].height <= MAX_ROW_HEIGHT, n
    # The count goes with every row of the comment, as its organisation does; the decision stays in the first.
    assert [c["Signatories"].value for c in cells] == ["400"] * len(parts)
    assert [c["Disposition"].value for c in cells] == ["Noted"] + [None] * (len(parts) - 1)
    lead, ordinary = read_decision_sheet("m.xlsx", data)
    assert (lead.reference, lead.line, lead.disposition, ordinary.reference) == ("IND-001", first, "Noted", "IND-002")


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_a_filled_matrix_with_a_campaign_reads_back_its_decisions(suffix) -> None:
    rows = [campaign(disposition="Accepted", response="Done in 4.3."),
            row(reference="IND-002", disposition="Rejected", response="Out of scope.", stamp="klmnopqrst")]
    data = matrix_xlsx(rows, title=HEADING) if suffix == ".xlsx" else matrix_csv(rows).encode()
    read = [(x.reference, x.disposition, x.response, x.stamp) for x in read_decision_sheet(f"m{suffix}", data)]
    assert read == [("IND-001", "Accepted", "Done in 4.3.", "abcdefghij"),
                    ("IND-002", "Rejected", "Out of scope.", "klmnopqrst")]


def test_the_word_matrix_says_how_many_signed_a_campaign_but_not_who() -> None:
    data = matrix_docx([campaign(), row(reference="IND-002")], title=HEADING)
    _root, table = word_table(data)
    lead, ordinary = (cell_texts(r)[1] for r in table.findall(W + "tr")[1:])
    assert lead == "Migrant Rights Network\nNGO / civil society\nAmina Haddad\n12 Mar 2026 14:05 CET\n400 signatories"
    assert ordinary == "Migrant Rights Network\nNGO / civil society\nAmina Haddad\n12 Mar 2026 14:05 CET"
    assert "Caritas Lyon" not in document_xml(data).itertext()


@needs_libreoffice
def test_libreoffice_shows_a_campaigns_count_in_the_printed_workbook() -> None:
    text = pdf_text(to_pdf(matrix_xlsx([campaign(), row(reference="IND-002")], title=HEADING), ".xlsx"),
                    layout=False)
    tokens = _tokens(text)
    assert "Signatories" in tokens and "400" in tokens and "Caritas" in tokens

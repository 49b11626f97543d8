"""Word and Markdown in and out: ``import_document`` (.md, .docx), ``export_draft`` and ``drafts.interchange``.

Pandoc costs ~0.1-0.3 s a call, so Word files are made once per module (``docx_of``) and each test
converts as little as it can.
"""

from __future__ import annotations

import functools
import html
import io
import re
import zipfile
from pathlib import Path

import pypandoc
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import F
from reversion.models import Version

from drafts import interchange, rendering
from drafts.management.commands.import_document import PROGRESS_MIN_SECTIONS, ProgressBar
from drafts.models import Document, Section
from tests.test_commands import long_document

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@functools.cache
def docx_of(markdown_text: str) -> bytes:
    """A Word file made from pandoc Markdown, as someone would write it in Word (cached: pandoc is slow)."""
    return pypandoc.convert_text(
        markdown_text, "docx", format="markdown", outputfile="-", sandbox=True, verify_format=False
    )


def sections_of(slug: str) -> list[tuple[str, str, str | None]]:
    """(key, heading, parent key) of the live sections, in outline order."""
    return [
        (s.key, s.heading, s.parent.key if s.parent else None)
        for s in Section.objects.filter(document__slug=slug, removed=False)
        .select_related("parent")
        .order_by(F("parent_id").asc(nulls_first=True), "position")  # PostgreSQL puts NULLs last otherwise
    ]


# Written exactly as export_markdown writes it, so "export equals the imported file" can be asserted.
CANONICAL = """# Guidance on migrants

## Introduction {#intro}

These principles are *not* binding; see [the report](https://example.org/report).[^1]

[^1]: Adopted in 2017.

## Principle 1: Dignity {#p1}

Every migrant has **dignity**.

### 1.1 Access to justice {#p1-g1}

States should:

- inform migrants of their rights;
- provide interpreters.

A second paragraph with a note.[^1]

[^1]: See also 2.1.

### 1.2 Detention {#p1-g2}

1. Detention is a last resort.
2. Children are never detained.

## Principle 2: Liberty {#p2}

> Everyone has the right to liberty.

Text with `code` and an email <help@example.org>.
"""


def import_and_freeze(tmp_path: Path, slug: str = "g", text: str = CANONICAL) -> None:
    run("import_document", str(write(tmp_path, f"{slug}.md", text)), "--slug", slug)
    run("freeze_draft", slug, "--label", "Zero draft")


# Markdown ---------------------------------------------------------------------------------------------


def test_markdown_export_is_the_imported_file_and_reimports_without_a_single_new_version(tmp_path) -> None:
    import_and_freeze(tmp_path)
    exported, err = run("export_draft", "g", "1", "--format", "md")
    assert exported == CANONICAL
    assert "Exported g Draft 1 (Zero draft) (5 sections) as md to stdout." in err
    versions = Version.objects.count()
    _out, err = run("import_document", str(write(tmp_path, "export.md", exported)), "--slug", "g", "--update")
    assert Version.objects.count() == versions
    assert "0 added, 0 modified, 0 moved, 0 removed, 0 restored, 5 unchanged" in err


def test_export_to_a_file_writes_the_file_and_nothing_to_stdout(tmp_path) -> None:
    import_and_freeze(tmp_path)
    target = tmp_path / "out.md"
    out, err = run("export_draft", "g", "1", "--format", "md", "-o", str(target))
    assert out == "" and str(target) in err
    assert target.read_text(encoding="utf-8") == CANONICAL


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nope", "1"), "No document with the slug 'nope'"),
        (("g", "7"), "g has no Draft 7; its drafts are 1"),
        (("g", "first"), "DRAFT must be a draft number"),
    ],
)
def test_export_of_an_unknown_document_or_draft_is_refused(tmp_path, args, message) -> None:
    import_and_freeze(tmp_path)
    with pytest.raises(CommandError, match=message):
        run("export_draft", *args, "--format", "md")


# HTML -------------------------------------------------------------------------------------------------


def test_html_export_is_a_standalone_page_with_numbered_anchored_sections(tmp_path) -> None:
    import_and_freeze(tmp_path, text=CANONICAL.replace("Every migrant", "<script>alert(1)</script> Every migrant"))
    page, _err = run("export_draft", "g", "1", "--format", "html")
    assert page.startswith("<!DOCTYPE html>") and page.rstrip().endswith("</html>")
    assert "<title>Guidance on migrants – Draft 1 (Zero draft)</title>" in page
    assert '<p class="draft-label">Draft 1 (Zero draft)</p>' in page
    assert '<section class="section depth-1" id="s-1-1">' in page
    assert '<h3 id="s-1-1-h"><span class="number">1.1</span> Access to justice</h3>' in page
    assert '<h2 id="s-1-h"><span class="number">Principle 1</span> Dignity</h2>' in page
    assert '<h2 id="s-intro-h">Introduction</h2>' in page  # unnumbered
    assert 'id="s-1-1-p2"' in page and "1.1 ¶2" in page  # paragraph anchors as on the draft page
    assert 'id="s-1-1-fn1"' in page  # footnotes scoped to their section
    # Typed HTML shows as text; the page loads nothing from elsewhere.
    assert "&lt;script&gt;" in page and "<script" not in page
    assert "<link" not in page and "src=" not in page


# Word export ------------------------------------------------------------------------------------------


def test_docx_export_has_word_headings_numbers_lists_links_and_footnotes(tmp_path) -> None:
    import_and_freeze(tmp_path)
    target = tmp_path / "g.docx"
    out, _err = run("export_draft", "g", "1", "--format", "docx", "-o", str(target))
    assert out == ""
    with zipfile.ZipFile(target) as archive:
        document = archive.read("word/document.xml").decode()
        footnotes = archive.read("word/footnotes.xml").decode()
    for style in ("Subtitle", "Heading1", "Heading2", "Heading3"):
        assert f'<w:pStyle w:val="{style}" />' in document
    for text in ("Draft 1 (Zero draft)", "Guidance on migrants", "Principle 1: Dignity", "1.1 Access to justice",
                 "provide interpreters.", "Children are never detained."):  # fmt: skip
        assert text in document
    assert "{#" not in document  # keys only on request
    assert "<w:numPr>" in document  # Word lists, not typed dashes
    assert "<w:i />" in document and "<w:b />" in document  # *not*, **dignity**
    assert "<w:hyperlink" in document and 'w:name="s-1-1"' in document  # links; headings bookmarked by anchor
    # Both sections number their note [^1]; in one Word file they must stay two different notes.
    assert "Adopted in 2017." in footnotes and "See also 2.1." in footnotes


def test_docx_export_without_o_writes_bytes_to_stdout_and_is_refused_where_stdout_takes_no_bytes(tmp_path) -> None:
    import_and_freeze(tmp_path)
    buffer = io.BytesIO()
    stdout = io.TextIOWrapper(buffer, encoding="utf-8")
    call_command("export_draft", "g", "1", "--format", "docx", stdout=stdout, stderr=io.StringIO())
    stdout.flush()
    assert zipfile.ZipFile(io.BytesIO(buffer.getvalue())).testzip() is None
    with pytest.raises(CommandError, match="-o FILE"):
        run("export_draft", "g", "1", "--format", "docx")  # a StringIO has no byte buffer


def test_docx_exported_with_keys_reimports_with_update_without_a_single_new_version(tmp_path) -> None:
    import_and_freeze(tmp_path)
    target = tmp_path / "g.docx"
    run("export_draft", "g", "1", "--format", "docx", "--keys", "-o", str(target))
    versions = Version.objects.count()
    _out, err = run("import_document", str(target), "--slug", "g", "--update")
    assert "0 added, 0 modified, 0 moved, 0 removed, 0 restored, 5 unchanged" in err
    assert Version.objects.count() == versions


# Word import ------------------------------------------------------------------------------------------

# As a Word user writes it: keys typed as text at the end of headings (in pandoc Markdown, "\{#key\}" is
# literal text). "{#pandoc-bookmark}" is a real identifier (a Word bookmark); it must not become a key.
WORD = r"""# Guidance from Word

## Introduction \{#intro\}

Why these principles.

## Principle 1: Dignity {#pandoc-bookmark}

Every migrant has *dignity*.[^a]

[^a]: A note in Principle 1.

### 1.1 Access to justice \{#p1-g1\}

- inform migrants of their rights;
- provide interpreters.

| Measure | Applies to |
|---------|------------|
| Reporting | adults |

### 1.2 Detention \{#p1-g2\}

Detention is a last resort.[^b]

[^b]: A note in 1.2, the second in the file.

## Principle 2: Liberty \{#p2\}

See [the report](https://example.org/report).
"""


def test_docx_import_takes_keys_typed_in_headings_and_never_pandoc_identifiers(tmp_path) -> None:
    out, err = run("import_document", str(write(tmp_path, "word.docx", docx_of(WORD))), "--slug", "w")
    assert out == "" and "Created w: 5 added" in err
    document = Document.objects.get(slug="w")
    assert document.title == "Guidance from Word"
    assert sections_of("w") == [
        ("intro", "Introduction", None),
        ("dignity", "Dignity", None),  # key made from the heading, not "pandoc-bookmark"
        ("p2", "Liberty", None),
        ("p1-g1", "Access to justice", "dignity"),
        ("p1-g2", "Detention", "dignity"),
    ]
    sections = {s.key: s for s in Section.objects.filter(document=document)}
    assert not sections["intro"].numbered and sections["p2"].numbered
    assert sections["dignity"].body == "Every migrant has *dignity*.[^1]\n\n[^1]: A note in Principle 1."
    # Each section numbers its own notes from 1; lists spelled "- item" as typed on the web.
    assert sections["p1-g2"].body == "Detention is a last resort.[^1]\n\n[^1]: A note in 1.2, the second in the file."
    assert sections["p1-g1"].body.startswith("- inform migrants of their rights;\n- provide interpreters.\n\n| Measure")
    assert sections["p2"].body == "See [the report](https://example.org/report)."


def test_revised_docx_with_update_versions_only_the_changed_sections(tmp_path) -> None:
    run("import_document", str(write(tmp_path, "v1.docx", docx_of(WORD))), "--slug", "w")
    revised = (
        WORD.replace("Detention is a last resort.", "Detention is an exceptional last resort.")
        .replace("## Principle 2: Liberty \\{#p2\\}", "## Principle 2: Liberty and security \\{#p2\\}")
        .replace("## Introduction \\{#intro\\}\n\nWhy these principles.\n\n", "")
    )
    assert revised.count("\n") == WORD.count("\n") - 4
    versions = Version.objects.count()
    _out, err = run("import_document", str(write(tmp_path, "v2.docx", docx_of(revised))), "--slug", "w",
                    "--update", "--message", "Second reading")  # fmt: skip
    assert "0 added, 2 modified, 0 moved, 1 removed, 0 restored, 2 unchanged" in err
    assert Version.objects.count() == versions + 3
    assert Section.objects.get(document__slug="w", key="intro").removed
    assert Section.objects.get(document__slug="w", key="p2").heading == "Liberty and security"
    latest = Version.objects.get_for_object(Section.objects.get(document__slug="w", key="p1-g2")).first()
    assert latest.revision.comment == "Second reading"


def test_docx_without_heading_1_takes_the_title_from_the_option_or_the_file_name(tmp_path) -> None:
    data = docx_of("## Principle 1: Dignity\n\nText.\n\n### 1.1 Access\n\nMore.\n")
    run("import_document", str(write(tmp_path, "migrant_principles-v2.docx", data)))
    document = Document.objects.get(slug="migrant_principles-v2")
    assert document.title == "Migrant principles v2"
    assert sections_of(document.slug) == [("dignity", "Dignity", None), ("access", "Access", "dignity")]
    run("import_document", str(write(tmp_path, "other.docx", data)), "--title", "Given title")
    assert Document.objects.get(slug="other").title == "Given title"


def _damaged(data: bytes) -> bytes:
    """A real .docx whose main part has a flipped byte: a readable ZIP directory, a bad CRC."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 10
    return data[:start] + bytes([data[start] ^ 0xFF]) + data[start + 1 :]


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
    return buffer.getvalue()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
BAD_INPUTS = [
    ("truncated.docx", lambda: docx_of(WORD)[:2000], "damaged"),
    ("bad-crc.docx", lambda: _damaged(docx_of(WORD)), "damaged"),
    ("protected.docx", lambda: OLE + "EncryptedPackage".encode("utf-16-le") + b"\x00" * 64, "password-protected"),
    ("old.docx", lambda: OLE + b"WordDocument", "Office 97-2003 file"),
    ("picture.docx", lambda: b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "a PNG image, not a Word"),
    ("notes.docx", lambda: b"# Title\n\n## Section\n", "plain text, not a Word document"),
    ("sheet.docx", _xlsx, "an Excel workbook, not a Word"),
    ("word.md", lambda: docx_of(WORD), r"a Word \(.docx\) document, not a Markdown text file. Name it .docx"),
    ("empty.docx", lambda: b"", "an empty file"),
    ("plain.docx", lambda: docx_of("Just a paragraph, no heading.\n"), "no headings"),
    (
        "skip.docx",
        lambda: docx_of("# T\n\n## Principle\n\n#### Too deep\n"),
        "at “Too deep”: Heading 4 skips a level after Heading 2",
    ),
    ("twice.docx", lambda: docx_of("# T\n\n## A \\{#a\\}\n\n## B \\{#a\\}\n"), "the key {#a} is used twice"),
    (
        "two-titles.docx",
        lambda: docx_of("# A\n\n## S\n\n# B\n"),
        r"at “B”: a second document title \(Heading 1\); sections start at Heading 2",
    ),
    (
        "cover.docx",
        lambda: docx_of("A cover note.\n\n# T\n\n## A\n"),
        r"at “A cover note.”: text before the document title \(Heading 1\)",
    ),
]


@pytest.mark.parametrize(("name", "make", "message"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_files_are_refused_with_the_reason_and_nothing_is_written(tmp_path, name, make, message) -> None:
    with pytest.raises(CommandError, match=message) as raised:
        run("import_document", str(write(tmp_path, name, make())), "--slug", "bad")
    assert not Document.objects.filter(slug="bad").exists() and not Version.objects.exists()
    if name.endswith(".docx") and "Heading" in str(raised.value):
        assert "line " not in str(raised.value)  # Word users see their words, not lines of pandoc's output


def test_a_file_over_20_mb_is_refused_before_it_is_read(tmp_path) -> None:
    path = tmp_path / "huge.docx"
    with path.open("wb") as handle:
        handle.truncate(20 * 1024 * 1024 + 1)  # sparse: no 20 MB written
    with pytest.raises(CommandError, match="larger than 20 MB"):
        run("import_document", str(path), "--slug", "bad")
    assert not Document.objects.exists()


def test_docx_to_markdown_gives_plain_headings_and_bodies_that_render_as_the_word_text() -> None:
    typed = r"1 \< 2, \<b\>, C:\\path\\], 5\*3, snake\_case, \$5 and \$6, \@UN, \~x\~ and \[^1\]"
    text = interchange.docx_to_markdown(docx_of(f"# T\n\n## The *Dignity* of_all \\{{#p1\\_x\\}}\n\n{typed}\n"))
    lines = text.splitlines()
    assert lines[2] == "## The Dignity of_all {#p1_x}"  # no formatting, no escapes, the typed key
    rendered = rendering.render_markdown(lines[4], anchor="a", label="A").html
    shown = html.unescape(re.sub(r"<[^>]+>", "", rendered)).removeprefix("¶1").strip()
    assert shown == r"1 < 2, <b>, C:\path\], 5*3, snake_case, $5 and $6, @UN, ~x~ and [^1]"


# Progress ---------------------------------------------------------------------------------------------


def test_long_imports_show_a_progress_bar_on_stderr_and_never_on_stdout(tmp_path) -> None:
    text = long_document(5, 9)  # 51 sections
    assert text.count("\n#") >= PROGRESS_MIN_SECTIONS
    out, err = run("import_document", str(write(tmp_path, "long.md", text)), "--slug", "long")
    assert out == ""
    assert f"Importing [{'#' * ProgressBar.width}] 51/51 sections\n" in err
    out, err = run("import_document", str(write(tmp_path, "long.md", text)), "--slug", "long", "--dry-run",
                   "--update")  # fmt: skip
    assert out == "" and "Importing" not in err  # a dry run writes nothing, so there is nothing to wait for


def test_progress_bar_redraws_on_a_terminal_only_when_it_grows() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    stream = Terminal()
    bar = ProgressBar(stream, total=300, label="Importing")
    for _ in range(300):
        bar.advance()
    bar.close()
    drawn = stream.getvalue()
    assert drawn.count("\r") == ProgressBar.width + 1 + 1  # each step once, the empty bar, the final redraw
    assert drawn.endswith(f"[{'#' * ProgressBar.width}] 300/300 sections\n")


def test_a_parsed_document_written_back_as_markdown_reads_the_same() -> None:
    parsed = interchange.parse_markdown(
        "# T\n\n## Introduction {#intro}\n\nWhy.\n\n## Principle 1: Dignity\n\nText *here*.\n\n"
        "### 1.1 Access {#p1-g1}\n\n- a\n- b\n\n## 2030 Agenda\n\nText.\n")
    again = interchange.parse_markdown(interchange.parsed_as_markdown(parsed))
    fields = [(s.key, s.heading, s.depth, s.number, s.body, parsed.numbered(s)) for s in parsed.sections]
    assert [(s.key, s.heading, s.depth, s.number, s.body, again.numbered(s)) for s in again.sections] == fields

"""Every cost of an imported file is bounded (DESIGN.md rule 9): what a Word file unpacks to, pandoc's
memory and time, control characters and the number of sections, each refused with a clear message.

A Word file is measured as it really inflates, before pandoc runs; those tests replace the pandoc runner
with one that fails, so "refused before pandoc" is what they check (and a regression fails fast).
"""

from __future__ import annotations

import functools
import io
import struct
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from reversion.models import Version

from drafts import interchange, selectors
from drafts.interchange import word

MB = 1024 * 1024
# One style, repeated: XML that deflates ~1,000:1, as a zip bomb's does.
STYLE = b'<w:style w:type="character" w:styleId="x"><w:name w:val="x"/><w:rPr><w:b/></w:rPr></w:style>'


@functools.cache
def small_docx() -> bytes:
    """A real, small Word file made by pandoc (cached: pandoc is slow)."""
    return interchange.markdown_to_docx("# Title\n\n## Section\n\nSome MARKER text.\n")


def docx_with(name: str, *, inflating_to: int = 0, content: bytes | None = None) -> bytes:
    """:func:`small_docx` with part ``name`` replaced (or added): ``content``, or styles XML of ``inflating_to`` bytes.

    The part is written in pieces, so a 60 MB part never sits in memory here.
    """
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(small_docx())) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            if info.filename != name:
                target.writestr(info.filename, source.read(info))
        with target.open(name, "w", force_zip64=True) as part:
            if content is not None:
                part.write(content)
            else:
                part.write(b'<w:styles xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">')
                piece = STYLE * 1000
                for _ in range(inflating_to // len(piece) + 1):
                    part.write(piece)
                part.write(b"</w:styles>")
    return out.getvalue()


def declaring(data: bytes, name: str, size: int) -> bytes:
    """``data`` with part ``name``'s uncompressed size in its local and central headers set to ``size``."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        local, central = archive.getinfo(name).header_offset, archive.start_dir
    patched = bytearray(data)
    struct.pack_into("<I", patched, local + 22, size)
    while data[central : central + 4] == b"PK\x01\x02":
        name_length, extra_length, comment_length = struct.unpack_from("<3H", data, central + 28)
        if data[central + 46 : central + 46 + name_length] == name.encode():
            struct.pack_into("<I", patched, central + 24, size)
            return bytes(patched)
        central += 46 + name_length + extra_length + comment_length
    raise LookupError(name)


@pytest.fixture
def no_pandoc(monkeypatch):
    """Pandoc must not run: the file is to be refused by measuring it."""

    def refuse(*args, **kwargs):
        raise AssertionError("pandoc was asked to read a file that should have been refused before")

    monkeypatch.setattr(word, "_run_pandoc", refuse)


def refusal(data: bytes, name: str = "upload.docx") -> str:
    with pytest.raises(interchange.ImportError_) as caught:
        interchange.read_document(name, data, default_title="Upload")
    return str(caught.value)


# What a Word file unpacks to ---------------------------------------------------------------------


def test_a_small_docx_whose_styles_inflate_to_60_mb_is_refused_before_pandoc_runs(no_pandoc) -> None:
    bomb = docx_with("word/styles.xml", inflating_to=60 * MB)
    assert len(bomb) < 300 * 1024
    message = refusal(bomb)
    assert "word/styles.xml" in message and "more than 2 MB" in message


def test_every_part_has_a_limit_of_its_own_under_the_total(no_pandoc) -> None:
    # 3 MB is far under the total, and over what styles, settings or a theme ever need.
    for name in ("word/styles.xml", "word/settings.xml", "word/theme/theme1.xml", "customXml/item1.xml"):
        assert f"its part {name} unpacks to more than 2 MB" in refusal(docx_with(name, inflating_to=3 * MB))
    assert "word/numbering.xml unpacks to more than 8 MB" in refusal(
        docx_with("word/numbering.xml", inflating_to=9 * MB))


def test_a_size_header_that_understates_a_part_does_not_get_it_past_the_limit(no_pandoc) -> None:
    bomb = declaring(docx_with("word/styles.xml", inflating_to=3 * MB), "word/styles.xml", 1000)
    with zipfile.ZipFile(io.BytesIO(bomb)) as archive:
        assert archive.getinfo("word/styles.xml").file_size == 1000  # what zipfile alone would believe
    assert "word/styles.xml unpacks to more than 2 MB" in refusal(bomb)


def test_a_size_header_that_does_not_match_the_part_is_damage(no_pandoc) -> None:
    data = docx_with("word/styles.xml", inflating_to=100 * 1024)
    message = refusal(declaring(data, "word/styles.xml", 1000))
    assert "damaged" in message and "word/styles.xml" in message and "not the 1,000 its header says" in message


def test_the_parts_together_have_a_limit(monkeypatch, no_pandoc) -> None:
    monkeypatch.setattr(word, "MAX_DOCX_EXPANDED_BYTES", 1 * MB)
    data = docx_with("word/media/picture.png", content=b"\x00" * (2 * MB))
    assert refusal(data) == "the Word document unpacks to more than 1 MB."


def test_pandoc_reads_the_parts_as_they_were_measured() -> None:
    parsed = interchange.parse_docx(small_docx(), default_title="Upload")
    assert parsed.title == "Title" and parsed.sections[0].body == "Some MARKER text."
    with zipfile.ZipFile(io.BytesIO(word._checked_docx(small_docx()))) as measured, \
            zipfile.ZipFile(io.BytesIO(small_docx())) as original:
        assert {i.filename: measured.read(i) for i in measured.infolist()} == {
            i.filename: original.read(i) for i in original.infolist()}


# Pandoc's memory and time ------------------------------------------------------------------------


def test_a_conversion_past_pandocs_memory_limit_is_refused_clearly(monkeypatch) -> None:
    # Under every part limit, but more than pandoc may use with its heap capped at 64 MB.
    monkeypatch.setattr(word, "PANDOC_MAX_HEAP_MB", 64)
    message = refusal(docx_with("word/styles.xml", inflating_to=int(1.9 * MB)))
    assert message.startswith("the Word document is too complex to convert: it needed more memory")


def test_the_kernel_limit_on_pandocs_memory_is_a_clear_refusal_too(monkeypatch) -> None:
    data = small_docx()
    monkeypatch.setattr(word, "PANDOC_MAX_ADDRESS_SPACE_MB", 200)
    assert "too complex to convert: it needed more memory" in refusal(data)


def test_a_conversion_that_takes_too_long_is_stopped_and_refused(monkeypatch) -> None:
    data = small_docx()
    monkeypatch.setattr(word, "PANDOC_MAX_SECONDS", 0.001)
    assert refusal(data).startswith(
        "the Word document is too complex to convert: it took longer than 0.001 seconds.")
    with pytest.raises(ValueError, match="too large to convert to Word: it took longer"):
        interchange.markdown_to_docx("# Title\n\n## Section\n")


@pytest.mark.django_db
def test_the_upload_page_shows_a_limit_as_a_form_error(client, people, make_guidance, monkeypatch) -> None:
    make_guidance()
    client.force_login(people["editor"])
    data = small_docx()
    monkeypatch.setattr(word, "PANDOC_MAX_SECONDS", 0.001)
    versions = Version.objects.count()
    response = client.post(reverse("drafts:document_revise", kwargs={"slug": "guidance"}),
                           {"file": SimpleUploadedFile("revised.docx", data)})
    assert response.status_code == 200 and "too complex to convert" in response.content.decode()
    assert Version.objects.count() == versions


# Control characters ------------------------------------------------------------------------------

LONG = "# Title\n\n## Section\n\n" + "A line of ordinary text, long enough to matter.\n" * 400  # 20 KB, 404 lines


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x1f", "\ufffe", "\uffff"])
def test_a_control_character_anywhere_in_a_markdown_file_is_refused_naming_its_line(character) -> None:
    data = (LONG + f"Text with a {character} in it.\n").encode()
    assert len(data) > 8192
    assert refusal(data, "long.md") == (
        f"the file contains a control character (U+{ord(character):04X}) on line 405; it is not plain text."
    )


def test_tabs_and_line_ends_of_every_kind_are_text() -> None:
    _text, parsed = interchange.read_document("ok.md", b"# T\r\n\r\n## S\r\n\r\nA\tB\rC\n", default_title="x")
    assert parsed.sections[0].body == "A\tB\nC"


def test_a_control_character_in_a_word_document_is_refused_naming_the_words_around_it() -> None:
    with zipfile.ZipFile(io.BytesIO(small_docx())) as archive:
        xml = archive.read("word/document.xml")
    data = docx_with("word/document.xml", content=xml.replace(b"MARKER", "odd\uffffword".encode()))
    assert refusal(data) == (
        "the Word document contains a control character (U+FFFF) at “Some oddword text.”; it is not plain text."
    )


@pytest.mark.django_db
def test_a_nul_after_the_first_8_kb_is_refused_at_the_preview_not_when_applied(client, people, make_guidance) -> None:
    document = make_guidance()
    client.force_login(people["editor"])
    url = reverse("drafts:document_revise", kwargs={"slug": "guidance"})
    data = (LONG + "A NUL \x00 here.\n").encode()
    response = client.post(url, {"file": SimpleUploadedFile("revised.md", data)})
    page = response.content.decode()
    assert response.status_code == 200 and "control character (U+0000) on line 405" in page
    assert response.context.get("apply") is None  # no preview to apply
    # The text a preview carries to "apply" is checked again where it is used.
    versions = Version.objects.count()
    response = client.post(url, {"markdown_text": LONG + "A vertical tab \x0b here.\n", "apply": "1",
                                 "state": selectors.working_copy_token(document)}, follow=True)
    assert "Nothing was imported: the file contains a control character (U+000B)" in response.content.decode()
    assert Version.objects.count() == versions


# The number of sections --------------------------------------------------------------------------


def headings(count: int) -> str:
    return "# Title\n\n" + "".join(f"## Section {n}\n\nText {n}.\n\n" for n in range(1, count + 1))


def test_a_file_with_more_than_max_sections_is_refused_with_the_count_and_the_limit() -> None:
    limit = interchange.MAX_SECTIONS
    with pytest.raises(interchange.ImportError_) as caught:
        interchange.parse_markdown(headings(5 * limit))
    assert str(caught.value) == f"the file has {5 * limit:,} sections; at most {limit:,} can be imported at once."
    assert f"the file has {limit + 1:,} sections" in refusal(headings(limit + 1).encode(), "big.md")


def test_a_file_of_exactly_max_sections_is_read_whole() -> None:
    parsed = interchange.parse_markdown(headings(interchange.MAX_SECTIONS))
    assert len(parsed.sections) == interchange.MAX_SECTIONS
    assert parsed.sections[-1].body == f"Text {interchange.MAX_SECTIONS}."


@pytest.mark.django_db
def test_too_many_sections_are_refused_at_the_preview_and_when_applied(client, people, make_guidance) -> None:
    document = make_guidance()
    client.force_login(people["editor"])
    url = reverse("drafts:document_revise", kwargs={"slug": "guidance"})
    text = headings(interchange.MAX_SECTIONS + 1)
    response = client.post(url, {"file": SimpleUploadedFile("big.md", text.encode())})
    assert response.status_code == 200 and "at most 2,000 can be imported at once" in response.content.decode()
    versions = Version.objects.count()
    response = client.post(url, {"markdown_text": text, "apply": "1", "state": selectors.working_copy_token(document)},
                           follow=True)
    assert "Nothing was imported: the file has 2,001 sections" in response.content.decode()
    assert Version.objects.count() == versions

"""Word (.docx) in and out through pandoc (pypandoc-binary): measured before pandoc runs, sandboxed, limited."""

from __future__ import annotations

import copy
import functools
import io
import logging
import math
import re
import signal
import subprocess
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from html import escape, unescape
from pathlib import Path

from drafts import brackets
from drafts.interchange.markdown import (
    _FENCE,
    _HEADING,
    ExportSection,
    ImportError_,
    ParsedDocument,
    numbered_heading,
    parse_markdown,
    refuse_control_characters,
)
from drafts.interchange.ooxml import _XML_INVALID, _rewrite_docx
from drafts.interchange.page import PageFurniture, bcp47, first_page_lines, is_right_to_left, one_line
from drafts.interchange.sentinels import _COMMENT_CLOSE, _COMMENT_OPEN, _clean_text
from drafts.numbering import anchor_for
from drafts.rendering import bracket_words, render_markdown

logger = logging.getLogger(__name__)

# Word (.docx) through pandoc ---------------------------------------------------------------------

_MB = 1024 * 1024

# What a Word file may unpack to, measured part by part as it really inflates (the sizes a ZIP directory
# declares are not trusted), before pandoc sees it; pandoc then reads a copy of exactly the parts measured.
# Pandoc holds a part it parses at ~60 times its size (a 60 MB styles.xml took it 3.6 GB and 29 s), so
# the parts are kept to what a real document needs. For scale: the 200-section, 60,000-word document of
# tests/generate.py, written by pandoc, has a 0.76 MB word/document.xml, a 27 KB styles.xml and an 18 KB
# numbering.xml; Word writes the same text in a few MB (run properties, revision ids on every run).
MAX_DOCX_EXPANDED_BYTES = 100 * _MB  # all parts together: a 20 MB upload of pictures and ~10:1 XML
MAX_DOCX_PARTS = 5000  # a real .docx has 15-100 parts (one per picture); each costs a directory entry
_DOCX_PART_LIMITS = {
    # The text itself, several times the largest real one; pandoc's heap limit (below) ends sooner anyway.
    "word/document.xml": 32 * _MB,
    # Text too, but a fraction of the body; numbering.xml of a much-edited document can grow to a few MB.
    "word/footnotes.xml": 8 * _MB,
    "word/endnotes.xml": 8 * _MB,
    "word/comments.xml": 8 * _MB,
    "word/numbering.xml": 8 * _MB,
}
# Pictures, embedded files and fonts are stored as they are (they do not compress): no part is larger than
# the upload. Pandoc keeps pictures as bytes and does not parse them.
_DOCX_BINARY_FOLDERS = ("word/media/", "word/embeddings/", "word/fonts/")
_DOCX_BINARY_PART_LIMIT = 32 * _MB
# Everything else (styles, settings, font table, theme, relationships, properties, headers, footers) is
# a few hundred KB at most in a real document, styles.xml with all of Word's latent styles included.
_DOCX_OTHER_PART_LIMIT = 2 * _MB
# No ratio check: the limits above are on real sizes, so a part that inflates 1,000:1 within them costs
# no more than a real one, and a ratio low enough to matter would refuse real XML (Word's compresses 10-50:1).

# Pandoc runs with limits, so a file that passes the checks above and is still too much for it is
# refused, not waited for. The largest document the section limit allows (MAX_SECTIONS sections of
# 330 words, an 8 MB document.xml) converts in 9 s with a peak of 1.05 GB under these limits; the
# 200-section one in 0.7 s and 240 MB.
PANDOC_MAX_HEAP_MB = 1024  # +RTS -M: pandoc's own heap limit; past it pandoc stops, "Heap exhausted"
# RLIMIT_AS: the kernel's limit on everything pandoc maps (heap, Lua, buffers), a backstop to the heap
# limit; GHC's runtime reserves less address space when it is limited, so this does not stop it starting.
PANDOC_MAX_ADDRESS_SPACE_MB = 2048
PANDOC_MAX_SECONDS = 30  # wall clock, and CPU time (pandoc's runtime is single-threaded); gunicorn allows 60
_PANDOC_OUT_OF_MEMORY = 251  # the exit status of a GHC program whose heap is exhausted or that cannot map memory

# Markdown that python-markdown (drafts.rendering) reads the same way: pipe tables, footnotes, four-space
# list indentation (python-markdown nests a list only four spaces in), two trailing spaces for a line
# break, Unicode quotes and dashes as typed. Everything else pandoc would write in a syntax our renderer
# shows as literal text (grid tables, ~~, ^sup^, [spans]{.x}, {#ids}, raw HTML ...), so it is off.
# raw_tex stays on although Word has no TeX: with it off, pandoc 3.9 drops the "]" after a typed backslash
# and writes two typed backslashes as one.
_PANDOC_WRITE_MARKDOWN = (
    "markdown+four_space_rule-header_attributes-smart-simple_tables-multiline_tables-grid_tables"
    "-escaped_line_breaks-raw_html-raw_attribute-native_divs-native_spans-bracketed_spans"
    "-fenced_divs-link_attributes-inline_code_attributes-fenced_code_attributes-strikeout-subscript"
    "-superscript-tex_math_dollars-citations-example_lists-fancy_lists-definition_lists-line_blocks"
    "-implicit_figures-yaml_metadata_block-pandoc_title_block"
)
# Reading our Markdown for Word, pandoc should see what the web page shows: "$5 and $6" is not maths,
# "@UN" is not a citation, "<b>" is text, a "---" line is a rule and not a YAML block. Heading
# attributes stay on: the export gives each heading its anchor ({#s-7-3}) so "#s-7-3" links work in Word.
_PANDOC_READ_MARKDOWN = (
    "markdown-raw_html-raw_tex-raw_attribute-tex_math_dollars-tex_math_single_backslash-citations"
    "-subscript-superscript-strikeout-smart-yaml_metadata_block-pandoc_title_block-implicit_figures"
    "-native_divs-fenced_divs-bracketed_spans-native_spans-example_lists-fancy_lists-definition_lists"
    "-line_blocks-escaped_line_breaks-simple_tables-multiline_tables-grid_tables-inline_notes"
    "-link_attributes-auto_identifiers"
)

# Word -> Markdown. Pandoc gives every heading an identifier (made from its text, or a bookmark's name)
# and the Markdown writer may print it as "{#...}". Only a key typed at the end of the heading is a key,
# so headings become plain text with no identifier (formatting in a heading is dropped: headings are text).
# Images cannot be shown by the web view (nh3 drops <img>); a visible marker says one was there.
_LUA_FROM_DOCX = """
function Header(h)
  return pandoc.Header(h.level, pandoc.utils.stringify(h.content))
end
function Image(img)
  local alt = pandoc.utils.stringify(img.caption or {})
  if alt == "" then return pandoc.Str("[image]") end
  return pandoc.Str("[image: " .. alt .. "]")
end
"""
# Markdown -> Word, with the web view's rules (rendering.py): links only to http, https, mailto and
# in-document anchors (a file:// or \\server link in Word would open local files); images are not
# fetched (pandoc runs sandboxed anyway) and, as on the web, not shown; their alt text stays.
_LUA_TO_DOCX = """
function Link(link)
  local target = link.target
  if target:sub(1, 1) == "#" then return nil end
  local scheme = target:match("^(%a[%w+.-]*):")
  if scheme then
    scheme = scheme:lower()
    if scheme == "http" or scheme == "https" or scheme == "mailto" then return nil end
  end
  return link.content
end
function Image(img)
  return img.caption or {}
end
-- A comment marker (U+FDD7, a number, U+FDD8: user text cannot hold these) becomes a Word comment
-- whose text is the metadata "comment-N", by "comment-author" at "comment-date". Metadata given on
-- the command line is a plain string: never read as Markdown, so a comment cannot carry markup.
-- Paragraph numbers: a section heading with the attribute paragraphs="N" (export_docx writes it) is
-- followed by N numbered paragraphs, as drafts.rendering counts them: each top-level block but rules.
-- Each gets, just before it, a paragraph holding "¶n" in the Paragraph Number style, which
-- _paragraph_numbers_inline then moves into the paragraph that follows (a table keeps it on a line above).
-- The filter adds blocks and never edits one: editing the inlines of 20,000 paragraphs in Lua made
-- pandoc's garbage collector take 40 s on the largest document, adding them costs nothing measurable.
-- Should pandoc see another number of blocks than the web page did, the section gets no numbers: a
-- missing number is better than a wrong citation.
local function marker(n)
  local style = pandoc.Attr("", {}, {{"custom-style", "Paragraph Number"}})
  return pandoc.Para({pandoc.Span({pandoc.Str("\\u{B6}" .. n .. "\\u{A0}")}, style)})
end
local function number_paragraphs(blocks)
  local sections, current = {}, nil
  for i, block in ipairs(blocks) do
    local count = block.t == "Header" and block.attributes["paragraphs"]
    if count then
      block.attributes["paragraphs"] = nil
      current = {expected = tonumber(count), members = {}}
      sections[#sections + 1] = current
    elseif current and block.t ~= "HorizontalRule" then
      current.members[#current.members + 1] = i
    end
  end
  local before = {}
  for _, section in ipairs(sections) do
    if section.expected == #section.members then
      for n, i in ipairs(section.members) do before[i] = marker(n) end
    end
  end
  if next(before) == nil then return blocks end
  local out = pandoc.List()
  for i, block in ipairs(blocks) do
    if before[i] then out:insert(before[i]) end
    out:insert(block)
  end
  return out
end
function Pandoc(doc)
  doc.blocks = number_paragraphs(doc.blocks)
  local function text(key)
    return doc.meta[key] and pandoc.utils.stringify(doc.meta[key]) or nil
  end
  local author, date = text("comment-author") or "", text("comment-date")
  local found = {}
  doc = doc:walk({Str = function(s)
    local n, rest = s.text:match("^\\u{FDD7}(%d+)\\u{FDD8}(.*)$")
    if not n then return nil end
    found[#found + 1] = "comment-" .. n
    local out = {}
    local said = text("comment-" .. n)
    if said then
      local attributes = {author = author}
      if date then attributes.date = date end
      out[1] = pandoc.Span({pandoc.Str(said)}, pandoc.Attr("c" .. n, {"comment-start"}, attributes))
      out[2] = pandoc.Span({}, pandoc.Attr("c" .. n, {"comment-end"}, {}))
    end
    if rest ~= "" then out[#out + 1] = pandoc.Str(rest) end
    return out
  end})
  for _, key in ipairs(found) do doc.meta[key] = nil end
  doc.meta["comment-author"], doc.meta["comment-date"] = nil, nil
  return doc
end
"""

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Office 97-2003 files, and encrypted Office 2007+ files
_MAGIC = [
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"%PDF-", "a PDF file"),
    (b"{\\rtf", "an RTF file"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"Rar!", "a RAR archive"),
    (b"7z\xbc\xaf", "a 7-Zip archive"),
]


def sniff(data: bytes) -> str | None:
    """Say what a file is from its first bytes ("a PNG image", "a Word (.docx) document" ...).

    ``None`` means it looks like text (no NUL byte near the start). Used to refuse, with a useful
    message, a file that is not what its extension says.
    """
    head = data[:8192]
    if not head:
        return "an empty file"
    if head.startswith(_OLE_MAGIC):
        return _ole_kind(data)
    if head.startswith(_ZIP_MAGIC):
        return _zip_kind(data)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    if b"\x00" in head:
        return "a binary file"
    return None


def _ole_kind(data: bytes) -> str:
    # Office stores a password-protected .docx as an OLE compound file holding an "EncryptedPackage"
    # stream; stream names are UTF-16 in the directory, so the name is found without an OLE parser.
    if "EncryptedPackage".encode("utf-16-le") in data:
        return "a password-protected (encrypted) Office document"
    return "an Office 97-2003 file (.doc, .xls ...)"


def _zip_kind(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return "a damaged ZIP archive"
    if "word/document.xml" in names:
        return "a Word (.docx) document"
    if "xl/workbook.xml" in names:
        return "an Excel workbook"
    if "ppt/presentation.xml" in names:
        return "a PowerPoint presentation"
    if "content.xml" in names and "mimetype" in names:
        return "an OpenDocument file"
    return "a ZIP archive"


def _checked_docx(data: bytes) -> bytes:
    """Refuse, with the reason, anything pandoc should not be asked to read as a Word document.

    Returns the archive pandoc is to read: a copy holding exactly the parts that were measured, so
    nothing in the original's headers (sizes, local entries, duplicates) can make pandoc read more.
    """
    kind = sniff(data)
    if kind is None:
        raise ImportError_("this is plain text, not a Word document (if it is Markdown, name it .md).")
    if kind == "a password-protected (encrypted) Office document":
        raise ImportError_(
            "the Word document is password-protected (encrypted). Remove the password in Word "
            "(File › Info › Protect Document) and save it again."
        )
    if kind == "a damaged ZIP archive":
        raise ImportError_("the Word document is damaged: it is not a readable ZIP archive, as a .docx must be.")
    if kind != "a Word (.docx) document":
        hint = " Save it from Word as a .docx document." if kind.startswith("an Office 97-2003") else ""
        raise ImportError_(f"this is {kind}, not a Word (.docx) document.{hint}")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return _measured_copy(archive)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as exc:
        raise ImportError_(f"the Word document is damaged and cannot be read ({exc}).") from exc


def _measured_copy(archive: zipfile.ZipFile) -> bytes:
    members = [member for member in archive.infolist() if not member.is_dir()]
    if any(member.flag_bits & 0x1 for member in members):
        raise ImportError_("the Word document is encrypted; save it again without a password.")
    if len(members) > MAX_DOCX_PARTS:
        raise ImportError_(f"the Word document has {len(members):,} parts; a Word document has far fewer "
                           f"(at most {MAX_DOCX_PARTS:,} are read).")
    if len({member.filename for member in members}) != len(members):
        raise ImportError_("the Word document is damaged: it holds two parts of the same name.")
    out = io.BytesIO()
    total = 0
    # Level 1: the copy only travels to pandoc's stdin; compressing it harder would cost more than it saves.
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as measured:
        for member in members:
            limit = _docx_part_limit(member.filename)
            content = _read_part(archive, member, min(limit, MAX_DOCX_EXPANDED_BYTES - total))
            if content is None:
                if total + limit > MAX_DOCX_EXPANDED_BYTES:
                    raise ImportError_(f"the Word document unpacks to more than {MAX_DOCX_EXPANDED_BYTES // _MB} MB.")
                raise ImportError_(
                    f"the Word document cannot be imported: its part {member.filename} unpacks to more than "
                    f"{_in_mb(limit)}, far more than a real document needs."
                )
            total += len(content)
            measured.writestr(zipfile.ZipInfo(member.filename, member.date_time), content)
    return out.getvalue()


def _docx_part_limit(name: str) -> int:
    if name in _DOCX_PART_LIMITS:
        return _DOCX_PART_LIMITS[name]
    if name.startswith(_DOCX_BINARY_FOLDERS):
        return _DOCX_BINARY_PART_LIMIT
    return _DOCX_OTHER_PART_LIMIT


def _in_mb(size: int) -> str:
    return f"{size / _MB:g} MB"


def _read_part(archive: zipfile.ZipFile, member: zipfile.ZipInfo, limit: int) -> bytes | None:
    """A part's content as it really inflates, or ``None`` as soon as it passes ``limit`` bytes.

    zipfile stops reading at the size the ZIP directory declares; here it is told no size, so it reads
    the compressed data to its real end (and checks the CRC of all of it) while the count stops it at the
    limit. A part whose real size is not the declared one is damaged (or made to mislead a reader).
    """
    if member.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        # Word only ever stores or deflates; pandoc reads nothing else (and bzip2 or LZMA can inflate far
        # more from one read than deflate can).
        raise ImportError_(f"the Word document is damaged: its part {member.filename} uses a compression "
                           "Word does not use.")
    undeclared = copy.copy(member)
    undeclared.file_size = sys.maxsize
    chunks: list[bytes] = []
    size = 0
    with archive.open(undeclared) as part:
        while chunk := part.read(64 * 1024):
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
    if size != member.file_size:
        raise ImportError_(f"the Word document is damaged: its part {member.filename} is {size:,} bytes, "
                           f"not the {member.file_size:,} its header says.")
    return b"".join(chunks)


class ExportFailed(ValueError):
    """A Word or PDF file could not be written (too large for the converter's limits, or pandoc or
    WeasyPrint failed); the message says why, for the person who asked for the download."""


class PandocLimitError(RuntimeError):
    """Pandoc was stopped at one of its limits; the message says which, in words for the person waiting."""


# The kernel's limits are set by a tiny Python launcher that then becomes pandoc (exec keeps them), not
# by ``preexec_fn``: that runs Python between fork and exec, which can deadlock a parent with threads
# (runserver, a threaded worker, a task queue). The launcher imports only the standard library.
_LAUNCHER = (
    "import os, resource, sys\n"
    "space, seconds = int(sys.argv[1]), int(sys.argv[2])\n"
    "resource.setrlimit(resource.RLIMIT_AS, (space, space))\n"
    "resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))\n"
    "os.execv(sys.argv[3], sys.argv[3:])\n"
)


def _limited(command: list[str]) -> list[str]:
    """``command`` run under the address-space and CPU-time limits of a conversion."""
    address_space = PANDOC_MAX_ADDRESS_SPACE_MB * _MB
    seconds = math.ceil(PANDOC_MAX_SECONDS)
    return [sys.executable, "-I", "-S", "-c", _LAUNCHER, str(address_space), str(seconds), *command]


def _run_pandoc(source: str | bytes, *, to: str, read: str, lua: str, extra_args: list[str]) -> str | bytes:
    """Run the bundled pandoc sandboxed (it reads no file and no URL but its input) with a Lua filter.

    The command line is pypandoc's (``convert_text`` with ``sandbox=True``); pandoc is started here so it
    runs with limits on its memory and time, which pypandoc cannot set. Raises :class:`PandocLimitError`
    when a limit stops it, ``RuntimeError`` when it fails otherwise.
    """
    import pypandoc  # here: only Word import and export need pandoc

    with tempfile.TemporaryDirectory(prefix="drafts-pandoc-") as tmp:
        # Pandoc takes Lua filters only as files.
        script = Path(tmp) / "filter.lua"
        script.write_text(lua, encoding="utf-8")
        command = [
            pypandoc.get_pandoc_path(),
            f"--from={read}",
            f"--to={to}",
            *(["--output=-"] if to == "docx" else []),
            "--sandbox",
            *extra_args,
            f"--lua-filter={script}",
            "+RTS", f"-M{PANDOC_MAX_HEAP_MB}m", "-RTS",
        ]
        try:
            result = subprocess.run(  # noqa: S603 - our own binary and arguments; the document goes to stdin
                _limited(command),
                input=source.encode("utf-8") if isinstance(source, str) else source,
                capture_output=True,
                timeout=PANDOC_MAX_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:  # subprocess.run has killed it
            raise PandocLimitError(f"it took longer than {PANDOC_MAX_SECONDS} seconds") from exc
    stderr = result.stderr.decode("utf-8", errors="replace")
    if result.returncode == -signal.SIGXCPU:
        raise PandocLimitError(f"it took longer than {PANDOC_MAX_SECONDS} seconds")
    if result.returncode == -signal.SIGKILL:  # the CPU limit's hard stop, or the kernel out of memory
        raise PandocLimitError("it needed more memory or time than a conversion may use")
    if result.returncode == _PANDOC_OUT_OF_MEMORY and ("Heap exhausted" in stderr or "out of memory" in stderr):
        raise PandocLimitError("it needed more memory than a conversion may use")
    if result.returncode != 0:
        raise RuntimeError(f'Pandoc died with exitcode "{result.returncode}" during conversion: {stderr}')
    if stderr.strip():
        logger.warning("pandoc: %s", stderr.strip())
    return result.stdout if to == "docx" else result.stdout.decode("utf-8", errors="replace")


_ESCAPED_PUNCTUATION = re.compile(r"\\([!-/:-@\[-`{-~])")
# Pandoc writes ATX headings with no closing #s, so the whole rest of the line is the heading.
_PANDOC_HEADING = re.compile(r"^(#{1,6})[ \t]+(.*?)[ \t]*$")


def docx_to_markdown(data: bytes) -> str:
    """Convert a Word document to interchange Markdown (headings ``#`` = Heading 1, ``##`` = Heading 2 ...).

    Bodies come out in Markdown that :func:`drafts.rendering.render_markdown` reads as pandoc did:
    pipe tables, footnotes (each right after the paragraph citing it, so it stays in its section),
    lists, emphasis, links. Headings are plain text with no pandoc identifiers, so a heading ends with
    ``{#key}`` only if that was typed in Word. Raises :class:`ImportError_` with the reason for
    anything that is not a readable, unencrypted .docx (checked before pandoc runs).
    """
    measured = _without_our_furniture(_checked_docx(data))
    try:
        text = _run_pandoc(
            measured,
            to=_PANDOC_WRITE_MARKDOWN,
            read="docx",
            lua=_LUA_FROM_DOCX,
            extra_args=["--wrap=none", "--markdown-headings=atx", "--reference-location=block"],
        )
    except PandocLimitError as exc:
        raise ImportError_(
            f"the Word document is too complex to convert: {exc}. Split it into smaller documents, "
            "or save it again from Word without tracked changes, comments and pictures."
        ) from exc
    except (RuntimeError, OSError) as exc:
        raise ImportError_(f"pandoc could not read the Word document: {_first_line(str(exc))}") from exc
    return _tidy_pandoc_markdown(str(text))


_PARAGRAPH_NUMBER_RUN = re.compile(
    r'<w:r(?:\s[^>]*)?>(?:(?!</w:r>).)*?<w:rStyle w:val="ParagraphNumber"\s*/>(?:(?!</w:r>).)*?</w:r>', re.DOTALL
)
# The draft label: a Subtitle paragraph right under the first Heading 1 (bookmarks may stand between).
_LABEL_UNDER_TITLE = re.compile(
    r'(<w:pStyle w:val="Heading1"\s*/>(?:(?!</w:p>).)*?</w:p>(?:\s|<w:bookmark(?:Start|End)\b[^>]*/>)*)'
    r'<w:p(?:\s[^>]*)?>(?:(?!</w:p>).)*?<w:pStyle w:val="Subtitle"\s*/>(?:(?!</w:p>).)*?</w:p>',
    re.DOTALL,
)


def _without_our_furniture(measured: bytes) -> bytes:
    """The Word file without what our exports add around the text: paragraph numbers and the label under the title.

    Pandoc reads a Subtitle only before the title as metadata, and a paragraph number is text to it;
    without this, a circulated copy would come back with "¶2" in every paragraph and a label where
    only sections may follow the title. The header and footer parts pandoc never reads.
    """

    def strip(part: bytes) -> bytes:
        if b"ParagraphNumber" not in part and b'"Subtitle"' not in part:
            return part
        text = _PARAGRAPH_NUMBER_RUN.sub("", part.decode("utf-8"))
        return _LABEL_UNDER_TITLE.sub(r"\1", text, count=1).encode("utf-8")

    return _rewrite_docx(measured, {"word/document.xml": strip})


_LIST_MARKER = re.compile(r"^( *)([-*+]|\d+[.)])( {2,})(?=\S)")


def _tidy_pandoc_markdown(text: str) -> str:
    r"""Pandoc's Markdown in the spelling python-markdown reads as pandoc meant it, and people type.

    - Headings are plain text: pandoc's escapes are undone (``\*``, ``\_``, ``\{#key\}``).
    - List markers as people type them ("- item", not pandoc's "-   item"): python-markdown reads a
      list item's content by the four-space rule whatever the gap after the marker, and the short
      spelling means a section written on the web, exported to Word and imported back compares equal
      when nobody changed it.
    - ``\<`` becomes ``<``: python-markdown cannot escape ``<`` (it would show the backslash), and
      with raw HTML off it shows a typed ``<b>`` as text anyway.
    """
    lines = []
    in_fence = in_list = False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        if in_fence or not line.strip():
            lines.append(line)
            continue
        heading = _PANDOC_HEADING.match(line)
        if heading:
            line = heading.group(1) + " " + _ESCAPED_PUNCTUATION.sub(r"\1", heading.group(2))
            in_list = False
            lines.append(line)
            continue
        marker = _LIST_MARKER.match(line)
        if not line.startswith(" "):
            in_list = marker is not None
        elif not in_list:
            lines.append(line)  # an indented line outside a list is a code block: all of it is content
            continue
        if marker:
            line = f"{marker.group(1)}{marker.group(2)} {line[marker.end() :]}"
        lines.append(_unescape_less_than(line))
    return "\n".join(lines) + "\n"


_CODE_SPAN = re.compile(r"(`+).+?\1")
# A "\<" preceded by an even number of backslashes (an odd number would escape the "\" itself).
_ESCAPED_LESS_THAN = re.compile(r"(?<!\\)((?:\\\\)*)\\<")


def _unescape_less_than(line: str) -> str:
    parts, last = [], 0
    for code in _CODE_SPAN.finditer(line):  # pandoc escapes nothing inside `code`; neither do we
        parts.append(_ESCAPED_LESS_THAN.sub(r"\1<", line[last : code.start()]))
        parts.append(code.group(0))
        last = code.end()
    parts.append(_ESCAPED_LESS_THAN.sub(r"\1<", line[last:]))
    return "".join(parts)


_NUMBERED_NOTE_DEFINITION = re.compile(r"^\[\^(\d+)\]:", re.MULTILINE)


def _renumber_footnotes(body: str) -> str:
    """Number a section's footnotes 1, 2 ... in order of reference, as one would write the section alone.

    Pandoc numbers notes through the whole Word file; our sections are rendered one by one.
    """
    defined = set(_NUMBERED_NOTE_DEFINITION.findall(body))
    if not defined:
        return body
    numbers: dict[str, str] = {}

    def renumber(match: re.Match[str]) -> str:
        label = match.group(1)
        if label not in defined:
            return match.group(0)
        return f"[^{numbers.setdefault(label, str(len(numbers) + 1))}]"

    return re.sub(r"\[\^(\d+)\]", renumber, body)


def _first_line(message: str) -> str:
    lines = [line for line in message.splitlines() if line.strip()]
    return " ".join(lines[:2])[:300] if lines else "unknown error"


def _heading_levels(text: str) -> list[int]:
    levels, in_fence = [], False
    for line in text.splitlines():
        if _FENCE.match(line):
            in_fence = not in_fence
        match = None if in_fence else _HEADING.match(line)
        if match:
            levels.append(len(match.group(1)))
    return levels


_WORD_HINT = (
    " In Word, style the title as Heading 1, the sections as Heading 2 and their subsections as Heading 3 "
    "(a key may be typed at the end of a heading as {#key})."
)


def parse_docx(data: bytes, *, default_title: str) -> ParsedDocument:
    """Read a document from a Word file: Heading 1 is the title, Heading 2 the top-level sections ...

    A document without any Heading 1 whose sections start at Heading 2 is accepted too: its title
    is ``default_title`` (the caller passes ``--title`` or the file name), because many Word
    documents keep the title in the "Title" style or on a cover page, which pandoc does not turn
    into a heading. Heading 2 stays the top level in both cases, so a file never changes meaning by
    gaining or losing its title. Errors are :class:`ImportError_` naming the heading or text where
    the problem is (not a line of the intermediate Markdown).
    """
    text = docx_to_markdown(data)
    levels = _heading_levels(text)
    if not levels:
        raise ImportError_("the Word document has no headings." + _WORD_HINT)
    if 1 not in levels:
        text = f"# {default_title.strip() or 'Untitled'}\n\n{text}"
    try:
        refuse_control_characters(text)
    except ImportError_ as exc:
        # Pandoc passes some through from the XML (U+FFFF): the message says where, in the document's words.
        raise ImportError_(_in_word_terms(str(exc), text, hint=False).replace("the file", "the Word document")) from exc
    try:
        parsed = parse_markdown(text)
    except ImportError_ as exc:
        raise ImportError_(_in_word_terms(str(exc), text)) from exc
    for section in parsed.sections:
        section.body_lines = _renumber_footnotes("\n".join(section.body_lines)).split("\n")
    return parsed


# parse_markdown's messages name Markdown syntax; a Word user knows the heading styles.
_MARKDOWN_TO_WORD = [
    ("(a '# Title' line)", "(Heading 1)"),
    ("('# Title')", "(Heading 1)"),
    ("('# ...'); sections start at '##'", "(Heading 1); sections start at Heading 2"),
    ("('## Section')", "(Heading 2)"),
]


def _in_word_terms(message: str, text: str, *, hint: bool = True) -> str:
    """Replace "line N" of the intermediate Markdown with the words found there; ``hint`` adds how to style headings."""
    lines = text.splitlines()

    def where(match: re.Match[str]) -> str:
        number = int(match.group(1))
        words = lines[number - 1].lstrip("#").strip() if 0 < number <= len(lines) else ""
        words = _XML_INVALID.sub("", words)
        words = words if len(words) <= 60 else words[:57] + "..."
        return f"at “{words}”" if words else match.group(0)

    message = re.sub(r"\b(?:on )?line (\d+)", where, message)
    # Markdown level n is Word's Heading n (the title is "#", Heading 1).
    message = re.sub(r"\b(?:heading )?level (\d)", r"Heading \1", message)
    for markdown, word in _MARKDOWN_TO_WORD:
        message = message.replace(markdown, word)
    return message + _WORD_HINT if hint else message


# The reference document pandoc writes with -------------------------------------------------------
# Pandoc takes styles, page size and margins, headers and footers from a reference .docx given on the
# command line (--sandbox allows reading it). Ours is pandoc's own default, rewritten: black headings in
# a serif (pandoc's are blue, in the theme's sans), an A4 page, and the page furniture in header and
# footer parts, which pandoc copies into the document and never reads back (a re-import cannot see them).

_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PART_NAMESPACES = f'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" xmlns:r="{_RELATIONSHIPS}"'
A4_WIDTH, A4_HEIGHT = 11906, 16838  # twentieths of a point (210 x 297 mm)
# 2.5 cm top, bottom and left (room for the running header and the page numbers), 2 cm right.
_PAGE_MARGINS = 'w:top="1418" w:right="1134" w:bottom="1418" w:left="1418" w:header="709" w:footer="709" w:gutter="0"'
_BODY_FONT = "Times New Roman"
_FONTS = (f'<w:rFonts w:ascii="{_BODY_FONT}" w:hAnsi="{_BODY_FONT}" w:cs="{_BODY_FONT}" '
          'w:eastAsiaTheme="minorEastAsia"/>')
# Headings by level: size in half-points, bold, italic. The title 16 pt bold, sections 12 pt bold, all black.
_HEADINGS = {1: (32, True, False), 2: (24, True, False), 3: (24, True, False), 4: (24, True, True)}
# A paragraph number ("¶2") as the web page shows it: small and grey, before the paragraph's first word.
PARAGRAPH_NUMBER_STYLE = "ParagraphNumber"
_SECTION = re.compile(r"<w:sectPr\b.*?</w:sectPr>", re.DOTALL)
_STYLE = re.compile(r'<w:style\b[^>]*\bw:styleId="(?P<id>[^"]+)"[^>]*>.*?</w:style>', re.DOTALL)
_NEW_STYLES = (
    '<w:style w:type="character" w:customStyle="1" w:styleId="ParagraphNumber"><w:name w:val="Paragraph Number"/>'
    '<w:basedOn w:val="DefaultParagraphFont"/><w:uiPriority w:val="99"/><w:rPr><w:color w:val="6E6E6E"/>'
    '<w:sz w:val="16"/><w:szCs w:val="16"/></w:rPr></w:style>'
    '<w:style w:type="paragraph" w:styleId="Header"><w:name w:val="header"/><w:basedOn w:val="Normal"/>'
    '<w:uiPriority w:val="99"/><w:unhideWhenUsed/><w:pPr><w:spacing w:after="0"/></w:pPr>'
    '<w:rPr><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr></w:style>'
    '<w:style w:type="paragraph" w:styleId="Footer"><w:name w:val="footer"/><w:basedOn w:val="Normal"/>'
    '<w:uiPriority w:val="99"/><w:unhideWhenUsed/><w:pPr><w:spacing w:after="0"/><w:jc w:val="center"/></w:pPr>'
    '<w:rPr><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr></w:style>'
)


@functools.cache
def _pandoc_reference() -> bytes:
    """Pandoc's default reference.docx, asked of the bundled pandoc once per process."""
    import pypandoc

    result = subprocess.run(  # noqa: S603 - our own binary and arguments
        _limited([pypandoc.get_pandoc_path(), "--print-default-data-file", "reference.docx"]),
        capture_output=True,
        timeout=PANDOC_MAX_SECONDS,
        check=False,
    )
    if result.returncode != 0 or not result.stdout.startswith(_ZIP_MAGIC):
        reason = _first_line(result.stderr.decode("utf-8", errors="replace"))
        raise ExportFailed(f"pandoc did not give its reference document: {reason}")
    return result.stdout


def reference_docx(furniture: PageFurniture | None = None, *, landscape: bool = False) -> bytes:
    """The reference document of a Word export: sober styles, an A4 page, ``furniture`` in header and footer.

    Every page is numbered "N/M" in its footer (PAGE and NUMPAGES fields, which Word and LibreOffice
    update as they lay the pages out). With ``furniture`` the first page's header is the UN block
    (symbol, distribution, date, original) and every other page's header the symbol. ``landscape``
    turns the page (long side across).
    """
    language = furniture.language if furniture is not None else "en"
    rtl = is_right_to_left(language)
    parts = {"word/footer1.xml": _footer(rtl)}
    references = [("footer", "default", "footer1.xml")]
    if furniture is not None:
        parts |= {"word/footer2.xml": _footer(rtl), "word/header2.xml": _first_page_header(furniture, rtl)}
        references += [("footer", "first", "footer2.xml"), ("header", "first", "header2.xml")]
        if one_line(furniture.symbol):
            parts["word/header1.xml"] = _running_header(one_line(furniture.symbol), rtl)
            references.append(("header", "default", "header1.xml"))
    references.sort(key=lambda reference: reference[0] != "header")  # w:sectPr lists headers first
    relationships = "".join(
        f'<Relationship Id="rIdDrafts{target[:-4]}" Type="{_RELATIONSHIPS}/{kind}" Target="{target}"/>'
        for kind, _which, target in references
    )
    width, height = (A4_HEIGHT, A4_WIDTH) if landscape else (A4_WIDTH, A4_HEIGHT)
    orient = ' w:orient="landscape"' if landscape else ""
    section = (
        "<w:sectPr>"
        + "".join(f'<w:{kind}Reference w:type="{which}" r:id="rIdDrafts{target[:-4]}"/>'
                  for kind, which, target in references)
        + '<w:footnotePr><w:numRestart w:val="eachSect"/></w:footnotePr>'
        + f'<w:pgSz w:w="{width}" w:h="{height}"{orient}/>'
        + f"<w:pgMar {_PAGE_MARGINS}/>"
        + ("<w:titlePg/>" if furniture is not None else "")
        + ("<w:bidi/>" if rtl else "")
        + "</w:sectPr>"
    )
    overrides = "".join(
        f'<Override PartName="/{name}" ContentType="application/vnd.openxmlformats-officedocument.'
        f'wordprocessingml.{name[5:11]}+xml"/>'
        for name in parts
    )
    rewrites: dict[str, Callable[[str], str]] = {
        "word/styles.xml": lambda text: _sober_styles(text, language),
        "word/document.xml": lambda text: _SECTION.sub(lambda _m: section, text),
        "word/settings.xml": lambda text: re.sub(
            r'<w:themeFontLang w:val="[^"]*"', f'<w:themeFontLang w:val="{bcp47(language)}"', text
        ),
        "word/_rels/document.xml.rels": lambda text: text.replace(
            "</Relationships>", relationships + "</Relationships>"
        ),
        "[Content_Types].xml": lambda text: text.replace("</Types>", overrides + "</Types>"),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(_pandoc_reference())) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info)
            if info.filename in rewrites:
                content = rewrites[info.filename](content.decode("utf-8")).encode("utf-8")
            target.writestr(info, content)
        for name, text in parts.items():
            target.writestr(name, text.encode("utf-8"))
    return out.getvalue()


def _sober_styles(text: str, language: str) -> str:
    """Pandoc's styles.xml in black and a serif, headings bold, in the document's language."""
    text = re.sub(r"<w:color\b[^>]*/>", "", text)  # no blue headings, no grey subtitle, no blue links
    text = re.sub(r"<w:rFonts\b[^>]*Theme=[^>]*/>", _FONTS, text)  # the theme's Calibri / Aptos become the serif
    tag = bcp47(language)
    main = tag.split("-")[0]
    text = re.sub(
        r"<w:lang\b[^>]*/>",
        f'<w:lang w:val="{tag}" w:eastAsia="{tag if main == "zh" else "zh-CN"}" '
        f'w:bidi="{tag if is_right_to_left(language) else "ar-SA"}"/>',
        text,
        count=1,
    )

    def restyle(match: re.Match[str]) -> str:
        style_id, block = match.group("id"), match.group()
        level = int(style_id[7]) if re.fullmatch(r"Heading\dChar|Heading\d", style_id) else None
        if level is not None:
            size, bold, italic = _HEADINGS.get(level, (24, False, True))
            weight = "<w:b/><w:bCs/>" if bold else '<w:b w:val="0"/>'
            slant = "<w:i/><w:iCs/>" if italic else ""
            run = f'{_FONTS}{weight}{slant}<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>'
            return re.sub(r"<w:rPr>.*?</w:rPr>", lambda _m: f"<w:rPr>{run}</w:rPr>", block, flags=re.DOTALL)
        if style_id == "Subtitle":  # the draft label, under the title: plain, bold, left, no numbering
            return (
                '<w:style w:type="paragraph" w:styleId="Subtitle"><w:name w:val="Subtitle"/><w:basedOn w:val="Normal"/>'
                '<w:next w:val="BodyText"/><w:uiPriority w:val="11"/><w:qFormat/>'
                '<w:pPr><w:keepNext/><w:spacing w:before="0" w:after="360"/></w:pPr>'
                '<w:rPr><w:b/><w:bCs/><w:sz w:val="24"/><w:szCs w:val="24"/></w:rPr></w:style>'
            )
        if style_id == "Hyperlink":
            return block.replace("<w:rPr>", '<w:rPr><w:u w:val="single"/>', 1)
        return block

    text = _STYLE.sub(restyle, text)
    return text.replace("</w:styles>", _NEW_STYLES + "</w:styles>")


def _xml_text(text: str) -> str:
    return escape(one_line(text), quote=False)


def _paragraph(runs: str, *, rtl: bool, style: str, align: str, size: int | None = None, bold: bool = False,
               border: bool = False) -> str:
    """One header or footer paragraph; ``align`` is the side in a left-to-right text.

    In a right-to-left paragraph (``w:bidi``) Word and LibreOffice read ``left`` and ``right`` from the
    paragraph's start, so the same value puts the symbol at the top left of an Arabic page, as UN
    documents have it.
    """
    properties = (
        f'<w:pPr><w:pStyle w:val="{style}"/>'
        + ('<w:pBdr><w:bottom w:val="single" w:sz="4" w:space="4" w:color="000000"/></w:pBdr>' if border else "")
        + ("<w:bidi/>" if rtl else "")
        + f'<w:jc w:val="{align}"/></w:pPr>'
    )
    run_properties = (
        ("<w:b/><w:bCs/>" if bold else "")
        + (f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>' if size else "")
        + ("<w:rtl/>" if rtl else "")
    )
    runs = runs.replace("<w:r><w:rPr>", f"<w:r><w:rPr>{run_properties}") if run_properties else runs
    return f"<w:p>{properties}{runs}</w:p>"


def _text_run(text: str) -> str:
    return f'<w:r><w:rPr></w:rPr><w:t xml:space="preserve">{_xml_text(text)}</w:t></w:r>'


def _field(instruction: str, shown: str) -> str:
    """A field Word and LibreOffice compute as they lay out the pages (``shown`` until they do)."""
    return (
        '<w:r><w:rPr></w:rPr><w:fldChar w:fldCharType="begin"/></w:r>'
        f'<w:r><w:rPr></w:rPr><w:instrText xml:space="preserve"> {instruction} </w:instrText></w:r>'
        '<w:r><w:rPr></w:rPr><w:fldChar w:fldCharType="separate"/></w:r>'
        f"<w:r><w:rPr></w:rPr><w:t>{shown}</w:t></w:r>"
        '<w:r><w:rPr></w:rPr><w:fldChar w:fldCharType="end"/></w:r>'
    )


def _footer(rtl: bool) -> str:
    runs = _field("PAGE", "1") + _text_run("/") + _field("NUMPAGES", "1")
    return f'<w:ftr {_PART_NAMESPACES}>{_paragraph(runs, rtl=rtl, style="Footer", align="center")}</w:ftr>'


def _running_header(symbol: str, rtl: bool) -> str:
    paragraph = _paragraph(_text_run(symbol), rtl=rtl, style="Header", align="right", bold=True, border=True)
    return f"<w:hdr {_PART_NAMESPACES}>{paragraph}</w:hdr>"


def _first_page_header(furniture: PageFurniture, rtl: bool) -> str:
    """The UN block of the first page: the symbol large at the top right, then distribution, date, original."""
    lines = first_page_lines(furniture)
    paragraphs = []
    if one_line(furniture.symbol):
        paragraphs.append(_paragraph(_text_run(furniture.symbol), rtl=rtl, style="Header", align="right", size=32,
                                     bold=True, border=not lines))
    for n, line in enumerate(lines, start=1):
        paragraphs.append(_paragraph(_text_run(line), rtl=rtl, style="Header", align="right", border=n == len(lines)))
    return f"<w:hdr {_PART_NAMESPACES}>{''.join(paragraphs) or '<w:p/>'}</w:hdr>"


def comment_marker(number: int) -> str:
    """Where :func:`markdown_to_docx` puts Word comment ``number`` (its text in ``comments[number - 1]``)."""
    return f"{_COMMENT_OPEN}{number}{_COMMENT_CLOSE}"


def markdown_to_docx(
    markdown_text: str,
    *,
    subtitle: str = "",
    comments: Sequence[str] = (),
    comment_author: str = "",
    comment_date: datetime | None = None,
    furniture: PageFurniture | None = None,
    landscape: bool = False,
) -> bytes:
    """Convert Markdown to a Word document: ``#`` becomes Heading 1, ``##`` Heading 2 and so on.

    Lists, emphasis, links, tables and footnotes become their Word equivalents. Pandoc runs sandboxed
    and links are limited to http, https, mailto and in-document anchors, as on the web page; images
    are left out (their alt text stays). ``subtitle`` (e.g. the draft label; ``furniture.label`` when
    not given) is written in Word's Subtitle style right under the title; :func:`docx_to_markdown`
    leaves it out, so a re-import ignores it. Where the text holds :func:`comment_marker` ``n``, a Word
    comment says ``comments[n - 1]`` (plain text), by ``comment_author`` at ``comment_date`` (UTC).

    The page is A4 (``landscape`` turns it), the styles sober (black, serif, headings bold) and every
    page numbered "N/M" (:func:`reference_docx`). ``furniture`` adds the running header with the
    symbol, the UN block on the first page, the text's language and direction, and the core properties
    (title, creator, language, created at ``furniture.date``); without it the core properties hold the
    title (the first Heading 1) and the time of the export.
    """
    extra_args = ["--wrap=none"]
    if not subtitle and furniture is not None:
        subtitle = furniture.label
    subtitle = _one_line(subtitle)  # pandoc drops control characters from the text; an argument cannot hold NUL
    if subtitle:
        extra_args.append(f"--metadata=subtitle:{subtitle}")
    if furniture is not None:
        extra_args.append(f"--metadata=lang:{bcp47(furniture.language)}")
        if is_right_to_left(furniture.language):
            extra_args.append("--metadata=dir:rtl")
    for number, said in enumerate(comments, start=1):
        extra_args.append(f"--metadata=comment-{number}:{_one_line(said)}")
    if comments:
        extra_args.append(f"--metadata=comment-author:{_one_line(comment_author)}")
        if comment_date is not None:
            extra_args.append(f"--metadata=comment-date:{comment_date:%Y-%m-%dT%H:%M:%SZ}")
    try:
        # A file of its own per conversion: pandoc reads the reference document by name.
        with tempfile.TemporaryDirectory(prefix="drafts-reference-") as tmp:
            reference = Path(tmp) / "reference.docx"
            reference.write_bytes(reference_docx(furniture, landscape=landscape))
            data = _run_pandoc(
                markdown_text,
                to="docx",
                read=_PANDOC_READ_MARKDOWN,
                lua=_LUA_TO_DOCX,
                extra_args=[*extra_args, f"--reference-doc={reference}"],
            )
    except PandocLimitError as exc:
        raise ExportFailed(f"the document is too large to convert to Word: {exc}.") from exc
    except (RuntimeError, OSError) as exc:
        raise ExportFailed(f"pandoc could not write the Word document: {_first_line(str(exc))}") from exc
    if not isinstance(data, bytes) or not data.startswith(_ZIP_MAGIC):
        raise ExportFailed("pandoc did not produce a Word document.")
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        body = archive.read("word/document.xml").decode("utf-8")
    body = _paragraph_numbers_inline(_label_under_title(body, rtl=furniture is not None and is_right_to_left(
        furniture.language)))
    core = _core_properties(furniture, title=_first_heading_text(body))
    return _rewrite_docx(data, {"word/document.xml": lambda _part: body.encode("utf-8"),
                                "docProps/core.xml": lambda _part: core})


# A paragraph of pandoc's word/document.xml in a given style (pandoc nests no paragraph in another).
_SUBTITLE_PARAGRAPH = re.compile(r'(?=<w:p[\s>])(?:(?!</w:p>).)*?<w:pStyle w:val="Subtitle"\s*/>.*?</w:p>', re.DOTALL)
_HEADING1_PARAGRAPH = re.compile(r'(?=<w:p[\s>])(?:(?!</w:p>).)*?<w:pStyle w:val="Heading1"\s*/>.*?</w:p>', re.DOTALL)


def _label_under_title(body: str, *, rtl: bool = False) -> str:
    """word/document.xml with the Subtitle paragraph pandoc writes above everything moved under the title
    (and, in a right-to-left text, made right to left as pandoc makes every other paragraph)."""
    subtitle = _SUBTITLE_PARAGRAPH.search(body)
    if subtitle is None:
        return body
    rest = body[: subtitle.start()] + body[subtitle.end() :]
    title = _HEADING1_PARAGRAPH.search(rest)
    if title is None:
        return body
    label = subtitle.group()
    if rtl and "<w:bidi" not in label:
        label = re.sub(r'(<w:pStyle w:val="Subtitle"\s*/>)', r"\1<w:bidi />", label, count=1)
    return rest[: title.end()] + label + rest[title.end() :]


# A paragraph holding only a paragraph number, then the paragraph it numbers (with its properties).
_NUMBER_BEFORE_PARAGRAPH = re.compile(
    r'<w:p><w:pPr>(?:(?!</w:p>).)*?</w:pPr>(<w:r><w:rPr><w:rStyle w:val="ParagraphNumber" />(?:(?!</w:r>).)*?</w:r>)'
    r"</w:p>\s*(<w:p>(?:<w:pPr>(?:(?!</w:p>).)*?</w:pPr>)?)",
    re.DOTALL,
)


def _paragraph_numbers_inline(body: str) -> str:
    """Each "¶n" paragraph the Lua filter put before a block moved into the block's first paragraph."""
    if "ParagraphNumber" not in body:
        return body
    return _NUMBER_BEFORE_PARAGRAPH.sub(r"\2\1", body)


def _first_heading_text(body: str) -> str:
    title = _HEADING1_PARAGRAPH.search(body)
    if title is None:
        return ""
    return unescape("".join(re.findall(r"<w:t(?:\s[^>]*)?>([^<]*)</w:t>", title.group())))


def _core_properties(furniture: PageFurniture | None, *, title: str) -> bytes:
    """docProps/core.xml: title, creator, language, and created and modified at the draft's freeze (else now)."""
    moment = furniture.date if furniture is not None and furniture.date is not None else datetime.now(UTC)
    stamp = (moment.astimezone(UTC) if moment.tzinfo is not None else moment).strftime("%Y-%m-%dT%H:%M:%SZ")
    title = one_line(furniture.title) if furniture is not None and one_line(furniture.title) else one_line(title)
    creator = one_line(furniture.author) if furniture is not None else ""
    language = f"<dc:language>{bcp47(furniture.language)}</dc:language>" if furniture is not None else ""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(title, quote=False)}</dc:title><dc:creator>{escape(creator, quote=False)}</dc:creator>"
        f"{language}"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
        "</cp:coreProperties>"
    ).encode()


def _one_line(text: str) -> str:
    """Text as one command-line metadata value: no characters XML cannot hold, no line breaks."""
    return " ".join(_XML_INVALID.sub("", _clean_text(text)).split())


_FOOTNOTE_DEFINITION = re.compile(r"^ {0,3}\[\^([^\]\s]+)\]:", re.MULTILINE)


def _scope_footnotes(body: str, prefix: str) -> str:
    """Give a body's footnote labels a per-section prefix: each body numbers its notes from 1, one document cannot."""
    labels = set(_FOOTNOTE_DEFINITION.findall(body))
    if not labels:
        return body
    # Only labels this body defines, so "[^a-z]" in a code sample without a definition is left alone.
    alternatives = "|".join(re.escape(label) for label in sorted(labels, key=len, reverse=True))
    pattern = re.compile(rf"\[\^({alternatives})\]")
    return pattern.sub(lambda m: f"[^{prefix}-{m.group(1)}]", body)


def _escape_markdown_text(text: str) -> str:
    """Backslash-escape every ASCII punctuation mark, so pandoc reads a heading as the literal text it is."""
    return re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", text)


def brackets_for_word(language: str) -> Callable[[str], str]:
    """Bracketed text (``drafts.brackets``) as a Word file shows it, in ``language``: square brackets,
    "[Option 1: a / Option 2: b]", holders in parentheses. The draft and the tracked changes both use it,
    so accepting every change gives the draft's own Word text."""
    option = bracket_words(language).option

    def option_label(n: int) -> str:
        return (option % {"n": n}).rstrip(":：")

    return lambda body: brackets.plain(body, option_label=option_label)


def export_docx(
    title: str,
    label: str,
    sections: list[ExportSection],
    scheme: str,
    *,
    keys: bool = False,
    language: str = "en",
    furniture: PageFurniture | None = None,
    paragraph_numbers: bool = False,
) -> bytes:
    """A Word document of a draft: the title as Heading 1, top-level sections as Heading 2 and so on.

    Headings carry their numbers ("Principle 7: Dignity", "7.3 Access"); ``label`` is the subtitle,
    under the title. Each heading is bookmarked with the section's web anchor (``s-7-3``), so
    in-document links work. With ``paragraph_numbers`` each paragraph starts with its number as the
    web page cites it ("¶2", in the Paragraph Number style), so "7.3 ¶2" can be found in the Word file
    too. With ``keys`` every heading ends with its ``{#key}`` as text (and paragraphs are never
    numbered), so a copy edited in Word can be imported with ``import_document --update`` and keep
    every section's identity. Reading the file back with :func:`parse_docx` gives the same outline, headings and
    numbers (paragraph numbers, the label and the page furniture are left out); bodies come back in
    pandoc's spelling of the same Markdown (e.g. ``-   item`` for ``- item``). ``furniture``: see
    :func:`markdown_to_docx`.
    """
    out = [f"# {_escape_markdown_text(_one_line(title))}", ""]
    in_word = brackets_for_word(language)
    for index, section in enumerate(sections, start=1):
        heading = _escape_markdown_text(_one_line(numbered_heading(section, scheme, language)))
        if keys:
            heading += f" \\{{#{section.key}\\}}"
        attributes = f"#{anchor_for(section.number, section.key)}"
        if paragraph_numbers and not keys and section.body.strip():
            count = render_markdown(section.body, anchor="p", label="", anchors=False).paragraph_count
            attributes += f' paragraphs="{count}"'
        out += [f"{'#' * min(section.depth + 2, 6)} {heading} {{{attributes}}}", ""]
        if section.body.strip():
            # Bracketed text as Word shows it: square brackets, "Option 1 / Option 2"; a copy for
            # re-import (keys) keeps the syntax as typed.
            body = section.body if keys else in_word(section.body)
            out += [_scope_footnotes(body.strip("\n"), f"s{index}"), ""]
    return markdown_to_docx("\n".join(out), subtitle=label, furniture=furniture)

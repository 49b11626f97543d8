"""Our files opened in a real client: LibreOffice headless (Debian's libreoffice-writer-nogui and
libreoffice-calc-nogui), and the PDFs it prints read back with poppler's pdftotext and pdfinfo.

Tests marked :data:`needs_libreoffice` are skipped, with the reason, on a machine without them; CI
installs both (``.ci/run``). Each test process has its own LibreOffice profile (two soffice processes
cannot share one), made once and holding one Basic macro, ``Changes``, which opens a Word file hidden,
accepts or rejects all its tracked changes through LibreOffice's own commands (the menu's
Edit > Track Changes > Accept All / Reject All) and saves the text LibreOffice then holds.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
PDFINFO = shutil.which("pdfinfo")
_SECONDS = 180  # a 200-section comparison takes LibreOffice about 10 s; a cold start a few more

needs_libreoffice = pytest.mark.skipif(
    SOFFICE is None or PDFTOTEXT is None or PDFINFO is None,
    reason="LibreOffice (soffice) and poppler-utils (pdftotext, pdfinfo) are not installed: "
    "apt-get install libreoffice-writer-nogui libreoffice-calc-nogui poppler-utils",
)

needs_poppler = pytest.mark.skipif(
    PDFTOTEXT is None or PDFINFO is None,
    reason="poppler-utils (pdftotext, pdfinfo) is not installed: apt-get install poppler-utils",
)

A4_PORTRAIT = (595.0, 842.0)  # points, as pdfinfo rounds them
A4_LANDSCAPE = (842.0, 595.0)

# The Basic code of the macro; the module file holds it XML-escaped (quotes included).
_BASIC = """Sub Changes(inUrl As String, outUrl As String, how As String)
  Dim load(0) As New com.sun.star.beans.PropertyValue
  load(0).Name = "Hidden"
  load(0).Value = True
  document = StarDesktop.loadComponentFromURL(inUrl, "_blank", 0, load())
  dispatcher = createUnoService("com.sun.star.frame.DispatchHelper")
  frame = document.getCurrentController().getFrame()
  If how = "accept" Then dispatcher.executeDispatch(frame, ".uno:AcceptAllTrackedChanges", "", 0, Array())
  If how = "reject" Then dispatcher.executeDispatch(frame, ".uno:RejectAllTrackedChanges", "", 0, Array())
  Dim store(0) As New com.sun.star.beans.PropertyValue
  store(0).Name = "FilterName"
  store(0).Value = "Text (encoded)"
  document.storeToURL(outUrl, store())
  document.close(True)
End Sub
"""
_MODULE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">\n'
    '<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Tests" script:language="StarBasic">'
    + escape(_BASIC, {'"': "&quot;"})
    + "</script:module>\n"
)
_LIBRARY = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">
<library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard"
 library:readonly="false" library:passwordprotected="false">
 <library:element library:name="Tests"/>
</library:library>
"""


@functools.cache
def _profile() -> Path:
    """This process's LibreOffice profile: made by LibreOffice itself, then given the macro."""
    profile = Path(tempfile.mkdtemp(prefix=f"drafts-libreoffice-{os.getpid()}-"))
    _soffice(profile, "--terminate_after_init")
    standard = profile / "user" / "basic" / "Standard"
    standard.mkdir(parents=True, exist_ok=True)
    (standard / "Tests.xba").write_text(_MODULE, encoding="utf-8")
    (standard / "script.xlb").write_text(_LIBRARY, encoding="utf-8")
    return profile


def _soffice(profile: Path, *arguments: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    assert SOFFICE is not None, "mark the test with needs_libreoffice"
    return subprocess.run(
        [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--nologo",
         "--nodefault", "--nolockcheck", *arguments],
        capture_output=True, text=True, timeout=_SECONDS, cwd=cwd, check=False,
    )


def to_pdf(data: bytes, suffix: str) -> bytes:
    """LibreOffice opens the file (``.docx``, ``.xlsx``, ``.odt`` ...) and prints it to PDF, as "Export as PDF" does."""
    with tempfile.TemporaryDirectory(prefix="drafts-lo-") as tmp:
        source = Path(tmp) / f"file{suffix}"
        source.write_bytes(data)
        result = _soffice(_profile(), "--convert-to", "pdf", "--outdir", tmp, str(source))
        pdf = Path(tmp) / "file.pdf"
        if not pdf.exists():
            raise AssertionError(f"LibreOffice did not convert the {suffix} file: {result.stdout} {result.stderr}")
        return pdf.read_bytes()


def docx_text(data: bytes, *, changes: str = "as_is") -> str:
    """The plain text LibreOffice holds of a Word file after accepting (``accept``) or rejecting
    (``reject``) all its tracked changes, or with them as they are (``as_is``): one line per paragraph."""
    if changes not in {"accept", "reject", "as_is"}:
        raise ValueError(f"changes must be accept, reject or as_is, not {changes!r}")
    with tempfile.TemporaryDirectory(prefix="drafts-lo-") as tmp:
        source, out = Path(tmp) / "file.docx", Path(tmp) / "out.txt"
        source.write_bytes(data)
        macro = f'macro:///Standard.Tests.Changes("{source.as_uri()}","{out.as_uri()}","{changes}")'
        result = _soffice(_profile(), macro)
        if not out.exists():
            raise AssertionError(f"LibreOffice did not open the Word file: {result.stdout} {result.stderr}")
        return out.read_text(encoding="utf-8-sig")


def _poppler(command: str | None, *arguments: str) -> str:
    assert command is not None, "mark the test with needs_libreoffice"
    result = subprocess.run([command, *arguments], capture_output=True, timeout=_SECONDS, check=True)
    return result.stdout.decode("utf-8", errors="replace")


def pdf_text(pdf: bytes, *, layout: bool = True) -> str:
    """The text of a PDF as pdftotext reads it (``-layout`` keeps columns side by side); pages split by form feeds."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        return _poppler(PDFTOTEXT, *(["-layout"] if layout else []), "-enc", "UTF-8", file.name, "-")


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page, in order."""
    pages = pdf_text(pdf).split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


def pdf_page_sizes(pdf: bytes) -> list[tuple[float, float]]:
    """Each page's width and height in points, rounded as pdfinfo prints them (A4 is 595 x 842)."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        info = _poppler(PDFINFO, "-f", "1", "-l", "100000", file.name)
    sizes = re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.MULTILINE)
    return [(round(float(w)), round(float(h))) for w, h in sizes]


def words(text: str) -> list[str]:
    """The words of a text, as a reader counts them (punctuation kept on its word)."""
    return text.split()

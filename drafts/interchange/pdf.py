"""PDF through WeasyPrint: a draft's printable HTML (:func:`export_pdf`), or any page (:func:`html_to_pdf`).

WeasyPrint lays out the HTML with its print stylesheet: A4 pages from CSS ``@page``, the running header
and the "N/M" page numbers from margin boxes (``string()``, ``counter(page)``, ``counter(pages)``), the
text's language and direction from ``<html lang dir>`` (Arabic comes out right to left, shaped by Pango).

Every cost is bounded (DESIGN.md rule 9). WeasyPrint keeps the whole laid-out document in memory and
takes time roughly in proportion to the pages: on the 2-core development machine the 200-section,
60,000-word document of tests/generate.py (180 pages) takes ~10 s and 270 MB, the largest a document may
be (:data:`~drafts.interchange.markdown.MAX_SECTIONS` sections, ~1,800 pages) ~140 s and 1.9 GB
(bench/exports.py prints the figures). So it runs in a child process, under limits on its memory and
time that a caller chooses: a page request the default :data:`PDF_MAX_SECONDS`, a command
:data:`PDF_MAX_SECONDS_OFFLINE`. Whatever hits a limit is an :class:`ExportFailed` saying so; a stopped
child leaves nothing behind in the server's own process.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import sys

from drafts.interchange.html import export_html
from drafts.interchange.markdown import ExportSection
from drafts.interchange.page import PageFurniture
from drafts.interchange.word import ExportFailed

logger = logging.getLogger(__name__)

_MB = 1024 * 1024
PDF_MAX_SECONDS = 30  # a page request (gunicorn allows 60): a 200-section draft takes ~10 s
PDF_MAX_SECONDS_OFFLINE = 900  # a command: the largest draft a document may be takes ~140 s
PDF_MAX_ADDRESS_SPACE_MB = 6144  # the largest draft peaks at 1.9 GB resident; Pango and Python map more

# The child: limits first, then WeasyPrint, which fetches nothing but data: URLs (images and fonts
# inlined in the page). The HTML comes on stdin, the PDF goes to stdout, warnings to stderr.
_CHILD = (
    "import resource, sys\n"
    "space, seconds = int(sys.argv[1]), int(sys.argv[2])\n"
    "resource.setrlimit(resource.RLIMIT_AS, (space, space))\n"
    "resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))\n"
    "from weasyprint import HTML\n"
    "from weasyprint.urls import URLFetcher\n"
    "fetcher = URLFetcher(allowed_protocols={'data'}, allow_redirects=False, timeout=1)\n"
    "html = sys.stdin.buffer.read().decode('utf-8')\n"
    "sys.stdout.buffer.write(HTML(string=html, url_fetcher=fetcher, media_type='print').write_pdf())\n"
)
_PDF_MAGIC = b"%PDF-"
_TOO_LARGE = "the document is too large to convert to PDF"


def html_to_pdf(html: str, *, max_seconds: float = PDF_MAX_SECONDS) -> bytes:
    """The PDF WeasyPrint prints of ``html`` (a whole page: its ``<style>`` sets page size and furniture).

    Nothing is fetched: a stylesheet, image or font linked by URL is left out, unless it is a
    ``data:`` URL. Runs in a child process limited to ``max_seconds`` (wall clock and CPU) and
    :data:`PDF_MAX_ADDRESS_SPACE_MB` of memory; raises :class:`ExportFailed` saying which limit
    stopped it, or why WeasyPrint failed.
    """
    seconds = max(1, int(max_seconds))
    command = [sys.executable, "-I", "-c", _CHILD, str(PDF_MAX_ADDRESS_SPACE_MB * _MB), str(seconds)]
    try:
        result = subprocess.run(  # noqa: S603 - our own interpreter and script; the page goes to stdin
            command, input=html.encode("utf-8", errors="replace"), capture_output=True, timeout=seconds, check=False
        )
    except subprocess.TimeoutExpired as exc:  # subprocess.run has killed it
        raise ExportFailed(f"{_TOO_LARGE}: it took longer than {seconds} seconds.") from exc
    stderr = result.stderr.decode("utf-8", errors="replace")
    if result.returncode in (-signal.SIGXCPU, -signal.SIGKILL):
        raise ExportFailed(f"{_TOO_LARGE}: it took longer than {seconds} seconds.")
    if result.returncode != 0 and "MemoryError" in stderr:
        raise ExportFailed(f"{_TOO_LARGE}: it needed more memory than a conversion may use.")
    if result.returncode != 0 or not result.stdout.startswith(_PDF_MAGIC):
        lines = [line for line in stderr.splitlines() if line.strip()]
        raise ExportFailed(f"WeasyPrint could not write the PDF: {lines[-1][:300] if lines else 'unknown error'}")
    if stderr.strip():
        logger.warning("weasyprint: %s", stderr.strip()[:2000])
    return result.stdout


def export_pdf(
    title: str,
    label: str,
    sections: list[ExportSection],
    scheme: str,
    *,
    language: str = "en",
    furniture: PageFurniture | None = None,
    max_seconds: float = PDF_MAX_SECONDS,
) -> bytes:
    """A draft as PDF: :func:`~drafts.interchange.html.export_html` printed by :func:`html_to_pdf`.

    A4, the UN block on the first page and the symbol in the running header (with ``furniture``),
    "N/M" page numbers, every paragraph's ``¶n`` in the margin, the contents, the text in its
    language and direction.
    """
    page = export_html(title, label, sections, scheme, lang=language, furniture=furniture)
    return html_to_pdf(page, max_seconds=max_seconds)

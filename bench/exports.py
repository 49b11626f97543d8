"""Time a draft's exports (HTML, Word, PDF) as circulated, for the 200- and the 2,000-section document,
and the comparison of two drafts as Word with tracked changes and as a PDF redline for pairs of both sizes.

Run with `make bench` or `.venv/bin/python bench/exports.py [--quick]` (``--quick``: the 200-section one only).
The documents come from the test generator (tests/generate.py: ~60,000 words in 200 sections, and the
same shape at the 2,000 sections a document may have at most); the exports are the ones ``export_draft``
and the download make, page furniture included, without a database. Prints seconds, sizes and PDF page
counts; exits 1 if an export misses its target. The targets are set from measurement on the 2-core
development machine with headroom: the 200-section PDF must fit the limit of a page request
(``PDF_MAX_SECONDS``), the 2,000-section one that of a command (``PDF_MAX_SECONDS_OFFLINE``).
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guidance.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from drafts import interchange  # noqa: E402
from drafts.interchange import ExportSection, PageFurniture  # noqa: E402
from drafts.models import Document  # noqa: E402
from drafts.presenting import comparison  # noqa: E402
from drafts.values import SectionState, Side  # noqa: E402
from tests.generate import build_document, generate_pair  # noqa: E402

# seconds: (html, docx, pdf). Measured: 200 sections 0.3 / 2.3 / 12.5 s; 2,000 sections 3 / 25 / 140 s.
TARGETS = {200: (2.0, 8.0, float(interchange.PDF_MAX_SECONDS)), 2000: (15.0, 60.0, 400.0)}
# seconds: (compare as Word, compare as PDF redline), the comparison itself included. The 200-section pair
# must fit a page request (PANDOC_MAX_SECONDS / PDF_MAX_SECONDS: 30 s each).
COMPARE_TARGETS = {200: (10.0, 30.0), 2000: (90.0, 400.0)}


def sections(count: int) -> list[ExportSection]:
    tree, _headings = build_document(random.Random(2026), sections=count)
    # The generator numbers principles "Principle 7"; a section's number is "7" (the scheme shows the word).
    return [ExportSection(s.key, s.heading, s.body, s.depth, s.number.removeprefix("Principle "))
            for s in tree.flatten()]


def pages(pdf: bytes) -> str:
    if shutil.which("pdfinfo") is None:
        return "?"
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        info = subprocess.run(["pdfinfo", file.name], capture_output=True, text=True, check=False).stdout
    return next((line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")), "?")


def compare_pair(count: int) -> list[str]:
    """Time the comparison downloads for a generated pair of ``count`` sections (moves, additions, edits)."""
    pair = generate_pair(sections=count)
    document = Document(slug="bench", title="Bench document", symbol="GMG/WG/2026/CRP.1")

    def side(sections) -> Side:
        return Side(document, None, [SectionState(s.key, s.heading, s.body, s.parent, s.position, s.number)
                                     for s in sections])

    missed = []
    print(f"  compare {len(pair.old)} -> {len(pair.new)} sections:")
    makers = {
        "docx": lambda view: interchange.comparison_docx(
            view, author="Bench", date=datetime(2026, 3, 1, tzinfo=UTC),
            title_block=comparison.word_title_block(view),
            furniture=comparison.comparison_furniture(view, symbol=document.symbol)),
        "pdf": lambda view: interchange.html_to_pdf(
            comparison.printable_redline(view, symbol=document.symbol),
            max_seconds=interchange.PDF_MAX_SECONDS if count == 200 else interchange.PDF_MAX_SECONDS_OFFLINE),
    }
    for (fmt, make), target in zip(makers.items(), COMPARE_TARGETS[count], strict=True):
        started = time.perf_counter()
        view = comparison.compare(side(pair.old), side(pair.new), changed_only=False)
        content = make(view)
        elapsed = time.perf_counter() - started
        extra = f", {pages(content)} pages" if fmt == "pdf" else ""
        verdict = "ok" if elapsed <= target else "MISSED"
        print(f"  {fmt:4} {elapsed:7.2f} s  (target {target:5.0f} s, {verdict})  {len(content) / 1e6:6.2f} MB{extra}")
        if elapsed > target:
            missed.append(f"{count}-section compare {fmt}")
    return missed


def main() -> int:
    furniture = PageFurniture(symbol="GMG/WG/2026/CRP.1", title="Bench document", label="Draft 3 (First draft)",
                              date=datetime(2026, 3, 1, 9, 30, tzinfo=UTC), author="Bench", language="en",
                              original="English")
    missed = []
    for count in [200] if "--quick" in sys.argv else [200, 2000]:
        chosen = sections(count)
        words = sum(len(s.body.split()) for s in chosen)
        print(f"{count} sections, {words:,} words:")
        seconds_allowed = interchange.PDF_MAX_SECONDS if count == 200 else interchange.PDF_MAX_SECONDS_OFFLINE
        for fmt, target in zip(("html", "docx", "pdf"), TARGETS[count], strict=True):
            started = time.perf_counter()
            content = interchange.export_as(fmt, title="Bench document", label=furniture.label, sections=chosen,
                                            scheme="principles", language="en", furniture=furniture,
                                            pdf_seconds=seconds_allowed)
            elapsed = time.perf_counter() - started
            size = len(content.encode() if isinstance(content, str) else content)
            extra = f", {pages(content)} pages" if isinstance(content, bytes) and fmt == "pdf" else ""
            verdict = "ok" if elapsed <= target else "MISSED"
            print(f"  {fmt:4} {elapsed:7.2f} s  (target {target:5.0f} s, {verdict})  {size / 1e6:6.2f} MB{extra}")
            if elapsed > target:
                missed.append(f"{count} sections {fmt}")
        missed += compare_pair(count)
    if missed:
        print("missed: " + ", ".join(missed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

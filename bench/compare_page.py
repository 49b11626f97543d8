"""Benchmark the full redline compare page against `git diff --no-index --word-diff=porcelain`.

Run from the repository root:  .venv/bin/python bench/compare_page.py  (or `make bench`)

On the generated 200-section, ~60,000-word pair (tests/generate.py, fixed seed) it times,
interleaved with git's word diff of the same two Markdown files:

* the whole compare page (alignment, word diffs, a redline per changed section, and the page
  template) with the rendered HTML of every version cached but no redline cached (target 8x git);
* the same with nothing cached (target 30x git);
* the same with everything cached (what a second visit costs);
* the side-by-side view, with renderings cached (target 8x git) and with nothing cached (target 30x);
* a single section: the 5,000-word rewrite and the pathological repeated-word pair (target 25x);
* peak extra memory of one uncached compare (target under 50 MB).

Prints figures; exits 1 if a target is missed.
"""

from __future__ import annotations

import itertools
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guidance.settings")
os.environ.setdefault("DEBUG", "1")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.template.loader import render_to_string  # noqa: E402
from django.test import RequestFactory  # noqa: E402

from drafts import diffing  # noqa: E402
from drafts.diffing import SectionState  # noqa: E402
from drafts.models import Document  # noqa: E402
from drafts.presenting import comparison as comparing  # noqa: E402
from drafts.values import Side  # noqa: E402
from tests.generate import generate_pair, long_text, to_markdown  # noqa: E402

RUNS = 7
_fresh = itertools.count()


def git_word_diff(a: Path, b: Path) -> None:
    subprocess.run(["git", "diff", "--no-index", "--no-color", "--no-ext-diff", "--word-diff=porcelain", str(a),
                    str(b)], capture_output=True, check=False)


def page(old: Side, new: Side, mode: str = "inline") -> str:
    view = comparing.compare(old, new)
    request = RequestFactory().get("/compare/")
    request.user = type("Anonymous", (), {"is_authenticated": False, "get_username": lambda self: ""})()
    return render_to_string("drafts/compare.html", {
        "document": old.document, "view": view, "refs": {"1": old.label, "2": new.label}, "old_ref": "1",
        "new_ref": "2", "show_all": False, "mode": mode, "summary": view.comparison.summary}, request=request)


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def interleaved(ours, theirs, before=lambda: None) -> tuple[float, float]:
    a, b = [], []
    for _ in range(RUNS):
        before()
        a.append(timed(ours))
        b.append(timed(theirs))
    return statistics.median(a), statistics.median(b)


def report(label: str, ours: float, git: float, target: float | None) -> bool:
    ratio = ours / git
    verdict = "" if target is None else f"(target <= {target:g}x: {'ok' if ratio <= target else 'MISSED'})"
    print(f"{label:<62}{ours * 1000:9.1f} ms {git * 1000:9.1f} ms {ratio:7.2f}x  {verdict}")
    return target is None or ratio <= target


def main() -> int:
    pair = generate_pair()
    old_sections, new_sections = pair.old, pair.new
    document = Document(slug="bench", title="Bench document")

    def side(sections) -> Side:
        return Side(document, None, [SectionState(s.key, s.heading, s.body, s.parent, s.position, s.number)
                                     for s in sections])

    old, new = side(old_sections), side(new_sections)
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        old_md, new_md = Path(folder, "old.md"), Path(folder, "new.md")
        old_md.write_text(to_markdown(old_sections), encoding="utf-8")
        new_md.write_text(to_markdown(new_sections), encoding="utf-8")
        words = len(new_md.read_text().split())
        print(f"pair: {len(old_sections)} -> {len(new_sections)} sections, {words} words; {RUNS} runs each, medians")
        print(f"{'case':<62}{'ours':>12} {'git':>12} {'ratio':>8}")

        def renderings_only() -> None:
            comparing._REDLINE_PREFIX = f"bench{next(_fresh)}"  # a fresh redline cache, renderings kept
            diffing._diff_summary.cache_clear()

        def nothing_cached() -> None:
            cache.clear()
            diffing._diff_summary.cache_clear()

        page(old, new)  # warm the renderings
        ours, git = interleaved(lambda: page(old, new), lambda: git_word_diff(old_md, new_md), renderings_only)
        ok &= report("compare page, renderings cached, redlines computed", ours, git, 8)
        ours, git = interleaved(lambda: page(old, new), lambda: git_word_diff(old_md, new_md), nothing_cached)
        ok &= report("compare page, nothing cached", ours, git, 30)
        page(old, new)
        ours, git = interleaved(lambda: page(old, new), lambda: git_word_diff(old_md, new_md))
        ok &= report("compare page, everything cached (a second visit)", ours, git, None)
        side = lambda: page(old, new, "side")  # noqa: E731
        ours, git = interleaved(side, lambda: git_word_diff(old_md, new_md), renderings_only)
        ok &= report("side by side, renderings cached, redlines computed", ours, git, 8)
        ours, git = interleaved(side, lambda: git_word_diff(old_md, new_md), nothing_cached)
        ok &= report("side by side, nothing cached", ours, git, 30)

        text = long_text(3, 5000)
        rewrite = long_text(4, 5000)
        pathological = ("shall " * 25000, "shall not " * 12500)
        for label, (a, b) in (("one 5,000-word section rewritten from scratch", (text, rewrite)),
                              ("pathological: long runs of one repeated word", pathological)):
            one_old = Side(document, None, [SectionState("s", "S", a, None, 1, "1")])
            one_new = Side(document, None, [SectionState("s", "S", b, None, 1, "1")])
            pa, pb = Path(folder, "a.md"), Path(folder, "b.md")
            pa.write_text(a, encoding="utf-8")
            pb.write_text(b, encoding="utf-8")
            ours, git = interleaved(lambda o=one_old, n=one_new: comparing.compare(o, n),
                                    lambda pa=pa, pb=pb: git_word_diff(pa, pb), nothing_cached)
            ok &= report(f"section: {label}", ours, git, 25)

    nothing_cached()
    tracemalloc.start()
    page(old, new)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak extra memory of one uncached compare page: {peak / 2**20:.1f} MB (target < 50 MB: "
          f"{'ok' if peak < 50 * 2**20 else 'MISSED'})")
    ok &= peak < 50 * 2**20
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

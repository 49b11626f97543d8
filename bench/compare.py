"""Benchmark drafts.diffing against `git diff --no-index --word-diff=porcelain`.

Run from the repository root:  .venv/bin/python bench/compare.py

Uses the test generator (tests/generate.py) for a realistic pair of 200-section, ~60,000-word
drafts, writes both as Markdown files to a temporary folder, and times, alternating run by run so
that both sides see the same machine state:

* compare_sections on the whole pair (with keys, and with keys stripped on the new side) against
  git's word diff of the two files (targets: within 3x of git);
* word_diff on single long sections (a 5,000-word section rewritten from scratch, the same lightly
  edited, and a pathological pair of long runs of one repeated word) against git on the same pair
  of texts (target: within 25x of git);
* difflib's SequenceMatcher against word_diff on the 5,000-word pairs, same tokens;
* peak extra memory (tracemalloc) of one whole-pair compare.

Prints figures only; exits 1 if a target is missed, so it can gate a CI step if wanted.
"""

from __future__ import annotations

import difflib
import random
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from drafts.diffing import _diff_summary, compare_sections, tokenize, word_diff  # noqa: E402
from tests.generate import generate_pair, lightly_edited, long_text, states, to_markdown  # noqa: E402

RUNS = 7  # per side, interleaved
WHOLE_PAIR_TARGET = 3.0
SECTION_TARGET = 25.0




def git_word_diff(a: Path, b: Path) -> None:
    result = subprocess.run(
        ["git", "diff", "--no-index", "--no-color", "--no-ext-diff", "--word-diff=porcelain", str(a), str(b)],
        capture_output=True,
        check=False,
    )
    if result.returncode not in (0, 1):  # 1 means "the files differ"
        raise RuntimeError(result.stderr.decode(errors="replace"))


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def interleaved(ours: Callable[[], object], theirs: Callable[[], object], runs: int = RUNS) -> tuple[float, float]:
    """Median seconds of ``ours`` and ``theirs``, run alternately after one warm-up each."""
    ours()
    theirs()
    mine: list[float] = []
    other: list[float] = []
    for _ in range(runs):
        _diff_summary.cache_clear()  # the word counts are memoised; each run must diff afresh
        mine.append(timed(ours))
        other.append(timed(theirs))
    return statistics.median(mine), statistics.median(other)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def row(label: str, ours: float, git: float, target: float) -> bool:
    ratio = ours / git
    ok = ratio <= target
    print(f"{label:<56}{ms(ours)}  {ms(git)}  {ratio:6.2f}x  (target <= {target:g}x: {'ok' if ok else 'MISSED'})")
    return ok


def write_pair(folder: Path, name: str, a: str, b: str) -> tuple[Path, Path]:
    pa, pb = folder / f"{name}-old.md", folder / f"{name}-new.md"
    pa.write_text(a, encoding="utf-8")
    pb.write_text(b, encoding="utf-8")
    return pa, pb


def main() -> int:
    pair = generate_pair()
    old, new, new_keyless = states(pair.old), states(pair.new), states(pair.new, keyless=True)
    words = sum(s.words for s in pair.old)
    ok = True
    print(
        f"Generated pair: {len(pair.old)} -> {len(pair.new)} sections, {words:,} words; "
        f"{len(pair.modified)} modified, {len(pair.added)} added, {len(pair.removed)} removed, "
        f"{len(pair.moved)} moved, {len(pair.renamed)} renamed. Medians of {RUNS} interleaved runs.\n"
    )
    print(f"{'case':<56}{'ours':>11}  {'git':>11}  {'ratio':>7}")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        old_md, new_md = write_pair(folder, "draft", to_markdown(pair.old), to_markdown(pair.new))
        ours, git = interleaved(lambda: compare_sections(old, new), lambda: git_word_diff(old_md, new_md))
        ok &= row("whole pair, compare_sections with keys", ours, git, WHOLE_PAIR_TARGET)
        ours, git = interleaved(lambda: compare_sections(old, new_keyless), lambda: git_word_diff(old_md, new_md))
        ok &= row("whole pair, compare_sections without keys", ours, git, WHOLE_PAIR_TARGET)

        rng = random.Random(5)
        rewrite_a, rewrite_b = long_text(101, 5000), long_text(202, 5000)
        runs_a = "".join("shall " if rng.random() < 0.9 else "not " for _ in range(50_000))
        runs_b = "".join("shall " if rng.random() < 0.9 else "not " for _ in range(50_000))
        sections = {
            "5,000-word section rewritten from scratch": (rewrite_a, rewrite_b),
            "5,000-word section, 20 small edits": (rewrite_a, lightly_edited(rewrite_a, 3, 20)),
            "pathological: 50,000 x 'shall'/'not' runs": (runs_a, runs_b),
        }
        for n, (label, (a, b)) in enumerate(sections.items()):
            pa, pb = write_pair(folder, f"section{n}", a, b)
            ours, git = interleaved(lambda a=a, b=b: word_diff(a, b), lambda pa=pa, pb=pb: git_word_diff(pa, pb))
            ok &= row(f"word_diff: {label}", ours, git, SECTION_TARGET)

    print("\ndifflib.SequenceMatcher vs word_diff (fast-diff-match-patch), same 5,000-word pairs, medians of 3:")
    for label in ("5,000-word section rewritten from scratch", "5,000-word section, 20 small edits"):
        a, b = sections[label]
        ta, tb = tokenize(a), tokenize(b)
        for autojunk in (False, True):
            t_difflib = statistics.median(
                timed(lambda: difflib.SequenceMatcher(None, ta, tb, autojunk=autojunk).get_opcodes())  # noqa: B023
                for _ in range(3)
            )
            print(f"  {label:<44} difflib(autojunk={autojunk!s:<5}) {ms(t_difflib)}")
        t_ours = statistics.median(timed(lambda: word_diff(a, b)) for _ in range(3))  # noqa: B023
        print(f"  {label:<44} word_diff (tokenize+diff+cleanup) {ms(t_ours)}")

    print("\nPeak extra memory of one whole-pair compare (tracemalloc):")
    for label, target in (("with keys", new), ("without keys", new_keyless)):
        tracemalloc.start()
        compare_sections(old, target)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"  {label:<14} {peak / 1024:8.0f} KiB")
    print("\nall targets met" if ok else "\nSOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark drafts.lineage.trace, and print the measurements behind its thresholds.

Run from the repository root:  .venv/bin/python bench/lineage.py [--similarities]

Uses the test generator (tests/generate.py) for realistic pairs of 200-section, ~60,000-word drafts
(about 1,300 paragraphs each) and times trace on them, median of several runs:

* the generator's usual pair (15% of sections edited, a few added, removed, moved and renamed);
* the same document with 85% of its sections edited, one to three edits each;
* that pair with every section removed (no successors), so every paragraph is looked for in the
  whole new draft: the global search and its prefilter at their worst.

Target: each under 200 ms of CPU time. Reading the paragraphs' text out of the bodies (rendering every section)
is timed too, for scale: it is done once per frozen draft, not per trace, and has no target here.

With --similarities it prints the figures EDITED_MIN_SIMILARITY is chosen from (about a minute): the
similarity of every pair of paragraphs of one draft, which are unrelated, and of each paragraph the
generator edited against its edited version; and how often the global search (no successors) finds
the same successor as the search within the section.

Prints figures only; exits 1 if a target is missed, so it can gate a CI step if wanted.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from drafts.lineage import (  # noqa: E402
    EDITED_MIN_SIMILARITY,
    Lineage,
    SectionText,
    _words,
    section_text,
    similarity,
    successors,
    trace,
)
from drafts.rendering import paragraph_texts  # noqa: E402
from tests.generate import GeneratedPair, generate_pair, states  # noqa: E402

RUNS = 7
TARGET = 0.200  # seconds per trace of a 200-section pair


def timed(fn: Callable[[], object]) -> float:
    # CPU seconds of this process: the development machine is shared, and waiting for a core is not
    # what trace costs.
    started = time.process_time()
    fn()
    return time.process_time() - started


def median_seconds(fn: Callable[[], object], runs: int = RUNS) -> float:
    fn()  # warm-up
    return statistics.median(timed(fn) for _ in range(runs))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.1f} ms"


def texts(pair: GeneratedPair) -> tuple[list[SectionText], list[SectionText], dict[str, str | None]]:
    old, new = states(pair.old), states(pair.new)
    return [section_text(s) for s in old], [section_text(s) for s in new], successors(old, new)


def outcome(lineage: Lineage) -> str:
    counts = Counter(landing.match for landing in lineage.landings if landing.paragraph)
    merged = sum(key is not None for key in lineage.merged_into.values())
    return f"{counts['same']} same, {counts['edited']} edited, {counts['gone']} gone; {merged} merged"


def main() -> int:
    ok = True
    usual, most_edited = generate_pair(), generate_pair(edited=0.85)
    print(f"Medians of {RUNS} runs; target for each trace <= {TARGET * 1000:.0f} ms.\n")
    reading = median_seconds(lambda: texts(usual), runs=3)
    print(f"{'reading paragraph texts of both drafts (rendering)':<62}{ms(reading)}  (once per draft, no target)\n")
    cases: dict[str, tuple[list[SectionText], list[SectionText], dict[str, str | None]]] = {}
    cases["usual pair (15% of sections edited)"] = texts(usual)
    old, new, succ = cases["most sections edited (85%)"] = texts(most_edited)
    cases["85% edited, no successors (all searched globally)"] = (old, new, dict.fromkeys(succ))
    for label, (old, new, succ) in cases.items():
        paragraphs = sum(len(s.paragraphs) for s in old)
        seconds = median_seconds(lambda old=old, new=new, succ=succ: trace(old, new, succ))
        met = seconds <= TARGET
        ok &= met
        print(f"{label:<62}{ms(seconds)}  {'ok' if met else 'MISSED'}")
        print(f"    {len(old)} sections, {paragraphs} paragraphs: {outcome(trace(old, new, succ))}")
    if "--similarities" in sys.argv:
        print()
        similarities(usual, cases["most sections edited (85%)"])
    print("\nall targets met" if ok else "\nSOME TARGETS MISSED")
    return 0 if ok else 1


def similarities(
    pair: GeneratedPair, edited: tuple[list[SectionText], list[SectionText], dict[str, str | None]]
) -> None:
    """The figures behind EDITED_MIN_SIMILARITY and the prefilter."""
    paragraphs = [p for s in pair.old for p in paragraph_texts(s.body)]
    words = [_words(p) for p in paragraphs]
    bags = [Counter(w) for w in words]
    # No diff keeps more words than two texts share, so pairs whose shared words are too few need no diff.
    floor = 0.35
    over: list[float] = []
    pairs = 0
    for i in range(len(paragraphs)):
        for j in range(i + 1, len(paragraphs)):
            pairs += 1
            if 2 * (bags[i] & bags[j]).total() >= floor * (len(words[i]) + len(words[j])):
                over.append(similarity(paragraphs[i], paragraphs[j]))
    over.sort()
    print(f"Unrelated: every pair of the {len(paragraphs):,} paragraphs of one draft ({pairs:,} pairs):")
    print(
        f"  highest {over[-1]:.3f}; pairs at or above 0.35: {sum(s >= 0.35 for s in over)}, 0.40: "
        f"{sum(s >= 0.40 for s in over)}, 0.45: {sum(s >= 0.45 for s in over)}, 0.50: {sum(s >= 0.5 for s in over)}"
    )

    scores: list[float] = []
    for seed in range(1, 11):
        other = generate_pair(seed=seed, edited=0.6)
        before = {s.key: paragraph_texts(s.body) for s in other.old}
        after = {s.key: paragraph_texts(s.body) for s in other.new}
        for key in other.modified:
            if len(before[key]) == len(after[key]):  # no paragraph split or added: the k-th became the k-th
                scores.extend(similarity(a, b) for a, b in zip(before[key], after[key], strict=True) if a != b)
    scores.sort()
    quantiles = statistics.quantiles(scores, n=100)
    print(
        f"Edited: {len(scores):,} paragraphs the generator edited (10 pairs, 60% of sections edited, 1-3 edits each):"
    )
    print(f"  median {statistics.median(scores):.3f}, 1st percentile {quantiles[0]:.3f}, 5th {quantiles[4]:.3f};")
    print("  under " + ", ".join(f"{t:.2f}: {sum(s < t for s in scores)}" for t in (0.3, 0.4, 0.45, 0.5, 0.55, 0.6)))
    print(f"  EDITED_MIN_SIMILARITY = {EDITED_MIN_SIMILARITY}")

    old, new, succ = edited
    in_place, globally = trace(old, new, succ), trace(old, new, dict.fromkeys(succ))
    pairs_in_place = [ld for ld in in_place.landings if ld.paragraph and ld.match == "edited"]
    found = sum(
        (g := globally.landing(ld.key, ld.paragraph)) is not None
        and (g.to_key, g.to_paragraph) == (ld.to_key, ld.to_paragraph)
        for ld in pairs_in_place
    )
    print(
        f"Prefilter: of {len(pairs_in_place)} paragraphs edited in place, the global search finds the same successor "
        f"for {found}."
    )


if __name__ == "__main__":
    sys.exit(main())

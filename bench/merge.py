"""Benchmark the three-way merge of concurrent edits (drafts/merge.py).

Run from the repository root:  .venv/bin/python bench/merge.py  (or `make bench`)

Prints the median time of merges a save may cause: an ordinary section, an 800-paragraph body with
edits scattered on both sides, and the pathological pair (50,000 words of two words repeated, each
side changing a third of them, as one paragraph and as a paragraph per word), whose diffs the time
limit cuts short. Target: every merge under 1 s on this machine (exits 1 if one is missed).
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drafts.merge import merge3

RUNS = 5
TARGET = 1.0


def timed(base: str, theirs: str, yours: str) -> tuple[float, int]:
    times, conflicts = [], 0
    for _ in range(RUNS):
        started = time.perf_counter()
        result = merge3(base, theirs, yours)
        times.append(time.perf_counter() - started)
        conflicts = len(result.conflicts)
    return statistics.median(times), conflicts


def main() -> int:
    rng = random.Random(7)
    cases = []
    paragraphs = [" ".join(f"w{rng.randrange(5000)}" for _ in range(40)) for _ in range(6)]
    theirs, yours = list(paragraphs), list(paragraphs)
    theirs[1] += " theirs"
    yours[4] += " yours"
    cases.append(("a 6-paragraph section, one edit each", paragraphs, theirs, yours, "\n\n"))
    paragraphs = [" ".join(f"w{rng.randrange(5000)}" for _ in range(20)) for _ in range(800)]
    theirs, yours = list(paragraphs), list(paragraphs)
    for k in range(0, 800, 100):
        theirs[k] += " theirs"
        yours[k + 50] += " yours"
    cases.append(("800 paragraphs, 8 edits each", paragraphs, theirs, yours, "\n\n"))
    words = [rng.choice(("shall", "not")) for _ in range(50_000)]

    def mutated(share: float) -> list[str]:
        return [rng.choice(("alpha", "beta", "gamma")) if rng.random() < share else w for w in words]

    one, two = mutated(0.3), mutated(0.3)
    cases.append(("pathological: 50,000 words, one paragraph", words, one, two, " "))
    cases.append(("pathological: 50,000 words, a paragraph per word", words, one, two, "\n\n"))
    ok = True
    print(f"{'case':<52}{'median':>10} {'conflicts':>10}")
    for label, base, theirs, yours, sep in cases:
        seconds, conflicts = timed(sep.join(base), sep.join(theirs), sep.join(yours))
        verdict = "ok" if seconds < TARGET else "MISSED"
        ok &= seconds < TARGET
        print(f"{label:<52}{seconds * 1000:8.1f} ms {conflicts:>10}  (target < {TARGET:g} s: {verdict})")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

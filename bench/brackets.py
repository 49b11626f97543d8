"""Benchmark the reading of bracketed text (drafts/brackets.py).

Run from the repository root:  .venv/bin/python bench/brackets.py  (or `make bench`)

Uses the test generator (tests/generate.py) for a realistic 200-section, ~60,000-word draft and puts
brackets in its bodies: in every third paragraph a bracket with two options and holders, every third
of those with a bracket nested in it. Prints the median CPU time of several runs of parse, check and
count over all 200 bodies, then of check, count and parse on 1 MB bodies of the marks that cost a
reader most: openings, option bars (a table row, so every one is read) and backticks.
Targets: all 200 sections parsed in under 50 ms; each 1 MB body read in under 1 s. A 1 MB body of
nothing but small brackets is timed too, for scale: it has no target (parse makes an object a bracket).

Prints figures only; exits 1 if a target is missed, so it can gate a CI step if wanted.
"""

from __future__ import annotations

import contextlib
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from drafts.brackets import BracketError, check, count, parse
from tests.generate import generate_pair

RUNS = 7
SECTIONS_TARGET = 0.050  # seconds to parse all 200 sections
PATHOLOGICAL_TARGET = 1.0  # seconds per reading of a 1 MB body


def cpu_seconds(fn: Callable[[], object], runs: int = RUNS) -> float:
    """Median CPU seconds of this process (the machine is shared: waiting for a core is not the cost)."""

    def once() -> float:
        started = time.process_time()
        with contextlib.suppress(BracketError):  # a pathological body may be refused: how fast is the point
            fn()
        return time.process_time() - started

    if runs == RUNS:
        once()  # warm-up, for the short timings
    return statistics.median(once() for _ in range(runs))


def bracketed(body: str, first: int) -> tuple[str, int]:
    """``body`` with a bracket in every third paragraph (counting from ``first``, the number of the
    body's first paragraph in the draft), and how many paragraphs it has."""
    paragraphs = body.split("\n\n")
    for k, paragraph in enumerate(paragraphs):
        n = first + k
        if n % 3:
            continue
        line, _, rest = paragraph.partition("\n")
        words = line.split(" ")
        if len(words) < 10:
            continue
        wording = words[2:8]
        if n % 9 == 0:
            wording[1:3] = [f"[[{wording[1]} {wording[2]}]]{{AOSIS}}"]
        words[2:8] = [f"[[{' '.join(wording)} || an alternative wording]]{{EU, G77}}"]
        paragraphs[k] = " ".join(words) + ("\n" + rest if rest else "")
    return "\n\n".join(paragraphs), len(paragraphs)


def main() -> int:
    bodies, paragraphs = [], 0
    for section in generate_pair().old:
        body, added = bracketed(section.body, paragraphs)
        bodies.append(body)
        paragraphs += added
    found = [count(body) for body in bodies]
    print(
        f"200 sections, {sum(len(b.split()) for b in bodies):,} words, {paragraphs:,} paragraphs: "
        f"{sum(c.brackets for c in found)} brackets, {sum(c.options for c in found)} with options"
    )
    print(f"Medians of {RUNS} runs, CPU time.\n")
    ok = True
    print(f"{'reading':<58}{'median':>10}")
    for label, reading in (("parse", parse), ("check", check), ("count", count)):
        seconds = cpu_seconds(lambda reading=reading: [reading(body) for body in bodies])
        if reading is parse:
            met = seconds < SECTIONS_TARGET
            ok &= met
            verdict = f"  (target < {SECTIONS_TARGET * 1000:.0f} ms: {'ok' if met else 'MISSED'})"
        else:
            verdict = ""
        print(f"{label + ' all 200 sections':<58}{seconds * 1000:8.1f} ms{verdict}")

    pathological = {
        "1 MB of openings [[": "[[" * 500_000,
        "1 MB of option bars || (a table row)": "|" + "||" * 500_000,
        "1 MB of backtick runs, ` and `` alternating": "` `` " * 200_000,
        "1 MB of backticks, one run": "`" * 1_000_000,
    }
    dense = "[[a]] " * 166_667
    print()
    for label, body in [*pathological.items(), ("1 MB of small brackets [[a]] (for scale)", dense)]:
        for name, reading in (("check", check), ("count", count), ("parse", parse)):
            seconds = cpu_seconds(lambda reading=reading, body=body: reading(body), runs=3)
            verdict = ""
            if body is not dense:
                met = seconds < PATHOLOGICAL_TARGET
                ok &= met
                verdict = f"  (target < {PATHOLOGICAL_TARGET:g} s: {'ok' if met else 'MISSED'})"
            print(f"{name + ': ' + label:<58}{seconds * 1000:8.1f} ms{verdict}")
    print("\nall targets met" if ok else "\nSOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""What rendering a section body costs, and what drafts.rendering.check_cost lets through.

Run from the repository root:  .venv/bin/python bench/rendering_cost.py

Prints, in CPU seconds of this process:

* the two reported failures, before (python-markdown alone) and after (render_markdown);
* for each construct python-markdown is superlinear on, python-markdown alone at two sizes (the
  second four times the first: a ratio near 16 is quadratic), then the largest body of it that
  check_cost accepts, its estimated work against its limit, and how long it takes to render;
* the demo drafts: each section and each whole draft, work per character and render time;
* check_cost itself on 1 MB bodies.

Targets: every accepted body renders within 2 s per 100 KB (at least 1 s), the ceiling the tests
use; check_cost takes under 50 ms for 1 MB of text. Exits 1 if one is missed.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from drafts import rendering  # noqa: E402
from drafts.rendering import Rendered, TooCostly, check_cost, render_markdown  # noqa: E402
from tests.generate import long_text  # noqa: E402

UNIT = 0.3e-6  # seconds a unit of work takes on the 2-core development machine
CHECK_TARGET = 0.050  # seconds for 1 MB

# name: (body of size n, the smaller n to time python-markdown alone on)
WORST: dict[str, tuple[Callable[[int], str], int]] = {
    "unbalanced [": (lambda n: "[" * n, 2_000),
    "![ runs": (lambda n: "![" * n, 1_000),
    "`[ pairs": (lambda n: "`[" * n, 1_000),
    "nested links": (lambda n: "[" * n + "x" + "](u)" * n, 1_000),
    "emphasis in nested links": (lambda n: "[*" * n + "x" + "*](u)" * n, 500),
    "unclosed link destinations": (lambda n: "[a](" * n, 1_000),
    "headings in one block": (lambda n: "# x\ny\n" * n, 1_000),
    "headings in a quote": (lambda n: "> # x\n" * n, 1_000),
    "setext underlines in one block": (lambda n: "x\n=\n" * n, 1_000),
    "link definitions between lines": (lambda n: "x\n[a]: b\n" * n, 1_000),
    "repeated footnote references": (lambda n: "[^1]" * n + "\n\n[^1]: The note.", 500),
    "many footnotes": (lambda n: "".join(f"[^{i}]" for i in range(n)) + _definitions(n), 1_000),
    "emphasis in one block": (lambda n: "*a* " * n, 8_000),
    "entities in one block": (lambda n: "&amp;" * n, 8_000),
    "code spans in a table row": (lambda n: "|a|\n|-|\n|" + "`|" * n, 2_000),
    "unclosed fences": (lambda n: "".join("`" * (3 + k % 3) + "x\n\nword\n\n" for k in range(n)), 1_000),
    "blank lines": (lambda n: "x" + "\n" * n + "x", 100_000),
    "blank quote lines": (lambda n: ">\nx\n" * n, 16_000),
    "nested list items in one block": (lambda n: "- x\n    - y\n" * n, 4_000),
    "list items in one block": (lambda n: "- x\n" * n, 10_000),
}  # fmt: skip


def _definitions(n: int) -> str:
    return "".join(f"\n\n[^{i}]: x" for i in range(n))


def ceiling(body: str) -> float:
    return max(1.0, 2.0 * len(body) / 100_000)


def markdown_alone(body: str) -> tuple[float, str]:
    """CPU seconds python-markdown (with this project's extensions, no cost check) takes, and how it ended."""
    started = time.process_time()
    try:
        rendering._rendered(body, "s-1", "1", True)
        outcome = "rendered"
    except Exception as error:  # RecursionError, above all
        outcome = type(error).__name__
    return time.process_time() - started, outcome


def rendered(body: str) -> tuple[float, Rendered[str]]:
    started = time.process_time()
    result = render_markdown(body, anchor="s-1", label="1")
    return time.process_time() - started, result


def work(body: str) -> int:
    return rendering._estimated_work(rendering._normalised(body), -1)


def accepted(body: str) -> bool:
    try:
        check_cost(body)
    except TooCostly:
        return False
    return True


def largest_accepted(make: Callable[[int], str], most: int = 1_000_000) -> int:
    low, high = 0, most
    while low < high:
        middle = (low + high + 1) // 2
        if len(make(middle)) > 1_000_000 or not accepted(make(middle)):
            high = middle - 1
        else:
            low = middle
    return low


def main() -> int:
    missed = []

    print("Reported failures")
    nested = "- " * 600 + "x"
    before, outcome = markdown_alone(nested)
    after, result = rendered(nested)
    print(f"  (a) '- ' * 600 + 'x': python-markdown: {outcome} in {before * 1000:.0f} ms;", end=" ")
    print(f"render_markdown: {after * 1000:.1f} ms, unrendered={result.unrendered}")
    small, _ = markdown_alone("[" * 2_500)
    after, result = rendered("[" * 20_000)
    print(f"  (b) 20,000 '[': python-markdown: ~{small * 64:.0f} s (64 x {small:.2f} s for 2,500);", end=" ")
    print(f"render_markdown: {after * 1000:.1f} ms, unrendered={result.unrendered}")

    print("\nWorst constructs: python-markdown alone at n and 4n; the largest body check_cost accepts")
    print(f"  {'construct':32} {'n':>7} {'time':>7} {'4n':>7} {'ratio':>6} | {'largest':>9} {'chars':>9}", end=" ")
    print(f"{'work':>11} {'limit':>11} {'render':>7} {'ceiling':>7}")
    for name, (make, n) in WORST.items():
        t1, _ = markdown_alone(make(n))
        t4, _ = markdown_alone(make(4 * n)) if t1 < 1.5 else (float("nan"), "")
        largest = largest_accepted(make)
        body = make(largest)
        took, result = rendered(body)
        print(f"  {name:32} {n:>7,} {t1:>7.3f} {t4:>7.3f} {t4 / t1:>6.1f} | {largest:>9,} {len(body):>9,}", end=" ")
        print(f"{work(body):>11,} {rendering._work_limit(len(body)):>11,} {took:>7.3f} {ceiling(body):>7.1f}")
        if took > ceiling(body) or result.unrendered:
            missed.append(f"{name}: {took:.2f} s")

    print("\nDemo drafts")
    for path in sorted((ROOT / "drafts" / "demo").glob("*.md")):
        text = path.read_text()
        sections = [s for s in re.split(r"^#{1,6} .*$", text, flags=re.MULTILINE) if s.strip()]
        per_char = max(work(s) / len(s) for s in sections)
        slowest = max(rendered(s)[0] for s in sections)
        took, _ = rendered(text)
        whole = work(text)
        print(f"  {path.name}: {len(sections)} sections, each at most {per_char:.1f} units a character", end=" ")
        print(f"and {slowest * 1000:.1f} ms; the whole draft, {len(text):,} characters: {whole:,} units", end=" ")
        print(f"({whole / len(text):.1f} a character), {took * 1000:.0f} ms")

    print("\ncheck_cost on 1 MB (best of 5)")
    megabyte = 1_000_000
    demo = "\n\n".join(path.read_text() for path in sorted((ROOT / "drafts" / "demo").glob("*.md")))
    for name, body in {
        "demo text": (demo * 5)[:megabyte],
        "generated text": long_text(seed=2, words=150_000)[:megabyte],
        "list items": "- x\n" * (megabyte // 4),
        "blank-line blocks": "x\n\n" * (megabyte // 3),
        "links, code, emphasis": ("[a](b) `c` *d* " * 70_000)[:megabyte],
        "tab-indented lines": "\tword\n" * (megabyte // 6),
        "20,000 '[' in prose": ("word [ " * 20_000 + "word " * 200_000)[:megabyte],
    }.items():
        best = best_check(body)
        verdict = "accepted" if accepted(body) else "refused"
        print(f"  {name:24} {best * 1000:6.1f} ms ({verdict})")
        if name == "demo text" and best > CHECK_TARGET:
            missed.append(f"check_cost on 1 MB of demo text: {best * 1000:.0f} ms")

    if missed:
        print("\nMISSED:", "; ".join(missed))
        return 1
    return 0


def best_check(body: str, runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        accepted(body)
        best = min(best, time.perf_counter() - started)
    return best


if __name__ == "__main__":
    sys.exit(main())

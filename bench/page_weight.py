"""Page weight and first contentful paint of a 200-section draft's reading page, in real Chromium.

Run from the repository root:  .venv/bin/python bench/page_weight.py [--runs 5] [--chromium /usr/bin/chromium]

Builds a throwaway database (SQLite in memory, or a test database on DATABASE_URL's server) with
`make_principles(document, principles=20, guidelines=9)` frozen as a public draft (201 sections),
serves it with Django's live-server thread (static files through the staticfiles finders, as in
development: no compression, no far-future caching), and loads the reading page in a fresh browser
context each run (nothing cached), as someone who is not signed in.

Prints, per resource and in total: bytes on the wire (Resource Timing transferSize: body and headers),
encoded and decoded body bytes, the bodies Playwright received and their gzipped size (what a
compressing proxy would send); then first paint, first contentful
paint, DOMContentLoaded and load (median of the runs). Exits 1 if a budget below is missed.
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import sys
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guidance.settings")
os.environ.setdefault("DEBUG", "1")
# Playwright's sync API runs an event loop in this thread; the ORM is only used before it starts.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import django  # noqa: E402

django.setup()

from django.contrib.staticfiles.handlers import StaticFilesHandler  # noqa: E402
from django.db import connection, connections  # noqa: E402
from django.test.testcases import LiveServerThread  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

# Budgets: generous ceilings that catch a regression (an accidental framework, an unbounded page),
# not targets to tune against. The reading page of 201 sections is one HTML document plus two files.
BUDGET_TOTAL_BYTES = 600 * 1024
BUDGET_REQUESTS = 6
BUDGET_FCP_MS = 1500

PERFORMANCE = """() => {
  const nav = performance.getEntriesByType('navigation')[0];
  const pick = e => ({name: e.name, type: e.initiatorType || 'navigation', transfer: e.transferSize,
                      encoded: e.encodedBodySize, decoded: e.decodedBodySize});
  return {
    entries: [pick(nav), ...performance.getEntriesByType('resource').map(pick)],
    paint: Object.fromEntries(performance.getEntriesByType('paint').map(p => [p.name, p.startTime])),
    domContentLoaded: nav.domContentLoadedEventEnd, load: nav.loadEventEnd,
    elements: document.getElementsByTagName('*').length,
    sections: document.querySelectorAll('.draft-text section').length,
  };
}"""


def build() -> str:
    """The draft's reading-page path, after building the document through the services."""
    from drafts.models import Draft
    from tests.factories import freeze, make_document, make_principles, make_user

    editor = make_user("weight-editor")
    document = make_document("weight", editor=editor, title="Page weight document")
    make_principles(document, principles=20, guidelines=9)
    draft = freeze(document, visibility=Draft.Visibility.PUBLIC)
    return draft.get_absolute_url()


def serve() -> LiveServerThread:
    # As LiveServerTestCase does: the server thread shares an in-memory SQLite connection.
    shared = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
    for conn in shared.values():
        conn.inc_thread_sharing()
    server = LiveServerThread("127.0.0.1", StaticFilesHandler, connections_override=shared, port=0)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    return server


def measure(browser, url: str) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    responses = []
    page.on("response", lambda response: responses.append(response))
    page.goto(url, wait_until="load")
    for _ in range(100):  # not wait_for_function: the page's CSP forbids the eval it polls with
        if page.evaluate("() => performance.getEntriesByType('paint').length") >= 2:
            break
        page.wait_for_timeout(100)
    figures = page.evaluate(PERFORMANCE)
    bodies = {r.url: r.body() for r in responses}
    figures["bodies"] = {u: len(b) for u, b in bodies.items()}
    # Served here uncompressed (runserver-like); what gzip at a proxy would make of the same bytes:
    figures["gzip"] = {u: len(gzip.compress(b, compresslevel=6)) for u, b in bodies.items()}
    figures["statuses"] = {r.url: r.status for r in responses}
    context.close()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="page loads, each in a fresh context (default 5)")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args()
    if not os.access(args.chromium, os.X_OK):
        print(f"No Chromium at {args.chromium}; pass --chromium or set CHROMIUM.", file=sys.stderr)
        return 2

    from playwright.sync_api import sync_playwright

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    server = None
    try:
        path = build()
        server = serve()
        url = f"http://127.0.0.1:{server.port}{path}"
        print(f"loading {url} ({args.runs} runs, nothing cached)", file=sys.stderr)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=args.chromium,
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                      "--disable-component-update", "--disable-sync", "--no-first-run"],
            )
            measure(browser, url)  # warm up the server's template and rendering caches
            runs = [measure(browser, url) for _ in range(args.runs)]
            browser.close()
    finally:
        if server is not None:
            server.terminate()
        connection.creation.destroy_test_db(old_name, verbosity=0)

    first = runs[0]
    bad = {u: s for u, s in first["statuses"].items() if s != 200}
    if bad:
        print(f"responses that were not 200: {bad}", file=sys.stderr)
        return 1
    print(f"Reading page of a {first['sections']}-section draft, {first['elements']} elements")
    print(f"{'resource':<40} {'type':<11} {'transfer':>10} {'encoded':>10} {'decoded':>10} {'body':>10} "
          f"{'gzipped':>10}")
    for entry in first["entries"]:
        name = urlsplit(entry["name"]).path
        print(f"{name:<40} {entry['type']:<11} {entry['transfer']:>10,} {entry['encoded']:>10,} "
              f"{entry['decoded']:>10,} {first['bodies'].get(entry['name'], 0):>10,} "
              f"{first['gzip'].get(entry['name'], 0):>10,}")
    total_transfer = sum(e["transfer"] for e in first["entries"])
    total_bodies = sum(first["bodies"].values())
    print(f"{'total':<40} {len(first['entries']):>8} req {total_transfer:>10,} "
          f"{sum(e['encoded'] for e in first['entries']):>10,} {sum(e['decoded'] for e in first['entries']):>10,} "
          f"{total_bodies:>10,} {sum(first['gzip'].values()):>10,}")

    def median(key: str) -> float:
        return statistics.median(r["paint"].get(key, float("nan")) if key.startswith("first") else r[key]
                                 for r in runs)

    fcp = median("first-contentful-paint")
    per_run = ", ".join(f"{r['paint']['first-contentful-paint']:.0f}" for r in runs)
    print(f"first paint {median('first-paint'):.0f} ms, first contentful paint {fcp:.0f} ms, "
          f"DOMContentLoaded {median('domContentLoaded'):.0f} ms, load {median('load'):.0f} ms "
          f"(median of {args.runs}; FCP per run: {per_run})")

    missed = []
    if total_transfer > BUDGET_TOTAL_BYTES:
        missed.append(f"{total_transfer:,} bytes > {BUDGET_TOTAL_BYTES:,}")
    if len(first["entries"]) > BUDGET_REQUESTS:
        missed.append(f"{len(first['entries'])} requests > {BUDGET_REQUESTS}")
    if fcp > BUDGET_FCP_MS:
        missed.append(f"FCP {fcp:.0f} ms > {BUDGET_FCP_MS} ms")
    if missed:
        print("budget missed: " + "; ".join(missed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

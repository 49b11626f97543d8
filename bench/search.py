"""Benchmark search (drafts.selectors.search_results and the page /search/) on a consultation-sized document.

Run from the repository root:  .venv/bin/python bench/search.py
On PostgreSQL:  DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_search .venv/bin/python bench/search.py

Builds, through the services (so the index is written as in production), a 200-section document (the first
draft of tests/generate.py's pair, with its ~60,000 words) and three frozen drafts: Draft 2 carries the pair's
edits, Draft 3 twenty light edits and is for invited stakeholders only. Drafts 1 and 2 each get 1,000 comments
uploaded by ten stakeholders of every category, in the words of bench/campaigns.py's Zipf-like vocabulary
(where "detention" is the commonest word); 40% are decided with a response, half of those published. It all
happens in a throwaway database, as bench/pages.py does: a temporary SQLite file, or test_bench_search on
DATABASE_URL's server, dropped at the end.

Prints the time the indexing service took during the build and for one search_reindex() of the document,
then, for each query and three readers (anonymous, a stakeholder, the editor), the results, median and p95
of RUNS calls of the selector and of the page through Django's test client, and the page's SQL queries.
Exits 1 if a page's p95 exceeds 500 ms or it makes more than 30 queries.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guidance.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.contrib.auth.models import AnonymousUser  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from bench.campaigns import SEED, prose, vocabulary  # noqa: E402
from drafts import selectors, services  # noqa: E402
from drafts.interchange.comment_sheets import CommentLine  # noqa: E402
from drafts.models import Disposition, Draft, DraftComment, DraftSection, Profile, SearchEntry, StakeholderCategory  # noqa: E402
from drafts.searching import parse  # noqa: E402
from drafts.services import search as search_index  # noqa: E402
from tests.factories import freeze, make_document, make_section, make_user  # noqa: E402
from tests.generate import generate_pair, lightly_edited  # noqa: E402

RUNS = 20
PAGE_P95_TARGET = 0.500  # seconds
QUERIES_TARGET = 30
STAKEHOLDERS = 10
COMMENTS_PER_DRAFT = 1000
WORDS, WEIGHTS = vocabulary(random.Random(SEED))
RARE = WORDS[-1]  # the least frequent word of the vocabulary: a handful of comments have it

CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("common word", "detention", {}),
    ("rare word", RARE, {}),
    ("phrase", '"supervisory authority"', {}),
    ("either word", "asylum OR controller", {}),
    ("exclusion", "detention -children", {}),
    ("three words", "controller appropriate safeguards", {}),
    ("comments by NGOs", "detention", {"kind": "comment", "category": StakeholderCategory.NGO}),
    ("page 3", "detention", {"page": 3}),
]


@contextmanager
def indexing_time(spent: list[float]) -> Iterator[None]:
    """Add to ``spent[0]`` the time spent in the indexing service's entry points while inside."""
    names = ("draft_indexed", "section_indexed", "comments_indexed")
    originals = {name: getattr(search_index, name) for name in names}

    def timed(fn: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                spent[0] += time.perf_counter() - started

        return wrapper

    for name, fn in originals.items():  # the services call them as search_index.<name>, so this is seen
        setattr(search_index, name, timed(fn))
    try:
        yield
    finally:
        for name, fn in originals.items():
            setattr(search_index, name, fn)


def text(rng: random.Random, shortest: int, longest: int) -> str:
    return " ".join(prose(rng, WORDS, WEIGHTS, rng.randint(shortest, longest)))


def comment_on(draft: Draft, people: list, editor, rng: random.Random) -> None:
    """COMMENTS_PER_DRAFT comments uploaded by ``people`` (one upload each), 40% decided with a response,
    half of those published."""
    keys = list(DraftSection.objects.filter(draft=draft).values_list("key", flat=True))
    for person in people:
        lines = [CommentLine(line=n + 2, section=rng.choice(keys), paragraph=rng.choice(("", "1")), kind="General",
                             comment=text(rng, 30, 90), proposed=text(rng, 10, 30) if rng.random() < 0.2 else "")
                 for n in range(COMMENTS_PER_DRAFT // len(people))]
        services.comments_upload(draft=draft, user=person, lines=lines)
    comments = list(DraftComment.objects.filter(draft=draft).order_by("pk"))
    decided = comments[: len(comments) * 2 // 5]
    dispositions = (Disposition.ACCEPTED, Disposition.MODIFIED, Disposition.REJECTED, Disposition.NOTED)
    for n, start in enumerate(range(0, len(decided), 20)):
        services.comment_dispose(comments=decided[start : start + 20], user=editor, draft=draft,
                                 disposition=dispositions[n % 4], response=text(rng, 20, 60))
    services.decisions_publish(draft=draft, user=editor, comments=decided[::2])


def revise(section, editor, heading: str, body: str) -> None:
    section.refresh_from_db()
    services.section_update(section=section, user=editor, base_version=section.version_number, heading=heading,
                            body=body, message="Revised")


def build() -> tuple[dict[str, Any], Any, float]:
    """The three readers, the document, and the seconds the indexing service took while it was made."""
    rng = random.Random(SEED)
    editor = make_user("bench-editor")
    categories = list(StakeholderCategory.values)
    people = []
    for n in range(STAKEHOLDERS):
        person = make_user(f"bench-stakeholder-{n:02d}")
        Profile.objects.create(user=person, organisation=f"Organisation {n:02d}", code=f"S{n:02d}",
                               category=categories[n % len(categories)])
        people.append(person)
    spent = [0.0]
    with indexing_time(spent):
        document = make_document("bench", editor=editor, stakeholders=people, title="Bench document")
        pair = generate_pair()
        sections: dict[str, Any] = {}
        for s in pair.old:
            sections[s.key] = make_section(document, s.heading, s.body, parent=sections[s.parent] if s.parent else None,
                                           key=s.key, numbered=bool(s.number), user=editor)
        now = timezone.now()
        window = {"comments_open_from": now - timedelta(days=1), "comments_open_until": now + timedelta(days=30)}
        comment_on(freeze(document, user=editor, **window), people, editor, rng)
        revised = {s.key: s for s in pair.new}
        for key in dict.fromkeys([*pair.modified, *pair.renamed]):
            revise(sections[key], editor, revised[key].heading, revised[key].body)
        comment_on(freeze(document, user=editor, **window), people, editor, rng)  # closes Draft 1's window
        for n, section in enumerate(list(sections.values())[5::10]):
            section.refresh_from_db()
            revise(section, editor, section.heading, lightly_edited(section.body, n))
        freeze(document, user=editor, visibility=Draft.Visibility.RESTRICTED)
    ngo = next(p for p in people if p.profile.category == StakeholderCategory.NGO)
    return {"anonymous": AnonymousUser(), "stakeholder": ngo, "editor": editor}, document, spent[0]


def timings(fn: Callable[[], object]) -> tuple[float, float]:
    """Median and 95th percentile seconds of RUNS calls, after one to warm up."""
    fn()
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), statistics.quantiles(times, n=20, method="inclusive")[-1]


def explain(sql: str) -> str:
    prefix = "EXPLAIN (ANALYZE, BUFFERS) " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(prefix + sql)
        return "\n".join("    " + " ".join(str(column) for column in row) for row in cursor.fetchall())


def measure(readers: dict[str, Any]) -> bool:
    ok = True
    slowest = (0.0, "", "")  # the slowest page by median: seconds, its slowest SQL statement, which page
    print(f"{RUNS} runs each after a warm-up; ms; target: page p95 <= {PAGE_P95_TARGET * 1000:.0f} ms, "
          f"<= {QUERIES_TARGET} SQL queries")
    print(f"{'query':<56}{'reader':<13}{'results':>8}{'selector med':>14}{'p95':>7}{'page med':>10}{'p95':>7}"
          f"{'SQL':>5}")
    for label, q, filters in CASES:
        for reader, user in readers.items():
            client = Client()
            if user.is_authenticated:
                client.force_login(user)
            params = {"q": q, **filters}
            found = selectors.search_results(user, parse(q), **filters)
            selector = timings(lambda user=user, q=q, filters=filters: selectors.search_results(user, parse(q),
                                                                                               **filters))
            page = timings(lambda client=client, params=params: client.get("/search/", params))
            reset_queries()  # the capture counts from the current end of the query log
            with CaptureQueriesContext(connection) as captured:
                response = client.get("/search/", params)
            assert response.status_code == 200, (q, reader, response.status_code)
            if page[0] > slowest[0]:
                statement = max(captured.captured_queries, key=lambda query: float(query["time"]))["sql"]
                slowest = (page[0], statement, f"{label}, {reader}")
            met = page[1] <= PAGE_P95_TARGET and len(captured) <= QUERIES_TARGET
            ok &= met
            results = f"{found.total:,}" + ("+" if found.capped else "")
            shown = f"{label}: {q}" + "".join(f" {k}={v}" for k, v in filters.items())
            print(f"{shown:<56}{reader:<13}{results:>8}{selector[0] * 1000:>14.0f}{selector[1] * 1000:>7.0f}"
                  f"{page[0] * 1000:>10.0f}{page[1] * 1000:>7.0f}{len(captured):>5}{'' if met else '  MISSED'}")
    seconds, sql, where = slowest
    print(f"\nthe slowest page ({where}, median {seconds * 1000:.0f} ms); its slowest SQL statement:\n    {sql[:600]}")
    print(explain(sql))
    return ok


def main() -> int:
    setup_test_environment()
    with tempfile.TemporaryDirectory() as folder:
        # A database of its own whatever DATABASE_URL names: autoclobber must never replace the test
        # suite's test database while it runs. SQLite in a file, not in memory, as the site keeps it.
        sqlite = connection.vendor == "sqlite"
        connection.settings_dict["TEST"]["NAME"] = str(Path(folder, "bench.sqlite3")) if sqlite else "test_bench_search"
        old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
        try:
            started = time.perf_counter()
            readers, document, indexing = build()
            print(f"{connection.vendor}: built 200 sections, 3 drafts, {DraftComment.objects.count():,} comments "
                  f"in {time.perf_counter() - started:.1f} s, {indexing:.2f} s of it in the indexing service")
            started = time.perf_counter()
            written = services.search_reindex(document)
            print(f"search_reindex() of the document: {written:,} entries ({SearchEntry.objects.count():,} in the "
                  f"index) in {time.perf_counter() - started:.2f} s")
            if not sqlite:
                with connection.cursor() as cursor:  # as autovacuum will have done by the time anyone searches
                    cursor.execute("ANALYZE")
            ok = measure(readers)
        finally:
            connection.creation.destroy_test_db(old_name, verbosity=0)
    print("\nall targets met" if ok else "\nSOME TARGETS MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Time the pages of a 200-section draft with 2,000 comments, in-process (Django test client).

Run with `make bench` or `.venv/bin/python bench/pages.py`. Uses a throwaway SQLite database
(or DATABASE_URL's server, in a test database), prints queries and median times; never part of the tests.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guidance.settings")
os.environ.setdefault("DEBUG", "1")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection, reset_queries  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402


def main() -> None:
    from django.contrib.contenttypes.models import ContentType
    from django.core.cache import cache

    from drafts import services
    from drafts.models import Draft, DraftComment, DraftSection, ParagraphLineage, Section
    from tests.factories import freeze, make_document, make_principles, make_user

    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        editor = make_user("bench-editor")
        document = make_document("bench", editor=editor, title="Bench document")
        started = time.perf_counter()
        make_principles(document, principles=20, guidelines=9)
        print(f"created 201 sections through the services in {time.perf_counter() - started:.2f} s", file=sys.stderr)
        now = timezone.now()
        draft = freeze(document, visibility=Draft.Visibility.PUBLIC, comments_open_from=now,
                       comments_open_until=now + timezone.timedelta(days=30))
        sections = list(DraftSection.objects.filter(draft=draft))
        section_type = ContentType.objects.get_for_model(DraftSection)
        for n in range(2000):
            s = sections[n % len(sections)]
            DraftComment(draft=draft, draft_section=s, paragraph=1 if n % 2 else None, content_type=section_type,
                         object_pk=str(s.pk), site_id=settings.SITE_ID, user=editor, user_name="Editor",
                         comment=f"Comment {n}", submit_date=now, is_public=True, reference=f"B-{n:04d}").save()
        client = Client()
        client.force_login(editor)
        pages = {
            "draft reading page (200 sections, 2,000 comments)": draft.get_absolute_url(),
            "section page with its comments": sections[50].get_absolute_url(),
            "editors' comment table (page 1 of 40)": f"/d/bench/drafts/{draft.number}/comments/",
            "document outline (working copy)": "/d/bench/",
        }
        # Draft 2: 30 sections edited, each citing a comment that is then accepted; lineage recorded at freeze.
        comments = list(DraftComment.objects.filter(draft=draft).order_by("pk")[:30])
        for c in comments:
            section = Section.objects.get(pk=c.draft_section.section_id)
            services.section_update(section=section, user=editor, base_version=section.version_number,
                                    heading=section.heading, body=section.body + " Revised.", message=f"For {c}",
                                    addresses=[c])
        services.comment_dispose(comments=comments, user=editor, draft=draft, disposition="accepted")
        started = time.perf_counter()
        second = freeze(document, visibility=Draft.Visibility.PUBLIC, user=editor)
        print(f"froze Draft 2 (201 sections, lineage of {ParagraphLineage.objects.filter(draft=second).count()} "
              f"paragraphs) in {time.perf_counter() - started:.2f} s")
        pages |= {
            "what changed and why (30 sections changed)": f"/d/bench/drafts/{second.number}/changes/",
            "response to comments (2,000 comments)": f"/d/bench/drafts/{draft.number}/responses/",
            "my comments (page 1 of 40)": "/my/comments/",
        }
        for name, url in pages.items():
            cache.clear()
            reset_queries()  # the capture counts from the current end of the query log
            with CaptureQueriesContext(connection) as queries:
                cold_start = time.perf_counter()
                response = client.get(url)
                cold = time.perf_counter() - cold_start
            assert response.status_code == 200, (url, response.status_code)
            times = []
            for _ in range(15):
                start = time.perf_counter()
                client.get(url)
                times.append(time.perf_counter() - start)
            print(f"{name}: {len(queries)} queries, {len(response.content) / 1024:.0f} KiB, "
                  f"cold {cold * 1000:.0f} ms, warm median {statistics.median(times) * 1000:.0f} ms")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()

"""Compare pages as a reader gets them (issue 14): side by side marked on both sides in aligned rows,
list items and table rows inserted or removed as wholes, moves as links both ways, every id unique,
numbers isolated for right-to-left pages."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation

from drafts import services
from drafts.models import Draft, Section
from drafts.redline import redline, redline_rows
from drafts.rendering import render_markdown
from tests.factories import freeze

pytestmark = pytest.mark.django_db


class _Panes(HTMLParser):
    """The tags met inside the old and the new panes of side by side, and every id on the page."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str | None] = []  # the pane each open element is in
        self.tags: dict[str, Counter] = {"old": Counter(), "new": Counter()}
        self.rows = 0
        self.ids: Counter = Counter()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("id"):
            self.ids[a["id"]] += 1
        pane = self.stack[-1] if self.stack else None
        classes = (a.get("class") or "").split()
        if pane is None and tag == "div" and ("old" in classes or "new" in classes) and self.in_side:
            pane = "old" if "old" in classes else "new"
            self.rows += pane == "old"
        if pane is not None:
            self.tags[pane][tag] += 1
        if tag == "div" and "side-by-side" in classes:
            self.side_depth = len(self.stack)
        if tag not in ("br", "hr", "img", "input", "meta", "link"):
            self.stack.append(pane)

    @property
    def in_side(self) -> bool:
        return getattr(self, "side_depth", None) is not None

    def handle_endtag(self, tag: str) -> None:
        if tag not in ("br", "hr", "img", "input", "meta", "link") and self.stack:
            self.stack.pop()
            if getattr(self, "side_depth", None) == len(self.stack):
                self.side_depth = None


def panes(page: str) -> _Panes:
    reader = _Panes()
    reader.feed(page)
    return reader


def html(text: str) -> str:
    return render_markdown(text, anchor="r-s", label="", anchors=False).html


@pytest.fixture
def document(make_guidance, people):
    document = make_guidance(principles=3, guidelines=2)
    sections = {s.key: s for s in Section.objects.filter(document=document)}
    services.section_update(
        section=sections["p2-g1"], user=people["member"], base_version=1, heading="Guideline 2.1",
        body="States should ensure access to justice.[^1]\n\n- one\n- two\n\n| A | B |\n|---|---|\n| 1 | 2 |\n\n"
             "[^1]: A note.", message="Before",
    )
    freeze(document, visibility=Draft.Visibility.PUBLIC)
    services.section_update(
        section=sections["p2-g1"], user=people["member"], base_version=2, heading="Guideline 2.1",
        body="States must ensure access to justice.[^1]\n\n- one\n- a new item\n- two\n\n"
             "| A | B |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n\n[^1]: A note.", message="After",
    )
    services.section_move(section=sections["p1-g2"], user=people["member"], parent=sections["p3"], position=1)
    freeze(document, visibility=Draft.Visibility.PUBLIC)
    return document


def compare_page(client, **query) -> str:
    url = reverse("drafts:compare", kwargs={"slug": "guidance"})
    response = client.get(url, {"from": 1, "to": 2, **query})
    assert response.status_code == 200
    return response.content.decode()


def test_side_by_side_marks_deletions_on_the_left_and_insertions_on_the_right(client, document) -> None:
    reader = panes(compare_page(client, mode="side"))
    assert reader.tags["old"]["del"] and not reader.tags["old"]["ins"], reader.tags
    assert reader.tags["new"]["ins"] and not reader.tags["new"]["del"], reader.tags
    # Row by row: the modified section alone has its paragraph, list, table and notes aligned.
    assert reader.rows >= 4


def test_every_id_on_the_side_by_side_page_is_unique(client, document) -> None:
    for mode in ("side", "inline"):
        duplicated = {i: n for i, n in panes(compare_page(client, mode=mode, all=1)).ids.items() if n > 1}
        assert not duplicated, (mode, duplicated)


def test_the_footnote_links_of_the_old_pane_stay_in_the_old_pane(client, document) -> None:
    page = compare_page(client, mode="side")
    assert 'href="#o-p2-g1-fn1"' in page and 'id="o-p2-g1-fn1"' in page
    assert 'href="#r-p2-g1-fn1"' in page and 'id="r-p2-g1-fn1"' in page


def test_a_moved_section_links_to_where_it_was_and_its_old_place_links_to_where_it_is(client, document) -> None:
    page = compare_page(client)
    assert 'id="k-p1-g2"' in page and 'id="k-p1-g2-was"' in page
    new_place, old_place = page.index('id="k-p1-g2"'), page.index('id="k-p1-g2-was"')
    assert old_place < new_place  # 1.2 was before Principle 3, where it now is
    assert 'Moved from <a href="#k-p1-g2-was"><bdi>1.2</bdi></a>' in page
    assert 'Moved to <a href="#k-p1-g2"><bdi>3.1</bdi></a>' in page
    side = compare_page(client, mode="side")
    assert 'href="#k-p1-g2-was"' in side and 'href="#k-p1-g2"' in side


def test_a_moved_section_is_listed_and_counted_once(client, document) -> None:
    response = client.get(reverse("drafts:compare", kwargs={"slug": "guidance"}), {"from": 1, "to": 2})
    view = response.context["view"]
    assert [s.change.key for s in view.sections].count("p1-g2") == 1
    assert [s.change.key for s in view.places].count("p1-g2") == 2
    assert view.changed_count == sum(1 for s in view.sections if s.change.changes)


def test_an_inserted_list_item_and_table_row_read_as_whole_items() -> None:
    marked = redline(html("- one\n- two\n\n| A | B |\n|---|---|\n| 1 | 2 |\n"),
                     html("- one\n- new item\n- two\n\n| A | B |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n"))
    assert '<li class="item-inserted"><ins class="block">new item</ins></li>' in marked
    assert '<tr class="row-inserted">' in marked and "row inserted" in marked
    assert "para-mark" not in marked
    assert "<li>one</li>" in marked and "<li>two</li>" in marked  # neighbours untouched


def test_a_removed_list_item_and_table_row_read_as_whole_items() -> None:
    marked = redline(html("- one\n- gone\n- two\n\n| A | B |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n"),
                     html("- one\n- two\n\n| A | B |\n|---|---|\n| 1 | 2 |\n"))
    assert '<li class="item-deleted"><del class="block">gone</del></li>' in marked
    assert '<tr class="row-deleted">' in marked and "<td>1</td>" in marked
    assert "para-mark" not in marked


def test_an_edited_item_and_cell_are_marked_inside_them() -> None:
    marked = redline(html("- one\n- two\n\n| A | B |\n|---|---|\n| 1 | 2 |\n"),
                     html("- one\n- two and more\n\n| A | B |\n|---|---|\n| 1 | 3 |\n"))
    assert "<li>two<ins> and more</ins></li>" in marked
    assert "<td><del>2</del><ins>3</ins></td>" in marked
    assert "para-mark" not in marked


def test_an_inserted_paragraph_is_one_inserted_block_and_its_neighbour_is_untouched() -> None:
    marked = redline(html("First.\n\nSecond."), html("First.\n\nA new one.\n\nSecond."))
    assert '<ins class="block"><p>A new one.</p></ins>' in marked and "<p>Second.</p>" in marked
    assert "para-mark" not in marked


def test_rows_pair_the_two_sides() -> None:
    rows = redline_rows(html("Keep.\n\nOld words here.\n\nGone."), html("Keep.\n\nNew words here.\n\nAdded."))
    assert rows[0].changed is False
    assert all("<ins" not in r.old and "<del" not in r.new for r in rows)
    assert "".join(r.old for r in rows).count("<p>") == 3 and "".join(r.new for r in rows).count("<p>") == 3


def test_on_a_right_to_left_page_a_renumbering_reads_from_the_old_number_to_the_new(client, document) -> None:
    with translation.override("ar"):
        client.cookies["django_language"] = "ar"
        page = client.get(reverse("drafts:compare", kwargs={"slug": "guidance"}), {"from": 1, "to": 2},
                          HTTP_ACCEPT_LANGUAGE="ar").content.decode()
    assert 'dir="rtl"' in page
    # Principle 3's guidelines were renumbered 3.1 -> 3.2 and 3.2 -> 3.3: old first, arrow pointing left.
    assert '<bdi>3.1</bdi> <span class="arrow" aria-hidden="true">←</span>' in page
    del client.cookies["django_language"]
    page_en = compare_page(client)
    assert '<bdi>3.1</bdi> <span class="arrow" aria-hidden="true">→</span>' in page_en

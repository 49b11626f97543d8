"""Left-to-right text inside right-to-left pages: on the Arabic interface a document's contents entries keep
their number at their start (``<bdi>`` number, ``<bdi>`` heading, in the document's direction), what people
wrote keeps its own direction (``dir="auto"``), and IDs, names and organisations are isolated (``<bdi>``).

The assertions are on the parsed page (a small tree from ``html.parser``), not on substrings of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse

from tests.test_comments import document, draft, post_comment  # noqa: F401 - fixtures and the posting helper

pytestmark = pytest.mark.django_db

ENGLISH_COMMENT = "Please add this."
VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"})


@dataclass(eq=False)
class Element:
    tag: str
    attrs: dict[str, str]
    parent: Element | None = None
    children: list[Element | str] = field(default_factory=list)

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def elements(self) -> list[Element]:
        return [c for c in self.children if isinstance(c, Element)]

    def iter(self):
        for child in self.elements():
            yield child
            yield from child.iter()

    def find_all(self, tag: str | None = None, css: str | None = None) -> list[Element]:
        return [e for e in self.iter() if (tag is None or e.tag == tag)
                and (css is None or css in e.attrs.get("class", "").split())]

    def direction(self) -> str:
        """The nearest ``dir`` from this element up: the direction its text is laid out in."""
        element: Element | None = self
        while element is not None:
            if "dir" in element.attrs:
                return element.attrs["dir"]
            element = element.parent
        return ""


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.root = self.current = Element("#document", {})

    def handle_starttag(self, tag, attrs) -> None:
        element = Element(tag, {k: v or "" for k, v in attrs}, parent=self.current)
        self.current.children.append(element)
        if tag not in VOID:
            self.current = element

    def handle_endtag(self, tag) -> None:
        element: Element | None = self.current
        while element is not None and element.tag != tag:
            element = element.parent
        if element is not None and element.parent is not None:
            self.current = element.parent

    def handle_data(self, data) -> None:
        self.current.children.append(data)


def parse(response) -> Element:
    assert response.status_code == 200, response.status_code
    builder = _TreeBuilder()
    builder.feed(response.content.decode())
    builder.close()
    return builder.root


def isolated(page: Element) -> list[str]:
    """The text of every ``<bdi>`` on the page."""
    return [bdi.text() for bdi in page.find_all("bdi")]


def text_holding(page: Element, words: str, tag: str | None = None) -> list[Element]:
    """The innermost elements (of ``tag``) whose text holds ``words``."""
    found = [e for e in page.find_all(tag) if words in e.text()]
    return [e for e in found if not any(words in inner.text() for inner in e.find_all(tag))]


def assert_right_to_left_interface(page: Element) -> None:
    html = page.find_all("html")[0]
    assert (html.attrs.get("lang"), html.attrs.get("dir")) == ("ar", "rtl")


def assert_keeps_its_own_direction(page: Element, words: str) -> None:
    """Text people wrote sits in a block whose direction comes from the text (``dir="auto"``), not the page's."""
    holders = text_holding(page, words)
    assert holders, f"{words!r} is not on the page"
    for element in holders:
        assert element.direction() == "auto", f"{words!r} is laid out {element.direction()!r} in <{element.tag}>"


@pytest.fixture
def arabic(client):
    """A client reading the interface in Arabic (the cookie the language switcher sets)."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ar"
    return client


@pytest.fixture
def english_comment(arabic, people, draft):  # noqa: F811
    """An English comment by the NGO (Migrant Rights Network) on 7.3, posted from the Arabic interface."""
    arabic.force_login(people["ngo"])
    assert post_comment(arabic, draft, comment=ENGLISH_COMMENT).status_code == 302
    return draft.comments.get()


def draft_url(name: str, draft, **extra) -> str:  # noqa: F811
    return reverse(f"drafts:{name}", kwargs={"slug": draft.document.slug, "number": draft.number, **extra})


def test_the_bdi_filter_escapes_what_it_isolates() -> None:
    rendered = Template('{% load drafts_tags %}{{ heading|bdi }}').render(Context({"heading": "<b>7.3</b> & co"}))
    assert rendered == "<bdi>&lt;b&gt;7.3&lt;/b&gt; &amp; co</bdi>"


def test_contents_entries_isolate_number_and_heading_in_the_documents_direction(arabic, people, draft) -> None:  # noqa: F811
    arabic.force_login(people["stakeholder"])
    page = parse(arabic.get(draft_url("draft_detail", draft)))
    assert_right_to_left_interface(page)
    entries = page.find_all("nav", css="toc")[0].find_all("a")
    assert len(entries) == draft.sections.count()
    shown = {}
    for entry in entries:
        (span,) = entry.elements()
        assert (span.attrs.get("lang"), span.attrs.get("dir")) == ("en", "ltr")  # the document's
        parts = span.elements()
        assert all(part.tag == "bdi" for part in parts) and span.text() == " ".join(p.text() for p in parts)
        shown[parts[-1].text()] = [p.text() for p in parts]
    assert shown["Guideline 7.3"] == ["7.3", "Guideline 7.3"]  # number first, then heading
    assert shown["Principle heading 7"] == ["Principle 7", "Principle heading 7"]
    assert shown["Introduction"] == ["Introduction"]  # unnumbered: the heading alone


def test_the_section_heading_isolates_number_and_heading_in_the_documents_direction(arabic, people, draft) -> None:  # noqa: F811
    arabic.force_login(people["stakeholder"])
    page = parse(arabic.get(draft_url("draft_section", draft, key="p7-g3")))
    (heading,) = page.find_all("h1")
    assert (heading.attrs.get("lang"), heading.attrs.get("dir")) == ("en", "ltr")
    assert [(e.tag, e.text()) for e in heading.elements()] == [("bdi", "7.3"), ("bdi", "Guideline 7.3")]


def test_an_english_comment_keeps_its_direction_and_its_author_is_isolated(arabic, english_comment) -> None:
    page = parse(arabic.get(draft_url("draft_section", english_comment.draft, key="p7-g3")))
    assert_right_to_left_interface(page)
    assert_keeps_its_own_direction(page, ENGLISH_COMMENT)
    (comment,) = page.find_all("li", css="comment")
    names = isolated(comment)
    assert english_comment.reference in names and english_comment.reference.startswith("MRN-")
    assert "Migrant Rights Network" in names and "7.3" in names  # the organisation; where it points
    (who,) = comment.find_all(css="who")
    assert who.attrs.get("dir") == "auto"  # "Ngo, Migrant Rights Network" reads as one name


def test_the_comment_table_isolates_ids_organisations_and_places(arabic, people, english_comment) -> None:
    arabic.force_login(people["editor"])
    page = parse(arabic.get(draft_url("comment_table", english_comment.draft)))
    assert_right_to_left_interface(page)
    (row,) = page.find_all("table", css="comment-table")[0].find_all("tbody")[0].find_all("tr")
    id_cell = row.find_all("th")[0]
    assert [(e.tag, e.text()) for e in id_cell.find_all("bdi")] == [("bdi", english_comment.reference)]
    assert "Migrant Rights Network" in isolated(row) and "7.3" in isolated(row)
    assert_keeps_its_own_direction(page, ENGLISH_COMMENT)
    (cell,) = text_holding(row, ENGLISH_COMMENT, "td")
    assert "dir" not in cell.attrs, "the whole cell, labels and all, would be laid out as the comment is"


@pytest.mark.parametrize("who, name", [("ngo", "my_comments"), ("editor", "draft_responses")])
def test_the_other_comment_tables_isolate_ids_and_keep_the_comments_direction(
    arabic, people, english_comment, who, name
) -> None:
    arabic.force_login(people[who])
    url = reverse("drafts:my_comments") if name == "my_comments" else draft_url(name, english_comment.draft)
    page = parse(arabic.get(url))
    assert_right_to_left_interface(page)
    assert english_comment.reference in isolated(page)
    assert "7.3" in isolated(page)
    assert_keeps_its_own_direction(page, ENGLISH_COMMENT)


def test_the_decision_page_isolates_the_id_and_place_in_its_translated_title(arabic, people, english_comment) -> None:
    arabic.force_login(people["editor"])
    page = parse(arabic.get(draft_url("comment_decide", english_comment.draft, comment_id=english_comment.pk)))
    (title,) = page.find_all("h1")
    assert [e.text() for e in title.find_all("bdi")] == [english_comment.reference, "7.3"]
    assert title.text().strip() != f"Comment {english_comment.reference} on 7.3"  # the sentence is in Arabic
    assert_keeps_its_own_direction(page, ENGLISH_COMMENT)

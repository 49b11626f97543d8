"""Left-to-right text inside right-to-left pages (issue 14): what people wrote keeps its own direction
(``dir="auto"``), numbers, IDs and names are isolated (``<bdi>``), a document's contents keep its direction."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.test_comments import draft, document, post_comment  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db


class _Elements(HTMLParser):
    """Every element as (tag, attributes, its direct text)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict, list[str]]] = []
        self.open: list[tuple[str, dict, list[str]]] = []

    def handle_starttag(self, tag, attrs) -> None:
        element = (tag, dict(attrs), [])
        self.found.append(element)
        if tag not in ("br", "hr", "input", "img", "meta", "link"):
            self.open.append(element)

    def handle_endtag(self, tag) -> None:
        if self.open:
            self.open.pop()

    def handle_data(self, data) -> None:
        if self.open:
            self.open[-1][2].append(data)


def elements(page: bytes) -> list[tuple[str, dict, str]]:
    reader = _Elements()
    reader.feed(page.decode())
    return [(tag, attrs, "".join(text)) for tag, attrs, text in reader.found]


@pytest.fixture
def arabic(client):
    client.cookies["django_language"] = "ar"
    return client


def test_an_english_comment_keeps_its_direction_on_the_arabic_interface(arabic, people, draft) -> None:  # noqa: F811
    arabic.force_login(people["stakeholder"])
    assert post_comment(arabic, draft, comment="Please add this.").status_code == 302
    page = arabic.get(reverse("drafts:draft_section", kwargs={"slug": "guidance", "number": 1, "key": "p7-g3"}))
    found = elements(page.content)
    assert any(tag == "html" and attrs.get("dir") == "rtl" for tag, attrs, _text in found)
    blocks = [attrs for tag, attrs, _text in found if "comment-text" in attrs.get("class", "").split()]
    assert blocks and all(attrs.get("dir") == "auto" for attrs in blocks)
    assert any(tag == "bdi" and "-" in text for tag, _attrs, text in found)  # the comment's ID, isolated


def test_the_contents_of_an_english_draft_keep_left_to_right_on_the_arabic_interface(arabic, people, draft) -> None:  # noqa: F811
    arabic.force_login(people["stakeholder"])
    page = arabic.get(reverse("drafts:draft_detail", kwargs={"slug": "guidance", "number": 1}))
    found = elements(page.content)
    entries = [(attrs, text) for tag, attrs, text in found if tag == "span" and text.startswith("7.3 ")]
    assert entries and all(attrs.get("dir") == "ltr" and attrs.get("lang") == "en" for attrs, _text in entries)


def test_the_comment_table_isolates_ids_and_organisations(arabic, people, draft) -> None:  # noqa: F811
    arabic.force_login(people["stakeholder"])
    post_comment(arabic, draft, comment="Please add this.")
    arabic.force_login(people["editor"])
    page = arabic.get(reverse("drafts:comment_table", kwargs={"slug": "guidance", "number": 1}))
    assert page.status_code == 200
    found = elements(page.content)
    isolated = [text for tag, _attrs, text in found if tag == "bdi"]
    assert any("-" in text for text in isolated)  # the ID
    cells = [attrs for tag, attrs, text in found if tag == "td" and "Please add this." in text]
    assert cells and all(attrs.get("dir") == "auto" for attrs in cells)

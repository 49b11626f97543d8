from __future__ import annotations

import pytest

from drafts.numbering import Node, anchor_for, display_number, outline, split_leading_number


def test_numbers_derive_from_places_and_skip_unnumbered_sections() -> None:
    places = outline([
        Node("intro", None, 1, numbered=False),
        Node("a", None, 2, True), Node("b", None, 3, True),
        Node("a1", "a", 1, True), Node("a2", "a", 2, True),
    ])
    assert [(p.id, p.number, p.depth, p.order) for p in places] == [
        ("intro", "", 0, 1), ("a", "1", 0, 2), ("a1", "1.1", 1, 3), ("a2", "1.2", 1, 4), ("b", "2", 0, 5)]


def test_moving_a_section_renumbers_the_others() -> None:
    before = {p.id: p.number for p in outline([Node("a", None, 1, True), Node("b", None, 2, True),
                                               Node("c", None, 3, True)])}
    after = {p.id: p.number for p in outline([Node("a", None, 2, True), Node("b", None, 3, True),
                                              Node("c", None, 1, True)])}
    assert before == {"a": "1", "b": "2", "c": "3"}
    assert after == {"c": "1", "a": "2", "b": "3"}


def test_removed_sections_and_their_children_leave_the_numbering() -> None:
    places = outline([Node("a", None, 1, True, removed=True), Node("a1", "a", 1, True), Node("b", None, 2, True)])
    assert [(p.id, p.number) for p in places] == [("b", "1")]


def test_display_and_anchor() -> None:
    assert display_number("7", 0, "principles") == "Principle 7"
    assert display_number("7.3", 1, "principles") == "7.3"
    assert display_number("7", 0, "decimal") == "7"
    assert anchor_for("7.3", "p7-g3") == "s-7-3"
    assert anchor_for("", "intro") == "s-intro"


@pytest.mark.parametrize(("heading", "expected"), [
    ("Principle 3: Dignity", ("3", "Dignity")),
    ("3.2 Access to justice", ("3.2", "Access to justice")),
    ("7. Health", ("7", "Health")),
    ("Introduction", (None, "Introduction")),
    ("2030 Agenda for Sustainable Development", (None, "2030 Agenda for Sustainable Development")),
    ("3.2", (None, "3.2")),
])
def test_split_leading_number(heading: str, expected: tuple) -> None:
    assert split_leading_number(heading) == expected


@pytest.mark.parametrize(("language", "shown"), [("fr", "Principe 7"), ("ar", "المبدأ 7"), ("zh-hans", "原则 7")])
def test_principle_labels_follow_the_language_of_the_text_and_read_back(language: str, shown: str) -> None:
    assert display_number("7", 0, "principles", language) == shown
    assert split_leading_number(f"{shown}: Dignité") == ("7", "Dignité")

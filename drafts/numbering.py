"""Derived numbering: section numbers come from places in the outline, never from typed text.

Pure functions over plain values, so the same code numbers the working copy, a draft being frozen
and a file being imported.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

PRINCIPLES = "principles"
DECIMAL = "decimal"

IdT = TypeVar("IdT", bound=Hashable)  # how the caller names its sections (a pk, a key): kept as given


@dataclass(frozen=True)
class Node(Generic[IdT]):
    """What numbering needs to know about one section."""

    id: IdT
    parent_id: IdT | None
    position: int
    numbered: bool
    removed: bool = False


@dataclass(frozen=True)
class Place(Generic[IdT]):
    """A live section's place in the outline."""

    id: IdT
    parent_id: IdT | None
    order: int  # 1-based, document order (depth first)
    depth: int  # 0 for top-level sections
    position: int  # 1-based among live siblings
    number: str  # "7", "7.3", or "" for an unnumbered section


def outline(nodes: Iterable[Node[IdT]]) -> list[Place[IdT]]:
    """Number every live section, depth first.

    Removed sections and everything below them are left out. Among siblings, only numbered
    sections count towards numbers: an unnumbered introduction does not make Principle 1 "2".
    """
    children: dict[IdT | None, list[Node[IdT]]] = defaultdict(list)
    for node in nodes:
        if not node.removed:
            children[node.parent_id].append(node)
    places: list[Place[IdT]] = []

    def walk(parent_id: IdT | None, prefix: str, depth: int) -> None:
        counter = 0
        siblings = sorted(children.get(parent_id, ()), key=lambda n: (n.position, str(n.id)))
        for position, node in enumerate(siblings, start=1):
            number = ""
            if node.numbered:
                counter += 1
                number = f"{prefix}.{counter}" if prefix else str(counter)
            places.append(Place(node.id, parent_id, len(places) + 1, depth, position, number))
            walk(node.id, number, depth + 1)

    walk(None, "", 0)
    return places


# "Principle" in the language of the text (not of the interface): the label is part of the document.
PRINCIPLE_WORD = {
    "en": "Principle",
    "fr": "Principe",
    "es": "Principio",
    "ru": "Принцип",
    "zh-hans": "原则",
    "ar": "المبدأ",
}


def display_number(number: str, depth: int, scheme: str, language: str = "en") -> str:
    """How a number is shown: "Principle 7" (in the text's language) for a top-level principle."""
    if number and depth == 0 and scheme == PRINCIPLES:
        return f"{PRINCIPLE_WORD.get(language, PRINCIPLE_WORD['en'])} {number}"
    return number


def anchor_for(number: str, key: str) -> str:
    """The HTML id of a section: ``s-7-3`` for 7.3, ``s-intro`` for an unnumbered section."""
    return "s-" + (number.replace(".", "-") if number else key)


_LEADING_NUMBER = re.compile(
    r"^\s*(?:(?P<word>Principle|Guideline|Section|Part|Chapter|Principe|Principio|Принцип|原则|المبدأ)\s*)?(?P<number>\d+(?:\.\d+)*)\.?(?:\s*[:.\u2013\u2014-])?\s+",
    re.IGNORECASE,
)


def split_leading_number(heading: str) -> tuple[str | None, str]:
    """Split "Principle 3: Dignity" into ("3", "Dignity") and "3.2 Access" into ("3.2", "Access").

    A heading without a leading number comes back as (None, heading). A heading made only of a
    number is left alone, so "2030 Agenda" stays a heading.
    """
    match = _LEADING_NUMBER.match(heading)
    if not match or not heading[match.end() :].strip():
        return None, heading.strip()
    if not match.group("word") and "." not in match.group("number") and not re.match(r"^\s*\d+[.:]", heading):
        # "2030 Agenda for Sustainable Development" is a heading, not section 2030.
        return None, heading.strip()
    return match.group("number"), heading[match.end() :].strip()

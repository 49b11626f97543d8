"""Plain value types and limits shared by the pure code: no ORM, no request, no database.

The diff engine, the presenters and the interchange formats speak these types, so that a Word
export or a comparison can be built from anything that has the same shape (a frozen draft, the
working copy, a file being imported) and tested without a database. The models take their field
limits from here too, so a limit is stated once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from django.utils.translation import gettext_lazy as _

# Field limits: the models, the forms and the file readers all use these.
KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
HEADING_MAX_LENGTH = 300
BODY_MAX_CHARS = 1_000_000  # "a body over 1 MB" is refused, by the form, the model and the database

MAX_ID = 2**63 - 1  # the largest id a database row has (a signed 64-bit integer); larger ones name nothing

WORKING = "working"  # how a comparison names the working copy instead of a draft number


def parse_id(text: str | None) -> int | None:
    """``text`` as an id (a row's id, a draft's number) if it is exactly one, else None.

    Only ASCII digits, no sign, no spaces, no more than :data:`MAX_ID`: ``int()`` also reads " 2",
    "+2", "1_0" and "٣", ``str.isdigit()`` also passes "²", and a number past MAX_ID overflows the database.
    """
    if not text or len(text) > len(str(MAX_ID)) or not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= MAX_ID else None


@dataclass(frozen=True)
class SectionState:
    """One section as it stands in one draft (or in a file being imported).

    ``key`` is stable across renames and moves; it may be ``""`` for input without keys, in which
    case ``parent`` is the parent's ``diffing.temp_id`` (its 0-based index in the same sequence).
    ``position`` is 1-based among live siblings; ``number`` is the derived number ("7.3",
    "Principle 7"), ``""`` for an unnumbered section.
    """

    key: str
    heading: str
    body: str
    parent: str | None
    position: int
    number: str


@dataclass(frozen=True)
class ExportSection:
    """One section as exported: a frozen draft's snapshot (or any outline entry) as plain data."""

    key: str
    heading: str
    body: str
    depth: int
    number: str


class DocumentLike(Protocol):
    """What the pure code reads of a document (a ``Document`` row has it)."""

    @property
    def slug(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def numbering(self) -> str: ...
    @property
    def language(self) -> str: ...


class DraftLike(Protocol):
    """What the pure code reads of a frozen draft (a ``Draft`` row has it)."""

    @property
    def number(self) -> int: ...
    @property
    def label(self) -> str: ...
    @property
    def title(self) -> str: ...


@dataclass(frozen=True)
class Side:
    """One side of a comparison: a frozen draft, or the working copy (``draft`` None), or a file (``name``)."""

    document: DocumentLike
    draft: DraftLike | None
    states: list[SectionState]
    name: str = ""

    @property
    def label(self) -> str:
        return self.name or (self.draft.title if self.draft else str(_("Working copy")))

    @property
    def ref(self) -> str:
        return str(self.draft.number) if self.draft else WORKING

    def as_json(self) -> dict:
        return {
            "draft": self.draft.number if self.draft else None,
            "label": (self.draft.label or self.draft.title) if self.draft else "Working copy",
        }


@dataclass(frozen=True)
class ReasonMessage:
    """One saved version behind a change: who saved it, when, and the message they gave."""

    user: str
    at: datetime
    message: str


@dataclass(frozen=True)
class Reasons:
    """Why a section changed between two drafts: the messages of the versions in between, and the
    comments whose decisions those versions carry out (by ID, as the reader may see them)."""

    messages: tuple[ReasonMessage, ...] = ()
    comments: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.messages or self.comments)

    def as_json(self) -> dict:
        return {
            "messages": [{"user": m.user, "at": m.at.isoformat(), "message": m.message} for m in self.messages],
            "comments": list(self.comments),
        }

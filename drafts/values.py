"""Plain value types and limits shared by the pure code: no ORM, no request, no database.

The diff engine, the presenters and the interchange formats speak these types, so that a Word
export or a comparison can be built from anything that has the same shape (a frozen draft, the
working copy, a file being imported) and tested without a database. The models take their field
limits from here too, so a limit is stated once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from typing import Literal, Protocol

from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

# Field limits: the models, the forms and the file readers all use these.
KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
HEADING_MAX_LENGTH = 300
BODY_MAX_CHARS = 1_000_000  # "a body over 1 MB" is refused, by the form, the model and the database

MAX_ID = 2**63 - 1  # the largest id a database row has (a signed 64-bit integer); larger ones name nothing

WORKING = "working"  # how a comparison names the working copy instead of a draft number


def when(moment: datetime | None) -> str:
    """``moment`` as people read it, in the active time zone and language, with the zone's abbreviation:
    "31 Dec 2026 18:00 CET", "31 décembre 2026 18:00 CET", "2026年12月31日 18:00 CET" ("" for None).

    Every page, message and e-mail writes a moment this way. The month is named or the year comes first,
    so 12/31 and 31/12 cannot be confused; the abbreviation says whose clock it is. The formats are
    Django's per language, English and Arabic as ``guidance/formats`` set them.
    """
    if moment is None:
        return ""
    if timezone.is_naive(moment):  # no instant, so no zone to name (with USE_TZ the database has none)
        return date_format(moment, "DATETIME_FORMAT")
    local = timezone.localtime(moment)
    return f"{date_format(local, 'DATETIME_FORMAT')} {date_format(local, 'T')}"


def utc_iso(moment: datetime | None) -> str:
    """``moment`` as an ISO 8601 instant in UTC, for machines (``<time datetime>``): "2026-12-31T17:00:00+00:00"."""
    return moment.astimezone(UTC).isoformat() if moment is not None else ""


def is_date_alone(text: str) -> bool:
    """Whether ``text`` is a day without a time ("2026-12-31"), which ISO parsing would read as 00:00."""
    try:
        return parse_date(text.strip()) is not None
    except ValueError:  # shaped like a date, but no such day: not a date alone, and no date either
        return False


def clock_change(naive: datetime, zone: tzinfo) -> Literal["", "skipped", "repeated"]:
    """Whether clocks in ``zone`` never show the wall-clock time ``naive`` ("skipped": they jump forward
    over it, as at the start of summer time) or show it twice ("repeated": they go back), else ""."""
    first, second = naive.replace(tzinfo=zone, fold=0), naive.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return ""
    shown = first.astimezone(UTC).astimezone(zone).replace(tzinfo=None)
    return "repeated" if shown == naive else "skipped"


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
    "Principle 7"), ``""`` for an unnumbered section. ``status`` is where the section stood (drafting,
    in_review, agreed_ad_ref, agreed), ``""`` where not known (a file being imported).
    """

    key: str
    heading: str
    body: str
    parent: str | None
    position: int
    number: str
    status: str = ""


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

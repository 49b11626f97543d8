"""Reads of the tracker: statuses and pen-holders, progress figures, and the silence procedure."""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from drafts import brackets
from drafts.access import access_for, working_group_documents
from drafts.models import (
    Disposition,
    Document,
    Draft,
    DraftComment,
    DraftSection,
    PenHolder,
    Role,
    Section,
    SectionStatus,
    Silence,
    SilenceBreak,
    StatusChange,
)
from drafts.selectors.documents import OutlineEntry, working_copy

if TYPE_CHECKING:
    from drafts.access import User, UserModel


def pen_holders_by_section(document: Document) -> dict[int, list[UserModel]]:
    """Every section's pen-holders (by section id), in the order they were assigned: one query."""
    held: dict[int, list[UserModel]] = defaultdict(list)
    pens = PenHolder.objects.filter(section__document=document).select_related("user").order_by("assigned_at", "pk")
    for pen in pens:
        held[pen.section_id].append(pen.user)
    return held


def pen_holder_candidates(document: Document) -> QuerySet[UserModel]:
    """Who may hold a pen on the document: its active working group."""
    return (
        get_user_model()
        .objects.filter(
            memberships__document=document, memberships__role__in=(Role.MEMBER, Role.EDITOR), is_active=True
        )
        .order_by("username")
    )


def status_changes(section: Section) -> list[StatusChange]:
    """A section's status changes, newest first, with who made them."""
    changes = StatusChange.objects.filter(section=section).select_related("changed_by")
    return list(changes.order_by("-changed_at", "-pk"))


@dataclass(frozen=True)
class HeldSection:
    document: Document
    entry: OutlineEntry


def sections_held_by(user: User) -> list[HeldSection]:
    """The live sections whose pen this person holds, on the documents whose working group they are in."""
    if not user.is_authenticated:
        return []
    groups = working_group_documents(user)
    pens = PenHolder.objects.filter(user=user, section__removed=False)
    if groups is not None:
        pens = pens.filter(section__document_id__in=groups)
    by_document: dict[int, set[int]] = defaultdict(set)
    for document_id, section_id in pens.values_list("section__document_id", "section_id"):
        by_document[document_id].add(section_id)
    held = []
    for document in Document.objects.filter(pk__in=by_document).order_by("title"):
        entries, _removed = working_copy(document)
        held += [HeldSection(document, e) for e in entries if e.section.pk in by_document[document.pk]]
    return held


# Bracket counts ------------------------------------------------------------------------------

_COUNTS_PREFIX = "brk1"


def bracket_counts(bodies: list[str]) -> list[brackets.Counts]:
    """``brackets.count`` of each body, through the cache (keyed by the body's hash: never stale)."""
    keys = [f"{_COUNTS_PREFIX}:{hashlib.sha256(b.encode('utf-8', 'surrogatepass')).hexdigest()}" for b in bodies]
    found = cache.get_many(list(set(keys)))
    missing: dict[str, tuple[int, int, tuple[str, ...]]] = {}
    out = []
    for key, body in zip(keys, bodies, strict=True):
        hit = found.get(key) or missing.get(key)
        if hit is None:
            counted = brackets.count(body)
            hit = missing[key] = (counted.brackets, counted.options, counted.holders)
        out.append(brackets.Counts(*hit))
    if missing:
        cache.set_many(missing)
    return out


# Progress ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgressRow:
    key: str
    number: str  # as stored ("7.3"), empty for unnumbered sections
    label: str  # as shown ("Principle 7", "7.3")
    heading: str
    depth: int
    status: str
    pen_holders: tuple[str, ...]  # usernames
    brackets_open: int
    options: int
    comments_pending: int
    trend: tuple[int, ...]  # brackets open in each draft of Progress.columns (0 where the section was not in it)

    @property
    def status_label(self) -> str:
        return str(SectionStatus(self.status).label)


@dataclass(frozen=True)
class Workload:
    username: str
    name: str
    sections: int
    brackets_open: int
    comments_pending: int


@dataclass(frozen=True)
class Progress:
    """Where a document stands, section by section, in a draft or in the working copy."""

    document: Document
    draft: Draft | None  # None: the working copy
    rows: list[ProgressRow]
    columns: list[str]  # the trend's columns: "Draft 1", ..., and the draft or working copy shown
    column_totals: list[int]  # brackets open in each column
    workload: list[Workload] = field(default_factory=list)

    @property
    def by_status(self) -> list[tuple[str, str, int]]:
        """(status, label, sections) for every status, in workflow order."""
        counts = Counter(row.status for row in self.rows)
        return [(value, str(label), counts[value]) for value, label in SectionStatus.choices]

    @property
    def totals(self) -> dict[str, object]:
        return {
            "sections": len(self.rows),
            "by_status": {status: n for status, _label, n in self.by_status},
            "brackets_open": sum(r.brackets_open for r in self.rows),
            "options": sum(r.options for r in self.rows),
            "comments_pending": sum(r.comments_pending for r in self.rows),
            "with_pen_holders": sum(1 for r in self.rows if r.pen_holders),
        }

    def as_json(self) -> dict[str, object]:
        """The ``progress --format json`` contract (README, DESIGN)."""
        return {
            "document": self.document.slug,
            "draft": self.draft.number if self.draft else None,
            "sections": [
                {
                    "key": r.key, "number": r.number, "heading": r.heading, "status": r.status,
                    "pen_holders": list(r.pen_holders), "brackets_open": r.brackets_open, "options": r.options,
                    "comments_pending": r.comments_pending,
                }
                for r in self.rows
            ],
            "totals": self.totals,
        }


def _pending(document: Document) -> QuerySet[DraftComment]:
    return DraftComment.objects.filter(
        draft__document=document, level=0, disposition=Disposition.PENDING, withdrawn_at__isnull=True,
        is_removed=False, draft_section__isnull=False,
    )


def progress(user: User, document: Document, draft: Draft | None = None) -> Progress:
    """Per section: status, pen-holders, brackets open and options, comments pending; and the brackets
    of every earlier draft, for the trend. For the working group only (the caller checks); a fixed
    number of queries, however many sections and drafts.

    Comments pending are those of the draft shown; for the working copy, those of every draft on the
    section, still to be decided.
    """
    held = pen_holders_by_section(document)
    drafts = list(Draft.objects.filter(document=document).order_by("number"))
    if draft is not None:
        drafts = [d for d in drafts if d.number <= draft.number]
    earlier = [d for d in drafts if draft is None or d.pk != draft.pk]
    snapshot_rows = list(
        DraftSection.objects.filter(draft__in=drafts).order_by("draft__number", "order")
        .values_list("draft_id", "section_id", "key", "number", "heading", "depth", "status", "body")
    )
    trend_counts = bracket_counts([row[7] for row in snapshot_rows])
    per_draft: dict[int, dict[int, int]] = defaultdict(dict)
    for row, counted in zip(snapshot_rows, trend_counts, strict=True):
        per_draft[row[0]][row[1]] = counted.brackets
    if draft is None:
        entries, _removed = working_copy(document)
        shown = [
            (
                e.section.pk, e.section.key, e.number, e.label, e.section.heading, e.depth, e.section.status,
                e.section.body,
            )
            for e in entries
        ]
        pending_rows = _pending(document).values_list("draft_section__section_id").annotate(n=Count("pk"))
        label_of = {e.section.pk: e.label for e in entries}
    else:
        rows = [r for r in snapshot_rows if r[0] == draft.pk]
        shown = [(r[1], r[2], r[3], r[3], r[4], r[5], r[6], r[7]) for r in rows]
        pending_rows = _pending(document).filter(draft=draft).values_list("draft_section__section_id").annotate(
            n=Count("pk")
        )
        label_of = {}
    pending = {section_id: n for section_id, n in pending_rows.order_by()}
    counts = bracket_counts([s[7] for s in shown])
    result = []
    for (section_id, key, number, label, heading, depth, status, _body), counted in zip(shown, counts, strict=True):
        trend = (*(per_draft[d.pk].get(section_id, 0) for d in earlier), counted.brackets)
        result.append(
            ProgressRow(
                key=key, number=number, label=label_of.get(section_id, label), heading=heading, depth=depth,
                status=status, pen_holders=tuple(u.get_username() for u in held.get(section_id, ())),
                brackets_open=counted.brackets, options=counted.options,
                comments_pending=pending.get(section_id, 0), trend=trend,
            )
        )
    columns = [d.title for d in earlier] + [draft.title if draft else gettext("Working copy")]
    column_totals = [sum(per_draft[d.pk].values()) for d in earlier] + [sum(c.brackets for c in counts)]
    workload = _workload(held, {s[0]: c for s, c in zip(shown, counts, strict=True)}, pending)
    return Progress(document, draft, result, columns, column_totals, workload)


def _workload(
    held: dict[int, list[UserModel]], counts: dict[int, brackets.Counts], pending: dict[int, int]
) -> list[Workload]:
    people: dict[int, UserModel] = {}
    load: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0])
    for section_id, holders in held.items():
        if section_id not in counts:
            continue  # removed, or not in the draft shown
        for person in holders:
            people[person.pk] = person
            load[person.pk][0] += 1
            load[person.pk][1] += counts[section_id].brackets
            load[person.pk][2] += pending.get(section_id, 0)
    return sorted(
        (
            Workload(p.get_username(), p.get_full_name() or p.get_username(), *load[pk])
            for pk, p in people.items()
        ),
        key=lambda w: (-w.sections, w.username),
    )


# Silence procedure ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SilenceState:
    silence: Silence
    breaks: list[SilenceBreak]
    state: str

    @property
    def running(self) -> bool:
        return self.silence.is_running()

    @property
    def label(self) -> str:
        return str(Silence.State(self.state).label)

    def broken_by(self, user: User) -> bool:
        return any(b.user_id == user.pk for b in self.breaks) if user.is_authenticated else False


def silence_of(user: User, draft: Draft) -> SilenceState | None:
    """The silence procedure on a draft the person reads, with its breaks and derived state (no query
    without one, for a draft from ``drafts_visible_to``; one for its breaks)."""
    if not access_for(user, draft.document).can_read_draft(draft):
        return None
    try:
        silence = draft.silence
    except Silence.DoesNotExist:
        return None
    breaks = list(silence.breaks.select_related("user").order_by("broken_at", "pk"))
    return SilenceState(silence, breaks, silence.state(len(breaks), timezone.now()))

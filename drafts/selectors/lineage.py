"""Reads of lineage that depend on who is asking: where each comment's words went, which comments
were carried over to a section, which are waiting for an editor, and why sections changed.

Everything here is read from what the freeze recorded (``ParagraphLineage``) and what the actions
linked (``CommentChange``), in a number of queries that does not grow with the sections or comments.
A landing in a draft the reader may not read is not shown (DESIGN rule 7): it says nothing at all.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet, Subquery
from reversion.models import Version

from drafts.access import access_for
from drafts.models import (
    Carried,
    CommentChange,
    Disposition,
    Document,
    Draft,
    DraftComment,
    DraftSection,
    Match,
    ParagraphLineage,
    Section,
)
from drafts.selectors.comments import comments_visible_to
from drafts.selectors.documents import drafts_visible_to, latest_version_id, section_versions
from drafts.values import ReasonMessage, Reasons, Side

if TYPE_CHECKING:
    from drafts.access import User


@dataclass(frozen=True)
class Landing:
    """Where a comment's words are in the draft that followed its own.

    ``section`` and ``paragraph`` are None when the text is gone (``match`` "gone"); ``paragraph``
    is None for a comment on a whole section or draft. ``carried`` is "reanchored" or "orphaned" when
    an editor placed the comment by hand, else "".
    """

    draft: Draft
    section: DraftSection | None
    paragraph: int | None
    match: str
    carried: str = ""

    @property
    def label(self) -> str:
        """"9.1 ¶3", "9.1", or "" when gone."""
        if self.section is None:
            return ""
        number = self.section.number or self.section.heading
        return f"{number} ¶{self.paragraph}" if self.paragraph else number

    def as_json(self) -> dict:
        section = self.section
        return {
            "draft": self.draft.number,
            "section": section.key if section is not None else None,
            "number": section.number if section is not None else None,
            "paragraph": self.paragraph if section is not None else None,
            "match": self.match,
            "carried": self.carried,
        }


def _following(user: User, drafts: Iterable[Draft]) -> dict[int, Draft]:
    """For each draft (by pk), the draft that follows it, if this person may read that one."""
    by_pk = {d.pk: d for d in drafts}
    if not by_pk:
        return {}
    wanted = Q()
    for d in by_pk.values():
        wanted |= Q(document=d.document_id, number=d.number + 1)
    readable: dict[tuple[int, int], Draft] = {}
    by_document: dict[int, tuple[str, ...]] = {}
    for d in by_pk.values():
        if d.document_id not in by_document:
            by_document[d.document_id] = access_for(user, d.document).readable_visibilities
    for candidate in Draft.objects.filter(wanted).select_related("document"):
        if candidate.visibility in by_document[candidate.document_id]:
            readable[(candidate.document_id, candidate.number)] = candidate
    return {pk: readable[key] for pk, d in by_pk.items() if (key := (d.document_id, d.number + 1)) in readable}


def landings(user: User, comments: Sequence[DraftComment]) -> dict[int, Landing]:
    """Where each of these comments (not replies) landed in the next draft, by comment pk.

    A comment is absent when no later draft exists or the reader may not read it. The comments must
    come with ``draft`` (and ``draft_section``) selected, as every comment selector gives them.
    Three queries, whatever the number of comments.
    """
    top = [c for c in comments if not c.level]
    following = _following(user, (c.draft for c in top))
    top = [c for c in top if c.draft_id in following]
    if not top:
        return {}
    rows = {
        (row.source_id, row.paragraph): row
        for row in ParagraphLineage.objects.filter(
            source__in={c.draft_section_id for c in top if c.draft_section_id}
        ).select_related("target")
    }
    reanchored = {
        s.pk: s
        for s in DraftSection.objects.filter(pk__in={c.carried_to_id for c in top if c.carried_to_id})
    }
    out: dict[int, Landing] = {}
    for c in top:
        next_draft = following[c.draft_id]
        if c.carried == Carried.REANCHORED and c.carried_to_id in reanchored:
            out[c.pk] = Landing(next_draft, reanchored[c.carried_to_id], c.carried_paragraph, Match.EDITED, c.carried)
        elif c.carried == Carried.ORPHANED:
            out[c.pk] = Landing(next_draft, None, None, Match.GONE, c.carried)
        elif c.draft_section_id is None:
            out[c.pk] = Landing(next_draft, None, None, Match.SAME)
        else:
            row = rows.get((c.draft_section_id, c.paragraph or 0)) or rows.get((c.draft_section_id, 0))
            if row is None:  # a draft frozen before lineage was recorded: nothing is known
                continue
            paragraph = row.target_paragraph if c.paragraph and row.paragraph else None
            out[c.pk] = Landing(next_draft, row.target, paragraph, row.match)
    return out


def carried_over(user: User, snapshot: DraftSection) -> list[DraftComment]:
    """Undecided comments on the previous draft whose words are now in ``snapshot``, for its page.

    Only comments this person may read on a draft they may read; each gets ``landed_paragraph``
    (None for the whole section).
    """
    draft = snapshot.draft
    previous = drafts_visible_to(user, draft.document).filter(number=draft.number - 1).first()
    if previous is None:
        return []
    arriving = {
        (row.source_id, row.paragraph): row.target_paragraph
        for row in ParagraphLineage.objects.filter(target=snapshot)
    }
    if not arriving and not DraftComment.objects.filter(carried_to=snapshot).exists():
        return []
    # "Undecided" as the reader may know it: drafted decisions for the working group, published ones
    # for everyone else (a decision being drafted must not make a comment vanish from their list).
    undecided = (
        {"disposition": Disposition.PENDING}
        if access_for(user, draft.document).in_working_group
        else {"published_disposition": Disposition.PENDING}
    )
    candidates = (
        comments_visible_to(user, previous)
        .filter(level=0, **undecided)
        .filter(
            Q(carried="", draft_section__in={source for source, _p in arriving})
            | Q(carried=Carried.REANCHORED, carried_to=snapshot)
        )
        .order_by("draft_section__order", "paragraph", "submit_date")
    )
    out = []
    for c in candidates:
        if c.carried == Carried.REANCHORED:
            c.landed_paragraph = c.carried_paragraph
        else:
            key = (c.draft_section_id, c.paragraph or 0)
            if key not in arriving and (c.draft_section_id, 0) not in arriving:
                continue  # this comment's paragraph went elsewhere, only a sibling came here
            c.landed_paragraph = arriving.get(key) if c.paragraph else None
        out.append(c)
    return out


def orphans(user: User, draft: Draft) -> list[DraftComment]:
    """Comments on ``draft`` whose words are gone from the next draft and that no editor has placed yet."""
    comments = list(
        comments_visible_to(user, draft)
        .filter(level=0, carried="")
        .exclude(draft_section=None)
        .order_by("draft_section__order", "paragraph", "submit_date")
    )
    landed = landings(user, comments)
    return [c for c in comments if c.pk in landed and landed[c.pk].match == Match.GONE]


def linkable_versions(comment: DraftComment) -> QuerySet[Version]:
    """Versions of the comment's section saved since its draft was frozen and not linked yet, newest
    first, at most 50: what an editor may link the decision to."""
    if comment.draft_section is None:
        return Version.objects.none()
    recent = (
        section_versions(comment.draft_section.section)
        .filter(revision__date_created__gt=comment.draft.frozen_at)
        .exclude(pk__in=comment.changes.values("version"))
    )
    # Unsliced (a form's choices are looked up in it), yet bounded.
    return recent.filter(pk__in=Subquery(recent.values("pk")[:50]))


def next_draft(user: User, draft: Draft) -> Draft | None:
    """The draft that follows ``draft``, if this person may read it."""
    return drafts_visible_to(user, draft.document).filter(number=draft.number + 1).first()


def citable_comments(user: User, document: Document, references: Iterable[str]) -> dict[str, DraftComment]:
    """The comments (not replies) of this document's drafts with these IDs that this person may read.

    IDs are unique within a document across its drafts; should an older database hold one twice,
    the latest draft's comment is the one cited.
    """
    found: dict[str, DraftComment] = {}
    for draft in drafts_visible_to(user, document).order_by("number"):
        for c in comments_visible_to(user, draft).filter(level=0, reference__in=set(references)):
            found[c.reference] = c
    return found


# --- Why sections changed ------------------------------------------------------------------------


def _bounds(document: Document, side: Side) -> dict[str, tuple[int, int]]:
    """Each section of one side by key: (section id, the version that side shows)."""
    if side.draft is not None:
        rows = DraftSection.objects.filter(draft__document=document, draft__number=side.draft.number)
        return {key: (section, version) for key, section, version in rows.values_list("key", "section", "version")}
    sections = Section.objects.filter(document=document).annotate(latest=latest_version_id())
    return {key: (pk, version) for key, pk, version in sections.values_list("key", "pk", "latest") if version}


def change_reasons(user: User, old: Side, new: Side) -> dict[str, Reasons]:
    """Why each section changed from ``old`` to ``new``, by key: the versions saved in between
    (who, when, the message) and the comments those versions carry out, as this person may see them.

    A section's versions in between are those after the one ``old`` shows and up to the one ``new``
    shows (for a removed section: up to the last one saved before ``new``). A constant number of queries.
    """
    document = old.document
    assert isinstance(document, Document)
    before, after = _bounds(document, old), _bounds(document, new)
    ranges: dict[str, tuple[int, int, int | None]] = {}  # key -> (section id, after version, up to)
    horizon = new.draft.frozen_at if isinstance(new.draft, Draft) else None
    for key, (section, version) in before.items():
        ranges[key] = (section, version, after[key][1] if key in after else None)
    for key, (section, version) in after.items():
        if key not in before:
            ranges[key] = (section, 0, version)
    if not ranges:
        return {}
    versions = Version.objects.get_for_model(Section).filter(
        object_id__in=[str(section) for section, _lo, _hi in ranges.values()],
        pk__gt=min(lo for _s, lo, _hi in ranges.values()),
    )
    if horizon is not None:
        versions = versions.filter(revision__date_created__lte=horizon)
    by_section: dict[int, list[Version]] = defaultdict(list)
    for v in versions.select_related("revision__user").order_by("pk"):
        by_section[int(v.object_id)].append(v)
    chosen: dict[str, list[Version]] = {}
    for key, (section, lo, hi) in ranges.items():
        chosen[key] = [v for v in by_section.get(section, ()) if v.pk > lo and (hi is None or v.pk <= hi)]
    version_ids = {v.pk for vs in chosen.values() for v in vs}
    changes = CommentChange.objects.filter(version__in=version_ids).select_related("comment__draft__document")
    visible = _visible_comment_ids(user, document, [c.comment for c in changes])
    cited: dict[int, list[str]] = defaultdict(list)
    for change in changes:
        if change.comment_id in visible and change.comment.reference not in cited[change.version_id]:
            cited[change.version_id].append(change.comment.reference)
    out: dict[str, Reasons] = {}
    for key, vs in chosen.items():
        refs: list[str] = []
        for v in vs:
            refs.extend(r for r in cited.get(v.pk, ()) if r not in refs)
        out[key] = Reasons(
            messages=tuple(
                ReasonMessage(_who(v), v.revision.date_created, v.revision.comment) for v in vs
            ),
            comments=tuple(refs),
        )
    return out


def _who(version: Version) -> str:
    user = version.revision.user
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _visible_comment_ids(user: User, document: Document, comments: Sequence[DraftComment]) -> set[int]:
    """Which of these comments this person may read: one query per draft they come from."""
    by_draft: dict[int, list[int]] = defaultdict(list)
    drafts: dict[int, Draft] = {}
    for c in comments:
        by_draft[c.draft_id].append(c.pk)
        drafts[c.draft_id] = c.draft
    readable = set(access_for(user, document).readable_visibilities)
    visible: set[int] = set()
    for draft_id, ids in by_draft.items():
        if drafts[draft_id].visibility in readable:
            visible |= set(comments_visible_to(user, drafts[draft_id]).filter(pk__in=ids).values_list("pk", flat=True))
    return visible


def comments_about(user: User, draft: Draft) -> QuerySet[DraftComment]:
    """The comments (not replies) on ``draft`` this person may read, with their decisions, in text order."""
    return (
        comments_visible_to(user, draft)
        .filter(level=0)
        .select_related("decided_by", "addressed_in")
        .order_by("draft_section__order", "paragraph", "submit_date")
    )

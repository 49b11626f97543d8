"""Who commented on what: a draft's comments counted by section and stakeholder category, by organisation,
by type and by disposition, and its near-identical comments grouped into campaigns.

Everything is counted over ``comments_visible_to`` (comments, not replies), so a person sees the figures
of exactly the comments they may read, and decisions as they may see them (drafted for the working
group, published for everyone else).
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db.models import Q, QuerySet

from drafts import campaigns
from drafts.access import access_for
from drafts.models import CommentKind, Disposition, Draft, DraftComment, DraftSection, StakeholderCategory
from drafts.selectors.comments import comments_visible_to

if TYPE_CHECKING:
    from drafts.access import User

UNKNOWN = ""  # a comment whose author gave no category


@dataclass(frozen=True)
class SectionCounts:
    key: str  # "" for the comments on the whole draft
    label: str  # "7.3 Heading", or "Whole draft"
    number: str
    by_category: dict[str, int]
    total: int


@dataclass(frozen=True)
class OrganisationCounts:
    organisation: str
    category: str
    total: int
    by_kind: dict[str, int]
    by_disposition: dict[str, int]
    sections: tuple[str, ...]  # the numbers of the sections it commented on, in document order

    @property
    def category_label(self) -> str:
        return str(StakeholderCategory(self.category).label) if self.category else "—"

    @property
    def accepted(self) -> int:
        """Its comments accepted, in full or with modifications."""
        return self.by_disposition.get(Disposition.ACCEPTED, 0) + self.by_disposition.get(Disposition.MODIFIED, 0)


@dataclass(frozen=True)
class Constituency:
    """The figures of one draft's comments for one reader."""

    draft: Draft
    total: int
    categories: list[tuple[str, str]]  # (value, label) of the categories present, in the model's order
    sections: list[SectionCounts]  # only the sections with comments, in document order
    organisations: list[OrganisationCounts]  # most comments first
    by_kind: dict[str, int]
    by_disposition: dict[str, int]
    by_category: dict[str, int]
    focus: str = ""  # the section number asked about ("7"): its figures include its subsections
    focus_found: bool = True
    kinds: list[tuple[str, str]] = field(default_factory=lambda: [(v, str(label)) for v, label in CommentKind.choices])
    dispositions: list[tuple[str, str]] = field(
        default_factory=lambda: [(v, str(label)) for v, label in Disposition.choices]
    )


def _in_section(number: str) -> Q:
    """Comments on the section numbered ``number`` or any of its subsections ("7" takes 7, 7.1, 7.3.2)."""
    return Q(draft_section__number=number) | Q(draft_section__number__startswith=f"{number}.")


def analysed_comments(user: User, draft: Draft, section: str = "") -> QuerySet[DraftComment]:
    """The comments (not replies) counted: those ``user`` may read, narrowed to a section and its own."""
    comments = comments_visible_to(user, draft).filter(level=0)
    return comments.filter(_in_section(section)) if section else comments


def constituency(user: User, draft: Draft, *, section: str = "") -> Constituency:
    """Counts of the comments on ``draft`` that ``user`` may read. Two queries, however many comments."""
    drafted = access_for(user, draft.document).in_working_group
    rows = list(
        analysed_comments(user, draft, section)
        .order_by()
        .values_list(
            "draft_section_id",
            "organisation",
            "user_name",
            "category",
            "kind",
            "disposition" if drafted else "published_disposition",
            "withdrawn_at",
        )
    )
    sections = {s.pk: s for s in DraftSection.objects.filter(draft=draft).only("key", "number", "heading", "order")}
    cells: dict[int | None, Counter[str]] = defaultdict(Counter)
    organisations: dict[str, dict] = {}
    by_kind: Counter[str] = Counter()
    by_disposition: Counter[str] = Counter()
    by_category: Counter[str] = Counter()
    for section_id, organisation, name, category, kind, disposition, withdrawn in rows:
        category = category or UNKNOWN
        cells[section_id][category] += 1
        by_kind[kind] += 1
        by_disposition["withdrawn" if withdrawn else disposition] += 1
        by_category[category] += 1
        who = organisation or name
        entry = organisations.setdefault(
            who, {"category": category, "kinds": Counter(), "dispositions": Counter(), "sections": set(), "total": 0}
        )
        entry["total"] += 1
        entry["kinds"][kind] += 1
        entry["dispositions"]["withdrawn" if withdrawn else disposition] += 1
        if section_id is not None:
            entry["sections"].add(section_id)
    present = [(value, str(label)) for value, label in StakeholderCategory.choices if by_category[value]]
    if by_category[UNKNOWN]:
        present.append((UNKNOWN, "—"))
    ordered = sorted((sid for sid in cells if sid is not None), key=lambda sid: sections[sid].order)
    section_rows = [
        SectionCounts(
            sections[sid].key,
            f"{sections[sid].number} {sections[sid].heading}".strip(),
            sections[sid].number,
            dict(cells[sid]),
            sum(cells[sid].values()),
        )
        for sid in ordered
    ]
    if None in cells:
        section_rows.insert(0, SectionCounts("", "", "", dict(cells[None]), sum(cells[None].values())))
    organisation_rows = sorted(
        (
            OrganisationCounts(
                who,
                entry["category"],
                entry["total"],
                dict(entry["kinds"]),
                dict(entry["dispositions"]),
                tuple(
                    sections[s].number or sections[s].heading
                    for s in sorted(entry["sections"], key=lambda s: sections[s].order)
                ),
            )
            for who, entry in organisations.items()
        ),
        key=lambda o: (-o.total, o.organisation.casefold()),
    )
    found = not section or any(s.number == section or s.number.startswith(f"{section}.") for s in sections.values())
    return Constituency(
        draft=draft,
        total=len(rows),
        categories=present,
        sections=section_rows,
        organisations=organisation_rows,
        by_kind=dict(by_kind),
        by_disposition=dict(by_disposition),
        by_category=dict(by_category),
        focus=section,
        focus_found=found,
    )


@dataclass(frozen=True)
class CampaignGroup:
    """Near-identical comments counted once: the first one made (the lead) and every member, in order."""

    lead: DraftComment
    members: list[DraftComment]
    similarity: float

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def others(self) -> list[DraftComment]:
        return [c for c in self.members if c.pk != self.lead.pk]


def campaigns_of(user: User, draft: Draft, *, threshold: float = campaigns.THRESHOLD) -> list[CampaignGroup]:
    """The campaigns among the comments on ``draft`` that ``user`` may read, largest first.

    The grouping (MinHash over word shingles, ``drafts.campaigns``) is cached by what it read (the ids
    and texts of the comments), so it is made again exactly when a comment is added, edited or hidden."""
    comments = list(analysed_comments(user, draft).select_related("draft_section").order_by("submit_date", "pk"))
    texts = [(c.pk, f"{c.comment}\n{c.proposed_text}") for c in comments]
    digest = hashlib.sha256(repr((threshold, texts)).encode()).hexdigest()
    key = f"campaigns:{digest}"
    found = cache.get(key)
    if found is None:
        found = [(g.members, g.similarity) for g in campaigns.group(texts, threshold=threshold)]
        cache.set(key, found)
    by_id = {c.pk: c for c in comments}
    return [
        CampaignGroup(lead=by_id[members[0]], members=[by_id[m] for m in members], similarity=similarity)
        for members, similarity in found
        if all(m in by_id for m in members)
    ]

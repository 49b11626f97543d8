"""Search: the texts a person may read that match a query, best first, with where each match is.

Every result passes the same decisions as the pages that show it: a draft's text through the drafts
this person reads (``access.readable_drafts``), the working copy through their working-group
documents, each comment or response through ``comments_visible_to`` for its draft (the response as
drafted only for the working group). Nothing hidden is counted: the total is the number of results
that survived those checks.

PostgreSQL matches the ``tsvector`` column with ``websearch_to_tsquery`` in each document's language
configuration, ranks with ``ts_rank`` and highlights with ``ts_headline``; SQLite matches its FTS5
table, ranks with BM25 and highlights with ``highlight()``. CJK terms are substrings on both.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank
from django.db import connection
from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from drafts import searching
from drafts.access import readable_drafts, working_group_documents
from drafts.models import COMMENT_KINDS, TEXT_KINDS, Document, Draft, EntryKind, SearchEntry
from drafts.rendering import paragraph_anchor, paragraph_label
from drafts.search_schema import FTS
from drafts.selectors.comments import comments_visible_to
from drafts.selectors.documents import OutlineEntry, working_copy

if TYPE_CHECKING:
    from drafts.access import User

# The best-ranked matches looked at for one query (before the visibility checks). A query matching
# more says so ("more than 1,000"): a narrower query or a filter finds the rest.
MAX_CANDIDATES = 1000
PER_PAGE = 20


@dataclass(frozen=True)
class SearchHit:
    """One result as a page or the API shows it."""

    kind: str  # an EntryKind
    document: Document
    draft: Draft | None  # None: the working copy
    where: str  # "7.3 ¶2", "Principle 7", "MRN-004 on 7.3 ¶2"
    heading: str
    url: str
    excerpt: SafeString  # escaped, the matched words in <mark>
    section_key: str = ""
    paragraph: int | None = None
    also: tuple[tuple[str, str], ...] = ()  # the same text elsewhere: ("Draft 1", its address) ...
    comment_id: int | None = None
    reference: str = ""
    organisation: str = ""
    category: str = ""


@dataclass(frozen=True)
class SearchResults:
    hits: list[SearchHit]
    total: int
    capped: bool  # more than MAX_CANDIDATES matched before the checks
    page: int
    pages: int
    per_page: int = PER_PAGE

    @property
    def first_number(self) -> int:
        """The place in the whole list of the first result on this page (1 on the first page)."""
        return (self.page - 1) * self.per_page + 1


def search_results(
    user: User,
    query: searching.Query,
    *,
    document: Document | None = None,
    draft_number: int | None = None,
    kind: str = "",
    category: str = "",
    page: int = 1,
    per_page: int = PER_PAGE,
) -> SearchResults:
    """The results of ``query`` that ``user`` may read, best first, one page of them.

    ``kind`` is ``"text"`` (drafts and working copy) or ``"comment"`` (comments and responses) or
    empty (both); ``category`` a stakeholder category (comments only); ``page`` past the last gives
    the last. Queries: a handful, whatever the number of matches.
    """
    entries = _filtered(_readable(user), document, draft_number, kind, category)
    rows, capped = _matches(entries, query)
    # The live outline of each document with working-copy matches: it decides which of them show, and
    # numbers the ones shown (read once, for both).
    outlines = _outlines({row["document_id"] for row in rows if row["kind"] == EntryKind.WORKING})
    visible = _collapsed(_visible(user, rows, outlines))
    total = len(visible)
    pages = max(1, -(-total // per_page))
    page = min(max(page, 1), pages)
    shown = visible[(page - 1) * per_page : page * per_page]
    return SearchResults(_hits(shown, query, outlines), total, capped, page, pages, per_page)


def _collapsed(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One result for a section whose text is the same in several drafts (and the working copy): the best
    ranked, with ``also`` listing the others, so three identical paragraphs are not three results."""
    first: dict[tuple, dict[str, Any]] = {}
    kept = []
    for row in rows:
        key = row["draft_section__key"] or row["section__key"]
        if row["comment_id"] is not None or not key:
            kept.append({**row, "also": []})
            continue
        same = (row["document_id"], key, row["body"])
        if same in first:
            first[same]["also"].append(row)
            continue
        first[same] = {**row, "also": []}
        kept.append(first[same])
    return kept


def _also(row: dict[str, Any]) -> tuple[str, str]:
    """Where else the same text is: "Draft 1" or "Working copy", and its address."""
    slug, key = row["document__slug"], row["draft_section__key"] or row["section__key"]
    if row["kind"] == EntryKind.WORKING:
        return str(_("Working copy")), reverse("drafts:section_detail", kwargs={"slug": slug, "key": key})
    number = row["draft__number"]
    url = reverse("drafts:draft_section", kwargs={"slug": slug, "number": number, "key": key})
    return str(_("Draft %(number)d") % {"number": number}), url


def _readable(user: User) -> QuerySet[SearchEntry]:
    """The entries whose draft or document this person may read at all (comments are checked one by
    one afterwards)."""
    drafts = Draft.objects.filter(readable_drafts(user)).values("pk")
    working = working_group_documents(user)
    in_group = Q() if working is None else Q(document_id__in=working)
    outside_group = Q(pk__in=[]) if working is None else ~Q(document_id__in=working)
    return SearchEntry.objects.filter(
        Q(kind=EntryKind.DRAFT, draft_id__in=drafts)
        | (Q(kind=EntryKind.WORKING) & in_group)
        | Q(kind=EntryKind.COMMENT, draft_id__in=drafts)
        | (Q(kind=EntryKind.RESPONSE) & in_group)
        # The response as published, for those who do not see it as drafted (the same words, or older).
        | (Q(kind=EntryKind.PUBLISHED, draft_id__in=drafts) & outside_group)
    )


def _filtered(
    entries: QuerySet[SearchEntry], document: Document | None, draft_number: int | None, kind: str, category: str
) -> QuerySet[SearchEntry]:
    if document is not None:
        entries = entries.filter(document=document)
        if draft_number is not None:
            entries = entries.filter(draft__number=draft_number)
    if kind == "text":
        entries = entries.filter(kind__in=TEXT_KINDS)
    elif kind == "comment":
        entries = entries.filter(kind__in=COMMENT_KINDS)
    if category:
        entries = entries.filter(category=category)
    return entries


_ROW = (
    "pk",
    "kind",
    "document_id",
    "draft_id",
    "comment_id",
    "section_id",
    "body",
    "document__slug",
    "draft__number",
    "draft_section__key",
    "section__key",
)


def _matches(entries: QuerySet[SearchEntry], query: searching.Query) -> tuple[list[dict[str, Any]], bool]:
    """The matching entries' ids and owners, best first, at most MAX_CANDIDATES (and whether there were more)."""
    for substring in query.substrings:
        entries = entries.filter(body__icontains=substring)
    if not query.has_words:
        rows = list(entries.order_by("-pk").values(*_ROW)[: MAX_CANDIDATES + 1])
    elif connection.vendor == "postgresql":
        configs = list(entries.order_by().values_list("config", flat=True).distinct())
        if not configs:
            return [], False
        queries = {c: SearchQuery(query.websearch(), search_type="websearch", config=c) for c in configs}
        matched = Q(pk__in=[])
        for config, tsquery in queries.items():
            matched |= Q(config=config, vector=tsquery)
        ranked = entries.filter(matched).annotate(
            rank=Case(
                *(When(config=c, then=SearchRank(F("vector"), q)) for c, q in queries.items()),
                default=Value(0.0),
                output_field=FloatField(),
            )
        )
        rows = list(ranked.order_by("-rank", "-pk").values(*_ROW)[: MAX_CANDIDATES + 1])
    else:
        # A join with the FTS5 table, matched and ranked (BM25) in the one query: a correlated subquery per
        # row re-ran the match for each (1.1 s for 3,200 matches against 13 ms joined, bench/search.py).
        # QuerySet.extra because Django has no expression for a virtual table; the table name is a constant
        # and what was typed is a parameter (quoted by searching.parse besides).
        ranked = entries.extra(  # noqa: S610
            tables=[FTS],
            where=[f"{FTS}.rowid = drafts_searchentry.id", f"{FTS} MATCH %s"],
            params=[query.fts5()],
            select={"rank": f"{FTS}.rank"},
        )
        rows = list(ranked.order_by("rank", "-pk").values(*_ROW)[: MAX_CANDIDATES + 1])
    return rows[:MAX_CANDIDATES], len(rows) > MAX_CANDIDATES


def _outlines(document_ids: set[int]) -> dict[int, dict[int, OutlineEntry]]:
    """The live working-copy outline of each of these documents, by section id."""
    return {
        document.pk: {entry.section.pk: entry for entry in working_copy(document)[0]}
        for document in Document.objects.filter(pk__in=document_ids)
    }


def _visible(
    user: User, rows: list[dict[str, Any]], outlines: dict[int, dict[int, OutlineEntry]]
) -> list[dict[str, Any]]:
    """The rows this person may see, in order: each comment through its draft's ``comments_visible_to``,
    each working-copy section only while it is in the live outline."""
    comments_by_draft: dict[int, set[int]] = defaultdict(set)
    for row in rows:
        if row["comment_id"] is not None:
            comments_by_draft[row["draft_id"]].add(row["comment_id"])
    seen: set[int] = set()
    for draft in Draft.objects.filter(pk__in=list(comments_by_draft)).select_related("document"):
        ids = comments_by_draft[draft.pk]
        seen.update(comments_visible_to(user, draft).filter(pk__in=ids).values_list("pk", flat=True))

    def allowed(row: dict[str, Any]) -> bool:
        if row["comment_id"] is not None:
            return row["comment_id"] in seen
        return row["kind"] == EntryKind.DRAFT or row["section_id"] in outlines.get(row["document_id"], {})

    return [row for row in rows if allowed(row)]


def _highlighted(entries: list[SearchEntry], query: searching.Query) -> dict[int, str]:
    """Each entry's text with the matched words between ``searching.START`` and ``STOP``."""
    marked = {e.pk: e.body for e in entries}
    if query.has_words and entries:
        ids = [e.pk for e in entries]
        if connection.vendor == "postgresql":
            for config in {e.config for e in entries}:
                tsquery = SearchQuery(query.websearch(), search_type="websearch", config=config)
                rows = (
                    SearchEntry.objects.filter(pk__in=ids, config=config)
                    .annotate(
                        marked=SearchHeadline(
                            "body",
                            tsquery,
                            config=config,
                            start_sel=searching.START,
                            stop_sel=searching.STOP,
                            highlight_all=True,
                        )
                    )
                    .values_list("pk", "marked")
                )
                marked.update(rows)
        else:
            places = ", ".join("%s" for _ in ids)
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT rowid, highlight({FTS}, 0, char(2), char(3)) FROM {FTS} "  # noqa: S608
                    f"WHERE {FTS} MATCH %s AND rowid IN ({places})",
                    [query.fts5(), *ids],
                )
                marked.update(cursor.fetchall())
    return {pk: searching.mark_substrings(text, query.substrings) for pk, text in marked.items()}


def _hits(
    rows: list[dict[str, Any]], query: searching.Query, outlines: dict[int, dict[int, OutlineEntry]]
) -> list[SearchHit]:
    order = [row["pk"] for row in rows]
    entries = {
        e.pk: e
        for e in SearchEntry.objects.filter(pk__in=order).select_related(
            "document",
            "draft__document",
            "draft_section__draft__document",
            "section",
            "comment__draft_section",
            "comment__draft__document",
        )
    }
    marked = _highlighted(list(entries.values()), query)
    also = {row["pk"]: tuple(_also(other) for other in row["also"]) for row in rows}
    return [
        dataclasses.replace(
            _hit(entries[pk], searching.excerpt(marked[pk], titled=entries[pk].kind in TEXT_KINDS), outlines),
            also=also[pk],
        )
        for pk in order
        if pk in entries
    ]


def _hit(entry: SearchEntry, found: searching.Excerpt, outlines: dict[int, dict[int, OutlineEntry]]) -> SearchHit:
    excerpt = mark_safe(found.html)  # noqa: S308 - searching.excerpt escapes the text; only <mark> is added
    document = entry.document
    if entry.kind == EntryKind.DRAFT and entry.draft_section is not None and entry.draft is not None:
        snapshot, paragraph = entry.draft_section, found.block or None
        label = snapshot.number or snapshot.heading
        url = snapshot.get_absolute_url()
        if paragraph:
            url += "#" + paragraph_anchor(snapshot.anchor, paragraph)
        where = paragraph_label(label, paragraph) if paragraph else label
        return SearchHit(
            entry.kind,
            document,
            entry.draft,
            where,
            snapshot.heading,
            url,
            excerpt,
            section_key=snapshot.key,
            paragraph=paragraph,
        )
    if entry.kind == EntryKind.WORKING and entry.section is not None:
        section, paragraph = entry.section, found.block or None
        outline = outlines[entry.document_id][section.pk]
        label = outline.number or section.heading  # as a draft's text and the comments cite it: "7.3 ¶2"
        url = reverse("drafts:section_detail", kwargs={"slug": document.slug, "key": section.key})
        where = paragraph_label(label, paragraph) if paragraph else label
        return SearchHit(
            entry.kind,
            document,
            None,
            where,
            section.heading,
            url,
            excerpt,
            section_key=section.key,
            paragraph=paragraph,
        )
    comment = entry.comment
    assert comment is not None  # every other kind is about a comment
    commented = comment.draft_section
    on = comment.anchor_label
    where = (
        _("Response to %(ref)s on %(place)s") % {"ref": comment.reference or comment.pk, "place": on}
        if entry.kind != EntryKind.COMMENT
        else (f"{comment.reference} · {on}" if comment.reference else on)
    )
    return SearchHit(
        entry.kind,
        document,
        comment.draft,
        where,
        commented.heading if commented else "",
        comment.get_absolute_url(),
        excerpt,
        section_key=commented.key if commented else "",
        paragraph=comment.paragraph,
        comment_id=comment.pk,
        reference=comment.reference,
        organisation=comment.organisation,
        category=comment.category,
    )

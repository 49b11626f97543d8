"""The comment matrix: its rows and its title, from the comments the visibility selector chose.

The view and ``export_comments`` ask :func:`comment_matrix` (and the command's JSON
:func:`matrix_records`) with the same filters, read by the same form and applied by the same selector
as the editors' table, so a file holds exactly the comments the table shows.
"""

from __future__ import annotations

import dataclasses
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from drafts import selectors
from drafts.interchange.matrix import MatrixHeading, MatrixRow, matrix_stamp
from drafts.interchange.page import PageFurniture
from drafts.models import CommentKind, Disposition, Draft, DraftComment, DraftSection, StakeholderCategory
from drafts.presenting.lineage import cached_paragraph_texts, comment_records, nth_paragraph
from drafts.values import when

if TYPE_CHECKING:
    from drafts.access import User


def _section_label(section: DraftSection | None) -> str:
    return (section.number or section.heading) if section is not None else str(_("General"))


def _reply(reply: DraftComment) -> str:
    """A reply as the matrix shows it: "Name (date): text"."""
    return f"{reply.user_name} ({when(reply.submit_date)}): {reply.comment}"


def matrix_rows(comments: Iterable[DraftComment]) -> list[MatrixRow]:
    """Rows for the published comments (not replies, not hidden), sorted by section and paragraph.

    Each row carries the paragraph's text as the commenter read it, and the published replies in its
    thread that are among ``comments`` (so a reader sees the replies they may see, and no more). Dates
    are in the document's time zone. No query beyond reading ``comments`` (with their sections).
    """
    listed = list(comments)
    replies: dict[int, list[DraftComment]] = defaultdict(list)
    for c in sorted(listed, key=lambda c: c.order):
        if c.level > 0 and c.is_public and not c.is_removed:
            replies[c.thread_id].append(c)
    chosen = [c for c in listed if c.level == 0 and c.is_public and not c.is_removed]
    chosen.sort(
        key=lambda c: (c.draft_section.order if c.draft_section is not None else 0, c.paragraph or 0, c.reference)
    )
    texts = cached_paragraph_texts(c.draft_section.body for c in chosen if c.draft_section is not None and c.paragraph)
    zone = zoneinfo.ZoneInfo(chosen[0].draft.document.time_zone) if chosen else timezone.get_current_timezone()
    with timezone.override(zone):
        return [
            MatrixRow(
                reference=c.reference,
                organisation=c.organisation or c.user_name,
                category=c.get_category_display() if c.category else "",
                author=c.user_name,
                submitted=when(c.submit_date),
                section=_section_label(c.draft_section),
                paragraph=str(c.paragraph or ""),
                paragraph_text=nth_paragraph(texts[c.draft_section.body], c.paragraph)
                if c.draft_section is not None and c.paragraph else "",
                quote=c.quote,
                kind=c.get_kind_display(),
                comment=c.comment,
                proposed=c.proposed_text,
                disposition=str(_("Withdrawn")) if c.is_withdrawn else c.get_shown_disposition_display(),
                response=c.shown_response,
                replies=tuple(_reply(r) for r in replies[c.thread_id]),
                addressed_in=c.addressed_draft.title if c.addressed_draft is not None else "",
                stamp=matrix_stamp(c),
            )
            for c in chosen
        ]


@dataclass(frozen=True)
class Matrix:
    """A draft's comment matrix as one reader may have it: its rows, its title rows and its file name."""

    rows: list[MatrixRow]
    heading: MatrixHeading
    furniture: PageFurniture  # the Word document's page header and first-page block
    filename: str  # without the extension


def campaign_rows(rows: list[MatrixRow], groups: list[selectors.CampaignGroup]) -> list[MatrixRow]:
    """The rows with each campaign as one: its lead's row, carrying how many signed it and who else did;
    the other members' rows left out. A campaign whose lead is not among ``rows`` (filtered out) is left
    as it is, so a filter never hides a comment inside someone else's campaign."""
    by_reference = {row.reference: row for row in rows}
    replaced: dict[str, MatrixRow] = {}
    dropped: set[str] = set()
    for group in groups:
        lead = by_reference.get(group.lead.reference)
        others = [c for c in group.others if c.reference in by_reference]
        if lead is None or not others:
            continue
        replaced[lead.reference] = dataclasses.replace(
            lead, signatories=1 + len(others),
            signatory_names=tuple(c.organisation or c.user_name for c in others),
        )
        dropped.update(c.reference for c in others)
    return [replaced.get(row.reference, row) for row in rows if row.reference not in dropped]


def comment_matrix(
    user: User, draft: Draft, filters: Mapping[str, str] | None = None, *, campaigns: bool = False
) -> Matrix:
    """The comment matrix of ``draft`` for ``user``: the comments they may see (with the decisions they may
    see), narrowed by ``filters`` (a valid ``CommentFilterForm``'s data) as the editors' table narrows them.

    Its heading names the document, its symbol, the draft, when the draft was frozen and when the matrix
    was made (in the document's time zone), and which comments it holds, the filter included.
    """
    visible = selectors.comments_visible_to(user, draft)
    rows = matrix_rows(selectors.comments_for_matrix(visible, filters))
    if campaigns:
        rows = campaign_rows(rows, selectors.campaigns_of(user, draft))
    document = draft.document
    with timezone.override(zoneinfo.ZoneInfo(document.time_zone)):
        dated = _("frozen %(frozen)s, exported %(now)s") % {
            "frozen": when(draft.frozen_at), "now": when(timezone.now())}
    chosen = _filter_description(draft, filters or {})
    comments = sum(row.signatories for row in rows)
    count = ngettext("%(n)s comment", "%(n)s comments", comments) % {"n": comments}
    if comments != len(rows):
        count += " " + ngettext("(each campaign as one row: %(n)s row)", "(each campaign as one row: %(n)s rows)",
                                len(rows)) % {"n": len(rows)}
    if chosen:
        scope = _("Only the comments with %(filters)s: %(count)s.") % {"filters": "; ".join(chosen), "count": count}
    else:
        scope = _("All comments: %(count)s.") % {"count": count}
    name = (f"{document.slug}-draft-{draft.number}-comments" + ("-filtered" if chosen else "")
            + ("-campaigns" if campaigns else ""))
    heading = MatrixHeading(title=document.title, symbol=document.symbol, draft=draft.title, dated=dated, scope=scope)
    # Restricted: the working group's matrix holds decisions still being drafted.
    furniture = PageFurniture(symbol=document.symbol, title=document.title, label=draft.title, date=draft.frozen_at,
                              language=document.language, distribution="Restricted")
    return Matrix(rows, heading, furniture, name)


def _filter_description(draft: Draft, filters: Mapping[str, str]) -> list[str]:
    """What ``filters`` narrow the matrix to, in words: "section 7.3 (Access to justice)", "type Technical"."""
    said = []
    if key := filters.get("section"):
        section = draft.sections.filter(key=key).first() or draft.sections.filter(number=key).first()
        shown = f"{section.number} ({section.heading})" if section is not None and section.number else (
            section.heading if section is not None else key)
        said.append(_("section %(section)s") % {"section": shown})
    if kind := filters.get("kind"):
        said.append(_("type %(kind)s") % {"kind": CommentKind(kind).label})
    if category := filters.get("category"):
        said.append(_("category %(category)s") % {"category": StakeholderCategory(category).label})
    if disposition := filters.get("disposition"):
        said.append(_("disposition %(disposition)s") % {"disposition": Disposition(disposition).label})
    if organisation := filters.get("organisation"):
        said.append(_("organisation containing “%(text)s”") % {"text": organisation})
    return said


def matrix_records(user: User, draft: Draft, filters: Mapping[str, str] | None = None) -> list[dict]:
    """``export_comments --format json``: the records of DESIGN.md (``comment_records``) of the comments
    ``filters`` choose, each with what the matrix shows besides: the quoted phrase (``quote``), the
    commented paragraph's text (``paragraph_text``), the author's name (``author``) and when the comment
    was made (``at``, ISO 8601, as its replies have it)."""
    chosen = {c.reference: c for c in selectors.comments_for_table(selectors.comments_visible_to(user, draft), filters)}
    texts = cached_paragraph_texts(c.draft_section.body for c in chosen.values() if c.draft_section is not None)
    records = []
    for record in comment_records(user, draft, only=chosen.keys()):
        c = chosen[record["id"]]
        section = c.draft_section
        records.append({
            **record,
            "quote": c.quote,
            "paragraph_text": nth_paragraph(texts[section.body], c.paragraph) if section is not None else "",
            "author": c.user_name,
            "at": c.submit_date.isoformat(),
        })
    return records

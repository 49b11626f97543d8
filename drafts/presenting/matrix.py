"""The comment matrix's rows, from the comments the visibility selector chose."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from drafts.interchange.matrix import MatrixRow, matrix_stamp
from drafts.models import DraftComment, DraftSection


def _section_label(section: DraftSection | None) -> str:
    return (section.number or section.heading) if section is not None else str(_("General"))


def matrix_rows(comments: Iterable[DraftComment]) -> list[MatrixRow]:
    """Rows for the published comments (not replies, not hidden), sorted by section and paragraph."""
    chosen = [c for c in comments if c.level == 0 and c.is_public and not c.is_removed]
    chosen.sort(
        key=lambda c: (c.draft_section.order if c.draft_section is not None else 0, c.paragraph or 0, c.reference)
    )
    return [
        MatrixRow(
            reference=c.reference,
            organisation=c.organisation or c.user_name,
            category=c.get_category_display() if c.category else "",
            section=_section_label(c.draft_section),
            paragraph=str(c.paragraph or ""),
            kind=c.get_kind_display(),
            comment=c.comment,
            proposed=c.proposed_text,
            disposition=str(_("Withdrawn")) if c.is_withdrawn else c.get_shown_disposition_display(),
            response=c.shown_response,
            addressed_in=c.addressed_draft.title if c.addressed_draft is not None else "",
            stamp=matrix_stamp(c),
        )
        for c in chosen
    ]

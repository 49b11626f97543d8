"""The comment matrix's rows, from the comments the visibility selector chose."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext_lazy as _

from drafts.interchange.matrix import MatrixRow
from drafts.models import DraftComment


def matrix_rows(comments: Iterable[DraftComment]) -> list[MatrixRow]:
    """Rows for the published comments (not replies, not hidden), sorted by section and paragraph."""
    chosen = [c for c in comments if c.level == 0 and c.is_public and not c.is_removed]
    chosen.sort(key=lambda c: (c.draft_section.order if c.draft_section_id else 0, c.paragraph or 0, c.reference))
    return [
        MatrixRow(
            reference=c.reference,
            organisation=c.organisation or c.user_name,
            category=c.get_category_display() if c.category else "",
            section=(c.draft_section.number or c.draft_section.heading) if c.draft_section_id else str(_("General")),
            paragraph=str(c.paragraph or ""),
            kind=c.get_kind_display(),
            comment=c.comment,
            proposed=c.proposed_text,
            disposition=c.get_disposition_display(),
            response=c.response,
            addressed_in=c.addressed_in.title if c.addressed_in_id else "",
        )
        for c in chosen
    ]

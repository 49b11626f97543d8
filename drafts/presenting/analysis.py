"""The constituency page's figures ready to show: the heatmap (server-side SVG) and the same figures as the
rows of its table, each cell with its total."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from drafts.presenting import charts
from drafts.selectors.analysis import Constituency, SectionCounts


@dataclass(frozen=True)
class HeatRow:
    label: str
    url: str
    cells: list[int]  # one per category of Constituency.categories
    total: int


def _label(row: SectionCounts) -> str:
    return row.label or str(_("Whole draft"))


def heat_rows(figures: Constituency) -> list[HeatRow]:
    """The table under the heatmap: a row per section with comments, a cell per category present."""
    draft = figures.draft
    kwargs = {"slug": draft.document.slug, "number": draft.number}
    rows = []
    for row in figures.sections:
        url = (
            reverse("drafts:draft_section", kwargs={**kwargs, "key": row.key})
            if row.key
            else reverse("drafts:draft_general_comments", kwargs=kwargs)
        )
        rows.append(
            HeatRow(_label(row), url, [row.by_category.get(value, 0) for value, _l in figures.categories], row.total)
        )
    return rows


def heatmap_for(figures: Constituency) -> SafeString:
    """Comments per section and stakeholder category, shaded by count."""
    rows = heat_rows(figures)
    return charts.heatmap(
        id_prefix="chart-constituency",
        title=_("Comments by section and stakeholder category"),
        description=ngettext(
            "%(n)d comment on %(sections)d sections from %(categories)d categories.",
            "%(n)d comments on %(sections)d sections from %(categories)d categories.",
            figures.total,
        )
        % {"n": figures.total, "sections": len(rows), "categories": len(figures.categories)},
        rows=[r.label for r in rows],
        columns=[label for _value, label in figures.categories],
        values=[r.cells for r in rows],
        # No links inside the chart: it is one image to assistive technology (role="img"), and links in it
        # would be controls nested in an image; the table below links every section.
    )

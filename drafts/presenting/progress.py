"""The progress dashboard's charts: server-side SVG, each drawn from the same figures as its table."""

from __future__ import annotations

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from drafts.presenting import charts
from drafts.selectors.tracking import Progress, ProgressRow


def _section_name(row: ProgressRow) -> str:
    return f"{row.label} {row.heading}".strip()


def charts_for(progress: Progress) -> dict[str, SafeString]:
    """The five charts of the dashboard, by name: status, brackets, trend, pending, workload."""
    statuses = progress.by_status
    bracketed = [(_section_name(r), r.brackets_open) for r in progress.rows if r.brackets_open]
    pending = [(_section_name(r), r.comments_pending) for r in progress.rows if r.comments_pending]
    total = len(progress.rows)
    return {
        "status": charts.stacked_bar(
            id_prefix="chart-status",
            title=_("Sections by status"),
            description=ngettext("%(n)d section: ", "%(n)d sections: ", total) % {"n": total}
            + "; ".join(f"{label} {n}" for _value, label, n in statuses),
            segments=[(label, n, f"status-{value.replace('_', '-')}") for value, label, n in statuses],
        ),
        "brackets": charts.bar_chart(
            id_prefix="chart-brackets",
            title=_("Brackets open per section"),
            description=ngettext(
                "%(n)d section has brackets open.", "%(n)d sections have brackets open.", len(bracketed)
            ) % {"n": len(bracketed)},
            bars=bracketed,
            css_class="bar-brackets",
        ),
        "trend": charts.line_chart(
            id_prefix="chart-trend",
            title=_("Brackets open, draft by draft"),
            description="; ".join(f"{x} {n}" for x, n in zip(progress.columns, progress.column_totals, strict=True)),
            x_labels=progress.columns,
            series=[charts.Series(name=_("Brackets open"), values=tuple(progress.column_totals), css_class="trend")],
        ),
        "pending": charts.bar_chart(
            id_prefix="chart-pending",
            title=_("Comments pending per section"),
            description=ngettext(
                "%(n)d section has comments still to decide.", "%(n)d sections have comments still to decide.",
                len(pending),
            ) % {"n": len(pending)},
            bars=pending,
            css_class="bar-pending",
        ),
        "workload": charts.bar_chart(
            id_prefix="chart-workload",
            title=_("Sections per pen-holder"),
            description=ngettext("%(n)d pen-holder.", "%(n)d pen-holders.", len(progress.workload))
            % {"n": len(progress.workload)},
            bars=[(w.name, w.sections) for w in progress.workload],
            css_class="bar-workload",
        ),
    }

"""A comparison ready to show or export: the diff engine's verdict plus a redline per section.

Reads two sides chosen through ``selectors.compare_side`` (which asks ``drafts.access``), asks
``diffing.compare_sections`` what changed, and builds each changed section's redline from the
cached renderings (``rendering.render_many``) with ``redline.redline``. Redlines are cached by
the hash of the two renderings they compare, so they never go stale either.
"""

from __future__ import annotations

import hashlib
import html
import re
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language_bidi, ngettext
from django.utils.translation import gettext as _

from drafts import diffing, numbering, rendering
from drafts.interchange.page import PageFurniture
from drafts.redline import Row, redline_rows
from drafts.values import Reasons, SectionState, Side, when

_REDLINE_PREFIX = "rl2"  # bump when the redline itself changes
NO_REASONS = Reasons()
# The old side of side by side carries the same ids as the new (both rendered for the new section's
# anchor, so that the redline diffs text, not ids): renamed so that every id on the page is unique.
_OLD_SIDE_IDS = re.compile(r'(id="|href="#)r-')


@dataclass(frozen=True)
class SectionView:
    """One section of a comparison, as a page or an export shows it."""

    change: diffing.SectionChange
    index: int  # 1-based among changed sections (0 for unchanged), for next / previous links
    label: str  # "Principle 7" / "7.3 → 9.1"
    heading: SafeString  # heading with its word changes marked
    inline: SafeString  # the redline
    old_html: SafeString  # for side by side
    new_html: SafeString
    depth: int
    reasons: Reasons = NO_REASONS
    merged_into: SectionState | None = None  # a removed section's text went mostly here
    aligned: tuple[Row, ...] = ()  # the redline's rows (see ``rows``)
    label_html: str = ""  # safe HTML: the label with its numbers isolated, arrow in reading order
    away: bool = False  # the old place of a moved section, which says where it went
    old_label: str = ""  # the number (or heading) it had, for "moved from 3.5"
    new_label: str = ""  # and has, for "moved to 7.2"

    @property
    def merged_label(self) -> str:
        merged = self.merged_into
        return " ".join(p for p in (merged.number, merged.heading) if p) if merged is not None else ""

    @cached_property
    def rows(self) -> list[Row]:
        """Side by side: the old and new sides aligned row by row, each with its own marks (made only
        when a page shows them)."""
        return _side_rows(self.aligned)

    @property
    def anchor(self) -> str:
        return f"k-{self.change.key}-was" if self.away else f"k-{self.change.key}"

    @property
    def moved(self) -> bool:
        return "moved" in self.change.changes and not self.away

    @property
    def away_anchor(self) -> str:
        return f"k-{self.change.key}-was"

    @property
    def now_anchor(self) -> str:
        return f"k-{self.change.key}"

    @property
    def changed(self) -> bool:
        return bool(self.change.changes) and not self.away

    @property
    def title(self) -> str:
        """The heading as it is now (or was, for a removed section), unmarked."""
        return self.change.latest.heading


@dataclass(frozen=True)
class ComparisonView:
    old: Side
    new: Side
    comparison: diffing.Comparison
    sections: list[SectionView]
    reasons: dict[str, Reasons] = field(default_factory=dict)
    merged_into: dict[str, SectionState | None] = field(default_factory=dict)
    # What a page shows: the sections and, for each moved one, its old place saying where it went.
    places: list[SectionView] = field(default_factory=list)

    @cached_property
    def side_labels(self) -> tuple[str, str]:
        """The two sides' names, made once per page (each is a translation)."""
        return str(self.old.label), str(self.new.label)

    @cached_property
    def changed_count(self) -> int:
        """Asked once per section by the page (for "Next change"): counted once."""
        return sum(1 for s in self.sections if s.changed)

    def as_json(self) -> dict:
        """The JSON contract of DESIGN.md (``compare_drafts --format json``): the diff engine's, and
        each section's ``reasons``; each removed section's ``merged_into`` (a key, or null)."""
        body = diffing.comparison_as_json(self.comparison)
        for entry in body["sections"]:
            entry["reasons"] = self.reasons.get(entry["key"], Reasons()).as_json()
            if "removed" in entry["changes"]:
                merged = self.merged_into.get(entry["key"])
                entry["merged_into"] = merged.key if merged is not None else None
        return {"document": self.old.document.slug, "from": self.old.as_json(), "to": self.new.as_json(), **body}


def _shown(state: diffing.SectionState | None, scheme: str, language: str) -> str:
    if state is None or not state.number:
        return ""
    return numbering.display_number(state.number, state.number.count("."), scheme, language)


def _label(change: diffing.SectionChange, scheme: str, language: str) -> str:
    old, new = _shown(change.old, scheme, language), _shown(change.new, scheme, language)
    if change.old is not None and change.new is not None and old != new and (old or new):
        return f"{old or '–'} → {new or '–'}"
    return new or old


def _arrow() -> str:
    """The arrow between an old and a new number, pointing the way the reader's language reads, and
    what a screen reader says instead."""
    arrow = "←" if get_language_bidi() else "→"
    return (
        f'<span class="arrow" aria-hidden="true">{arrow}</span>'
        f'<span class="visually-hidden"> {html.escape(_("became"))} </span>'
    )


def _label_html(change: diffing.SectionChange, scheme: str, language: str, arrow: str) -> SafeString:
    """The label for a page: each number isolated (``<bdi>``), so that a right-to-left page reads a
    renumbering from its old number to its new one, the arrow (``_arrow``) pointing the way it reads."""
    old, new = _shown(change.old, scheme, language), _shown(change.new, scheme, language)
    if change.old is not None and change.new is not None and old != new and (old or new):
        return mark_safe(  # noqa: S308 - every piece escaped
            f'<bdi>{html.escape(old or "–")}</bdi> {arrow} <bdi>{html.escape(new or "–")}</bdi>'
        )
    shown = new or old
    return mark_safe(f"<bdi>{html.escape(shown)}</bdi>") if shown else SafeString("")  # noqa: S308 - escaped


def _heading(change: diffing.SectionChange) -> SafeString:
    if change.old is None or change.new is None or change.old.heading == change.new.heading:
        return mark_safe(html.escape(change.latest.heading))  # noqa: S308 - escaped
    parts = []
    for op, text in diffing.word_diff(change.old.heading, change.new.heading):
        escaped = html.escape(text)
        parts.append(escaped if op == 0 else f"<del>{escaped}</del>" if op < 0 else f"<ins>{escaped}</ins>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece escaped above


def _anchor(state: diffing.SectionState) -> str:
    return f"r-{state.key}" if state.key else "r-section"


def _redlines(pairs: list[tuple[str, str, bool]]) -> list[tuple[Row, ...]]:
    """Redlines (as aligned rows) of (old html, new html, rewritten) triples, through the cache."""
    keys = [f"{_REDLINE_PREFIX}:" + hashlib.sha256(f"{a}\x00{b}\x00{r}".encode()).hexdigest() for a, b, r in pairs]
    found = cache.get_many(keys)
    missing = {}
    out = []
    for key, (a, b, rewritten) in zip(keys, pairs, strict=True):
        if key not in found:
            found[key] = missing[key] = tuple(redline_rows(a, b, rewritten=rewritten))
        out.append(found[key])
    if missing:
        cache.set_many(missing)
    return out


def compare(
    old: Side, new: Side, *, changed_only: bool = True, reasons: dict[str, Reasons] | None = None
) -> ComparisonView:
    """Compare two sides; with ``changed_only`` the unchanged sections are left out of ``sections``.

    ``reasons`` (from ``selectors.change_reasons``, which knows who is reading) go with each changed
    section; removed sections say where most of their text went.
    """
    comparison = diffing.compare_sections(old.states, new.states)
    reasons = reasons or {}
    merged = diffing.merged_into(comparison)
    shown = [c for c in comparison.sections if c.changes or not changed_only]
    # Every body shown is rendered once, without paragraph anchors (see rendering), from the cache.
    olds = rendering.render_many(
        [(c.old.body, _anchor(c.new or c.old), "") if c.old else ("", "r-none", "") for c in shown], anchors=False
    )
    news = rendering.render_many(
        [(c.new.body, _anchor(c.new), "") if c.new else ("", "r-none", "") for c in shown], anchors=False
    )
    redlines = _redlines(
        [
            (o.html, n.html, c.old is not None and c.new is not None and diffing.is_rewrite(c.old.body, c.new.body))
            for c, o, n in zip(shown, olds, news, strict=True)
        ]
    )
    scheme, language = old.document.numbering, old.document.language
    arrow = _arrow()
    sections = []
    index = 0
    depths = {s.key: s for s in new.states}
    for change, old_html, new_html, rows in zip(shown, olds, news, redlines, strict=True):
        index += 1 if change.changes else 0
        state = change.latest
        depth = 0
        parent = state.parent
        while parent and parent in depths and depth < 6:
            depth += 1
            parent = depths[parent].parent
        sections.append(
            SectionView(
                change=change,
                index=index if change.changes else 0,
                label=_label(change, scheme, language),
                heading=_heading(change),
                inline=mark_safe("\n".join(row.inline for row in rows)),  # noqa: S308 - built from nh3 output
                old_html=old_html.html,
                new_html=new_html.html,
                depth=depth,
                reasons=reasons.get(change.key, Reasons()) if change.changes else Reasons(),
                merged_into=merged.get(change.key),
                aligned=rows,
                label_html=_label_html(change, scheme, language, arrow),
                old_label=_shown(change.old, scheme, language) or (change.old.heading if change.old else ""),
                new_label=_shown(change.new, scheme, language) or (change.new.heading if change.new else ""),
            )
        )
    return ComparisonView(old, new, comparison, sections, reasons, merged, _with_old_places(sections, old.states))


def words_note(inserted: int, deleted: int) -> str:
    """"12 words inserted, 4 deleted" in the reader's language ("" if no word changed)."""
    if not inserted and not deleted:
        return ""
    return ", ".join((
        ngettext("%(i)d word inserted", "%(i)d words inserted", inserted) % {"i": inserted},
        ngettext("%(d)d deleted", "%(d)d deleted", deleted) % {"d": deleted},
    ))


def _side_rows(rows: tuple[Row, ...] | list[Row]) -> list[Row]:
    """Rows for side by side, safe HTML (built from nh3 output, every text re-escaped), the old side's
    ids renamed (see ``_OLD_SIDE_IDS``)."""
    out = []
    for row in rows:
        old = _OLD_SIDE_IDS.sub(r"\1o-", row.old) if "r-" in row.old else row.old
        out.append(Row(SafeString(old), SafeString(row.new), SafeString(row.inline), row.changed))
    return out


def _with_old_places(sections: list[SectionView], old_states: list[SectionState]) -> list[SectionView]:
    """The sections with, for each moved one, its old place: a stub that says where it went, placed
    after the section it used to follow (the nearest one shown that did not move too)."""
    moved = {s.change.key: s for s in sections if s.moved and s.change.old is not None}
    if not moved:
        return sections
    shown_at = {s.change.key: i for i, s in enumerate(sections)}
    after: dict[int, list[SectionView]] = {}
    old_keys = [state.key for state in old_states]
    parents = {state.key: state.parent for state in old_states}
    for i, key in enumerate(old_keys):
        view = moved.get(key)
        if view is None:
            continue
        place = -1
        for earlier in reversed(old_keys[:i]):
            if earlier in shown_at and earlier not in moved:
                place = shown_at[earlier]
                break
        depth, parent = 0, old_states[i].parent
        while parent and parent in parents and depth < 6:
            depth, parent = depth + 1, parents[parent]
        away = replace(
            view,
            index=0,
            away=True,
            depth=depth,
            label=view.old_label,
            label_html=mark_safe(f"<bdi>{html.escape(view.old_label)}</bdi>"),  # noqa: S308 - escaped
        )
        after.setdefault(place, []).append(away)
    out = list(after.get(-1, []))
    for i, view in enumerate(sections):
        out.append(view)
        out.extend(after.get(i, []))
    return out


def _status_note(change: diffing.SectionChange) -> str:
    """" (in_review -> agreed)" where the status changed, " (agreed)" where it stayed agreed."""
    old, new = (change.old.status if change.old else ""), (change.new.status if change.new else "")
    if old and new and old != new:
        return f" ({old} -> {new})"
    return f" ({new})" if new.startswith("agreed") else ""


def as_text(view: ComparisonView) -> str:
    """A plain-text summary: one line per changed section."""
    s = view.comparison.summary
    lines = [
        f"{view.old.document.title}: {view.old.label} -> {view.new.label}",
        ", ".join(
            f"{s[k]} {k}" for k in ("added", "removed", "moved", "renamed", "renumbered", "modified", "unchanged")
        )
        + f"; words +{s['words_inserted']} -{s['words_deleted']}"
        + f"; brackets opened {s['brackets_opened']}, closed {s['brackets_closed']}",
    ]
    if not view.changed_count:
        lines.append("No changes.")
    for section in view.sections:
        if not section.changed:
            continue
        change = section.change
        heading = change.latest.heading
        words = f" (+{change.words_inserted} -{change.words_deleted} words)" if "modified" in change.changes else ""
        title = " ".join(part for part in (section.label, heading) if part)
        lines.append(f"  [{', '.join(change.changes)}] {title}{words}{_status_note(change)}")
        if section.merged_into is not None:
            lines.append(f"      merged into {section.merged_label}")
        for m in section.reasons.messages:
            lines.append(f"      {m.at:%Y-%m-%d %H:%M} {m.user}: {' '.join(m.message.split()) or '-'}")
        if section.reasons.comments:
            lines.append(f"      comments: {', '.join(section.reasons.comments)}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class TextComparison:
    """Two versions of one section's text, compared."""

    heading: SafeString
    inline: SafeString
    old_html: SafeString
    new_html: SafeString
    words_inserted: int
    words_deleted: int
    rows: list[Row] = field(default_factory=list)  # side by side, aligned, each side with its own marks


def compare_texts(old: diffing.SectionState, new: diffing.SectionState) -> TextComparison:
    """Compare two versions of one section (for its history page)."""
    change = diffing.compare_sections([old], [new]).sections[0]
    rendered = rendering.render_many([(old.body, _anchor(new), ""), (new.body, _anchor(new), "")], anchors=False)
    (rows,) = _redlines([(rendered[0].html, rendered[1].html, diffing.is_rewrite(old.body, new.body))])
    return TextComparison(
        _heading(change),
        mark_safe("\n".join(row.inline for row in rows)),  # noqa: S308 - built from nh3 output, every text re-escaped
        rendered[0].html,
        rendered[1].html,
        change.words_inserted,
        change.words_deleted,
        _side_rows(rows),
    )


def _side_line(side: Side) -> str:
    """One side of a comparison as its title block names it: "Draft 2 (First draft), frozen 15 Nov 2026 12:00 CET"."""
    draft = side.draft
    if draft is None:
        return _("%(side)s, as it stands now") % {"side": side.label}
    frozen = getattr(draft, "frozen_at", None)
    if frozen is None:
        return side.label
    return _("%(draft)s, frozen %(when)s") % {"draft": side.label, "when": when(frozen)}


def word_title_block(view: ComparisonView) -> list[str]:
    """What a comparison document says it compares, in its reader's language: both sides (number, label,
    date) and how to read the changes. Written under the title of the Word and PDF comparisons."""
    return [
        _("Comparison of %(old)s with %(new)s.") % {"old": _side_line(view.old), "new": _side_line(view.new)},
        _("Every change is a tracked change: accept all to read %(new)s, reject all to read %(old)s. "
          "Moved sections are Word moves. Comments give the reasons recorded for each change.")
        % {"new": view.new.label, "old": view.old.label},
    ]


def word_changes_date(view: ComparisonView) -> datetime:
    """When the later side was made (its freeze; now for the working copy): the date of changes no version names."""
    frozen = getattr(view.new.draft, "frozen_at", None) if view.new.draft is not None else None
    return frozen if isinstance(frozen, datetime) else timezone.now()


def printable_redline(view: ComparisonView, *, symbol: str = "") -> str:
    """The changed sections as one printable HTML page for the PDF redline (A4, the symbol in the running
    header, page numbers in the footer, the title block under the title), shared by the page and the command."""
    return render_to_string(
        "drafts/compare_export.html",
        {"view": view, "print": True, "symbol": symbol, "title_block": word_title_block(view)},
    )


def comparison_furniture(view: ComparisonView, *, symbol: str) -> PageFurniture:
    """The page furniture of a comparison document: the document's symbol in the running header, both
    drafts under the title, the later one's date."""
    document = view.new.document
    return PageFurniture(
        symbol=symbol,
        title=document.title,
        label=f"{view.old.label} → {view.new.label}",
        date=word_changes_date(view),
        language=document.language,
        distribution="",
    )

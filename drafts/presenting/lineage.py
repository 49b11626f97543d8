"""What became of comments, ready to show or export: the status that tells the truth, where each
comment's paragraph landed with its redline, and the per-draft "what changed and why".

Reads through ``drafts.selectors`` (which ask ``drafts.access``), so a landing, a reason or a
comment the reader may not see is never shown.
"""

from __future__ import annotations

import hashlib
import html
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.cache import cache
from django.db.models import Q
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from drafts import diffing, rendering, selectors
from drafts.models import Disposition, Draft, DraftComment, DraftSection, Match
from drafts.presenting import comparison
from drafts.selectors import Landing

if TYPE_CHECKING:
    from drafts.access import User


def status(comment: DraftComment) -> str:
    """What became of a comment, truthfully: "Addressed in Draft 3" only for an accepted comment
    whose change is in that draft (and the reader may read it); rejected ones are "Not retained",
    noted ones "Noted". The decision is the one the reader may see: drafted for the working group,
    published for everyone else; a withdrawn comment says so."""
    if comment.is_withdrawn:
        return _("Withdrawn by its author")
    disposition = comment.shown_disposition
    if disposition in (Disposition.ACCEPTED, Disposition.MODIFIED):
        addressed = comment.addressed_draft
        if addressed is not None:
            return _("Addressed in %(draft)s") % {"draft": addressed.title}
        if comment.addressed_in_id is not None:
            # In a draft this reader may not read: true, and it names no draft they may not know of.
            return str(Disposition(disposition).label)
        if disposition == Disposition.MODIFIED:
            return _("Accepted with modifications; the change is not yet in a draft")
        return _("Accepted; the change is not yet in a draft")
    if disposition == Disposition.REJECTED:
        return _("Not retained")
    if disposition == Disposition.NOTED:
        return _("Noted")
    return _("Pending")


_PARAGRAPHS_PREFIX = "pt1"  # bump when rendering.paragraph_texts changes


def cached_paragraph_texts(bodies: Iterable[str]) -> dict[str, list[str]]:
    """Each body's paragraphs as plain text, through the cache (keyed by the body's hash: never stale)."""
    unique = list(dict.fromkeys(bodies))
    keys = {body: f"{_PARAGRAPHS_PREFIX}:" + hashlib.sha256(body.encode()).hexdigest() for body in unique}
    found = cache.get_many(list(keys.values()))
    missing = {}
    out = {}
    for body, key in keys.items():
        if key not in found:
            found[key] = missing[key] = rendering.paragraph_texts(body)
        out[body] = found[key]
    if missing:
        cache.set_many(missing)
    return out


def nth_paragraph(texts: list[str], n: int | None) -> str:
    """Paragraph ``n`` (1-based) of ``texts``, "" when there is no such paragraph."""
    return texts[n - 1] if n and 0 < n <= len(texts) else ""


def text_redline(old: str, new: str) -> SafeString:
    """Two plain texts as one, deletions in ``<del>`` and insertions in ``<ins>``, all escaped."""
    parts = []
    for op, text in diffing.word_diff(old, new):
        escaped = html.escape(text)
        parts.append(escaped if op == 0 else f"<del>{escaped}</del>" if op < 0 else f"<ins>{escaped}</ins>")
    return mark_safe("".join(parts))  # noqa: S308 - every piece escaped above


@dataclass(frozen=True)
class Proposal:
    """What a comment is about, for deciding on it: the commented paragraph as the commenter read it,
    and, where they proposed a text, that text as a change of the paragraph."""

    paragraph: str
    redline: SafeString | None


def proposal(comment: DraftComment) -> Proposal:
    section = comment.draft_section
    texts = cached_paragraph_texts([section.body])[section.body] if section is not None and comment.paragraph else []
    paragraph = nth_paragraph(texts, comment.paragraph)
    change = text_redline(paragraph, comment.proposed_text) if paragraph and comment.proposed_text else None
    return Proposal(paragraph, change)


@dataclass(frozen=True)
class Outcome:
    """One comment with what became of it: status, and where its paragraph is in the next draft."""

    comment: DraftComment
    status: str
    landing: Landing | None
    redline: SafeString | None  # the commented paragraph's change into the next draft, when it changed

    @property
    def landed_label(self) -> str:
        return self.landing.label if self.landing is not None else ""


def outcomes(user: User, comments: Sequence[DraftComment]) -> list[Outcome]:
    """Each comment with its status, landing and paragraph redline (a constant number of queries)."""
    landed = selectors.landings(user, comments)

    def redlined(c: DraftComment) -> Landing | None:
        landing = landed.get(c.pk)
        if (
            landing is not None
            and landing.section is not None
            and landing.match == Match.EDITED
            and not landing.carried  # placed by hand: its old and new paragraphs need not be one text
            and c.paragraph
            and c.draft_section is not None
        ):
            return landing
        return None

    changed = {c.pk: landing for c in comments if (landing := redlined(c)) is not None}
    texts = cached_paragraph_texts(
        body
        for c in comments
        if c.pk in changed and c.draft_section is not None and (section := changed[c.pk].section) is not None
        for body in (c.draft_section.body, section.body)
    )
    out = []
    for c in comments:
        marked = None
        landing = changed.get(c.pk)
        if landing is not None and landing.section is not None and c.draft_section is not None:
            old = nth_paragraph(texts[c.draft_section.body], c.paragraph)
            new = nth_paragraph(texts[landing.section.body], landing.paragraph)
            if old and new:
                marked = text_redline(old, new)
        out.append(Outcome(c, status(c), landed.get(c.pk), marked))
    return out


def comment_record(outcome: Outcome, replies: Sequence[DraftComment]) -> dict:
    """One comment as ``export_comments --format json`` prints it (the contract in DESIGN.md)."""
    c = outcome.comment
    section = c.draft_section
    return {
        "id": c.reference,
        "section": section.key if section is not None else None,
        "number": section.number if section is not None else None,
        "paragraph": c.paragraph,
        "organisation": c.organisation or c.user_name,
        "category": c.category,
        "kind": c.kind,
        "comment": c.comment,
        "proposed_text": c.proposed_text,
        "disposition": c.shown_disposition,
        "response": c.shown_response,
        "status": outcome.status,
        "replies": [
            {
                "author": r.user_name,
                "organisation": r.organisation,
                "comment": r.comment,
                "at": r.submit_date.isoformat(),
            }
            for r in replies
        ],
        "landed_in": outcome.landing.as_json() if outcome.landing is not None else None,
    }


def comment_records(user: User, draft: Draft, *, only: Collection[str] | None = None) -> list[dict]:
    """Every comment on ``draft`` this person may read (of them, those whose ID is in ``only``, if given),
    with replies and where it landed, in text order."""
    visible = list(
        selectors.comments_visible_to(user, draft).order_by("draft_section__order", "paragraph", "thread_id", "order")
    )
    replies: dict[int, list[DraftComment]] = defaultdict(list)
    for c in visible:
        if c.level:
            replies[c.thread_id].append(c)
    top = [c for c in visible if not c.level and (only is None or c.reference in only)]
    return [comment_record(o, replies[o.comment.thread_id]) for o in outcomes(user, top)]


def response_table(shown: Sequence[Outcome]) -> tuple[list[str], list[list[str]]]:
    """The response to comments as a table (header, rows), for the Word document."""
    header = [
        _("ID"), _("Organisation"), _("Where"), _("Comment"), _("Proposed text"), _("Decision"), _("Response"),
        _("Now in"),
    ]
    rows = []
    for o in shown:
        c = o.comment
        landed = ""
        if o.landing is not None:
            where = o.landing.label or _("gone")
            landed = f"{o.landing.draft.title}: {where}"
        rows.append([
            c.reference, c.organisation or c.user_name, c.anchor_label, c.comment, c.proposed_text, o.status,
            c.shown_response, landed,
        ])
    return header, rows


# --- What changed and why --------------------------------------------------------------------------


@dataclass
class ChangedSection:
    """One changed section of a draft: the compare's view of it, and the decisions behind it."""

    view: comparison.SectionView
    decisions: list[Outcome] = field(default_factory=list)


@dataclass(frozen=True)
class ChangeLog:
    """A draft against the one before it: each changed section with its redline, its reasons and the
    decisions on the previous draft's comments about it; and the comments on the whole draft."""

    draft: Draft
    previous: Draft
    view: comparison.ComparisonView
    sections: list[ChangedSection]
    general: list[Outcome]


def change_log(user: User, draft: Draft) -> ChangeLog | None:
    """What changed from the previous draft to ``draft`` and why, as this person may see it; None for
    a first draft or when the previous draft is not readable by them."""
    previous = selectors.drafts_visible_to(user, draft.document).filter(number=draft.number - 1).first()
    if previous is None:
        return None
    old = selectors.compare_side(user, draft.document, str(previous.number))
    new = selectors.compare_side(user, draft.document, str(draft.number))
    assert old is not None and new is not None
    view = comparison.compare(old, new, reasons=selectors.change_reasons(user, old, new))
    changed = [s.change.key for s in view.sections if s.changed]
    about = selectors.comments_about(user, previous).filter(Q(draft_section__key__in=changed) | Q(draft_section=None))
    by_key: dict[str, list[Outcome]] = defaultdict(list)
    general: list[Outcome] = []
    for outcome in outcomes(user, list(about)):
        section: DraftSection | None = outcome.comment.draft_section
        (by_key[section.key] if section is not None else general).append(outcome)
    sections = [ChangedSection(s, by_key.get(s.change.key, [])) for s in view.sections if s.changed]
    return ChangeLog(draft, previous, view, sections, general)

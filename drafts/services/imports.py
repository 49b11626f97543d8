"""A document from a file, or a revision of one: sections matched as the compare aligns them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from drafts import access, selectors
from drafts.access import Action
from drafts.diffing import compare_sections, temp_id
from drafts.models import Document, Section, validate_brackets, validate_heading, validate_renderable
from drafts.models.documents import default_time_zone
from drafts.services import lineage, tracking
from drafts.services.documents import document_create
from drafts.services.sections import _open_slot, _save_version, unique_key
from drafts.values import BODY_MAX_CHARS, SectionState

if TYPE_CHECKING:
    from drafts.access import UserModel
    from drafts.interchange import ParsedDocument, ParsedSection


@dataclass
class ImportReport:
    """What an import did (or, for a dry run, would do), section keys by kind of change."""

    document: Document | None
    created_document: bool = False
    added: list[str] = field(default_factory=list)
    modified: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)

    @property
    def changed(self) -> int:
        return len(self.added) + len(self.modified) + len(self.moved) + len(self.removed) + len(self.restored)

    @property
    def counts(self) -> dict[str, int]:
        """How many sections of each kind: what the previews show (drafts/_import_summary.html)."""
        return {name: len(getattr(self, name)) for name in ("added", "modified", "moved", "removed", "restored",
                                                             "unchanged")}

    def summary(self) -> str:
        return ", ".join(f"{n} {name}" for name, n in self.counts.items())


def _file_outline(sections: Sequence[ParsedSection]) -> tuple[list[int | None], list[int]]:
    """Each parsed section's parent (as an index into the file) and 1-based position among its siblings."""
    parents: list[int | None] = []
    positions: list[int] = []
    stack: list[int] = []
    counters: dict[int | None, int] = {}
    for index, parsed_section in enumerate(sections):
        del stack[parsed_section.depth :]
        parent_index = stack[-1] if stack else None
        parents.append(parent_index)
        counters[parent_index] = counters.get(parent_index, 0) + 1
        positions.append(counters[parent_index])
        stack.append(index)
    return parents, positions


def parsed_states(parsed: ParsedDocument) -> list[SectionState]:
    """A parsed file's sections as the diff engine takes them (keyless ones name parents by index)."""
    sections = parsed.sections
    parents, positions = _file_outline(sections)
    return [
        SectionState(key=s.key, heading=s.heading, body=s.body, position=position, number=s.number or "",
                     parent=None if parent is None else (sections[parent].key or temp_id(parent)))
        for s, parent, position in zip(sections, parents, positions, strict=True)
    ]


def _match_existing(
    document: Document, parsed: ParsedDocument, existing: list[Section]
) -> tuple[dict[int, Section], set[int]]:
    """Pair the file's sections (by index) with existing ones, as the compare aligns them.

    By key first, then by content, so renamed, moved and edited sections in a file without keys
    are recognised. Returns the pairs and the indexes of sections that really moved (their
    parent, or their place among unchanged neighbours, changed). A removed section whose key is
    in the file comes back (restored).
    """
    sections = parsed.sections
    new_states = parsed_states(parsed)
    comparison = compare_sections(selectors.working_copy_states(document), new_states)
    index_of = {id(state): i for i, state in enumerate(new_states)}
    by_key = {s.key: s for s in existing}
    matched: dict[int, Section] = {}
    moved: set[int] = set()
    for change in comparison.sections:
        if change.new is None:
            continue
        index = index_of[id(change.new)]
        if change.old is not None:
            matched[index] = by_key[change.old.key]
            if "moved" in change.changes:
                moved.add(index)
        elif change.new.key in by_key:
            matched[index] = by_key[change.new.key]
    # What content could not pair (a short text rewritten) still pairs by an unchanged heading.
    left: dict[str, list[Section]] = {}
    for change in comparison.sections:
        if change.old is not None and change.new is None:
            left.setdefault(change.old.heading, []).append(by_key[change.old.key])
    for index, parsed_section in enumerate(sections):
        if index not in matched and not parsed_section.key and left.get(parsed_section.heading):
            matched[index] = left[parsed_section.heading].pop(0)
    return matched, moved


@transaction.atomic
def document_import(
    *,
    parsed: ParsedDocument,
    slug: str,
    user: UserModel,
    title: str = "",
    update: bool = False,
    message: str = "",
    messages: Mapping[str, str] | None = None,
    dry_run: bool = False,
    time_zone: str = "",
) -> ImportReport:
    """Create a document from parsed Markdown, or with ``update`` revise an existing one.

    A revision matches sections as the compare aligns them (by key, then by content); only
    sections whose text or numbering changed, or that moved, get a new version (exactly one
    each); sections absent from the file are removed (never deleted); a dry run reports the
    same without writing anything.
    ``messages`` may give a section its own message by key; the others get ``message``.
    ``time_zone`` is a new document's (the site's if empty); a revision keeps the document's own.
    """
    existing_document = Document.objects.select_for_update().filter(slug=slug).first()
    if existing_document is None:
        access.require_document_creator(user)
    else:
        access.require(user, existing_document, Action.MANAGE_DRAFTS)
    if existing_document is not None and not update:
        raise ValidationError(
            _("A document with the slug “%(slug)s” exists; use --update to revise it.") % {"slug": slug}, code="exists"
        )
    if existing_document is None and update:
        raise ValidationError(_("There is no document “%(slug)s” to update.") % {"slug": slug}, code="missing")
    report = ImportReport(document=existing_document, created_document=existing_document is None)
    sections = parsed.sections
    _check_sections(sections)
    message = message or _("Imported from file")
    if existing_document is None:
        document = Document(slug=slug, title=title or parsed.title, time_zone=time_zone or default_time_zone())
        document.full_clean()
        if dry_run:
            report.added = [s.key or s.heading for s in sections]
            return report
        document = document_create(slug=slug, title=title or parsed.title, user=user, time_zone=time_zone)
        report.document = document
        existing: list[Section] = []
        matched: dict[int, Section] = {}
        moved: set[int] = set()
    else:
        document = existing_document
        existing = list(Section.objects.filter(document=document).select_related("parent"))
        matched, moved = _match_existing(document, parsed, existing)
    # Keys are per document: a key another document uses is no conflict.
    taken = {s.key for s in existing} | {s.key for s in sections if s.key}
    parents, positions = _file_outline(sections)
    saved: dict[int, Section] = {}
    for index, parsed_section in enumerate(sections):
        parent_index = parents[index]
        parent = saved.get(parent_index) if parent_index is not None else None
        numbered = parsed.numbered(parsed_section)
        section = matched.get(index)
        if section is None:
            key = parsed_section.key or unique_key(document, parsed_section.heading, taken)
            taken.add(key)
            report.added.append(key)
            if not dry_run:
                saved[index] = _import_new(
                    document,
                    user,
                    parsed_section,
                    key,
                    parent,
                    positions[index],
                    numbered,
                    (messages or {}).get(key, message),
                )
            else:
                saved[index] = Section(document=document, key=key, heading=parsed_section.heading)
            continue
        saved[index] = section
        text_changed = (section.heading, section.body, section.numbered) != (
            parsed_section.heading,
            parsed_section.body,
            numbered,
        )
        parent_changed = section.parent_id != (parent.pk if parent else None)
        kinds: list[list[str]] = []
        if text_changed:
            kinds.append(report.modified)
        if parent_changed or index in moved:
            kinds.append(report.moved)
        if section.removed:
            kinds.append(report.restored)
        for kind in kinds:
            kind.append(section.key)
        if not kinds:
            report.unchanged.append(section.key)
        if dry_run:
            continue
        if kinds:
            section.heading, section.body, section.numbered = parsed_section.heading, parsed_section.body, numbered
            section.parent, section.position, section.removed = parent, positions[index], False
            _save_version(section, user=user, message=(messages or {}).get(section.key, message))
            if text_changed:
                _reopen(section, user, (messages or {}).get(section.key, message))
        elif section.position != positions[index]:
            # A shift caused by others: the number is derived, so no version.
            Section.objects.filter(pk=section.pk).update(position=positions[index])
    kept = {s.pk for s in saved.values() if s.pk}
    for section in existing:
        if section.pk in kept or section.removed:
            continue
        report.removed.append(section.key)
        if not dry_run:
            section.removed = True
            _save_version(section, user=user, message=(messages or {}).get(section.key, message))
            _reopen(section, user, (messages or {}).get(section.key, message))
    return report


def _reopen(section: Section, user: UserModel, message: str) -> None:
    """An imported revision that changes an agreed section puts it back to review (only editors import)."""
    reason = message.strip() or _("Changed by an imported revision")
    tracking.agreed_reopen(section=section, user=user, reason=reason, version=lineage.section_version_now(section))


def _check_sections(sections: Sequence[ParsedSection]) -> None:
    """Every heading and body the file brings, checked as a save would check it, before anything is
    written (and in a dry run, so the preview says what applying would refuse)."""
    for parsed_section in sections:
        try:
            validate_heading(parsed_section.heading)
            validate_renderable(parsed_section.body)
            validate_brackets(parsed_section.body)
        except ValidationError as refusal:
            raise ValidationError(
                _("Section “%(heading)s”: %(problem)s")
                % {"heading": parsed_section.heading.strip()[:80] or "?", "problem": " ".join(refusal.messages)},
                code=refusal.error_list[0].code,
            ) from refusal


def _import_new(
    document: Document,
    user: UserModel,
    parsed_section: ParsedSection,
    key: str,
    parent: Section | None,
    position: int,
    numbered: bool,
    message: str,
) -> Section:
    if len(parsed_section.body) > BODY_MAX_CHARS:
        raise ValidationError(
            _("Section “%(heading)s” is longer than 1 MB.") % {"heading": parsed_section.heading}, code="too_long"
        )
    section = Section(
        document=document,
        parent=parent,
        position=position,
        key=key,
        heading=parsed_section.heading,
        body=parsed_section.body,
        numbered=numbered,
    )
    _open_slot(document, parent, position)
    return _save_version(section, user=user, message=message)

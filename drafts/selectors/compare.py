"""The two sides of a comparison as the diff engine takes them, for the people allowed to see them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from reversion.models import Version

from drafts.access import access_for
from drafts.models import Document, Draft, Section
from drafts.selectors.documents import draft_sections, drafts_visible_to, working_copy
from drafts.values import WORKING, SectionState, Side, parse_id

if TYPE_CHECKING:
    from drafts.access import User


def working_copy_states(document: Document) -> list[SectionState]:
    """The live working copy as the diff engine sees it: key, heading, body, parent key, place, number."""
    entries, _removed = working_copy(document)
    keys = {e.section.pk: e.section.key for e in entries}
    return [
        SectionState(
            key=e.section.key,
            heading=e.section.heading,
            body=e.section.body,
            parent=None if e.section.parent_id is None else keys.get(e.section.parent_id),
            position=e.position,
            number=e.number,
            status=e.section.status,
        )
        for e in entries
    ]


def draft_states(draft: Draft) -> list[SectionState]:
    return [
        SectionState(
            key=s.key, heading=s.heading, body=s.body, parent=s.parent_key or None, position=s.position,
            number=s.number, status=s.status,
        )
        for s in draft_sections(draft)
    ]


def compare_side(user: User, document: Document, ref: str) -> Side | None:
    """A side this person may compare, or None: ``ref`` is a draft number or ``working``."""
    if ref == WORKING:
        if not access_for(user, document).in_working_group:
            return None
        return Side(document, None, working_copy_states(document))
    number = parse_id(ref)
    if number is None:
        return None
    draft = drafts_visible_to(user, document).filter(number=number).first()
    if draft is None:
        return None
    return Side(document, draft, draft_states(draft))


def version_state(section: Section, version: Version) -> SectionState:
    """A section as one of its versions recorded it, for comparing versions."""
    fields = version.field_dict
    return SectionState(
        key=section.key, heading=fields["heading"], body=fields["body"], parent=None, position=1, number=""
    )

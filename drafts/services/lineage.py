"""Lineage writes: record where a draft's paragraphs went when the next is frozen, link comments to the
versions that carry out their decisions, and re-anchor comments whose paragraph is gone.

The pairing of paragraphs is the pure :mod:`drafts.lineage`; this module feeds it the two drafts and
stores its answer, so a page never recomputes it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from reversion.models import Version

from drafts import access, diffing, lineage, rendering
from drafts.access import Action
from drafts.models import (
    Carried,
    CommentChange,
    Draft,
    DraftComment,
    DraftSection,
    ParagraphLineage,
    Section,
)
from drafts.values import SectionState

if TYPE_CHECKING:
    from drafts.access import UserModel


def _state(s: DraftSection) -> SectionState:
    return SectionState(s.key, s.heading, s.body, s.parent_key or None, s.position, s.number)


def _text(s: DraftSection) -> lineage.SectionText:
    return lineage.SectionText(s.key, s.number, tuple(rendering.paragraph_texts(s.body)))


def lineage_record(previous: Draft, draft: Draft) -> int:
    """Store where every paragraph of ``previous`` went in ``draft`` (its successor); returns the rows made.

    Called by the freeze, inside its transaction, once ``draft``'s sections are recorded. Sections
    are paired as the compare pairs them (by key, else by content); paragraphs by :func:`lineage.trace`.
    """
    old = list(previous.sections.order_by("order"))
    new = list(draft.sections.order_by("order"))
    comparison = diffing.compare_sections([_state(s) for s in old], [_state(s) for s in new])
    old_by_key = {s.key: s for s in old}
    new_by_key = {s.key: s for s in new}
    successor = {c.old.key: (c.new.key if c.new else None) for c in comparison.sections if c.old is not None}
    traced = lineage.trace([_text(s) for s in old], [_text(s) for s in new], successor)
    # Where a removed section went is the compare's answer, so the compare and the comments on the
    # whole section agree.
    merged = diffing.merged_into(comparison)
    landings = [_as_compared(landing, merged) for landing in traced.landings]
    rows = [
        ParagraphLineage(
            draft=draft,
            source=old_by_key[landing.key],
            paragraph=landing.paragraph,
            target=new_by_key[landing.to_key] if landing.to_key is not None else None,
            target_paragraph=landing.to_paragraph if landing.to_key is not None else None,
            match=landing.match,
            similarity=round(landing.similarity, 4),
        )
        for landing in landings
    ]
    ParagraphLineage.objects.bulk_create(rows, batch_size=500)
    return len(rows)


def _as_compared(landing: lineage.Landing, merged: dict[str, SectionState | None]) -> lineage.Landing:
    """A removed section's whole-section landing, said as the compare says it (``diffing.merged_into``)."""
    if landing.paragraph != 0 or landing.key not in merged:
        return landing
    target = merged[landing.key]
    if target is None:
        return dataclasses.replace(landing, match="gone", to_key=None, to_paragraph=None)
    return dataclasses.replace(landing, match="edited", to_key=target.key, to_paragraph=None)


def section_version_now(section: Section) -> Version:
    """The version a section's last save made (``_save_version`` has just run)."""
    version = Version.objects.get_for_object(section).order_by("-pk").first()
    assert version is not None, "every save of a section makes a version"
    return version


def comment_changes_record(
    *, comments: Iterable[DraftComment], version: Version, section: Section, user: UserModel, how: str
) -> None:
    """Link ``comments`` to the ``version`` of ``section`` that carries out their decisions."""
    CommentChange.objects.bulk_create(
        [CommentChange(comment=c, version=version, section=section, how=how, linked_by=user) for c in comments],
        ignore_conflicts=True,
    )


@transaction.atomic
def comment_link_versions(*, comment: DraftComment, user: UserModel, versions: Iterable[Version]) -> int:
    """Link the decision on ``comment`` to versions of its document's working copy; returns the links made.

    Refused: a reply, or a version of a section of another document.
    """
    document = comment.draft.document
    access.require(user, document, Action.MANAGE_COMMENTS)
    if comment.level:
        raise ValidationError(_("Only a comment, not a reply, carries a decision."), code="reply")
    versions = list(versions)
    section_type = ContentType.objects.get_for_model(Section)
    sections = {
        str(s.pk): s for s in Section.objects.filter(document=document, pk__in=[v.object_id for v in versions])
    }
    for version in versions:
        if version.content_type_id != section_type.pk or version.object_id not in sections:
            raise ValidationError(
                _("Version %(id)s is not a version of a section of this document.") % {"id": version.pk},
                code="foreign_version",
            )
    before = CommentChange.objects.filter(comment=comment).count()
    for version in versions:
        comment_changes_record(
            comments=[comment], version=version, section=sections[version.object_id], user=user,
            how=CommentChange.How.LINKED,
        )
    return CommentChange.objects.filter(comment=comment).count() - before


@transaction.atomic
def comment_reanchor(
    *,
    comment: DraftComment,
    user: UserModel,
    target: DraftSection | None,
    paragraph: int | None = None,
) -> DraftComment:
    """Place a comment whose paragraph is gone in the next draft: on ``target`` (¶``paragraph``, or the
    whole section), or, with ``target`` None, confirm it has no place there (orphaned).

    Refused: a reply; a target outside the draft that follows the comment's; a paragraph the target
    does not have.
    """
    access.require(user, comment.draft.document, Action.MANAGE_COMMENTS)
    current = DraftComment.objects.select_for_update(of=("self",)).select_related("draft").get(pk=comment.pk)
    if current.level:
        raise ValidationError(_("Only a comment, not a reply, can be re-anchored."), code="reply")
    if target is None:
        current.carried, current.carried_to, current.carried_paragraph = Carried.ORPHANED, None, None
    else:
        following = Draft.objects.filter(document=current.draft.document_id, number=current.draft.number + 1).first()
        if following is None or target.draft_id != following.pk:
            raise ValidationError(
                _("A comment is re-anchored to a section of the draft that follows its own."), code="foreign_target"
            )
        count = len(rendering.paragraph_texts(target.body))
        if paragraph is not None and not 1 <= paragraph <= count:
            raise ValidationError(
                _("Section %(section)s has no paragraph %(paragraph)s (it has %(count)s).")
                % {"section": target.number or target.heading, "paragraph": paragraph, "count": count},
                code="no_such_paragraph",
            )
        current.carried, current.carried_to, current.carried_paragraph = Carried.REANCHORED, target, paragraph
    current.carried_by, current.carried_at = user, timezone.now()
    current.save(update_fields=["carried", "carried_to", "carried_paragraph", "carried_by", "carried_at"])
    return current

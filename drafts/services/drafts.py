"""Freezing drafts and changing the settings a frozen draft may still change."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.utils.translation import gettext as _

from drafts import access, numbering, selectors
from drafts.access import Action
from drafts.models import (
    CommentChange,
    Disposition,
    Document,
    Draft,
    DraftComment,
    DraftSection,
    FrozenDraftError,
    Notice,
    Section,
)
from drafts.services import outbox
from drafts.services import search as search_index
from drafts.services.lineage import lineage_record
from drafts.services.submissions import submission_record, submitted_result

if TYPE_CHECKING:
    from drafts.access import UserModel


@transaction.atomic
def draft_freeze(
    *,
    document: Document,
    user: UserModel,
    label: str = "",
    visibility: str = Draft.Visibility.WORKING_GROUP,
    status: str = Draft.Status.CIRCULATED,
    comments_open_from: datetime | None = None,
    comments_open_until: datetime | None = None,
    note: str = "",
    comments_visible_to_all: bool = True,
    submission: str = "",
    keep_previous_open: bool = False,
) -> Draft:
    """Freeze the working copy as the document's next numbered draft.

    The new draft supersedes the drafts before it: a circulated one becomes "superseded" and its
    comment window closes now (one not yet open loses its window), unless ``keep_previous_open``,
    so that two drafts never take comments at once by accident.

    Records where every paragraph of the previous draft went (``lineage_record``); comments accepted
    on earlier drafts whose change this draft carries are marked as addressed in it; everyone who
    commented on the previous draft is told by e-mail once the freeze is committed.

    Records, for every live section, the exact version it has now, its number and its place.
    A repeated ``submission`` key (the freeze form's one-time key) returns the draft it froze.
    """
    access.require(user, document, Action.MANAGE_DRAFTS)
    # Lock the document row so two editors freezing at once get Draft n and Draft n+1.
    document = Document.objects.select_for_update().get(pk=document.pk)
    already = submitted_result(user=user, action="draft_freeze", key=submission)
    if already is not None:
        return Draft.objects.get(pk=already)
    sections = list(Section.objects.filter(document=document).annotate(latest_version_id=selectors.latest_version_id()))
    places = numbering.outline(numbering.Node(s.pk, s.parent_id, s.position, s.numbered, s.removed) for s in sections)
    if not places:
        raise ValidationError(_("The working copy has no sections to freeze."), code="empty")
    by_id = {s.pk: s for s in sections}
    last = document.drafts.order_by("-number").values_list("number", flat=True).first() or 0
    draft = Draft(
        document=document,
        number=last + 1,
        label=label.strip(),
        visibility=visibility,
        status=status,
        comments_open_from=comments_open_from,
        comments_open_until=comments_open_until,
        note=note,
        comments_visible_to_all=comments_visible_to_all,
        frozen_by=user,
    )
    draft.full_clean()
    draft.save()
    snapshots = []
    for place in places:
        section = by_id[place.id]
        if section.latest_version_id is None:
            raise ValidationError(
                _("Section “%(key)s” has no recorded version; it was written outside the services.")
                % {"key": section.key},
                code="unversioned",
            )
        snapshots.append(
            DraftSection(
                draft=draft,
                section=section,
                version_id=section.latest_version_id,
                key=section.key,
                parent_key=by_id[place.parent_id].key if place.parent_id else "",
                order=place.order,
                depth=place.depth,
                position=place.position,
                number=place.number,
                heading=section.heading,
                body=section.body,
                status=section.status,
            )
        )
    DraftSection.objects.bulk_create(snapshots, batch_size=500)
    # Made unsealed above, so its snapshots could go in; sealed now, none can be added or taken away.
    draft.seal()
    search_index.draft_indexed(draft)
    previous = document.drafts.filter(number=draft.number - 1).first()
    _supersede(document, draft, keep_open=keep_previous_open)
    if previous is not None:
        previous.refresh_from_db()
        lineage_record(previous, draft)
    _mark_addressed(draft, previous)
    submission_record(user=user, action="draft_freeze", key=submission, result=draft.pk)
    return draft


def _supersede(document: Document, draft: Draft, *, keep_open: bool) -> None:
    """Mark the document's earlier circulated drafts superseded by ``draft`` and, unless ``keep_open``,
    close their comment windows at the freeze (a window that has not opened yet is removed)."""
    now = draft.frozen_at
    earlier = Draft.objects.filter(document=document, number__lt=draft.number)
    earlier.filter(status=Draft.Status.CIRCULATED).update(status=Draft.Status.SUPERSEDED)
    if keep_open:
        return
    earlier.filter(comments_open_from__gte=now).update(comments_open_from=None, comments_open_until=None)
    earlier.filter(comments_open_until__gt=now).update(comments_open_until=now)


@transaction.atomic
def draft_update_settings(*, draft: Draft, user: UserModel, **changes: Any) -> Draft:
    """Change what may change on a frozen draft (``Draft.EDITABLE_FIELDS``): label, status,
    visibility, comment window, note. Anything else (its number, its sections, when it was frozen)
    is refused. The comment window's order is checked by ``Draft.clean``.
    """
    access.require(user, draft.document, Action.MANAGE_DRAFTS)
    unknown = set(changes) - set(Draft.EDITABLE_FIELDS)
    if unknown:
        raise FrozenDraftError(f"A frozen draft cannot change {', '.join(sorted(unknown))}.")
    for field, value in changes.items():
        setattr(draft, field, value.strip() if field == "label" else value)
    draft.full_clean(validate_unique=False)
    draft.save(update_fields=list(changes))
    return draft


def _mark_addressed(draft: Draft, previous: Draft | None) -> None:
    """Comments accepted (with or without modifications) on earlier drafts whose change is in this
    draft are addressed in it: a version linked to the decision is the one this draft froze for its
    section, or an earlier one. Rejected and noted comments are never "addressed"; an accepted one
    whose change is not linked waits. Commenters on the previous draft hear of the new one.

    Who hears is the notifications' business: only commenters who may read the new draft.
    """
    carried = CommentChange.objects.filter(
        comment=OuterRef("pk"),
        section__snapshots__draft=draft,
        section__snapshots__version__gte=F("version"),
    )
    DraftComment.objects.filter(
        Exists(carried),
        draft__document=draft.document,
        draft__number__lt=draft.number,
        addressed_in__isnull=True,
        level=0,
        disposition__in=[Disposition.ACCEPTED, Disposition.MODIFIED],
    ).update(addressed_in=draft)
    if previous is not None:
        outbox.notice_record(Notice.Kind.DRAFT_PUBLISHED, document=draft.document, draft=draft, previous=previous.pk)

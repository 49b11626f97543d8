"""The tracker's writes: a section's status and pen-holders, and the silence procedure on a draft."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from drafts import access, values
from drafts.access import Action
from drafts.models import (
    Document,
    Draft,
    Membership,
    Notice,
    PenHolder,
    Profile,
    Role,
    Section,
    SectionStatus,
    Silence,
    SilenceBreak,
    StatusChange,
)
from drafts.models.documents import has_visible_text
from drafts.models.tracking import REASON_MAX_LENGTH
from drafts.services.outbox import notice_record

if TYPE_CHECKING:
    from reversion.models import Version

    from drafts.access import UserModel


def _reason(reason: str, *, field: str = "reason") -> str:
    reason = reason.strip()
    if not has_visible_text(reason):
        raise ValidationError({field: ValidationError(_("Say why, in a few words."), code="reason_required")})
    if len(reason) > REASON_MAX_LENGTH:
        raise ValidationError(
            {field: ValidationError(_("Keep the reason under %(limit)d characters.") % {"limit": REASON_MAX_LENGTH},
                                    code="reason_too_long")}
        )
    return reason


def allowed_statuses(status: str, *, may_agree: bool = True) -> list[str]:
    """Where a section may go from ``status``: the next step forward, or back to any earlier step; for
    someone who may not agree a section, none that leads to or from an agreed status."""
    order = SectionStatus.order(status)
    steps = [s for i, s in enumerate(SectionStatus.values) if i < order or i == order + 1]
    if may_agree:
        return steps
    return [] if SectionStatus.is_agreed(status) else [s for s in steps if not SectionStatus.is_agreed(s)]


@transaction.atomic
def section_status_change(*, section: Section, user: UserModel, to_status: str, reason: str) -> StatusChange:
    """Move a section through its workflow, recorded with who, when and why.

    Forward one step at a time (drafting → in review → agreed ad referendum → agreed), back to any
    earlier step. The working group moves sections between drafting and review; only editors agree a
    section (either agreed status) or take it back from one.
    """
    rights = access.access_for(user, section.document)
    rights.require(Action.CHANGE_STATUS)
    current = Section.objects.select_for_update().get(pk=section.pk)
    if current.removed:
        raise ValidationError(_("This section has been removed; restore it before changing its status."),
                              code="removed")
    if to_status not in allowed_statuses(current.status):
        names = ", ".join(str(SectionStatus(s).label) for s in allowed_statuses(current.status))
        raise ValidationError(
            {"to_status": ValidationError(
                _("A section that is “%(status)s” can go to: %(allowed)s.")
                % {"status": SectionStatus(current.status).label, "allowed": names},
                code="unknown_transition",
            )}
        )
    if (SectionStatus.is_agreed(to_status) or SectionStatus.is_agreed(current.status)) and not rights.may_agree():
        raise PermissionDenied(_("Only the document's editors agree a section or take it back from agreed."))
    reason = _reason(reason)
    change = StatusChange.objects.create(
        section=current, from_status=current.status, to_status=to_status, changed_by=user, reason=reason
    )
    Section.objects.filter(pk=current.pk).update(status=to_status)
    section.status = to_status
    return change


def require_section_edit(user: UserModel, section: Section) -> None:
    """The check every change to a section makes: the working group, or with the document's
    pen-holders-only setting, the section's pen-holders and the editors."""
    rights = access.access_for(user, section.document)
    rights.require(Action.EDIT_SECTIONS)
    if not rights.may_edit_section(set(PenHolder.objects.filter(section=section).values_list("user_id", flat=True))):
        raise PermissionDenied(_("Only this section's pen-holders and the editors edit it."))


def agreed_edit_check(user: UserModel, section: Section, reason: str, *, field: str = "reopen_reason") -> str:
    """Before text of an agreed section changes: editors only, with a reason (returned, stripped; the
    refusal names the form ``field`` that asks for it)."""
    if not SectionStatus.is_agreed(section.status):
        return ""
    if not access.access_for(user, section.document).may_agree():
        raise PermissionDenied(_("This section is agreed: only the document's editors edit it."))
    return _reason(reason, field=field)


def agreed_reopen(*, section: Section, user: UserModel, reason: str, version: Version | None) -> None:
    """An agreed section whose text just changed goes back to review, recorded with the version."""
    if not SectionStatus.is_agreed(section.status):
        return
    StatusChange.objects.create(
        section=section, from_status=section.status, to_status=SectionStatus.IN_REVIEW, changed_by=user,
        reason=reason, version=version,
    )
    Section.objects.filter(pk=section.pk).update(status=SectionStatus.IN_REVIEW)
    section.status = SectionStatus.IN_REVIEW


@transaction.atomic
def section_pen_holders_set(*, section: Section, user: UserModel, holders: Iterable[UserModel]) -> list[PenHolder]:
    """Make exactly ``holders`` the section's pen-holders (editors assign; holders are the working group)."""
    access.require(user, section.document, Action.MANAGE_MEMBERS)
    wanted = {h.pk: h for h in holders}
    in_group = set(
        Membership.objects.filter(
            document=section.document, user__in=wanted, role__in=(Role.MEMBER, Role.EDITOR), user__is_active=True
        ).values_list("user_id", flat=True)
    )
    outside = [wanted[pk].get_username() for pk in wanted if pk not in in_group]
    if outside:
        raise ValidationError(
            {"holders": ValidationError(
                _("Pen-holders are members of the working group; not: %(names)s.") % {"names": ", ".join(outside)},
                code="not_in_working_group",
            )}
        )
    Section.objects.select_for_update().filter(pk=section.pk).get()
    PenHolder.objects.filter(section=section).exclude(user__in=wanted).delete()
    kept = set(PenHolder.objects.filter(section=section).values_list("user_id", flat=True))
    PenHolder.objects.bulk_create(
        [PenHolder(section=section, user_id=pk, assigned_by=user) for pk in wanted if pk not in kept]
    )
    return list(PenHolder.objects.filter(section=section).select_related("user"))


def pen_holder_on_create(*, section: Section, user: UserModel) -> None:
    """Under the pen-holders-only setting, a member who adds a section holds its pen (else they could
    not edit what they just wrote)."""
    if section.document.pen_holders_only and not access.access_for(user, section.document).is_editor:
        PenHolder.objects.get_or_create(section=section, user=user, defaults={"assigned_by": user})


# Silence procedure ----------------------------------------------------------------------------


@transaction.atomic
def silence_place(*, draft: Draft, user: UserModel, until: datetime) -> Silence:
    """Place a frozen draft under silence until ``until``; a draft goes under silence once."""
    access.require(user, draft.document, Action.MANAGE_DRAFTS)
    Draft.objects.select_for_update().filter(pk=draft.pk).get()
    existing = Silence.objects.filter(draft=draft).first()
    if existing is not None:
        raise ValidationError(
            _("This draft was placed under silence already, until %(until)s.") % {"until": values.when(existing.until)},
            code="already_placed",
        )
    now = timezone.now()
    if until <= now:
        raise ValidationError(
            {"until": ValidationError(_("The silence deadline must be in the future."), code="deadline_past")}
        )
    return Silence.objects.create(draft=draft, until=until, placed_by=user, placed_at=now)


@transaction.atomic
def silence_break(*, draft: Draft, user: UserModel, reason: str) -> SilenceBreak:
    """An invited stakeholder breaks silence before the deadline, with a reason; everyone is told.

    Breaking it twice is once: the second call returns the first break and writes nothing.
    """
    access.require(user, draft.document, Action.BREAK_SILENCE, draft)
    silence = Silence.objects.select_for_update().filter(draft=draft).first()
    if silence is None:
        raise ValidationError(_("This draft is not under silence."), code="no_silence")
    already = SilenceBreak.objects.filter(silence=silence, user=user).first()
    if already is not None:
        return already
    now = timezone.now()
    if not silence.is_running(now):
        raise ValidationError(
            _("The silence procedure ended on %(until)s; it can no longer be broken.")
            % {"until": values.when(silence.until)},
            code="silence_over",
        )
    reason = _reason(reason)
    profile = Profile.objects.filter(user=user).first()
    broken = SilenceBreak.objects.create(
        silence=silence, user=user, reason=reason, broken_at=now,
        organisation=profile.organisation if profile else "", category=profile.category if profile else "",
    )
    notice_record(Notice.Kind.SILENCE_BROKEN, document=draft.document, draft=draft, silence_break=broken.pk)
    return broken


def silence_endings_record(*, now: datetime | None = None) -> int:
    """Record the "silence has ended" notice of every procedure whose deadline has passed, once each
    (the worker's sweep calls it; the state itself never waits for it)."""
    now = now or timezone.now()
    recorded = 0
    ended = Silence.objects.filter(until__lte=now, end_noticed_at__isnull=True)
    for silence_id in ended.values_list("pk", flat=True)[:100]:
        with transaction.atomic():
            silence = (
                Silence.objects.select_for_update().select_related("draft__document")
                .filter(pk=silence_id, end_noticed_at__isnull=True).first()
            )
            if silence is None:
                continue
            silence.end_noticed_at = now
            silence.save(update_fields=["end_noticed_at"])
            notice_record(Notice.Kind.SILENCE_ENDED, document=silence.draft.document, draft=silence.draft)
            recorded += 1
    return recorded



@transaction.atomic
def document_pen_holders_only_set(*, document: Document, user: UserModel, on: bool) -> Document:
    """Whether only a section's pen-holders (and the editors) edit it."""
    access.require(user, document, Action.MANAGE_MEMBERS)
    Document.objects.filter(pk=document.pk).update(pen_holders_only=on)
    document.pen_holders_only = on
    return document

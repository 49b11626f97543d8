"""Spreadsheets in: a delegation's comments from the filled template, and editors' decisions from the
filled comment matrix. Each is checked row by row and stored all or nothing, as one action."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from drafts import access, rendering, selectors, values
from drafts.access import Action
from drafts.interchange import comment_sheets
from drafts.interchange.comment_sheets import CommentLine, DecisionLine, SheetSection, row_problem
from drafts.interchange.matrix import matrix_stamp
from drafts.models import CommentBatch, CommentKind, Disposition, Draft, DraftComment, DraftSection, Notice
from drafts.models.documents import has_visible_text
from drafts.services import outbox
from drafts.services import search as search_index
from drafts.services.comments import (
    _lock_for_new_comments,
    _next_references,
    _refuse_over_the_limit,
    _refuse_unless_open,
    comment_dispose,
    profile_for,
)
from drafts.services.submissions import submission_record, submitted_result

if TYPE_CHECKING:
    from drafts.access import UserModel

# How the Section column names the draft as a whole (the matrix writes "General" there).
_WHOLE_DRAFT = (gettext_lazy("Whole draft"), gettext_lazy("General"))
_WITHDRAWN = gettext_lazy("Withdrawn")  # what the matrix shows instead of a withdrawn comment's disposition
_UPLOAD_ACTION = "comments_upload"


def _in_every_language(*texts: Promise | str) -> set[str]:
    """``texts`` in English and in every interface language, as a person may have typed them."""
    found: set[str] = set()
    for code in ["en", *(code for code, _name in settings.LANGUAGES)]:
        with translation.override(code):
            found.update(str(text) for text in texts)
    return found


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _choices(choices: Iterable[tuple[str, Promise | str]]) -> dict[str, str]:
    """Folded stored values and labels (in every language) of a choice, to the stored value."""
    names: dict[str, str] = {}
    for value, label in choices:
        names[_fold(value)] = value
        for text in _in_every_language(label):
            names.setdefault(_fold(text), value)
    return names


def _comment_limit() -> int:
    return DraftComment._meta.get_field("comment").max_length or 0


def _proposed_limit() -> int:
    return next(v.limit_value for v in DraftComment._meta.get_field("proposed_text").validators
                if hasattr(v, "limit_value"))


# The comment template of a draft -----------------------------------------------------------------------


def _sheet_sections(draft: Draft) -> tuple[list[DraftSection], list[SheetSection]]:
    """The draft's sections and how the template names them, each with its paragraphs counted as the
    section page counts them (the comment form offers the same numbers)."""
    snapshots = selectors.draft_sections(draft)
    rendered = rendering.render_many([(s.body, s.anchor, s.number or s.heading) for s in snapshots])
    exported = selectors.draft_export_sections(draft)
    document = draft.document
    return snapshots, comment_sheets.sheet_sections(
        exported, [r.paragraph_count for r in rendered], scheme=document.numbering, language=document.language
    )


def comment_template(*, draft: Draft, user: UserModel) -> bytes:
    """The comment template of ``draft`` as an Excel workbook, for someone who may comment on it.

    A read, kept beside the upload so the template offers exactly the sections, paragraphs and types
    the upload accepts.
    """
    access.require(user, draft.document, Action.COMMENT, draft)
    _snapshots, sections = _sheet_sections(draft)
    kinds = [str(label) for _value, label in CommentKind.choices]
    closes = values.when(draft.comments_open_until)
    return comment_sheets.comment_template_xlsx(
        title=_("Comments on %(document)s, %(draft)s") % {"document": draft.document.title, "draft": draft.title},
        instructions=_(
            "One comment per row, from row %(first)s. Section: choose it from the list (the sheet “Sections” "
            "lists every section with its number of paragraphs), or type its number (7.3) or its key; "
            "choose “%(whole)s” for a comment on the draft as a whole. Paragraph: the paragraph's number, or "
            "empty for the whole section. Type: %(kinds)s. Comment: what you have to say (required). Proposed "
            "change: the wording you propose instead, if any. Keep row %(header)s as it is."
        ) % {"first": comment_sheets.TEMPLATE_HEADER_ROW + 1, "whole": _WHOLE_DRAFT[0], "kinds": ", ".join(kinds),
             "header": comment_sheets.TEMPLATE_HEADER_ROW},
        limits=(_(
            "At most %(rows)s rows, comments of %(comment)s characters and proposals of %(proposed)s. Save the "
            "file as Excel (.xlsx) or CSV UTF-8 and upload it on the draft's page: you see every comment before "
            "anything is stored. %(window)s"
        ) % {"rows": f"{comment_sheets.MAX_ROWS:,}", "comment": f"{_comment_limit():,}",
             "proposed": f"{_proposed_limit():,}",
             "window": _("Comments close on %(date)s.") % {"date": closes} if closes else ""}).strip(),
        sections=sections,
        kinds=kinds,
        whole_draft=str(_WHOLE_DRAFT[0]),
    )


# Comments from a filled template -----------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedComment:
    """One row of the file, checked: where it points, what it says, and the ID it gets (or would get)."""

    line: int
    section: DraftSection | None
    paragraph: int | None
    kind: str
    comment: str
    proposed_text: str
    reference: str = ""

    @property
    def where(self) -> str:
        """Where the comment points, as comments name it: "7.3 ¶2", "7.3", or "Whole draft"."""
        if self.section is None:
            return str(_WHOLE_DRAFT[0])
        label = self.section.number or self.section.heading
        return f"{label} ¶{self.paragraph}" if self.paragraph else label

    def get_kind_display(self) -> str:
        return str(CommentKind(self.kind).label)


@dataclass
class CommentUpload:
    """What an upload stored (or, for a dry run, would store): the batch and its comments, in file order."""

    draft: Draft
    comments: list[UploadedComment]
    batch: CommentBatch | None = None
    stored: list[DraftComment] = field(default_factory=list)


def _checked_comments(draft: Draft, user: UserModel, lines: Sequence[CommentLine]) -> list[UploadedComment]:
    """Each row read against the draft: a known section and paragraph, a type, a comment within the
    comment form's limits, not repeated. Every problem is collected, then all are raised at once."""
    snapshots, sections = _sheet_sections(draft)
    by_key = {s.key: s for s in snapshots}
    counts = {s.key: s.paragraphs for s in sections}
    names = comment_sheets.SectionNames(sections, whole_draft=_in_every_language(*_WHOLE_DRAFT))
    kinds = _choices(CommentKind.choices)
    kind_names = ", ".join(str(label) for _value, label in CommentKind.choices)
    comment_limit, proposed_limit = _comment_limit(), _proposed_limit()
    earlier = {
        (c.draft_section_id, c.paragraph, c.kind, c.comment, c.proposed_text): c.reference
        for c in DraftComment.objects.filter(draft=draft, user=user, level=0)
    }
    seen: dict[tuple, int] = {}
    problems: list[str] = []
    checked: list[UploadedComment] = []
    for line in lines:
        found = len(problems)
        section: SheetSection | None = None
        if not line.section:
            problems.append(row_problem(line.line, _("choose the section (or “%(whole)s” for the draft as a whole).")
                                        % {"whole": _WHOLE_DRAFT[0]}))
        else:
            try:
                section = names.find(line.section)
            except ValueError as refusal:
                problems.append(row_problem(line.line, str(refusal)))
        paragraph = _paragraph(line, section, counts, problems, whole=bool(line.section) and section is None)
        kind = kinds.get(_fold(line.kind))
        if kind is None:
            problem = (_("unknown type “%(kind)s”; the types are %(kinds)s.") if line.kind
                       else _("choose the type of comment: %(kinds)s."))
            problems.append(row_problem(line.line, problem % {"kind": line.kind, "kinds": kind_names}))
        text = line.comment.replace("\r\n", "\n").strip()
        proposed = line.proposed.replace("\r\n", "\n").strip()
        if not has_visible_text(text):
            problems.append(row_problem(line.line, _("the comment is empty.")))
        elif len(text) > comment_limit:
            problems.append(row_problem(line.line, _("the comment has %(n)s characters; at most %(max)s are allowed.")
                                        % {"n": f"{len(text):,}", "max": f"{comment_limit:,}"}))
        if len(proposed) > proposed_limit:
            problems.append(row_problem(line.line, _(
                "the proposed change has %(n)s characters; at most %(max)s are allowed.")
                % {"n": f"{len(proposed):,}", "max": f"{proposed_limit:,}"}))
        if len(problems) > found or kind is None:  # a row without a known type has a problem
            continue
        snapshot = by_key[section.key] if section is not None else None
        same = (snapshot.pk if snapshot else None, paragraph, kind, text, proposed)
        if same in seen:
            problems.append(row_problem(line.line, _("it repeats row %(row)s.") % {"row": seen[same]}))
            continue
        if same in earlier:
            problems.append(row_problem(line.line, _("you posted this comment already (%(id)s).")
                                        % {"id": earlier[same]}))
            continue
        seen[same] = line.line
        checked.append(UploadedComment(line=line.line, section=snapshot, paragraph=paragraph, kind=kind,
                                       comment=text, proposed_text=proposed))
    if problems:
        raise ValidationError(problems, code="invalid_rows")
    return checked


def _paragraph(
    line: CommentLine, section: SheetSection | None, counts: dict[str, int], problems: list[str], *, whole: bool
) -> int | None:
    """The Paragraph column as a number that exists in the section as rendered, or None (the whole section)."""
    typed = line.paragraph.strip().lstrip("¶").strip()
    if not typed:
        return None
    if whole:
        problems.append(row_problem(line.line, _("a comment on the draft as a whole has no paragraph; leave "
                                                 "Paragraph empty or choose a section.")))
        return None
    number = values.parse_id(typed)
    if number is None or number == 0:
        problems.append(row_problem(line.line, _("the paragraph must be a number (1, 2, …) or empty, not “%(typed)s”.")
                                    % {"typed": line.paragraph}))
        return None
    if section is not None and number > counts[section.key]:
        problems.append(row_problem(line.line, _("%(section)s has no paragraph %(n)s (it has %(count)s).")
                                    % {"section": section.shown or section.heading, "n": number,
                                       "count": counts[section.key]}))
        return None
    return number


@transaction.atomic
def comments_upload(
    *,
    draft: Draft,
    user: UserModel,
    lines: Sequence[CommentLine],
    filename: str = "",
    dry_run: bool = False,
    followup: bool = True,
    submission: str = "",
    ip_address: str | None = None,
) -> CommentUpload:
    """Store the comments of a filled template on ``draft`` as one action, all or nothing.

    Refused, with every problem (``ValidationError``, one message per problem, "Row 7: unknown section
    9.9"): what ``_checked_comments`` refuses. Refused (:class:`~drafts.services.CommentRefused`) as a
    single comment would be: outside the comment window, or once the person has acted
    ``COMMENTS_PER_MINUTE`` times in the last minute; the upload counts once however many rows it has.

    Stores one :class:`CommentBatch` and, for each row, a comment that carries it, numbered, with the
    commenter's organisation and category copied, exactly as :func:`~drafts.services.comment_post`
    would. Followers of each section are e-mailed about each comment once the transaction commits, as
    for a comment posted on its own. A dry run checks the same and says which IDs the comments would get
    if they were stored now, writing nothing. A repeated ``submission`` key returns the first upload.
    """
    access.require(user, draft.document, Action.COMMENT, draft)
    if not dry_run:
        draft = _lock_for_new_comments(draft)
        already = submitted_result(user=user, action=_UPLOAD_ACTION, key=submission)
        if already is not None:
            return _stored_upload(CommentBatch.objects.get(pk=already))
    checked = _checked_comments(draft, user, lines)
    _refuse_unless_open(draft)
    _refuse_over_the_limit(user)
    profile = profile_for(user)
    references = _next_references(draft.document_id, profile, len(checked))
    planned = [replace(row, reference=reference) for row, reference in zip(checked, references, strict=True)]
    if dry_run:
        return CommentUpload(draft=draft, comments=planned)
    batch = CommentBatch.objects.create(draft=draft, user=user, filename=filename[:255])
    now = timezone.now()
    content_types = {model: ContentType.objects.get_for_model(model) for model in (Draft, DraftSection)}
    stored = []
    for row in planned:
        target: Draft | DraftSection = row.section or draft
        comment = DraftComment(
            content_type=content_types[type(target)],
            object_pk=str(target.pk),
            site_id=settings.SITE_ID,
            user=user,
            user_name=user.get_full_name() or user.get_username(),
            user_email=user.email,
            comment=row.comment,
            submit_date=now,
            ip_address=ip_address,
            is_public=True,
            is_removed=False,
            followup=followup,
            draft=draft,
            batch=batch,
            draft_section=row.section,
            paragraph=row.paragraph,
            kind=row.kind,
            proposed_text=row.proposed_text,
            organisation=profile.organisation,
            category=profile.category,
            reference=row.reference,
        )
        comment.save()
        stored.append(comment)
    submission_record(user=user, action=_UPLOAD_ACTION, key=submission, result=batch.pk)
    search_index.comments_indexed(c.pk for c in stored)
    # As if each had been posted on its own: a follower of a section hears of each new comment there.
    for comment in stored:
        outbox.notice_record(Notice.Kind.FOLLOWUP, document=draft.document, draft=draft, comment=comment)
    return CommentUpload(draft=draft, comments=planned, batch=batch, stored=stored)


def _stored_upload(batch: CommentBatch) -> CommentUpload:
    stored = list(batch.comments.select_related("draft_section").order_by("pk"))
    rows = [UploadedComment(line=0, section=c.draft_section, paragraph=c.paragraph, kind=c.kind, comment=c.comment,
                            proposed_text=c.proposed_text, reference=c.reference) for c in stored]
    return CommentUpload(draft=batch.draft, comments=rows, batch=batch, stored=stored)


# Decisions from a filled comment matrix ----------------------------------------------------------------


@dataclass(frozen=True)
class DecisionChange:
    """One comment's decision as the file changes it."""

    line: int
    comment: DraftComment
    old_disposition: str
    new_disposition: str
    response: str
    response_changed: bool

    @property
    def reference(self) -> str:
        return self.comment.reference

    @property
    def old_label(self) -> str:
        return str(Disposition(self.old_disposition).label)

    @property
    def new_label(self) -> str:
        return str(Disposition(self.new_disposition).label)

    @property
    def disposition_changed(self) -> bool:
        return self.old_disposition != self.new_disposition


@dataclass
class DecisionImport:
    """What importing a filled matrix changed (or would change), and which rows it left as they were."""

    draft: Draft
    changes: list[DecisionChange] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _last_change(comment: DraftComment) -> str:
    """What last changed what the stamp covers, who did it and when ("decided by Carla Chair at 2 Dec 2026
    14:27 CET"): the decision, or its author's rewording or withdrawal; empty if nothing is dated."""
    author = comment.user_name
    decider = comment.decided_by
    moments = [
        (comment.decided_at, _("decided by %(who)s at %(when)s"),
         (decider.get_full_name() or decider.get_username()) if decider is not None else ""),
        (comment.edited_at, _("reworded by %(who)s at %(when)s"), author),
        (comment.withdrawn_at, _("withdrawn by %(who)s at %(when)s"), author),
    ]
    dated = [(moment, text, who) for moment, text, who in moments if moment is not None]
    if not dated:
        return ""
    moment, text, who = max(dated, key=lambda found: found[0])
    return text % {"who": who, "when": values.when(moment)}


@transaction.atomic
def decisions_import(
    *, draft: Draft, user: UserModel, lines: Sequence[DecisionLine], dry_run: bool = False
) -> DecisionImport:
    """Record the decisions of a filled comment matrix of ``draft``, all or nothing.

    Each row names a comment by its ID. Refused, with every problem (``ValidationError``): an ID no
    comment of the document has, a comment of another draft, a hidden comment (the matrix leaves them
    out), an unknown disposition (the stored value, ``accepted_modified``, or the label in English or in
    an interface language are known), a row repeated, and a row that changes a comment whose words or
    decision changed since the export (its Stamp is not the comment's stamp now). Rows whose disposition
    and response are those the comment has are left alone and reported unchanged. The others are decided
    through :func:`~drafts.services.comment_dispose`, so who decided and when are recorded; the decisions
    are drafted, and published as any other. A dry run checks the same and writes nothing.
    """
    access.require(user, draft.document, Action.MANAGE_COMMENTS)
    wanted = {line.reference.strip().upper() for line in lines if line.reference.strip()}
    current = {
        c.reference: c
        for c in DraftComment.objects.select_for_update(of=("self",))
        .select_related("draft", "decided_by")
        .filter(document=draft.document_id, reference__in=wanted)
    }
    dispositions = _choices(Disposition.choices)
    withdrawn = {_fold(text) for text in _in_every_language(_WITHDRAWN)}
    known = ", ".join(str(label) for _value, label in Disposition.choices)
    report = DecisionImport(draft=draft)
    problems: list[str] = []
    first_row: dict[str, int] = {}
    for line in lines:
        reference = line.reference.strip().upper()
        if not reference:
            problems.append(row_problem(line.line, _("no comment ID; keep the ID column as exported.")))
            continue
        if reference in first_row:
            problems.append(row_problem(line.line, _("%(id)s appears again (first on row %(row)s).")
                                        % {"id": reference, "row": first_row[reference]}))
            continue
        first_row[reference] = line.line
        comment = current.get(reference)
        if comment is None:
            problems.append(row_problem(line.line, _("unknown ID %(id)s: no comment of this document has it.")
                                        % {"id": reference}))
            continue
        if comment.draft_id != draft.pk:
            problems.append(row_problem(line.line, _("%(id)s is a comment on %(other)s, not on %(draft)s.")
                                        % {"id": reference, "other": comment.draft.title, "draft": draft.title}))
            continue
        if comment.level:
            problems.append(row_problem(line.line, _("%(id)s is a reply; replies take no decision.")
                                        % {"id": reference}))
            continue
        if not comment.is_public or comment.is_removed:
            problems.append(row_problem(line.line, _(
                "%(id)s is hidden, so it is not in the matrix; decide on it on its own page.") % {"id": reference}))
            continue
        typed = _fold(line.disposition)
        if typed in withdrawn:
            if not comment.is_withdrawn:
                problems.append(row_problem(line.line, _(
                    "“%(typed)s” is not a decision: only its author withdraws a comment. Use one of %(known)s.")
                    % {"typed": line.disposition, "known": known}))
                continue
            disposition = comment.disposition  # the matrix shows a withdrawn comment's state, not its decision
        elif typed in dispositions:
            disposition = dispositions[typed]
        else:
            problem = (_("unknown disposition “%(typed)s”; use one of %(known)s.") if line.disposition
                       else _("the disposition is empty; use one of %(known)s."))
            problems.append(row_problem(line.line, problem % {"typed": line.disposition, "known": known}))
            continue
        response = line.response.replace("\r\n", "\n").strip()
        if disposition == comment.disposition and response == comment.response.strip():
            report.unchanged.append(reference)
            continue
        if line.stamp.strip().lower() != matrix_stamp(comment):
            change = _last_change(comment)
            if not line.stamp.strip():
                problem = _("%(id)s has no stamp; export the matrix again and fill in that file.")
            elif change:
                problem = _("%(id)s was changed since your export (%(change)s); export again.")
            else:
                problem = _("%(id)s was changed since your export; export again.")
            problems.append(row_problem(line.line, problem % {"id": reference, "change": change}))
            continue
        report.changes.append(DecisionChange(
            line=line.line, comment=comment, old_disposition=comment.disposition, new_disposition=disposition,
            response=response, response_changed=response != comment.response.strip(),
        ))
    if problems:
        raise ValidationError(problems, code="invalid_rows")
    if not dry_run:
        for decided in report.changes:
            comment_dispose(comments=[decided.comment], user=user, draft=draft, disposition=decided.new_disposition,
                            response=decided.response)
    return report

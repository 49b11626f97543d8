"""The drafting concepts: documents of versioned sections, frozen drafts and per-document roles.

Every write goes through ``drafts.services``; these models guard their own invariants as well
(database constraints, and frozen drafts that refuse to change) so a stray write elsewhere cannot
break them. One module per concept; everything is importable from ``drafts.models``.
"""

from drafts.models.api import ApiToken, key_digest
from drafts.models.comments import (
    Carried,
    CommentBatch,
    CommentEdit,
    CommentKind,
    Disposition,
    DraftComment,
    Profile,
    StakeholderCategory,
)
from drafts.models.documents import (
    Document,
    Membership,
    Role,
    Section,
    SectionStatus,
    key_validator,
    validate_brackets,
    validate_heading,
    validate_renderable,
    validate_single_line,
    validate_time_zone,
)
from drafts.models.drafts import Draft, DraftSection, FrozenDraftError
from drafts.models.lineage import CommentChange, Match, ParagraphLineage
from drafts.models.people import Invitation, Submission
from drafts.models.search import COMMENT_KINDS, TEXT_KINDS, EntryKind, SearchEntry
from drafts.models.tracking import PenHolder, Silence, SilenceBreak, StatusChange
from drafts.models.work import Job, Notice, OutboundMail
from drafts.values import BODY_MAX_CHARS, HEADING_MAX_LENGTH, KEY_PATTERN

__all__ = [
    "BODY_MAX_CHARS",
    "COMMENT_KINDS",
    "HEADING_MAX_LENGTH",
    "KEY_PATTERN",
    "TEXT_KINDS",
    "ApiToken",
    "Carried",
    "CommentBatch",
    "CommentChange",
    "CommentEdit",
    "CommentKind",
    "Disposition",
    "Document",
    "Draft",
    "DraftComment",
    "DraftSection",
    "EntryKind",
    "FrozenDraftError",
    "Invitation",
    "Job",
    "Match",
    "Membership",
    "Notice",
    "OutboundMail",
    "ParagraphLineage",
    "PenHolder",
    "Profile",
    "Role",
    "SearchEntry",
    "Section",
    "SectionStatus",
    "Silence",
    "SilenceBreak",
    "StakeholderCategory",
    "StatusChange",
    "Submission",
    "key_digest",
    "key_validator",
    "validate_brackets",
    "validate_heading",
    "validate_renderable",
    "validate_single_line",
    "validate_time_zone",
]

"""Every write in the app: one function per action, named ``<thing>_<action>``, each in one transaction.

Each writing service takes the acting ``user`` and asks ``drafts.access`` first, raising
``PermissionDenied`` before anything is written, whoever calls it (page, command, task, API).
A change to a section is exactly one reversion revision, with the acting user and a message.
"""

from drafts.services.accounts import api_token_create, api_token_revoke, preferences_set, stakeholder_sign_up
from drafts.services.comment_imports import comment_template, comments_upload, decisions_import
from drafts.services.comments import (
    CampaignChanged,
    CommentRefused,
    DecisionConflict,
    campaign_dispose,
    comment_apply_proposal,
    comment_decide,
    comment_dispose,
    comment_edit,
    comment_flag,
    comment_hide,
    comment_post,
    comment_withdraw,
    decision_stamp,
    decisions_publish,
)
from drafts.services.documents import document_create, invitation_accept, invitation_send, membership_set
from drafts.services.drafts import draft_freeze, draft_update_settings
from drafts.services.imports import ImportReport, document_import, parsed_states
from drafts.services.lineage import comment_link_versions, comment_reanchor, lineage_record
from drafts.services.notifications import MuteTarget, followup_mute, invitation_from_token, mute_target
from drafts.services.search import search_reindex
from drafts.services.sections import (
    EditConflict,
    Saved,
    conflict_settled,
    edit_conflict,
    section_create,
    section_move,
    section_remove,
    section_restore,
    section_revert,
    section_save,
    section_update,
    version_fields,
    who,
)
from drafts.services.tracking import (
    allowed_statuses,
    document_pen_holders_only_set,
    section_pen_holders_set,
    section_status_change,
    silence_break,
    silence_endings_record,
    silence_place,
)

__all__ = [
    "CampaignChanged",
    "CommentRefused",
    "DecisionConflict",
    "EditConflict",
    "ImportReport",
    "MuteTarget",
    "Saved",
    "allowed_statuses",
    "api_token_create",
    "api_token_revoke",
    "campaign_dispose",
    "comment_apply_proposal",
    "comment_decide",
    "comment_dispose",
    "comment_edit",
    "comment_flag",
    "comment_hide",
    "comment_link_versions",
    "comment_post",
    "comment_reanchor",
    "comment_template",
    "comment_withdraw",
    "comments_upload",
    "conflict_settled",
    "decision_stamp",
    "decisions_import",
    "decisions_publish",
    "document_create",
    "document_import",
    "document_pen_holders_only_set",
    "draft_freeze",
    "draft_update_settings",
    "edit_conflict",
    "followup_mute",
    "invitation_accept",
    "invitation_from_token",
    "invitation_send",
    "lineage_record",
    "membership_set",
    "mute_target",
    "parsed_states",
    "preferences_set",
    "search_reindex",
    "section_create",
    "section_move",
    "section_pen_holders_set",
    "section_remove",
    "section_restore",
    "section_revert",
    "section_save",
    "section_status_change",
    "section_update",
    "silence_break",
    "silence_endings_record",
    "silence_place",
    "stakeholder_sign_up",
    "version_fields",
    "who",
]

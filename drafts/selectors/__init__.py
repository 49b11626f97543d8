"""Every read that depends on who is asking. What a person may see is decided by ``drafts.access``;
these functions filter with it, so pages, exports, commands and feeds all ask the same question.

A view that needs "may this person see X" gets X through one of these and turns "not found" into a
404, so the existence of something hidden never leaks.
"""

from drafts.selectors.comments import (
    comment_counts,
    comments_filtered,
    comments_for_matrix,
    comments_for_table,
    comments_of,
    comments_visible_to,
    disposition_counts,
    pending_neighbours,
    unpublished_decisions,
)
from drafts.selectors.compare import compare_side, draft_states, version_state, working_copy_states
from drafts.selectors.documents import (
    OutlineEntry,
    documents_visible_to,
    draft_export_sections,
    draft_sections,
    drafts_taking_comments,
    drafts_visible_to,
    latest_version_id,
    open_draft,
    people_with_email,
    placement_choices,
    section_history,
    section_versions,
    working_copy,
    working_copy_token,
)
from drafts.selectors.lineage import (
    Landing,
    carried_over,
    change_reasons,
    citable_comments,
    comments_about,
    landings,
    linkable_versions,
    next_draft,
    orphans,
)
from drafts.selectors.work import MailCounts, draft_mail_counts, job_for, mail_counts, mails_of, outbox_of

__all__ = [
    "Landing",
    "MailCounts",
    "OutlineEntry",
    "carried_over",
    "change_reasons",
    "citable_comments",
    "comment_counts",
    "comments_about",
    "comments_filtered",
    "comments_for_matrix",
    "comments_for_table",
    "comments_of",
    "comments_visible_to",
    "compare_side",
    "disposition_counts",
    "documents_visible_to",
    "draft_export_sections",
    "draft_mail_counts",
    "draft_sections",
    "draft_states",
    "drafts_taking_comments",
    "drafts_visible_to",
    "job_for",
    "landings",
    "latest_version_id",
    "linkable_versions",
    "mail_counts",
    "mails_of",
    "next_draft",
    "open_draft",
    "orphans",
    "outbox_of",
    "pending_neighbours",
    "people_with_email",
    "placement_choices",
    "section_history",
    "section_versions",
    "unpublished_decisions",
    "version_state",
    "working_copy",
    "working_copy_states",
    "working_copy_token",
]

from django.urls import path, register_converter

from drafts.converters import IdConverter
from drafts.views import (
    accounts,
    comment_imports,
    comments,
    compare,
    documents,
    drafts,
    imports,
    jobs,
    lineage,
    sections,
    working,
)

app_name = "drafts"

register_converter(IdConverter, "id")  # every number in an address: a draft number, a version or comment id

# One line per page; addresses are stable (people cite and bookmark them).
COMMENT_PAGES = "d/<slug:slug>/drafts/<id:number>/comments/"

urlpatterns = [
    path("", documents.document_list, name="document_list"),
    path("new/", imports.document_create, name="document_create"),
    path("d/<slug:slug>/", documents.document_detail, name="document_detail"),
    path("d/<slug:slug>/import/", imports.document_revise, name="document_revise"),
    path("d/<slug:slug>/sections/add/", sections.section_create, name="section_create"),
    path("d/<slug:slug>/working/", working.working_copy_text, name="working_copy"),
    path("d/<slug:slug>/s/<str:key>/", sections.section_detail, name="section_detail"),
    path("d/<slug:slug>/s/<str:key>/edit/", sections.section_edit, name="section_edit"),
    path("d/<slug:slug>/s/<str:key>/move/", sections.section_move, name="section_move"),
    path("d/<slug:slug>/s/<str:key>/remove/", sections.section_remove, name="section_remove"),
    path("d/<slug:slug>/s/<str:key>/restore/", sections.section_restore, name="section_restore"),
    path("d/<slug:slug>/s/<str:key>/history/", sections.section_history, name="section_history"),
    path("d/<slug:slug>/s/<str:key>/history/compare/", compare.section_compare, name="section_compare"),
    path("d/<slug:slug>/s/<str:key>/history/<id:version_id>/", sections.section_version, name="section_version"),
    path("d/<slug:slug>/s/<str:key>/history/<id:version_id>/revert/", sections.section_revert, name="section_revert"),
    path("d/<slug:slug>/drafts/", drafts.draft_list, name="draft_list"),
    path("d/<slug:slug>/compare/", compare.compare, name="compare"),
    path("d/<slug:slug>/compare/tracked-changes.docx", compare.compare_docx, name="compare_docx"),
    path("d/<slug:slug>/compare/redline.pdf", compare.compare_pdf, name="compare_pdf"),
    path("d/<slug:slug>/drafts/freeze/", drafts.draft_freeze, name="draft_freeze"),
    path("d/<slug:slug>/drafts/<id:number>/", drafts.draft_detail, name="draft_detail"),
    path("d/<slug:slug>/drafts/<id:number>/settings/", drafts.draft_settings, name="draft_settings"),
    path("d/<slug:slug>/drafts/<id:number>/export.<str:fmt>", drafts.draft_export, name="draft_export"),
    path("d/<slug:slug>/drafts/<id:number>/s/<str:key>/", comments.draft_section, name="draft_section"),
    path("d/<slug:slug>/drafts/<id:number>/general/", comments.draft_general_comments, name="draft_general_comments"),
    path("d/<slug:slug>/drafts/<id:number>/comments/post/", comments.comment_post, name="comment_post"),
    path("d/<slug:slug>/drafts/<id:number>/comments/", comments.comment_table, name="comment_table"),
    path("d/<slug:slug>/drafts/<id:number>/comments/matrix.<str:fmt>", comments.comment_export, name="comment_export"),
    path(COMMENT_PAGES + "<id:comment_id>/", comments.comment_decide, name="comment_decide"),
    path(COMMENT_PAGES + "<id:comment_id>/apply/", lineage.comment_apply, name="comment_apply"),
    path(COMMENT_PAGES + "<id:comment_id>/link/", lineage.comment_link, name="comment_link"),
    path(COMMENT_PAGES + "<id:comment_id>/reanchor/", lineage.comment_reanchor, name="comment_reanchor"),
    path(COMMENT_PAGES + "orphans/", lineage.orphan_queue, name="orphan_queue"),
    path("d/<slug:slug>/drafts/<id:number>/changes/", lineage.draft_changes, name="draft_changes"),
    path("d/<slug:slug>/drafts/<id:number>/responses/", lineage.draft_responses, name="draft_responses"),
    path(COMMENT_PAGES + "<id:comment_id>/hide/", comments.comment_hide, name="comment_hide"),
    path(COMMENT_PAGES + "<id:comment_id>/edit/", comments.comment_edit, name="comment_edit"),
    path(COMMENT_PAGES + "<id:comment_id>/withdraw/", comments.comment_withdraw, name="comment_withdraw"),
    path(COMMENT_PAGES + "publish/", comments.decisions_publish, name="decisions_publish"),
    path(COMMENT_PAGES + "template.xlsx", comment_imports.comment_template, name="comment_template"),
    path(COMMENT_PAGES + "upload/", comment_imports.comments_upload, name="comments_upload"),
    path(COMMENT_PAGES + "dispositions/upload/", comment_imports.dispositions_upload, name="dispositions_upload"),
    path(COMMENT_PAGES + "<id:comment_id>/flag/", comments.comment_flag, name="comment_flag"),
    path("d/<slug:slug>/invite/", accounts.invite, name="invite"),
    path("my/comments/", comments.my_comments, name="my_comments"),
    path("jobs/<id:job_id>/", jobs.job_detail, name="job"),
    path("jobs/<id:job_id>/file/", jobs.job_file, name="job_file"),
    path("d/<slug:slug>/outbox/", documents.document_outbox, name="document_outbox"),
    path("my/preferences/", accounts.preferences, name="preferences"),
    path("invitations/<str:token>/", accounts.invitation_accept, name="invitation_accept"),
    path("follow-ups/stop/<str:token>/", accounts.followup_mute, name="followup_mute"),
]

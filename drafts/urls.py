from django.urls import path

from drafts import views

app_name = "drafts"

urlpatterns = [
    path("", views.document_list, name="document_list"),
    path("new/", views.document_create, name="document_create"),
    path("d/<slug:slug>/", views.document_detail, name="document_detail"),
    path("d/<slug:slug>/import/", views.document_revise, name="document_revise"),
    path("d/<slug:slug>/sections/add/", views.section_create, name="section_create"),
    path("d/<slug:slug>/s/<str:key>/", views.section_detail, name="section_detail"),
    path("d/<slug:slug>/s/<str:key>/edit/", views.section_edit, name="section_edit"),
    path("d/<slug:slug>/s/<str:key>/move/", views.section_move, name="section_move"),
    path("d/<slug:slug>/s/<str:key>/remove/", views.section_remove, name="section_remove"),
    path("d/<slug:slug>/s/<str:key>/restore/", views.section_restore, name="section_restore"),
    path("d/<slug:slug>/s/<str:key>/history/", views.section_history, name="section_history"),
    path("d/<slug:slug>/s/<str:key>/history/compare/", views.section_compare, name="section_compare"),
    path("d/<slug:slug>/s/<str:key>/history/<int:version_id>/", views.section_version, name="section_version"),
    path("d/<slug:slug>/s/<str:key>/history/<int:version_id>/revert/", views.section_revert, name="section_revert"),
    path("d/<slug:slug>/drafts/", views.draft_list, name="draft_list"),
    path("d/<slug:slug>/compare/", views.compare, name="compare"),
    path("d/<slug:slug>/compare/tracked-changes.docx", views.compare_docx, name="compare_docx"),
    path("d/<slug:slug>/drafts/freeze/", views.draft_freeze, name="draft_freeze"),
    path("d/<slug:slug>/drafts/<int:number>/", views.draft_detail, name="draft_detail"),
    path("d/<slug:slug>/drafts/<int:number>/settings/", views.draft_settings, name="draft_settings"),
    path("d/<slug:slug>/drafts/<int:number>/export.<str:fmt>", views.draft_export, name="draft_export"),
    path("d/<slug:slug>/drafts/<int:number>/s/<str:key>/", views.draft_section, name="draft_section"),
    path("d/<slug:slug>/drafts/<int:number>/general/", views.draft_general_comments, name="draft_general_comments"),
    path("d/<slug:slug>/drafts/<int:number>/comments/post/", views.comment_post, name="comment_post"),
    path("d/<slug:slug>/drafts/<int:number>/comments/", views.comment_table, name="comment_table"),
    path("d/<slug:slug>/drafts/<int:number>/comments/matrix.<str:fmt>", views.comment_export, name="comment_export"),
    path("d/<slug:slug>/drafts/<int:number>/comments/<int:comment_id>/", views.comment_decide, name="comment_decide"),
    path("d/<slug:slug>/drafts/<int:number>/comments/<int:comment_id>/hide/", views.comment_hide, name="comment_hide"),
    path("d/<slug:slug>/drafts/<int:number>/comments/<int:comment_id>/flag/", views.comment_flag, name="comment_flag"),
    path("d/<slug:slug>/invite/", views.invite, name="invite"),
    path("my/comments/", views.my_comments, name="my_comments"),
]

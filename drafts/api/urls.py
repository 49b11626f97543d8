from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from drafts import converters  # noqa: F401 - registers <id:...>
from drafts.api import views

app_name = "api"


DOCUMENT = "documents/<slug:slug>/"
DRAFT = DOCUMENT + "drafts/<id:number>/"

urlpatterns = [
    path("", views.api_docs, name="docs"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("documents/", views.DocumentList.as_view(), name="documents"),
    path(DOCUMENT, views.DocumentDetail.as_view(), name="document"),
    path(DOCUMENT + "drafts/", views.DraftList.as_view(), name="drafts"),
    path(DOCUMENT + "compare/", views.Compare.as_view(), name="compare"),
    path(DRAFT, views.DraftDetail.as_view(), name="draft"),
    path(DRAFT + "sections/", views.DraftSections.as_view(), name="sections"),
    path(DRAFT + "comments/", views.DraftComments.as_view(), name="comments"),
    path(DRAFT + "matrix/", views.Matrix.as_view(), name="matrix"),
    path("search/", views.Search.as_view(), name="search"),
]

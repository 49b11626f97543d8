from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from drafts.views import accounts

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", accounts.sign_up, name="sign_up"),
    # None of django-comments-xtd's endpoints is mounted: posting, replies, flags, follow-up mail and its
    # mute link are ours (they must obey draft visibility and comment windows; xtd's mute link carried
    # a pickled comment with its author's account and acted on a bare GET).
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("drafts.urls")),
]

# Error pages with the site's header, in the visitor's language (drafts/views/errors.py).
handler400 = "drafts.views.errors.bad_request"
handler403 = "drafts.views.errors.permission_denied"
handler404 = "drafts.views.errors.page_not_found"
handler500 = "drafts.views.errors.server_error"

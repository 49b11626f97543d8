from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path
from django_comments_xtd import views as xtd_views

from drafts.views import accounts

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", accounts.sign_up, name="sign_up"),
    # Of django-comments-xtd's endpoints only "mute" is kept: its follow-up e-mails link to it, and its
    # signed key names a thread the recipient already follows. Posting, replies, flags, feeds and the
    # web API are ours (they must obey draft visibility and comment windows) or switched off.
    re_path(r"^comments/mute/(?P<key>[^/]+)/$", xtd_views.mute, name="comments-xtd-mute"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("drafts.urls")),
]

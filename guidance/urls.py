from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.i18n import set_language

from drafts.views import accounts

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", accounts.sign_up, name="sign_up"),
    # None of django-comments-xtd's endpoints is mounted: posting, replies, flags, follow-up mail and its
    # mute link are ours (they must obey draft visibility and comment windows; xtd's mute link carried
    # a pickled comment with its author's account and acted on a bare GET).
    # Choosing the interface language needs no CSRF token: the worst a forged request can do is switch
    # a visitor's language, and without a token the anonymous pages of public drafts hold nothing
    # personal, so they can be cached whole and shared (drafts/views/public_pages.py).
    path("i18n/setlang/", csrf_exempt(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("api/", include("drafts.api.urls")),
    path("", include("drafts.urls")),
]

# Error pages with the site's header, in the visitor's language (drafts/views/errors.py).
handler400 = "drafts.views.errors.bad_request"
handler403 = "drafts.views.errors.permission_denied"
handler404 = "drafts.views.errors.page_not_found"
handler500 = "drafts.views.errors.server_error"

"""People: stakeholders sign up; editors invite stakeholders to a document's restricted drafts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from drafts import access, forms, services
from drafts.access import Action
from drafts.models import Role
from drafts.views.common import acting_user, document_for, posted


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    form = forms.SignUpForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = services.stakeholder_sign_up(
            username=data["username"],
            password=data["password1"],
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            organisation=data["organisation"],
            category=data["category"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, _("Welcome. You can now comment on the drafts that are open for comments."))
        return redirect(_safe_next(request) or "drafts:document_list")
    return render(request, "registration/sign_up.html", {"form": form, "next": request.GET.get("next", "")})


def _safe_next(request: HttpRequest) -> str | None:
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return None


@require_http_methods(["GET", "POST"])
def invite(request: HttpRequest, slug: str) -> HttpResponse:
    document, _access = document_for(request, slug, Action.MANAGE_MEMBERS)
    form = forms.InviteForm(posted(request))
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["who"]
        if access.access_for(person, document).in_working_group:
            form.add_error("who", _("%(user)s is already in the working group.") % {"user": person})
        else:
            services.membership_set(document=document, person=person, role=Role.STAKEHOLDER, user=acting_user(request))
            messages.success(
                request,
                _("%(user)s can now read and comment on the restricted drafts.")
                % {"user": person.get_full_name() or person.get_username()},
            )
            return redirect(document)
    stakeholders = document.memberships.filter(role=Role.STAKEHOLDER).select_related("user__profile")
    return render(request, "drafts/invite.html", {"document": document, "form": form, "stakeholders": stakeholders})

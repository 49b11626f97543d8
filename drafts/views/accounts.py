"""People: stakeholders sign up; editors invite stakeholders to a document's restricted drafts."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from drafts import forms, selectors, services
from drafts.access import Action
from drafts.middleware import remember_time_zone
from drafts.models import Profile, Role
from drafts.views.common import acting_user, attempt, document_for, posted


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    form = forms.SignUpForm(posted(request))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        user = attempt(
            form,
            lambda: services.stakeholder_sign_up(
                username=data["username"],
                password=data["password1"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                organisation=data["organisation"],
                category=data["category"],
            ),
        )
        if user is not None:
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
    """Editors invite an e-mail address; a stakeholder gets access by accepting the mailed link."""
    document, _access = document_for(request, slug, Action.MANAGE_MEMBERS)
    form = forms.InviteForm(posted(request))
    unknown_email = None
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        has_account = selectors.people_with_email(email).exists()
        if not has_account and not form.cleaned_data["invite_new"]:
            # Say so before sending: the editor may have mistyped, or the person uses another address.
            unknown_email = email
            form = forms.InviteForm(initial={"email": email, "invite_new": True})
        elif attempt(form, lambda: services.invitation_send(document=document, email=email, user=acting_user(request))):
            if has_account:
                note = _("An invitation was sent to %(email)s. They get access when they accept it.")
            else:
                note = _("An invitation to join was sent to %(email)s. They create an account, then accept it.")
            messages.success(request, note % {"email": email})
            return redirect("drafts:invite", slug=document.slug)
    stakeholders = document.memberships.filter(role=Role.STAKEHOLDER).select_related("user__profile")
    pending = document.invitations.filter(accepted_by__isnull=True)
    return render(
        request,
        "drafts/invite.html",
        {"document": document, "form": form, "stakeholders": stakeholders, "pending": pending,
         "unknown_email": unknown_email},
    )


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    """The link in an invitation e-mail: GET says what accepting does; POST, signed in, accepts."""
    invitation = services.invitation_from_token(token)
    if invitation is None:
        return render(request, "drafts/invitation_accept.html", {"invitation": None}, status=404)
    if request.method == "POST" and request.user.is_authenticated:
        try:
            services.invitation_accept(invitation=invitation, user=acting_user(request))
        except (ValidationError, PermissionDenied) as refusal:
            message = refusal.messages[0] if isinstance(refusal, ValidationError) else _(
                "This invitation is no longer valid: ask the editors for a new one."
            )
            messages.error(request, message)
        else:
            messages.success(
                request,
                _("You can now read and comment on the restricted drafts of “%(document)s”.")
                % {"document": invitation.document.title},
            )
            return redirect(invitation.document)
    return render(request, "drafts/invitation_accept.html", {"invitation": invitation, "path": request.path})


@require_http_methods(["GET", "POST"])
def followup_mute(request: HttpRequest, token: str) -> HttpResponse:
    """The link in a follow-up e-mail. A GET (a person, or a mail scanner fetching links) only asks;
    the POST of the confirmation form stops the e-mails."""
    target = services.mute_target(token)
    if target is None:
        return render(request, "drafts/followup_mute.html", {"target": None}, status=404)
    if request.method == "POST":
        services.followup_mute(target)
        return render(request, "drafts/followup_mute.html", {"target": target, "done": True})
    return render(request, "drafts/followup_mute.html", {"target": target, "done": False})


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """The signed-in person's own settings: for now, the time zone dates are shown in."""
    current = Profile.objects.filter(user=acting_user(request)).values_list("time_zone", flat=True).first() or ""
    form = forms.PreferencesForm(posted(request), initial={"time_zone": current})
    if request.method == "POST" and form.is_valid():
        zone = services.preferences_set(user=acting_user(request), time_zone=form.cleaned_data["time_zone"])
        remember_time_zone(request, zone)
        messages.success(request, _("Saved your preferences."))
        return redirect("drafts:preferences")
    return render(
        request,
        "drafts/preferences.html",
        {"form": form, "chosen": current, "now": timezone.now()},
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def api_keys(request: HttpRequest) -> HttpResponse:
    """The signed-in person's API keys: make one (its key shown this once) or revoke one."""
    user = acting_user(request)
    form = forms.ApiKeyForm(posted(request))
    made = None
    if request.method == "POST" and form.is_valid():
        made = attempt(form, lambda: services.api_token_create(user=user, name=form.cleaned_data["name"]))
        if made is not None:
            form = forms.ApiKeyForm()
    response = render(
        request,
        "drafts/api/keys.html",
        {"form": form, "made": made, "tokens": selectors.api_tokens_of(user)},
        status=400 if form.is_bound and made is None else 200,
    )
    response["Cache-Control"] = "no-store"  # the page may hold a key, shown once
    return response


@login_required
@require_http_methods(["POST"])
def api_key_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    """Revoke one of one's own API keys: refused from the next request on."""
    try:
        token = services.api_token_revoke(user=acting_user(request), token_id=token_id)
    except ObjectDoesNotExist:
        raise Http404 from None
    messages.success(request, _("Revoked the API key “%(name)s”.") % {"name": token.name})
    return redirect("drafts:api_keys")

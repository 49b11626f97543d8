"""API keys: ``Authorization: Token <key>`` (or ``Bearer <key>``), each made and revoked by its owner."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions

from drafts.models import ApiToken, key_digest

# A key's "last used" is written at most this often (a busy tool would otherwise write on every call).
_LAST_USED_EVERY = 300


class ApiTokenAuthentication(authentication.BaseAuthentication):
    """A person's API key. A revoked key, or one whose owner's account is inactive, is refused (401) from
    the next request on: nothing is remembered between requests."""

    keywords = ("token", "bearer")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode(errors="replace") not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Give the key after “Token ”, with no spaces in it."))
        try:
            key = header[1].decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("This API key is not valid.")) from None
        token = ApiToken.objects.select_related("user").filter(digest=key_digest(key)).first()
        if token is None or token.revoked_at is not None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("This API key is not valid, or was revoked."))
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > _LAST_USED_EVERY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return "Token"


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "drafts.api.authentication.ApiTokenAuthentication"
    name = "apiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`: make a key on the “API keys” page (/my/api-keys/).",
        }

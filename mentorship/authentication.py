"""API authentication. Kept apart from ``mentorship.api``: DRF imports it while its views module loads."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions


class TokenAuthentication(authentication.TokenAuthentication):
    """Token authentication that brings the user's organization along: every scoped query needs its path."""

    def authenticate_credentials(self, key):
        try:
            token = self.get_model().objects.select_related("user__organization").get(key=key)
        except self.get_model().DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return token.user, token

from __future__ import annotations

from typing import Any

from rest_framework import permissions

from ..models import ApiToken, TokenScope


class IsAuthenticatedWithTokenScope(permissions.BasePermission):
    """Signed in (session or token); a read-only token may not write.

    Workspace roles are checked by the views through pmtool.permissions.access_*.
    """

    message = "This API token is read-only."

    def has_permission(self, request: Any, view: Any) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        token = request.auth
        if isinstance(token, ApiToken) and token.scope == TokenScope.READ:
            return request.method in permissions.SAFE_METHODS
        return True

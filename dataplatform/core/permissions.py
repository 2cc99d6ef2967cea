from rest_framework.permissions import BasePermission


class IsApiClient(BasePermission):
    """The data endpoints serve information systems with an API key, not people's sessions."""

    message = "Call the data interface with your unit's API key: Authorization: Api-Key <key>."

    def has_permission(self, request, view) -> bool:
        return getattr(request.user, "api_key", None) is not None

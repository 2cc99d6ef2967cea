from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission


class IsApiClient(BasePermission):
    """The data endpoints serve information systems with an API key, not people's sessions."""

    message = _("Call the data interface with your unit's API key: Authorization: Api-Key <key>.")

    def has_permission(self, request, view) -> bool:
        return getattr(request.user, "api_key", None) is not None


class IsPerson(BasePermission):
    """Endpoints whose services are written for people (``actor: User``): a unit's API key is refused with
    403, as the data endpoints refuse a person's session."""

    message = _("This endpoint serves people signed in to the platform, not API keys.")

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and getattr(user, "api_key", None) is None)

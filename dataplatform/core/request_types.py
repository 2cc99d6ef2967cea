"""Request types for annotations, where the view's setup guarantees more than the stubs say.

A page behind ``login_required`` always has a signed-in person as ``request.user``; mypy cannot see that
from the decorator, so such a view is annotated ``request: AuthenticatedHttpRequest`` (the pattern the
django-stubs documentation recommends). An API view needs an authenticated caller (``IsAuthenticated``):
``ApiRequest`` says it is a person or a unit's information system. These classes are never instantiated:
Django and DRF pass their own requests.
"""

from django.http import HttpRequest
from rest_framework.request import Request

from .authentication import ApiClient
from .models import User


class AuthenticatedHttpRequest(HttpRequest):
    user: User


class ApiRequest(Request):
    """The request of an API view. Every API view needs an authenticated caller (``IsAuthenticated``):
    a person signed in with a session or a unit's information system calling with an API key."""

    user: User | ApiClient  # type: ignore[assignment]  # DRF's stub: a property typed "User | AnonymousUser"


class PersonApiRequest(ApiRequest):
    """The request of an API handler whose services are written for people (``actor: User``). An API key
    reaches these handlers too, and the service has to refuse it itself (a role or ``acts_for`` check):
    mypy does not check that. A handler annotated so is a person-only endpoint in intent."""

    user: User

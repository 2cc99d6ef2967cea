from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from catalog.models import Record


class BareRecord(APIView):
    """The same record as the same JSON, with no key, grant, limits, crawler watch or audit."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request, pk: int, key: str) -> Response:
        record = Record.objects.get(resource_id=pk, key=key)
        data = {item: record.data.get(item) for item in ("credit_code", "company_name")}
        return Response({"key": record.key, "data": data, "updated_at": record.updated_at})


urlpatterns = [
    path("bench/bare/<int:pk>/<str:key>/", BareRecord.as_view()),
    path("", include("dataplatform.urls")),
]

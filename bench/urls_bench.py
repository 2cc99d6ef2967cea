from django.urls import include, path
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from bench import minimal_views as minimal
from catalog.records import record_by_key


class BareRecord(APIView):
    """The same record as the same JSON, with no key, grant, limits, crawler watch or audit."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request, pk: int, key: str) -> Response:
        record = record_by_key(resource_id=pk, key=key)
        assert record is not None
        data = {item: record.data.get(item) for item in ("credit_code", "company_name")}
        return Response({"key": record.key, "data": data, "updated_at": record.updated_at})


urlpatterns = [
    path("bench/bare/<int:pk>/<str:key>/", BareRecord.as_view()),
    # bench/load.py's minimal same-work views, served without middleware (bench/wsgi_bench.py).
    path("bench/min/search/", minimal.search),
    path("bench/min/records/<int:pk>/<str:key>/", minimal.record),
    path("bench/min/verify/<int:pk>/", minimal.verify),
    path("bench/min/applications/", minimal.application_create),
    path("bench/min/applications/<int:pk>/submit/", minimal.application_submit),
    path("bench/min/download/<slug:slug>.csv", minimal.download),
    path("", include("dataplatform.urls")),
]

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from bench import minimal_views as minimal
from catalog.records import record_by_key
from federation.envelope import envelopes_parse
from federation.inbox import message_receive
from federation.models import Peer


class BareRecord(APIView):
    """The same record as the same JSON, with no key, grant, limits, crawler watch or audit."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request, pk: int, key: str) -> Response:
        record = record_by_key(resource_id=pk, key=key)
        assert record is not None
        data = {item: record.data.get(item) for item in ("credit_code", "company_name")}
        return Response({"key": record.key, "data": data, "updated_at": record.updated_at})


@csrf_exempt
def federation_unsigned(request: HttpRequest) -> JsonResponse:
    """The protocol endpoint's work without the signature (bench/federation.py's baseline): the same
    middleware, the sending peer by its ``X-Node-Id`` alone, the envelopes parsed and each received (inbox
    row, stream advance, handler, audit) under a savepoint of its own in the batch's transaction, as
    ``federation.views`` does."""
    peer = Peer.objects.get(node_id=request.headers["X-Node-Id"])
    with transaction.atomic():
        results = [message_receive(peer=peer, envelope=e) for e in envelopes_parse(request.body)]
    return JsonResponse({"results": results})


urlpatterns = [
    path("bench/bare/<int:pk>/<str:key>/", BareRecord.as_view()),
    path("bench/federation/unsigned/", federation_unsigned),
    # bench/load.py's minimal same-work views, served without middleware (bench/wsgi_bench.py).
    path("bench/min/search/", minimal.search),
    path("bench/min/records/<int:pk>/<str:key>/", minimal.record),
    path("bench/min/verify/<int:pk>/", minimal.verify),
    path("bench/min/applications/", minimal.application_create),
    path("bench/min/applications/<int:pk>/submit/", minimal.application_submit),
    path("bench/min/download/<slug:slug>.csv", minimal.download),
    path("", include("dataplatform.urls")),
]

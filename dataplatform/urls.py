from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path
from django.views.decorators.gzip import gzip_page
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from audit.api_urls import urlpatterns as audit_api
from catalog.urls import api_urlpatterns as catalog_api
from correction.urls import api_urlpatterns as correction_api
from dataplatform.core import health, site
from dataplatform.core.urls import api_urlpatterns
from governance.urls import api_urlpatterns as governance_api
from opening.urls import api_urlpatterns as opening_api
from opening.urls import ckan_urlpatterns
from operations import metrics
from sharing.urls import api_urlpatterns as sharing_api
from sharing.urls import data_urlpatterns

api_v1: list[URLPattern | URLResolver] = [
    *api_urlpatterns,
    path("catalog/", include(catalog_api)),
    path("sharing/", include(sharing_api)),
    path("correction/", include(correction_api)),
    path("data/", include(data_urlpatterns)),
    path("audit/", include(audit_api)),
    path("open/", include(opening_api)),
    path("opening/", include("opening.rest.urls")),
    path("governance/", include(governance_api)),
    path("federation/", include("federation.urls_api")),
    # The schema is a megabyte of JSON, 45 KiB gzipped: compressed for the docs page (it holds no secret
    # beside attacker-chosen text, so BREACH has nothing to find here).
    path("schema/", gzip_page(SpectacularAPIView.as_view()), name="schema"),
    # The split view serves Swagger UI's start-up script as a file, as the Content Security Policy wants.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
]

urlpatterns = [
    # Liveness and readiness for operators and the load balancer: no login (dataplatform.core.health).
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("favicon.ico", site.favicon, name="favicon"),  # asked for by browsers before any page says where
    path("metrics", metrics.metrics, name="metrics"),  # Prometheus: a bearer token or loopback only
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    # CKAN serves its Action API with and without the version; the versioned one is last so that
    # reverse("ckan-action") names it.
    path("api/action/", include(ckan_urlpatterns)),
    path("api/3/action/", include(ckan_urlpatterns)),
    path("open/network/", include("federation.urls_open")),  # the portal's page of the lower nodes' open data
    path("open/", include("opening.urls")),
    path("catalog/", include("catalog.urls")),
    path("sharing/", include("sharing.urls")),
    path("correction/", include("correction.urls")),
    path("audit/", include("audit.urls")),
    path("supervision/", include("supervision.urls")),
    path("governance/", include("governance.urls")),
    # The federation's pages and its signed protocol (plain views, outside /api/v1/: docs/federation.md).
    path("federation/", include("federation.urls_pages")),
    path("federation/", include("federation.urls_protocol")),
    path("", include("dataplatform.core.urls")),
]

# An unmatched address under /api/v1/ answers the JSON error envelope (the OpenAPI schema documents it).
handler400 = "dataplatform.core.api_errors.bad_request"
handler404 = "dataplatform.core.api_errors.not_found"
handler500 = "dataplatform.core.api_errors.server_failure"

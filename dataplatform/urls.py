from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from audit.api_urls import urlpatterns as audit_api
from catalog.urls import api_urlpatterns as catalog_api
from correction.urls import api_urlpatterns as correction_api
from dataplatform.core.urls import api_urlpatterns
from sharing.urls import api_urlpatterns as sharing_api
from sharing.urls import data_urlpatterns

api_v1 = [
    *api_urlpatterns,
    path("catalog/", include(catalog_api)),
    path("sharing/", include(sharing_api)),
    path("correction/", include(correction_api)),
    path("data/", include(data_urlpatterns)),
    path("audit/", include(audit_api)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/v1/", include(api_v1)),
    path("catalog/", include("catalog.urls")),
    path("sharing/", include("sharing.urls")),
    path("correction/", include("correction.urls")),
    path("audit/", include("audit.urls")),
    path("supervision/", include("supervision.urls")),
    path("", include("dataplatform.core.urls")),
]

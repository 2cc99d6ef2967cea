from django.contrib.auth import views as auth_views
from django.urls import path

from . import api, api_administrators, api_identity, views, views_administrators, views_identity

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("notifications/", views.notification_list, name="notifications"),
    path("api-keys/", views.api_key_list, name="api-keys"),
    path("api-keys/<int:pk>/revoke/", views.api_key_revoke_view, name="api-key-revoke"),
    # Q9.2: leaders in charge and data administrators, registered by real name
    path("units/administrators/", views_administrators.administrators, name="administrators"),
    path(
        "units/administrators/changes/",
        views_administrators.personnel_change_file_view,
        name="personnel-change-file",
    ),
    path(
        "units/administrators/changes/<int:pk>/decide/",
        views_administrators.personnel_change_decide_view,
        name="personnel-change-decide",
    ),
    # Issue 18: public organizations' registration documents, verified by the data authority
    path("units/verifications/", views_identity.verifications, name="organization-verifications"),
    path(
        "units/verifications/<int:pk>/decide/",
        views_identity.verification_decide,
        name="organization-verification-decide",
    ),
    path("units/verifications/proofs/", views_identity.proof_upload, name="organization-proof-upload"),
    path("units/verifications/proofs/<int:pk>/", views_identity.proof_download, name="organization-proof"),
]

api_urlpatterns = [
    path("calendar/add-business-days/", api.AddBusinessDaysApi.as_view(), name="api-add-business-days"),
    path("calendar/<int:year>/", api.CalendarYearApi.as_view(), name="api-calendar-year"),
    path("me/", api.MeApi.as_view(), name="api-me"),
    path("notifications/", api.NotificationListApi.as_view(), name="api-notifications"),
    path(
        "notifications/mark-read/", api.NotificationMarkReadApi.as_view(), name="api-notifications-mark-read"
    ),
    path("api-keys/", api.ApiKeyListApi.as_view(), name="api-api-keys"),
    path("api-keys/<int:pk>/revoke/", api.ApiKeyRevokeApi.as_view(), name="api-api-key-revoke"),
    path(
        "units/<int:pk>/administrators/",
        api_administrators.UnitAdministratorsApi.as_view(),
        name="api-unit-administrators",
    ),
    path(
        "personnel-changes/",
        api_administrators.PersonnelChangeListApi.as_view(),
        name="api-personnel-changes",
    ),
    path(
        "personnel-changes/<int:pk>/decision/",
        api_administrators.PersonnelChangeDecisionApi.as_view(),
        name="api-personnel-change-decision",
    ),
    path(
        "organizations/verifications/",
        api_identity.OrganizationVerificationListApi.as_view(),
        name="api-organization-verifications",
    ),
    path(
        "organizations/<int:pk>/verification/",
        api_identity.OrganizationVerificationDecisionApi.as_view(),
        name="api-organization-verification-decision",
    ),
]

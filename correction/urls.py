from django.urls import path

from . import api, views

# Web pages under /correction/
urlpatterns = [
    path("", views.home, name="correction-home"),
    path("report/", views.report, name="correction-report"),
    path("triage/", views.triage, name="correction-triage"),
    path("queue/", views.queue, name="correction-queue"),
    path("statistics/", views.statistics, name="correction-statistics"),
    path("<int:pk>/", views.ticket_detail, name="correction-ticket"),
    path("<int:pk>/act/", views.ticket_act_view, name="correction-act"),
    path("<int:pk>/attachment/", views.ticket_attachment, name="correction-attachment"),
]

# REST API under /api/v1/correction/
api_urlpatterns = [
    path("tickets/", api.TicketListApi.as_view(), name="api-correction-tickets"),
    path("tickets/<int:pk>/", api.TicketDetailApi.as_view(), name="api-correction-ticket"),
    path("tickets/<int:pk>/act/", api.TicketActApi.as_view(), name="api-correction-ticket-act"),
    path("statistics/", api.StatisticsApi.as_view(), name="api-correction-statistics"),
]

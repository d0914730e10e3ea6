from django.urls import path

from civicdx.digilab import views

app_name = "digilab"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("queue/", views.queue, name="queue"),
    path("requests/", views.my_requests, name="requests"),
    path("requests/new/", views.request_new, name="request_new"),
    path("requests/<int:request_id>/", views.request_detail, name="request"),
    path("requests/<int:request_id>/files/<int:attachment_id>/", views.request_attachment, name="request_attachment"),
    path("ledger/", views.ledger_page, name="ledger"),
    path("services/", views.catalogue, name="services"),
    path("plan/", views.plan_edit, name="plan"),
    path("notifications/", views.notifications, name="notifications"),
]

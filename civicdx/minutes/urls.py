from django.urls import path

from civicdx.minutes import views

app_name = "minutes"
urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/", views.meeting_new, name="new"),
    path("vocabulary/", views.vocabulary, name="vocabulary"),
    path("voices/", views.voices, name="voices"),
    path("settings/", views.settings_page, name="settings"),
    path("<int:meeting_id>/", views.meeting_page, name="meeting"),
    path("<int:meeting_id>/status.json", views.meeting_status, name="status"),
    path("<int:meeting_id>/audio", views.meeting_audio, name="audio"),
    path("<int:meeting_id>/segments/<int:seg_id>/", views.segment_save, name="segment"),
    path("<int:meeting_id>/time/", views.editing_time, name="time"),
    path("<int:meeting_id>/export.<str:fmt>", views.meeting_export, name="export"),
    path("<int:meeting_id>/<str:action>/", views.meeting_action, name="action"),
]

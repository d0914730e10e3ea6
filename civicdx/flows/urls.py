from django.urls import path

from civicdx.flows import views

app_name = "flows"
urlpatterns = [
    path("", views.home, name="home"),
    path("<int:survey_id>/", views.index, name="index"),
    path("<int:survey_id>/search/", views.search, name="search"),
    path("<int:survey_id>/generate/", views.generate, name="generate"),
    path("<int:survey_id>/stale/", views.stale, name="stale"),
    path("<int:survey_id>/handover/new/", views.handover_new, name="handover_new"),
    path("task/<int:task_id>/", views.task, name="task"),
    path("task/<int:task_id>/new/", views.flow_new, name="flow_new"),
    path("task/<int:task_id>/manual/", views.manual, name="manual"),
    path("task/<int:task_id>/manual/edit/", views.manual_edit, name="manual_edit"),
    path("task/<int:task_id>/manual/action/", views.manual_action, name="manual_action"),
    path("task/<int:task_id>/manual/diff/", views.manual_diff, name="manual_diff"),
    path("task/<int:task_id>/manual.<str:fmt>", views.manual_export, name="manual_export"),
    path("flow/<int:flow_id>/", views.flow, name="flow"),
    path("flow/<int:flow_id>/xml", views.flow_xml, name="flow_xml"),
    path("flow/<int:flow_id>/png", views.flow_png, name="flow_png"),
    path("flow/<int:flow_id>/settings/", views.flow_settings, name="flow_settings"),
    path("flow/<int:flow_id>/compare/", views.flow_compare, name="compare"),
    path("attachment/<int:attachment_id>/", views.attachment, name="attachment"),
    path("handover/", views.handover_list, name="handover_list"),
    path("handover/<int:handover_id>/", views.handover, name="handover"),
    path("handover/<int:handover_id>.<str:fmt>", views.handover_export, name="handover_export"),
]

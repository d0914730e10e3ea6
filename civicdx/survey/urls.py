from django.urls import path

from civicdx.survey import views

app_name = "survey"
urlpatterns = [
    path("", views.survey_list, name="list"),
    path("import/", views.import_page, name="import"),
    path("import/<int:import_id>/", views.import_result, name="import_result"),
    path("entry/", views.entry_home, name="entry_home"),
    path("profiles/", views.profiles, name="profiles"),
    path("profiles/<int:profile_id>/", views.profiles, name="profile"),
    path("<int:survey_id>/", views.dashboard, name="dashboard"),
    path("<int:survey_id>/status/", views.status_change, name="status"),
    path("<int:survey_id>/summary/<str:by>/", views.summary_table, name="summary"),
    path("<int:survey_id>/org/", views.drilldown, name="org"),
    path("<int:survey_id>/org/<int:unit_id>/", views.drilldown, name="org_unit"),
    path("<int:survey_id>/tasks/<int:task_id>/", views.task_detail, name="task"),
    path("<int:survey_id>/search/", views.search, name="search"),
    path("<int:survey_id>/responses/", views.responses, name="responses"),
    path("<int:survey_id>/quality/", views.quality, name="quality"),
    path("<int:survey_id>/template.xlsx", views.template_download, name="template"),
    path("<int:survey_id>/entry/<int:section_id>/", views.entry_section, name="entry_section"),
    path("<int:survey_id>/entry/<int:section_id>/tasks/new/", views.entry_task, name="entry_task_new"),
    path("<int:survey_id>/entry/<int:section_id>/tasks/<int:task_id>/", views.entry_task, name="entry_task"),
]

from django.urls import path

from civicdx.bpr import views

app_name = "bpr"
urlpatterns = [
    path("<int:survey_id>/", views.dashboard, name="dashboard"),
    path("<int:survey_id>/candidates/", views.candidate_list, name="candidates"),
    path("<int:survey_id>/rules/", views.rules_edit, name="rules"),
    path("<int:survey_id>/peers/", views.peers, name="peers"),
    path("<int:survey_id>/rounds/", views.rounds, name="rounds"),
    path("<int:survey_id>/projects/", views.projects, name="projects"),
    path("<int:survey_id>/taxonomy/", views.taxonomy, name="taxonomy"),
    path("<int:survey_id>/similarity/", views.similarity, name="similarity"),
    path("<int:survey_id>/report.<str:fmt>", views.report, name="report"),
]

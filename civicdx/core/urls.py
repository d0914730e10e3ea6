from django.contrib.auth import views as auth_views
from django.urls import path

from civicdx.core import views

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("jobs/<uuid:job_id>/", views.job_page, name="job"),
    path("jobs/<uuid:job_id>/status.json", views.job_status, name="job_status"),
    path("audit/", views.audit, name="audit"),
]

from django.urls import include, path

urlpatterns = [
    path("", include("civicdx.core.urls")),
    path("survey/", include("civicdx.survey.urls")),
    path("api/", include("civicdx.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]

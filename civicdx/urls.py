from django.urls import include, path

from civicdx.bpr import views as bpr_views

urlpatterns = [
    path("", include("civicdx.core.urls")),
    path("survey/", include("civicdx.survey.urls")),
    path("bpr/", bpr_views.home, name="bpr_home"),
    path("bpr/", include("civicdx.bpr.urls")),
    path("flows/", include("civicdx.flows.urls")),
    path("digilab/", include("civicdx.digilab.urls")),
    path("minutes/", include("civicdx.minutes.urls")),
    path("ocr/", include("civicdx.ocr.urls")),
    path("api/", include("civicdx.api_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
]

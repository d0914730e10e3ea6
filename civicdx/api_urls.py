from django.urls import path

from civicdx.core.api import api
from civicdx.bpr.api import router as bpr_router
from civicdx.flows.api import router as flows_router
from civicdx.digilab.api import router as digilab_router
from civicdx.minutes.api import router as minutes_router
from civicdx.ocr.api import router as ocr_router
from civicdx.survey.api import router as survey_router

api.add_router("/", survey_router)
api.add_router("/", bpr_router)
api.add_router("/", flows_router)
api.add_router("/", digilab_router)
api.add_router("/", minutes_router)
api.add_router("/", ocr_router)

urlpatterns = [path("", api.urls)]

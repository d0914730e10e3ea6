from django.apps import AppConfig


class SurveyConfig(AppConfig):
    name = "civicdx.survey"
    label = "survey"
    verbose_name = "業務量調査"

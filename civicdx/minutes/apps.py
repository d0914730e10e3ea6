from django.apps import AppConfig


class MinutesConfig(AppConfig):
    name = "civicdx.minutes"
    label = "minutes"
    verbose_name = "AI議事録"

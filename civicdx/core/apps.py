from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "civicdx.core"
    label = "core"
    verbose_name = "基盤"

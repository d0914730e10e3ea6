from django.apps import AppConfig


class BprConfig(AppConfig):
    name = "civicdx.bpr"
    label = "bpr"
    verbose_name = "BPR分析"

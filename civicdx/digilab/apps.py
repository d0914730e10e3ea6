from django.apps import AppConfig


class DigilabConfig(AppConfig):
    name = "civicdx.digilab"
    label = "digilab"
    verbose_name = "デジラボ"

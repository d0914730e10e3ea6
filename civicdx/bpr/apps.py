from django.apps import AppConfig


class BprConfig(AppConfig):
    name = "civicdx.bpr"
    label = "bpr"
    verbose_name = "BPR分析"

    def ready(self):
        from civicdx.bpr.tasks import candidates_after_import
        from civicdx.survey.signals import survey_imported

        survey_imported.connect(candidates_after_import, dispatch_uid="bpr.candidates_after_import")

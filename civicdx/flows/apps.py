from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "civicdx.flows"
    label = "flows"
    verbose_name = "業務フロー・マニュアル"

    def ready(self):
        from civicdx.flows.tasks import reindex_after_import
        from civicdx.survey.signals import survey_imported

        survey_imported.connect(reindex_after_import, dispatch_uid="flows.reindex_after_import")

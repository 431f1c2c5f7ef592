from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from assessments import stored_files


class AssessmentsConfig(AppConfig):
    name = "assessments"
    verbose_name = _("Assessments")

    def ready(self):
        # Files follow their rows in every app: models are found through the app registry, so the apps
        # above (reports' logos and exports) are covered without being imported here.
        stored_files.connect()
        from assessments.languages import register_bilingual

        register_bilingual(self.get_model("Finding"), ["narrative"])

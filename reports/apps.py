from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from assessments import links
from assessments.languages import register_bilingual


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        # The dashboard links to the report; assessments does not know this app (assessments.links).
        links.register_assessment_link(
            "report", _("Key-findings report"), lambda code: reverse("reports:report", args=[code]), order=20
        )
        links.register_assessment_link(
            "report-write",
            _("Write the report"),
            lambda code: reverse("reports:write", args=[code]),
            order=21,
        )
        register_bilingual(self.get_model("Report"), ["title", "subtitle"])
        register_bilingual(self.get_model("ReportSection"), ["body"])
        register_bilingual(self.get_model("Recommendation"), ["text"])

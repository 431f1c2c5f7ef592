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
        register_bilingual(self.get_model("RecommendationFollowUp"), ["note"])
        links.register_assessment_link(
            "report-follow-up",
            _("Follow-up of previous recommendations"),
            lambda code: reverse("reports:follow_up", args=[code]),
            order=22,
            later_round=True,
        )
        # A round started from a previous one gets a follow-up row per previous recommendation.
        from assessments.rounds import register_round_hook
        from reports.followup import round_started

        register_round_hook("reports-follow-up", round_started)

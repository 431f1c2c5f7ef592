from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ConsultationConfig(AppConfig):
    name = "consultation"
    verbose_name = _("Consultations")

    def ready(self):
        # consultation sits above assessments, review and reports: it registers what they show of it
        # (a dashboard link, inputs in the comment-response matrix, report chapters); they import nothing of it.
        from assessments import links
        from consultation import integration
        from reports import extra
        from review import inputs

        links.register_assessment_link(
            "consultation",
            _("Consultations"),
            lambda code: reverse("consultation:list", args=[code]),
            order=30,
        )
        inputs.register_input_source(
            "consultation", integration.matrix_rows, fingerprint=integration.matrix_fingerprint
        )
        extra.register_chapter(
            "consultation", integration.report_chapter, order=10, reads=integration.report_rows
        )

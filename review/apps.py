from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = _("MAB review")

    def ready(self):
        # Imported here, not at the top: models and the modules that import them may only be loaded once
        # the app registry is ready, which it is when ready() runs.
        from django.apps import apps

        from assessments import links
        from assessments.models import Finding
        from assessments.services import register_transition_validator
        from review import signals, targets
        from review.services import refuse_endorsement_with_open_mab_comments

        targets.register(
            Finding,
            assessment=lambda finding: finding.assessment,
            label=lambda finding: f"{finding.indicator.code} {finding.indicator.text}",
            category=lambda finding: finding.indicator.category.code,
            queryset=lambda: Finding.objects.select_related("indicator", "assessment"),
        )
        # review reads reports (never the other way round), and only when it is installed.
        if apps.is_installed("reports"):
            targets.register_report_content()
            targets.register_follow_ups()
            # The report workspace shows a section's open MAB comments beside its editor (reports.panels).
            from reports.panels import register_section_panel
            from review.panels import open_mab_comments_panel

            register_section_panel("review-comments", open_mab_comments_panel)
            # … and each follow-up item's thread on the follow-up page.
            from reports.panels import register_follow_up_panel
            from review.panels import follow_up_threads

            register_follow_up_panel("review-threads", follow_up_threads)
        register_transition_validator(refuse_endorsement_with_open_mab_comments)
        # The pages of assessments link here; assessments does not know this app (assessments.links).
        links.register_assessment_link(
            "review", _("Review findings"), lambda code: reverse("review:overview", args=[code]), order=10
        )
        links.register_finding_page(
            lambda code, indicator: reverse("review:finding", kwargs={"code": code, "indicator": indicator})
        )
        signals.connect()

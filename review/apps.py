from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "MAB review"

    def ready(self):
        from django.apps import apps

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
        register_transition_validator(refuse_endorsement_with_open_mab_comments)
        signals.connect()

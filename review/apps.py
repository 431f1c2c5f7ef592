from django.apps import AppConfig


class ReviewConfig(AppConfig):
    name = "review"
    verbose_name = "MAB review"

    def ready(self):
        from assessments.models import Finding
        from assessments.services import register_transition_validator
        from review import signals, targets
        from review.services import refuse_endorsement_with_open_mab_comments

        targets.register(
            Finding,
            assessment=lambda finding: finding.assessment,
            label=lambda finding: f"{finding.indicator.code} {finding.indicator.text}",
            category=lambda finding: finding.indicator.category.code,
        )
        register_transition_validator(refuse_endorsement_with_open_mab_comments)
        signals.connect()

"""The demo for `make run`. It lives at the project level because it spans the apps: accounts and the
Cambodia assessment (assessments), its report content (reports), the board's comments and votes (review), a validation workshop (consultation) — each app's demo module knows its
part."""

from django.core.management.base import BaseCommand, CommandError

from assessments.choices import Scope
from assessments.demo import (
    DEMO_PASSWORD,
    DemoRefused,
    create_demo_assessment,
    create_demo_round,
    create_demo_users,
)
from assessments.services import change_scope
from consultation.demo import seed_consultation
from reports.demo import seed_follow_up, seed_report
from review.demo import seed_review


class Command(BaseCommand):
    help = "Create the demo accounts and demo assessment for `make run`. Refused unless DEBUG is on."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scope",
            choices=Scope.values,
            help="Change the demo assessment's scope (the load benchmark uses full, every indicator).",
        )

    def handle(self, **options):
        try:
            users = create_demo_users()
            self.stdout.write(f"Demo accounts ready (password {DEMO_PASSWORD}): {', '.join(users)}")
            assessment = create_demo_assessment(users)
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        if assessment is None:
            self.stdout.write("No framework loaded: run manage.py load_framework, then seed_demo again.")
            return
        if options["scope"] and assessment.scope != options["scope"]:
            change_scope(assessment, options["scope"])
            self.stdout.write(f"Demo assessment {assessment.code}: scope changed to {options['scope']}.")
        filled = assessment.findings.exclude(status="not_started").count()
        self.stdout.write(
            f"Demo assessment {assessment.code}: {filled} of {assessment.findings.count()} findings filled in."
        )
        seed_report(assessment)
        self.stdout.write(f"Demo report content ready for {assessment.code}.")
        seed_review(assessment)
        self.stdout.write(
            f"Demo review activity ready for {assessment.code} (sign in as reviewer to see it)."
        )
        second = create_demo_round(assessment, users)
        scored = second.findings.filter(score__isnull=False).count()
        self.stdout.write(
            f"Demo second round {second.code} carried over from {assessment.code}: {scored} findings "
            "scored again (see its progress page)."
        )
        seed_follow_up(second)
        self.stdout.write(f"Demo follow-up of {assessment.code}'s recommendations ready in {second.code}.")
        seed_consultation(assessment)
        self.stdout.write(f"Demo consultation ready for {assessment.code} (sign in as lead to run it).")

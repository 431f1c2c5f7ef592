from django.core.management.base import BaseCommand, CommandError

from assessments.demo import DEMO_PASSWORD, DemoRefused, create_demo_users


class Command(BaseCommand):
    help = "Create the demo accounts (and demo data) for `make run`. Refused unless DEBUG is on."

    def handle(self, **options):
        try:
            users = create_demo_users()
        except DemoRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Demo accounts ready (password {DEMO_PASSWORD}): {', '.join(users)}")
        # Report content for the demo assessment, when the assessments demo has created it.
        from assessments.models import Assessment
        from reports.demo import seed_report

        demo = Assessment.objects.filter(code="khm-2023").first()
        if demo is not None:
            seed_report(demo)
            self.stdout.write("Demo report content ready for khm-2023.")

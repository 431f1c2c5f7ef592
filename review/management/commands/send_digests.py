from django.core.management.base import BaseCommand

from review.notifications import send_digests


class Command(BaseCommand):
    help = "Mail each person one digest of their review notifications not yet sent (run daily, e.g. by cron)."

    def handle(self, *args, **options):
        sent = send_digests()
        self.stdout.write(f"{sent} digest(s) sent.")

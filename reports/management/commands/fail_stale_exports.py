from django.core.management.base import BaseCommand

from reports.worker import fail_stale_exports


class Command(BaseCommand):
    help = (
        "Mark failed the report exports whose worker died mid-render (no progress for "
        "REPORT_EXPORT_STALE_SECONDS), and their task rows. Run by roamx-stale-exports.timer."
    )

    def handle(self, *args, **options):
        failed = fail_stale_exports()
        if options["verbosity"]:
            self.stdout.write(f"{failed} export(s) marked failed.")

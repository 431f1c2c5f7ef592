"""Write one assessment — its evidence, history, review and report content, and files — to one archive."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from assessments.models import Assessment
from roamx.backup import BackupError, export_assessment


class Command(BaseCommand):
    help = (
        "Write assessment CODE to one archive (manifest, data as JSON, attachments and logos; "
        "see docs/backups.md). Restore it with import_assessment."
    )

    def add_arguments(self, parser):
        parser.add_argument("codes", nargs="*", metavar="CODE", help="The assessment's code, e.g. khm-2023.")
        parser.add_argument("--all", action="store_true", help="Every assessment, one archive each.")
        parser.add_argument(
            "--output",
            "-o",
            help="The archive to write, or a folder for it (default: CODE-<UTC time>.roamx.zip here).",
        )

    def handle(self, *, codes, all=False, output=None, **options):
        if all:
            codes = list(Assessment.objects.order_by("code").values_list("code", flat=True))
        if not codes:
            raise CommandError("Name an assessment's code, or give --all.")
        if len(codes) > 1 and output and not Path(output).is_dir():
            raise CommandError("With several assessments, --output must be an existing folder.")
        for code in codes:
            try:
                result = export_assessment(code, output)
            except (BackupError, OSError) as exc:
                raise CommandError(str(exc)) from exc
            rows = sum(result.counts.values())
            self.stdout.write(
                f"Wrote {result.path}: {rows} rows, {result.files} files ({result.bytes} bytes of files)."
            )
            for label, count in result.counts.items():
                self.stdout.write(f"  {label}: {count}")

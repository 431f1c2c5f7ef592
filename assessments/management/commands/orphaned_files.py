"""List (dry run) or remove files in storage that no row refers to."""

import datetime

from django.core.management.base import BaseCommand
from django.template.defaultfilters import filesizeformat
from django.utils.formats import date_format
from django.utils.timezone import localtime

from assessments.stored_files import orphans
from assessments.uploads import STORAGE_ERRORS


class Command(BaseCommand):
    help = (
        "List the files in storage that no FileField of any model refers to (attachments, report logos, "
        "report exports, …). Nothing is removed unless --delete is given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--delete", action="store_true", help="Remove the files listed.")
        parser.add_argument(
            "--older-than",
            type=int,
            default=60,
            metavar="MINUTES",
            help="Only files last written at least this long ago (default 60): an upload being saved "
            "is not an orphan.",
        )

    def handle(self, *args, delete=False, older_than=60, **options):
        if older_than < 0:
            self.stderr.write("--older-than cannot be negative.")
            return
        found = orphans(older_than=datetime.timedelta(minutes=older_than))
        removed = 0
        for storage, name, size, modified in found:
            line = (
                f"{name}\t{filesizeformat(size)}\t{date_format(localtime(modified), 'SHORT_DATETIME_FORMAT')}"
            )
            if delete:
                try:
                    storage.delete(name)
                except STORAGE_ERRORS as exc:
                    self.stderr.write(f"could not remove {name}: {exc}")
                    continue
                removed += 1
                line = f"removed\t{line}"
            self.stdout.write(line)
        total = filesizeformat(sum(size for _s, _n, size, _m in found))
        if delete:
            self.stdout.write(self.style.SUCCESS(f"{removed} orphaned files removed ({total})."))
        else:
            self.stdout.write(
                f"{len(found)} orphaned files ({total}). Nothing was removed: run again with --delete."
            )

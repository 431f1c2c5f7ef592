"""Restore an archive written by export_assessment as a new assessment: all of it, or nothing."""

from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError

from roamx.backup import BackupError, import_assessment


class Command(BaseCommand):
    help = (
        "Restore an archive from export_assessment into this database, with new ids, in one transaction "
        "(see docs/backups.md). Users are matched by username; missing ones are created without a password."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .roamx.zip archive.")
        parser.add_argument("--code", help="Restore under this code instead of the archive's (e.g. a copy).")
        parser.add_argument(
            "--check", action="store_true", help="Verify the archive and this database; write nothing."
        )

    def handle(self, *, file, code=None, check=False, **options):
        try:
            result = import_assessment(file, code=code, check_only=check)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        except (DatabaseError, OSError) as exc:
            raise CommandError(
                f"Restore failed and was rolled back; nothing was written ({type(exc).__name__}: {exc})."
            ) from exc
        if check:
            self.stdout.write(
                f"{file} is intact and can be restored here as {result.code}: "
                f"{sum(result.counts.values())} rows, {result.files} files. Nothing was written."
            )
            self.stdout.write(
                f"Users it would match by username: {', '.join(result.users_matched) or 'none'}."
            )
            self.stdout.write(
                f"Users it would create without a password: {', '.join(result.users_created) or 'none'}."
            )
            return
        self.stdout.write(
            f"Restored {result.code}: {sum(result.counts.values())} rows, "
            f"{result.files} files ({result.bytes} bytes)."
        )
        for label, count in result.counts.items():
            self.stdout.write(f"  {label}: {count}")
        self.stdout.write(f"Users matched by username: {', '.join(result.users_matched) or 'none'}.")
        if result.users_created:
            self.stdout.write(
                f"Users created without a password (set one with `manage.py changepassword NAME` or in "
                f"the admin): {', '.join(result.users_created)}."
            )
        if result.preferences_kept:
            self.stdout.write(f"Mail preferences kept as they were here: {result.preferences_kept}.")

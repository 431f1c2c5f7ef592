from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from indicators.crosswalks import MAX_NOTE, load_crosswalk, shown
from indicators.loading import FrameworkFileError


class Command(BaseCommand):
    help = (
        "Import a crosswalk between two framework editions (CSV or XLSX with the columns old_code, new_code, "
        "relation — same, split, merged, new, dropped — and note). Every bad row is reported with its "
        "number; a file with any bad row writes nothing. See docs/editions.md."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument("--from", dest="from_edition", required=True, help="the older edition")
        parser.add_argument("--to", dest="to_edition", required=True, help="the newer edition")
        parser.add_argument("--dry-run", action="store_true", help="check and count; write nothing")
        parser.add_argument(
            "--replace", action="store_true", help="replace a crosswalk already loaded (as a whole)"
        )
        parser.add_argument("--source", default="", help="where the crosswalk comes from")
        parser.add_argument("--licence", default="", help="its licence")
        parser.add_argument("--note", default="", help="a note kept with it")

    def handle(self, file, from_edition, to_edition, dry_run=False, replace=False, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No such file: {shown(str(file))}")
        meta = {name: options[name] for name in ("source", "licence", "note")}
        if any(len(value) > MAX_NOTE for value in meta.values()):
            raise CommandError(f"--source, --licence and --note are at most {MAX_NOTE} characters.")
        try:
            with transaction.atomic():
                plan = load_crosswalk(
                    from_edition, to_edition, path, dry_run=dry_run, replace=replace, **meta
                )
        except FrameworkFileError as exc:
            raise CommandError("The crosswalk was refused; nothing was changed.\n" + str(exc)) from exc
        except OSError as exc:
            raise CommandError(f"Cannot read {shown(str(file))}: {exc.strerror or exc}") from exc
        verb = "Would import" if dry_run else "Imported"
        what = "replacing the one loaded" if plan.replaces else "new"
        self.stdout.write(
            f"{verb} the crosswalk {plan.from_framework.code} → {plan.to_framework.code} ({what}): "
            f"{len(plan.rows)} rows — {plan.summary()}."
        )
        if dry_run:
            for link in plan.rows:
                self.stdout.write(f"  row {link.row}: {link}")

from django.core.management.base import BaseCommand, CommandError

from indicators.loading import FrameworkFileError, load_edition
from indicators.management.commands.framework_summary import format_summary
from indicators.models import Framework
from indicators.queries import summary


class Command(BaseCommand):
    help = (
        "Load a framework edition from fixtures/<edition>/indicators.csv (or --file, CSV or XLSX). "
        "Idempotent; a malformed file is refused as a whole and nothing is written."
    )

    def add_arguments(self, parser):
        parser.add_argument("edition", nargs="?", default="iui-2019")
        parser.add_argument("--file", help="a CSV or XLSX file in the edition's column layout")
        parser.add_argument("--dry-run", action="store_true", help="list what would change; write nothing")
        parser.add_argument(
            "--prune",
            action="store_true",
            help="remove indicators missing from the file (refused if an assessment uses one)",
        )
        parser.add_argument("--verbose-changes", action="store_true", help="list every code's outcome")

    def handle(self, edition, file=None, dry_run=False, prune=False, verbose_changes=False, **options):
        try:
            plan = load_edition(edition, prune=prune, dry_run=dry_run, path=file)
        except FrameworkFileError as exc:
            raise CommandError("The framework file was refused; nothing was changed.\n" + str(exc)) from exc
        for change in plan.changes:
            if verbose_changes or (dry_run and change.action != "unchanged"):
                self.stdout.write(f"  {change}")
        counts = ", ".join(
            f"{plan.count(action)} {action}"
            for action in ("added", "changed", "unchanged", "left", "removed")
        )
        if plan.blocked:
            raise CommandError(
                "Refused: these indicators are used by an assessment and cannot be removed: "
                + ", ".join(c.code for c in plan.blocked)
            )
        verb = "Would load" if dry_run else "Loaded"
        self.stdout.write(f"{verb} {edition}: indicators {counts}.")
        if dry_run or not Framework.objects.filter(code=edition).exists():
            return
        self.stdout.write(format_summary(summary(Framework.objects.get(code=edition))))

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from indicators.loading import FrameworkFileError, load_edition
from indicators.management.commands.framework_summary import format_summary
from indicators.models import Framework
from indicators.queries import summary
from indicators.translations import load_translation, shipped_translations


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

    def _translations(self, edition, dry_run):
        framework = Framework.objects.filter(code=edition).first()
        if framework is None:  # a dry run of a first load: the codes exist only in the file
            return []
        done = []
        for language, path in shipped_translations(edition):
            try:
                plan = load_translation(framework, language, path, dry_run=dry_run)
            except FrameworkFileError as exc:
                raise FrameworkFileError([f"{path.name}: {error}" for error in exc.errors]) from exc
            done.append((language, plan.summary()))
        return done

    def handle(self, edition, file=None, dry_run=False, prune=False, verbose_changes=False, **options):
        try:
            # The edition and its shipped translations (indicators.<language>.csv) load together: a
            # refused translation leaves the edition as it was too.
            with transaction.atomic():
                plan = load_edition(edition, prune=prune, dry_run=dry_run, path=file)
                translated = self._translations(edition, dry_run) if file is None else []
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
        for language, summary_text in translated:
            self.stdout.write(f"{verb} {edition} in {language}: {summary_text}.")
        if dry_run or not Framework.objects.filter(code=edition).exists():
            return
        self.stdout.write(format_summary(summary(Framework.objects.get(code=edition))))

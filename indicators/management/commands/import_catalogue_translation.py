from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from indicators.loading import FrameworkFileError
from indicators.models import Framework
from indicators.translations import load_translation


class Command(BaseCommand):
    help = (
        "Import a translation of a framework edition's catalogue (CSV or XLSX with the columns code, text, "
        "provenance). Every bad row is reported with its number; a file with any bad row writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("edition")
        parser.add_argument("language", help="e.g. km")
        parser.add_argument("file")
        parser.add_argument("--dry-run", action="store_true", help="check and count; write nothing")

    def handle(self, edition, language, file, dry_run=False, **options):
        framework = Framework.objects.filter(code=edition).first()
        if framework is None:
            raise CommandError(f"No framework edition “{edition}”: load it first (load_framework).")
        try:
            with transaction.atomic():
                plan = load_translation(framework, language, file, dry_run=dry_run)
        except FrameworkFileError as exc:
            raise CommandError("The translation was refused; nothing was changed.\n" + str(exc)) from exc
        verb = "Would import" if dry_run else "Imported"
        self.stdout.write(f"{verb} {edition} in {language}: {plan.summary()}.")

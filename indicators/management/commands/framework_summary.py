import json

from django.core.management.base import BaseCommand, CommandError

from indicators.models import Framework
from indicators.queries import summary


def format_summary(data):
    lines = [f"{'category':<34} {'themes':>6} {'questions':>9} {'indicators':>10} {'core':>5}"]
    for code, row in data["categories"].items():
        label = f"{code} {row['name']}"
        lines.append(
            f"{label:<34} {row['themes']:>6} {row['questions']:>9} {row['indicators']:>10} {row['core']:>5}"
        )
    t = data["totals"]
    lines.append(f"{'total':<34} {t['themes']:>6} {t['questions']:>9} {t['indicators']:>10} {t['core']:>5}")
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Print themes, questions, indicators and core indicators per category of a framework edition."

    def add_arguments(self, parser):
        parser.add_argument("edition")
        parser.add_argument("--json", action="store_true", dest="as_json")

    def handle(self, edition, as_json=False, **options):
        framework = Framework.objects.filter(code=edition).first()
        if framework is None:
            raise CommandError(f"No framework edition “{edition}” is loaded (try manage.py load_framework).")
        data = summary(framework)
        if as_json:
            payload = {
                "categories": {
                    code: {k: v for k, v in row.items() if k != "name"}
                    for code, row in data["categories"].items()
                },
                "totals": data["totals"],
            }
            self.stdout.write(json.dumps(payload, indent=2))
        else:
            self.stdout.write(format_summary(data))

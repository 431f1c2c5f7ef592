"""Start a new round of an assessment from a previous one (assessments.rounds.start_round)."""

import datetime

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.http import Http404

from assessments.choices import CarryOver
from assessments.models import Assessment
from assessments.rounds import start_round
from indicators.models import Framework


def day(value):
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"Not a date (YYYY-MM-DD): {value}") from None


class Command(BaseCommand):
    help = (
        "Create the round CODE from the assessment PREVIOUS (or carry what is still missing into it), "
        "for a person who may manage PREVIOUS. Running it twice duplicates nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("previous", help="Code of the previous round, e.g. khm-2023.")
        parser.add_argument("code", help="Code of the new round, e.g. khm-2027.")
        parser.add_argument("--by", required=True, help="Username of the lead who starts the round.")
        parser.add_argument(
            "--title", default="", help="Title of the new round (default: the previous one's)."
        )
        parser.add_argument(
            "--carry",
            default=",".join(CarryOver.values),
            help=f"Comma-separated, from: {', '.join(CarryOver.values)} (default: all). Empty: nothing.",
        )
        parser.add_argument(
            "--edition",
            help="Framework edition of the new round (default: the previous one's); a newer edition "
            "needs a crosswalk from the previous one's (import_crosswalk).",
        )
        parser.add_argument("--period-start", type=day)
        parser.add_argument("--period-end", type=day)

    def handle(
        self, previous, code, by, title, carry, period_start=None, period_end=None, edition=None, **options
    ):
        old = Assessment.objects.filter(code=previous).first()
        if old is None:
            raise CommandError(f"No assessment {previous}.")
        user = get_user_model().objects.filter(username=by).first()
        if user is None:
            raise CommandError(f"No user {by}.")
        framework = None
        if edition:
            framework = Framework.objects.filter(code=edition).first()
            if framework is None:
                raise CommandError(f"No framework edition {edition}: load it first (load_framework).")
        items = {part.strip() for part in carry.split(",") if part.strip()}
        try:
            result = start_round(
                old,
                by=user,
                code=code,
                title=title,
                carry=items,
                period_start=period_start,
                period_end=period_end,
                framework=framework,
            )
        except (PermissionDenied, Http404):
            raise CommandError(f"{by} may not manage {previous}.") from None
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from None
        verb = "Created" if result.created else "Completed"
        counts = ", ".join(f"{n} {key.replace('_', ' ')}" for key, n in result.counts.items())
        edition_note = ""
        if result.assessment.framework_id != old.framework_id:
            edition_note = f" on {result.assessment.framework.code} (crosswalk from {old.framework.code})"
        self.stdout.write(f"{verb} {code} from {previous}{edition_note}: carried {counts or 'nothing'}.")
        for what, why in result.not_carried:
            self.stdout.write(f"  not carried: {what} ({why})")

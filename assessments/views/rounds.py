"""The lead's page for starting a new round from this assessment."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.translation import gettext as _

from assessments.choices import CarryOver
from assessments.forms import NewRoundForm
from assessments.rounds import edition_choices, start_round
from assessments.rules import Perm, get_assessment_for


def carried_label(key):
    return CarryOver(key).label if key in CarryOver.values else _("findings")


@login_required
def new_round(request, code):
    previous = get_assessment_for(request.user, code, Perm.MANAGE)
    editions = edition_choices(previous)
    if request.method == "POST":
        form = NewRoundForm(request.POST, editions=editions)
        if form.is_valid():
            data = form.cleaned_data
            try:
                result = start_round(
                    previous,
                    by=request.user,
                    code=data["code"],
                    title=data["title"],
                    carry=data["carry"],
                    period_start=data["period_start"],
                    period_end=data["period_end"],
                    framework=data["framework"],
                )
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    name = "edition" if name == "framework" else name
                    form.add_error(name if name in form.fields else None, errors)
            else:
                # The result is shown at once, in full (what could not be carried can be long); posting
                # it again is harmless: start_round is idempotent and carries only what is missing.
                context = {
                    "assessment": previous,
                    "result": result,
                    "counts": [(carried_label(key), n) for key, n in result.counts.items()],
                }
                return render(request, "assessments/new_round_result.html", context)
    else:
        form = NewRoundForm(initial={"carry": list(CarryOver.values)}, editions=editions)
    status = 400 if form.errors else 200
    return render(
        request, "assessments/new_round.html", {"assessment": previous, "form": form}, status=status
    )

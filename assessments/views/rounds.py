"""The lead's page for starting a new round from this assessment."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from assessments.choices import CarryOver
from assessments.forms import NewRoundForm
from assessments.rounds import start_round
from assessments.rules import Perm, get_assessment_for


def carried_label(key):
    return CarryOver(key).label if key in CarryOver.values else _("findings")


@login_required
def new_round(request, code):
    previous = get_assessment_for(request.user, code, Perm.MANAGE)
    if request.method == "POST":
        form = NewRoundForm(request.POST)
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
                )
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                counts = ", ".join(f"{carried_label(key)}: {n}" for key, n in result.counts.items())
                messages.success(
                    request,
                    _("Round %(code)s started from %(previous)s. Carried over: %(counts)s.")
                    % {"code": result.assessment.code, "previous": previous.code, "counts": counts or "—"},
                )
                for what, why in result.not_carried[:20]:
                    messages.warning(
                        request, _("Not carried: %(what)s (%(why)s)") % {"what": what, "why": why}
                    )
                return redirect(result.assessment.get_absolute_url())
    else:
        form = NewRoundForm(initial={"carry": list(CarryOver.values)})
    status = 400 if form.errors else 200
    return render(
        request, "assessments/new_round.html", {"assessment": previous, "form": form}, status=status
    )

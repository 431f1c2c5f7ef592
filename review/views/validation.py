from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from assessments.rules import get_assessment_for
from review import queries, services
from review.choices import Verdict
from review.forms import VoteForm
from review.views.base import Bound, ConfirmForm, add_errors


def vote(request, finding):
    form = VoteForm(request.POST)
    if form.is_valid():
        try:
            services.cast_vote(finding, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            if form.cleaned_data["verdict"] == Verdict.ENDORSE:
                messages.success(request, _("You endorsed this finding."))
            else:
                messages.success(request, _("You asked for revision; the team is told."))
            return redirect(finding.get_absolute_url() + "#validation")
    return Bound("vote", form)


def endorse(request, finding):
    """The team marks the finding endorsed (its status), refused while MAB comments are open."""
    form = ConfirmForm(request.POST)
    form.is_valid()
    try:
        services.endorse_finding(finding, by=request.user)
    except ValidationError as error:
        add_errors(form, error)
        return Bound("endorse", form)
    messages.success(request, _("The finding is marked endorsed."))
    return redirect(finding.get_absolute_url() + "#validation")


@login_required
def endorsements(request, code):
    assessment = get_assessment_for(request.user, code)
    rows, groups = queries.endorsement_summary(assessment)
    totals = {
        "total": sum(r["total"] for r in rows),
        "endorsed": sum(r["endorsed"] for r in rows),
        "revision": sum(r["revision"] for r in rows),
    }
    return render(
        request,
        "review/endorsements.html",
        {"assessment": assessment, "rows": rows, "groups": groups, "totals": totals},
    )

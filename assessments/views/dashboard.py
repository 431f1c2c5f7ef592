"""The assessment dashboard: where the work stands, for every member."""

from functools import partial

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from assessments.models import Assessment
from assessments.queries import (
    dashboard_figures,
    dashboard_findings,
    dashboard_fingerprint,
    my_assessments,
    with_role_labels,
)
from assessments.rules import Perm, get_assessment_for, perms_for


@login_required
def assessment_list(request):
    return render(
        request,
        "assessments/assessment_list.html",
        {"assessments": with_role_labels(my_assessments(request.user))},
    )


@login_required
def dashboard(request, code):
    assessment = get_assessment_for(
        request.user, code, Perm.VIEW, queryset=Assessment.objects.select_related("framework")
    )
    perms = perms_for(request.user, assessment)
    context = {
        "assessment": assessment,
        "can_edit": Perm.EDIT_EVIDENCE in perms,
        # The figures are the same for every member: the template caches their HTML under the
        # fingerprint and calls this only when the fingerprint has changed.
        "fingerprint": dashboard_fingerprint(assessment),
        "figures": partial(dashboard_figures, assessment),
        **dashboard_findings(assessment, request.user),
    }
    return render(request, "assessments/dashboard.html", context)

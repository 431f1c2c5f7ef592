"""The assessment dashboard: where the work stands, for every member."""

from functools import partial

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode

from assessments.progress import progress
from assessments.queries import (
    WAITING_STATUSES,
    dashboard_assigned,
    dashboard_figures,
    dashboard_fingerprint,
    dashboard_recent,
    my_assessments,
    with_role_labels,
)
from assessments.rules import Perm, get_assessment_for, perms_for
from assessments.scopes import describe_scope


@login_required
def assessment_list(request):
    return render(
        request,
        "assessments/assessment_list.html",
        {"assessments": with_role_labels(my_assessments(request.user))},
    )


@login_required
def dashboard(request, code):
    assessment = get_assessment_for(request.user, code, Perm.VIEW)
    perms = perms_for(request.user, assessment)
    fingerprint = dashboard_fingerprint(assessment)
    context = {
        "assessment": assessment,
        "can_edit": Perm.EDIT_EVIDENCE in perms,
        "can_manage": Perm.MANAGE in perms,
        # Which indicators the findings cover changes only with them (or the scope, saved on the assessment):
        # worked out only when the header's cached copy is missing.
        "scope_text": partial(describe_scope, assessment),
        # Since the previous round (none for a first round: no query).
        "progress": progress(assessment)["categories"],
        "scale_max": len(assessment.scale),
        "previous": assessment.previous,
        # The template caches each part's HTML under the fingerprint (and the person, for their own
        # findings) and calls these only when it has no copy for the current fingerprint.
        "fingerprint": fingerprint,
        "figures": partial(dashboard_figures, assessment),
        "assigned": partial(dashboard_assigned, assessment, request.user),
        "recent": partial(dashboard_recent, assessment),
        # "and N more": the research workspace's findings list, filtered to exactly the dashboard's list.
        "assigned_list": reverse("admin:assessments_finding_changelist")
        + "?"
        + urlencode(
            {"assessment": assessment.code, "assignee": "me", "status__in": ",".join(WAITING_STATUSES)}
        ),
    }
    return render(request, "assessments/dashboard.html", context)

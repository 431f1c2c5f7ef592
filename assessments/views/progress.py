"""Progress since the previous round, for every member (MAB members and staff read it too)."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from assessments.models import Assessment
from assessments.progress import Change, progress
from assessments.rules import Perm, get_assessment_for


@login_required
def progress_page(request, code):
    assessment = get_assessment_for(
        request.user,
        code,
        Perm.VIEW,
        queryset=Assessment.objects.select_related("framework", "previous__framework"),
    )
    change = request.GET.get("change", "")
    if change not in Change.values:
        change = ""
    data = progress(assessment, change)
    context = {
        "assessment": assessment,
        "previous": assessment.previous,
        "rows": data["rows"],
        "categories": data["categories"],
        "dropped": data["dropped"],
        "crosswalk": data["crosswalk"],
        "changes": Change.choices,
        "change": change,
        "scale_max": len(assessment.scale),
    }
    return render(request, "assessments/progress.html", context)

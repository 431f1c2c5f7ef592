"""The recommendation register as a page: members read it; researchers and the lead add, edit and
reorder (403 for others on every write); outsiders get 404 (assessments.rules, at the door)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from assessments.models import Finding
from assessments.rules import Perm, get_assessment_for, perms_for
from indicators.models import Category
from reports import register
from reports.chapters import markdown
from reports.forms import RecommendationForm, RegisterFilter
from reports.media import ReportMedia
from reports.models import Recommendation
from reports.queries import recommendations_for


def _categories(assessment):
    return list(Category.objects.filter(framework=assessment.framework).order_by("order"))


@login_required
def register_page(request, code):
    assessment = get_assessment_for(request.user, code, Perm.VIEW)
    categories = _categories(assessment)
    filter_form = RegisterFilter(request.GET or None, categories=categories)
    recs = list(register.filtered(assessment, filter_form.filters()))
    media = ReportMedia(assessment, [r.text for r in recs])
    # Position within the whole group (not the filtered list): what up/down can do.
    groups = {}
    for rec in recommendations_for(assessment).order_by("order", "pk").only("pk", "stakeholder_group"):
        groups.setdefault(rec.stakeholder_group, []).append(rec.pk)
    for rec in recs:
        rec.html = media.inline(markdown(rec.text, media))
        members = groups.get(rec.stakeholder_group, [])
        rec.first, rec.last = members[:1] == [rec.pk], members[-1:] == [rec.pk]
    return render(
        request,
        "reports/register/list.html",
        {
            "assessment": assessment,
            "recommendations": recs,
            "filter_form": filter_form,
            "can_edit": Perm.EDIT_REPORT in perms_for(request.user, assessment),
            "weak_findings": list(register.unaddressed_weak_findings(assessment)),
            "uncited": list(register.uncited_recommendations(assessment)),
            "weak_levels": assessment.scale[: register.WEAK_LEVELS],
        },
    )


def _edit(request, code, pk=None):
    assessment = get_assessment_for(request.user, code, Perm.EDIT_REPORT)
    recommendation = (
        get_object_or_404(recommendations_for(assessment), pk=pk)
        if pk
        else Recommendation(assessment=assessment)
    )
    form = RecommendationForm(request.POST or None, instance=recommendation, assessment=assessment)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = register.save_recommendation(
                assessment,
                recommendation,
                by=request.user,
                fields={k: data[k] for k in ("stakeholder_group", "priority", "text")},
                categories=list(data["categories"]),
                findings=data["finding_codes"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Recommendation saved."))
            url = reverse("reports:recommendations", args=[assessment.code])
            return redirect(f"{url}#rec-{saved.pk}")
    return render(
        request,
        "reports/register/form.html",
        {"assessment": assessment, "form": form, "recommendation": recommendation},
        status=400 if form.errors else 200,
    )


@login_required
def add(request, code):
    return _edit(request, code)


@login_required
def edit(request, code, pk):
    return _edit(request, code, pk)


@login_required
@require_POST
def move(request, code, pk):
    assessment = get_assessment_for(request.user, code, Perm.EDIT_REPORT)
    recommendation = get_object_or_404(Recommendation.objects.filter(assessment=assessment), pk=pk)
    direction = request.POST.get("direction")
    if direction not in ("up", "down"):
        messages.error(request, _("Choose to move the recommendation up or down."))
    elif not register.move_recommendation(recommendation, by=request.user, direction=direction):
        messages.info(request, _("The recommendation is already at that end of its group."))
    url = reverse("reports:recommendations", args=[assessment.code])
    # Back to the same filtered list, at the moved recommendation (its anchor takes the focus).
    kept = QueryDict(request.POST.get("query", ""), mutable=True)
    query = QueryDict(mutable=True)
    for key in RegisterFilter.base_fields:
        if kept.get(key):
            query[key] = kept[key]
    return redirect(f"{url}{'?' + query.urlencode() if query else ''}#rec-{pk}")


@login_required
def finding_options(request, code):
    """The assessment's findings as JSON for the code search (members only): ``?q=`` filters by code
    or indicator text; at most 20."""
    assessment = get_assessment_for(request.user, code, Perm.VIEW)
    q = request.GET.get("q", "").strip()[:100]
    findings = Finding.objects.filter(assessment=assessment, archived=False).select_related("indicator")
    if q:
        findings = findings.filter(indicator__code__istartswith=q) | findings.filter(
            indicator__text__icontains=q
        )
    rows = findings.order_by("indicator__order").values_list("indicator__code", "indicator__text")[:20]
    return JsonResponse({"findings": [{"code": c, "text": t[:120]} for c, t in rows]})

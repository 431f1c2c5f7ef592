"""The lead's scope page: core and contextual, all, core and contextual plus a selection, or a selection
only, picked by category, theme, question or indicator, with the count shown before saving."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from assessments.choices import CUSTOM_SCOPES, Scope
from assessments.models import Assessment
from assessments.queries import in_scope_indicators
from assessments.rules import Perm, get_assessment_for
from assessments.scopes import describe_counts, describe_scope, scope_counts
from assessments.services import change_scope
from indicators.models import Category, Indicator, Question, Theme


def _ints(values):
    try:
        return {int(v) for v in values}
    except ValueError:
        raise ValidationError(_("The selection holds something that is not an indicator.")) from None


def selection_from(framework, data):
    """The indicator pks picked on the page: whole categories, themes, questions, single indicators."""
    indicators = Indicator.objects.filter(framework=framework)
    categories, themes = _ints(data.getlist("category")), _ints(data.getlist("theme"))
    questions, picked = _ints(data.getlist("question")), _ints(data.getlist("indicator"))
    chosen = (
        indicators.filter(category_id__in=categories)
        | indicators.filter(question__theme_id__in=themes)
        | indicators.filter(question_id__in=questions)
        | indicators.filter(pk__in=picked)
    )
    pks = set(chosen.values_list("pk", flat=True))
    if len(picked - pks):
        raise ValidationError(_("Choose indicators of the assessment's framework edition only."))
    return pks


def framework_outline(framework, selected):
    """Categories → themes → questions → indicators (contextual ones under their category), 4 queries."""
    categories = list(Category.objects.filter(framework=framework).order_by("order"))
    themes = list(Theme.objects.filter(framework=framework).order_by("order"))
    questions = list(Question.objects.filter(framework=framework).order_by("order"))
    indicators = list(Indicator.objects.filter(framework=framework).order_by("order"))
    by_question, loose = {}, {}
    for indicator in indicators:
        indicator.checked = indicator.pk in selected
        if indicator.question_id:
            by_question.setdefault(indicator.question_id, []).append(indicator)
        else:
            loose.setdefault(indicator.category_id, []).append(indicator)
    by_theme = {}
    for question in questions:
        question.rows = by_question.get(question.pk, [])
        by_theme.setdefault(question.theme_id, []).append(question)
    by_category = {}
    for theme in themes:
        theme.question_rows = by_theme.get(theme.pk, [])
        by_category.setdefault(theme.category_id, []).append(theme)
    for category in categories:
        category.theme_rows = by_category.get(category.pk, [])
        category.loose = loose.get(category.pk, [])
    return categories


def preview_indicators(framework, scope, selected):
    """The indicators ``scope`` would cover with ``selected`` picked, without saving anything."""
    picked = framework.indicators.filter(pk__in=selected)
    if scope == Scope.SELECTED:
        return picked
    covered = in_scope_indicators(
        Assessment(scope=Scope.CORE if scope == Scope.CORE_PLUS else scope, framework=framework)
    )
    return covered | picked if scope == Scope.CORE_PLUS else covered


@login_required
def scope(request, code):
    assessment = get_assessment_for(request.user, code, Perm.MANAGE)
    framework = assessment.framework
    error = None
    chosen_scope = assessment.scope
    selected = set(assessment.selected_indicators.values_list("pk", flat=True))
    preview = None
    if request.method == "POST":
        chosen_scope = request.POST.get("scope", "")
        try:
            if chosen_scope not in Scope.values:
                raise ValidationError(_("Choose a valid scope."))
            selected = selection_from(framework, request.POST)
            if request.POST.get("action") == "save":
                with transaction.atomic():
                    result = change_scope(
                        assessment,
                        chosen_scope,
                        selected if chosen_scope in CUSTOM_SCOPES else None,
                        by=request.user,
                    )
                messages.success(
                    request,
                    _(
                        "Scope saved: %(created)d findings created, %(archived)d archived (their evidence is kept), %(restored)d restored."
                    )
                    % result,
                )
                return redirect("assessments:scope", code=assessment.code)
            preview = describe_counts(
                chosen_scope, scope_counts(preview_indicators(framework, chosen_scope, selected))
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    context = {
        "assessment": assessment,
        "scopes": Scope.choices,
        "chosen_scope": chosen_scope,
        "custom_scopes": [s.value for s in CUSTOM_SCOPES],
        "outline": framework_outline(framework, selected),
        "selected_count": len(selected),
        "current": describe_scope(assessment),
        "preview": preview,
        "error": error,
    }
    return render(request, "assessments/scope.html", context, status=400 if error else 200)

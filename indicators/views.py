from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render

from indicators.choices import CatalogueKind, Wording
from indicators.models import Indicator
from indicators.queries import framework_tree, frameworks_with_counts
from indicators.translations import localise


@login_required
def framework_list(request):
    frameworks = list(frameworks_with_counts())
    if len(frameworks) == 1:
        return redirect(frameworks[0])
    return render(request, "indicators/framework_list.html", {"frameworks": frameworks})


@login_required
def framework_detail(request, edition):
    framework = get_object_or_404(frameworks_with_counts(), code=edition)
    core = request.GET.get("core") == "1"
    q = request.GET.get("q", "").strip()[:100]
    categories, shown = framework_tree(framework, core=core, q=q)
    themes = [t for c in categories for t in c.shown_themes]
    questions = [q for t in themes for q in t.shown_questions]
    indicators = [i for q in questions for i in q.shown_indicators]
    indicators += [i for c in categories for i in c.shown_contextual]
    localise(
        framework,
        [
            (CatalogueKind.CATEGORY, categories),
            (CatalogueKind.THEME, themes),
            (CatalogueKind.QUESTION, questions),
            (CatalogueKind.INDICATOR, indicators),
        ],
    )
    return render(
        request,
        "indicators/framework_detail.html",
        {
            "framework": framework,
            "categories": categories,
            "shown": shown,
            "core": core,
            "q": q,
            "filtered": core or bool(q),
        },
    )


@login_required
def indicator_detail(request, edition, code):
    indicator = get_object_or_404(
        Indicator.objects.select_related("framework", "category", "question__theme"),
        framework__code=edition,
        code=code,
    )
    siblings = []
    if indicator.question_id:
        siblings = list(indicator.question.indicators.exclude(pk=indicator.pk).order_by("order"))
    question = indicator.question
    localise(
        indicator.framework,
        [
            (CatalogueKind.CATEGORY, [indicator.category]),
            (CatalogueKind.THEME, [question.theme] if question else []),
            (CatalogueKind.QUESTION, [question] if question else []),
            (CatalogueKind.INDICATOR, [indicator, *siblings]),
        ],
    )
    return render(
        request,
        "indicators/indicator_detail.html",
        {
            "indicator": indicator,
            "framework": indicator.framework,
            "siblings": siblings,
            "reconstructed": Wording.RECONSTRUCTED,
        },
    )

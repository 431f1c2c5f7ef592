from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render

from indicators.choices import Wording
from indicators.models import Indicator
from indicators.queries import framework_tree, frameworks_with_counts


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
        siblings = indicator.question.indicators.exclude(pk=indicator.pk).order_by("order")
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

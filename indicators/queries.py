"""Reusable catalogue queries: every page, command and API reads the framework through these."""

from django.db.models import Count, Prefetch, Q

from indicators.choices import CategoryCode, Wording
from indicators.models import Category, Framework, Indicator, Question, Theme


def frameworks_with_counts():
    return Framework.objects.annotate(
        indicator_count=Count("indicators", distinct=True),
        core_count=Count("indicators", filter=Q(indicators__is_core=True), distinct=True),
        reconstructed_count=Count(
            "indicators", filter=Q(indicators__wording=Wording.RECONSTRUCTED), distinct=True
        ),
    )


def summary(framework):
    """Themes, questions, indicators and core indicators per category, and totals."""
    rows = Category.objects.filter(framework=framework).annotate(
        n_themes=Count("themes", distinct=True),
        n_questions=Count("themes__questions", distinct=True),
        n_indicators=Count("indicators", distinct=True),
        n_core=Count("indicators", filter=Q(indicators__is_core=True), distinct=True),
    )
    categories = {
        c.code: {
            "name": c.name,
            "themes": c.n_themes,
            "questions": c.n_questions,
            "indicators": c.n_indicators,
            "core": c.n_core,
        }
        for c in rows.order_by("order")
    }
    keys = ("themes", "questions", "indicators", "core")
    totals = {key: sum(c[key] for c in categories.values()) for key in keys}
    totals["categories"] = len(categories)
    return {"edition": framework.code, "categories": categories, "totals": totals}


def filter_indicators(queryset, core=None, q="", category=None):
    if core:
        queryset = queryset.filter(is_core=True)
    if category:
        queryset = queryset.filter(category__code=category)
    if q:
        queryset = queryset.filter(
            Q(code__istartswith=q) | Q(text__icontains=q) | Q(question__text__icontains=q)
        )
    return queryset


def framework_tree(framework, core=False, q=""):
    """Categories with their themes → questions → indicators (filtered), in a fixed number of queries."""
    indicators = filter_indicators(Indicator.objects.filter(framework=framework), core=core, q=q)
    questions = (
        Question.objects.filter(indicators__in=indicators)
        .distinct()
        .prefetch_related(
            Prefetch("indicators", queryset=indicators.order_by("order"), to_attr="shown_indicators")
        )
    )
    themes = (
        Theme.objects.filter(questions__in=questions)
        .distinct()
        .prefetch_related(
            Prefetch("questions", queryset=questions.order_by("order"), to_attr="shown_questions")
        )
    )
    contextual = indicators.filter(category__code=CategoryCode.CONTEXTUAL).order_by("order")
    categories = (
        Category.objects.filter(framework=framework)
        .order_by("order")
        .prefetch_related(
            Prefetch("themes", queryset=themes.order_by("order"), to_attr="shown_themes"),
            Prefetch("indicators", queryset=contextual, to_attr="shown_contextual"),
        )
    )
    return categories, indicators.count()

"""What can be reviewed: a small registry of models that comments may attach to.

All registrations happen in ``review/apps.py``: findings (``assessments``) and the report's sections,
recommendations and follow-ups of the previous round's recommendations (``reports``, looked up with ``apps.get_model`` only when that app is installed). The
dependency runs one way — ``review`` reads ``reports`` and ``assessments``; neither imports ``review`` —
so the report keeps no knowledge of who comments on it. A registration says::

    targets.register(
        Recommendation,
        assessment=lambda r: r.assessment,   # how to reach the assessment (permissions, the matrix)
        label=lambda r: r.text[:60],         # shown in the matrix and in mails
        category=lambda r: "",               # category code, if the object has one
        url=lambda r: ...,                   # the page with its thread (default: get_absolute_url)
        queryset=lambda: Recommendation.objects.select_related("assessment"),  # bulk loads (matrix)
    )

Everything else — posting, mentions, resolving with a disposition, the matrix, the rule that blocks
endorsement — works through the generic foreign key unchanged.
"""

from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Reviewable:
    model: type
    assessment: Any
    label: Any
    category: Any
    get_url: Any = None
    queryset: Any = None

    def url(self, obj):
        # The URL must carry no fragment: callers append "#comment-<pk>".
        return self.get_url(obj) if self.get_url else obj.get_absolute_url()

    def bulk_queryset(self):
        return self.queryset() if self.queryset else self.model._default_manager.all()


_registry: dict[type, Reviewable] = {}


def register(model, *, assessment, label=str, category=lambda obj: "", url=None, queryset=None):
    _registry[model] = Reviewable(
        model=model, assessment=assessment, label=label, category=category, get_url=url, queryset=queryset
    )


def registered():
    return list(_registry.values())


def spec_for(obj_or_model):
    model = obj_or_model if isinstance(obj_or_model, type) else type(obj_or_model)
    try:
        return _registry[model._meta.concrete_model]
    except KeyError:
        raise LookupError(f"{model.__name__} is not registered as reviewable") from None


def is_registered(model):
    return model._meta.concrete_model in _registry


def key_for(obj):
    """``app_label.model`` — how a target type appears in URLs."""
    return obj._meta.label_lower


def lookup(assessment, key, pk):
    """The registered object ``key``/``pk`` if it belongs to ``assessment``; else 404."""
    try:
        app_label, model_name = key.split(".", 1)
        model = ContentType.objects.get_by_natural_key(app_label, model_name).model_class()
    except (ValueError, ContentType.DoesNotExist):
        raise Http404("No such target.") from None
    if model is None or not is_registered(model):
        raise Http404("No such target.")
    obj = model._default_manager.filter(pk=pk).first()
    if obj is None or spec_for(model).assessment(obj).pk != assessment.pk:
        raise Http404("No such target.")
    return obj


def _report_url(obj):
    return reverse("review:report", kwargs={"code": obj.assessment.code})


def _section_category(section):
    # "findings_R" → "R": the key findings of a category count under that category in the matrix.
    return section.kind.removeprefix("findings_") if section.kind.startswith("findings_") else ""


def _section_label(section):
    return _("Report: %(section)s") % {"section": section.get_kind_display()}


def _recommendation_category(recommendation):
    codes = [c.code for c in recommendation.categories.all()]
    return codes[0] if len(codes) == 1 else ""


def _recommendation_label(recommendation):
    return _("Recommendation %(n)s · %(group)s: %(text)s") % {
        "n": recommendation.order,
        "group": recommendation.get_stakeholder_group_display(),
        "text": Truncator(" ".join(recommendation.text.split())).chars(90),
    }


def register_report_content():
    """Make the report's sections and recommendations reviewable. Called from ``review.apps`` only when
    ``reports`` is installed; the models are looked up by name so ``review`` imports no ``reports``
    module."""

    section = apps.get_model("reports", "ReportSection")
    recommendation = apps.get_model("reports", "Recommendation")
    register(
        section,
        assessment=lambda s: s.assessment,
        label=_section_label,
        category=_section_category,
        url=_report_url,
        queryset=lambda: section.objects.select_related("assessment"),
    )
    register(
        recommendation,
        assessment=lambda r: r.assessment,
        label=_recommendation_label,
        category=_recommendation_category,
        url=_report_url,
        queryset=lambda: recommendation.objects.select_related("assessment"),
    )


def _follow_up_url(obj):
    return reverse("reports:follow_up", kwargs={"code": obj.assessment.code})


def _follow_up_label(follow_up):
    recommendation = follow_up.recommendation
    return _("Follow-up · %(group)s: %(text)s") % {
        "group": recommendation.get_stakeholder_group_display(),
        "text": Truncator(" ".join(recommendation.text.split())).chars(90),
    }


def register_follow_ups():
    """Make the follow-up of the previous round's recommendations reviewable (reports' follow-up page
    shows the threads through ``reports.panels``; comments reach the matrix like any target). Called from
    ``review.apps`` only when ``reports`` is installed."""
    model = apps.get_model("reports", "RecommendationFollowUp")
    register(
        model,
        assessment=lambda f: f.assessment,
        label=_follow_up_label,
        url=_follow_up_url,
        queryset=lambda: model.objects.select_related("assessment", "recommendation"),
    )


def follow_up_models():
    """The follow-up model when ``reports`` is installed (the matrix's report-content filter), else []."""
    if not apps.is_installed("reports"):
        return []
    return [apps.get_model("reports", "RecommendationFollowUp")]


def report_models():
    """The registered report content models (empty when ``reports`` is not installed)."""

    if not apps.is_installed("reports"):
        return []
    return [apps.get_model("reports", "ReportSection"), apps.get_model("reports", "Recommendation")]

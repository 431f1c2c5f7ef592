"""How the API names what a comment is on: ``{"type": "finding", "indicator": "R.1.1"}``,
``{"type": "section", "kind": "executive_summary"}``, ``{"type": "recommendation", "id": 3}`` or, in a
later round, ``{"type": "follow_up", "id": 7}`` (the follow-up of a previous round's recommendation).

Only types registered as reviewable in ``review.targets`` accept comments; report sections and
recommendations are named here by their model label, so ``review`` still does not import ``reports``.
"""

from dataclasses import dataclass

from django.apps import apps
from django.utils.translation import gettext_lazy as _

from review import targets


@dataclass(frozen=True)
class TargetType:
    name: str
    model_label: str
    key: str  # the field that names one object in the body: indicator, kind or id
    lookup: str  # the model's field behind ``key``
    label: str

    @property
    def model(self):
        return apps.get_model(self.model_label)

    def key_of(self, obj):
        return obj.indicator.code if self.key == "indicator" else getattr(obj, self.lookup)

    def find(self, assessment, value):
        """The object of this type named ``value`` in ``assessment``, or None."""
        model = self.model
        objects = model._default_manager.filter(assessment=assessment, **{self.lookup: value})
        if self.name == "finding":
            objects = objects.filter(archived=False)
        return objects.first()


TYPES = {
    t.name: t
    for t in [
        TargetType("finding", "assessments.Finding", "indicator", "indicator__code", _("finding")),
        TargetType("section", "reports.ReportSection", "kind", "kind", _("report section")),
        TargetType("recommendation", "reports.Recommendation", "id", "pk", _("recommendation")),
        TargetType(
            "follow_up", "reports.RecommendationFollowUp", "id", "pk", _("follow-up of a recommendation")
        ),
    ]
}
BY_MODEL_LABEL = {t.model_label.lower(): t for t in TYPES.values()}


def type_of(content_type):
    return BY_MODEL_LABEL.get(f"{content_type.app_label}.{content_type.model}")


def is_open(target_type):
    """Whether comments may be posted on this type (it is registered as reviewable)."""
    return targets.is_registered(target_type.model)

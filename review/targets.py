"""What can be reviewed: a small registry of models that comments may attach to.

Findings are registered by ``review.apps``. The report's sections and recommendations join later
without ``review`` importing ``reports``: in ``reports/apps.py``::

    def ready(self):
        from review import targets
        targets.register(
            Recommendation,
            assessment=lambda r: r.report.assessment,   # how to reach the assessment
            label=lambda r: r.title,                   # shown in the matrix and in mails
            category=lambda r: "",                      # category code, if the object has one
        )

and on their page ``{% include "review/_thread.html" with target=recommendation %}`` (the page's view
adds ``review.queries.thread_context(target, user)`` to its context). The object needs
``get_absolute_url``. Everything else — posting, mentions, resolving with a disposition, the matrix,
the rule that blocks endorsement — works through the generic foreign key unchanged.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.http import Http404


@dataclass(frozen=True)
class Reviewable:
    model: type
    assessment: Any
    label: Any
    category: Any

    def url(self, obj):
        return obj.get_absolute_url()


_registry: dict[type, Reviewable] = {}


def register(model, *, assessment, label=str, category=lambda obj: ""):
    _registry[model] = Reviewable(model=model, assessment=assessment, label=label, category=category)


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

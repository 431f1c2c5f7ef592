"""Reusable querysets, above all: what may this user see."""

from django.db.models import Q

from assessments.models import Assessment, Finding, Source
from assessments.rules import EVIDENCE_ROLES


def assessments_for(user):
    """Assessments the user is a member of (superusers see all)."""
    if not user.is_authenticated:
        return Assessment.objects.none()
    if user.is_superuser:
        return Assessment.objects.all()
    return Assessment.objects.filter(memberships__user=user).distinct()


def editable_assessments_for(user):
    """Assessments whose evidence the user may edit."""
    if not user.is_authenticated:
        return Assessment.objects.none()
    if user.is_superuser:
        return Assessment.objects.all()
    return Assessment.objects.filter(memberships__user=user, memberships__role__in=EVIDENCE_ROLES).distinct()


def findings_for(user, include_archived=False):
    queryset = Finding.objects.filter(assessment__in=assessments_for(user))
    if not include_archived:
        queryset = queryset.filter(archived=False)
    return queryset.select_related(
        "indicator__category", "indicator__question__theme", "assessment", "assignee"
    )


def sources_for(user):
    return Source.objects.filter(assessment__in=assessments_for(user))


def in_scope_indicators(assessment):
    """The framework indicators an assessment's scope covers: all, or core + contextual."""
    from assessments.choices import Scope
    from indicators.choices import CategoryCode

    indicators = assessment.framework.indicators.all()
    if assessment.scope == Scope.CORE:
        indicators = indicators.filter(Q(is_core=True) | Q(category__code=CategoryCode.CONTEXTUAL))
    return indicators

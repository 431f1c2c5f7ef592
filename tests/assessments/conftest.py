import pytest
from django.urls import reverse

from assessments.choices import Role
from assessments.models import Finding
from tests.factories import AssessmentFactory, MembershipFactory


@pytest.fixture
def other_assessment(framework, members):
    """Another country's assessment, in which only the outsider works (as a researcher)."""
    other = AssessmentFactory(
        code="tha-2024", country_code="THA", country_name="Thailand", framework=framework
    )
    MembershipFactory(assessment=other, user=members["outsider"], role=Role.RESEARCHER)
    return other


def finding(assessment, code):
    return Finding.objects.select_related("indicator", "assessment").get(
        assessment=assessment, indicator__code=code
    )


def change_url(obj):
    return reverse("admin:assessments_finding_change", args=[obj.pk])


def finding_post(obj, **fields):
    """The POST the finding's admin form sends, with empty inline formsets, overridden by ``fields``."""
    data = {
        "status": obj.status,
        "score": obj.score or "",
        "special_score": obj.special_score,
        "confidence": obj.confidence,
        "narrative": obj.narrative,
        "assignee": obj.assignee_id or "",
        "due_date": "",
        "loaded_version": obj.version,
        "overwrite_version": "",
        "_continue": "Save and continue editing",
    }
    for prefix in ("citations", "data_points", "attachments"):
        data.update(
            {
                f"{prefix}-TOTAL_FORMS": "0",
                f"{prefix}-INITIAL_FORMS": "0",
                f"{prefix}-MIN_NUM_FORMS": "0",
                f"{prefix}-MAX_NUM_FORMS": "1000",
            }
        )
    data.update(fields)
    return data

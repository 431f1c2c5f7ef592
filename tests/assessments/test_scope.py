"""Custom scope: core and contextual plus the lead's selection, or a selection only."""

import pytest
from django.urls import reverse

from assessments.choices import Scope
from assessments.models import Finding
from assessments.scopes import describe_scope
from assessments.services import change_scope
from tests.factories import AssessmentFactory, CitationFactory, SourceFactory, UserFactory

pytestmark = pytest.mark.django_db


def extra(framework, category, n):
    return list(framework.indicators.filter(category__code=category, is_core=False).order_by("order")[:n])


def test_core_plus_selection_is_described_exactly(assessment, framework):
    picked = extra(framework, "R", 5) + extra(framework, "O", 7)
    result = change_scope(assessment, Scope.CORE_PLUS, picked)
    assert result == {"created": 12, "archived": 0, "restored": 0}
    assert describe_scope(assessment) == (
        "109 core and 21 contextual indicators plus 12 selected indicators in categories R and O"
    )
    assert Finding.objects.filter(assessment=assessment, archived=False).count() == 142


def test_selected_only_and_full_and_core(assessment, framework):
    picked = extra(framework, "A", 3)
    change_scope(assessment, Scope.SELECTED, picked)
    assert describe_scope(assessment) == "3 selected indicators: 3 selected indicators in category A"
    change_scope(assessment, Scope.FULL)
    assert describe_scope(assessment).startswith("all 303 indicators")
    change_scope(assessment, Scope.CORE)
    assert describe_scope(assessment) == "109 core and 21 contextual indicators"


def test_narrowing_archives_with_evidence_and_widening_restores(assessment, framework):
    picked = extra(framework, "R", 2)
    change_scope(assessment, Scope.CORE_PLUS, picked)
    finding = Finding.objects.get(assessment=assessment, indicator=picked[0])
    CitationFactory(finding=finding, source=SourceFactory(assessment=assessment))
    result = change_scope(assessment, Scope.CORE_PLUS, picked[1:])
    assert result["archived"] == 1
    finding.refresh_from_db()
    assert finding.archived and finding.citations.count() == 1
    assert change_scope(assessment, Scope.CORE_PLUS, picked)["restored"] == 1


def test_refusals_write_nothing(assessment, framework):
    from django.core.exceptions import ValidationError

    other = AssessmentFactory(code="other-fw", framework=framework)
    with pytest.raises(ValidationError):
        change_scope(assessment, Scope.SELECTED, [])
    with pytest.raises(ValidationError):
        change_scope(assessment, Scope.CORE_PLUS, [999999])
    with pytest.raises(ValidationError):
        change_scope(assessment, "everything")
    assessment.refresh_from_db()
    assert assessment.scope == Scope.CORE and not assessment.selected_indicators.exists()
    assert other.findings.count() == 130


def test_service_rechecks_manage(assessment, members):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        change_scope(assessment, Scope.FULL, by=members["researcher"])


@pytest.mark.parametrize(
    ("who", "status"),
    [("lead", 200), ("researcher", 403), ("mab", 403), ("staff", 403), ("outsider", 404)],
)
def test_scope_page_roles(client, assessment, members, who, status):
    client.force_login(members[who])
    url = reverse("assessments:scope", args=[assessment.code])
    assert client.get(url).status_code == status
    response = client.post(url, {"scope": Scope.FULL, "action": "save"})
    assert response.status_code == (302 if who == "lead" else status)


def test_scope_page_anonymous_goes_to_login(client, assessment):
    response = client.get(reverse("assessments:scope", args=[assessment.code]))
    assert response.status_code == 302 and "login" in response.url


def test_scope_page_counts_then_saves(client, assessment, members, framework):
    client.force_login(members["lead"])
    url = reverse("assessments:scope", args=[assessment.code])
    r_category = framework.categories.get(code="R")
    theme = framework.themes.filter(category__code="O").order_by("order").first()
    data = {"scope": Scope.CORE_PLUS, "category": [r_category.pk], "theme": [theme.pk], "action": "count"}
    response = client.post(url, data)
    assert response.status_code == 200
    preview = response.context["preview"]
    n_r = framework.indicators.filter(category__code="R", is_core=False).count()
    n_o = framework.indicators.filter(question__theme=theme, is_core=False).count()
    assert preview == (
        f"109 core and 21 contextual indicators plus {n_r + n_o} selected indicators in categories R and O"
    )
    assessment.refresh_from_db()
    assert assessment.scope == Scope.CORE  # counting saves nothing
    response = client.post(url, {**data, "action": "save"}, follow=True)
    assert response.status_code == 200
    assessment.refresh_from_db()
    assert assessment.scope == Scope.CORE_PLUS
    assert describe_scope(assessment) == preview
    assert preview in response.content.decode()


@pytest.mark.parametrize(
    "data",
    [
        {"scope": "nonsense", "action": "save"},
        {"scope": Scope.CORE_PLUS, "indicator": ["x"], "action": "save"},
        {"scope": Scope.CORE_PLUS, "indicator": ["999999"], "action": "save"},
        {"scope": Scope.SELECTED, "action": "save"},
    ],
)
def test_scope_page_bad_input_is_a_message(client, assessment, members, data):
    client.force_login(members["lead"])
    response = client.post(reverse("assessments:scope", args=[assessment.code]), data)
    assert response.status_code == 400
    assert response.context["error"]
    assessment.refresh_from_db()
    assert assessment.scope == Scope.CORE and not assessment.selected_indicators.exists()


def test_dashboard_and_admin_show_the_scope(client, assessment, members, framework):
    change_scope(assessment, Scope.CORE_PLUS, extra(framework, "R", 1))
    client.force_login(members["lead"])
    page = client.get(reverse("assessments:dashboard", args=[assessment.code])).content.decode()
    assert "plus 1 selected indicator in category R" in page
    assert reverse("assessments:scope", args=[assessment.code]) in page
    client.force_login(members["researcher"])
    page = client.get(reverse("assessments:dashboard", args=[assessment.code])).content.decode()
    assert reverse("assessments:scope", args=[assessment.code]) not in page
    admin = UserFactory(username="adm", is_staff=True, is_superuser=True)
    client.force_login(admin)
    change = client.get(reverse("admin:assessments_assessment_change", args=[assessment.pk]))
    assert "plus 1 selected indicator in category R" in change.content.decode()

"""A new round from a previous one: what is carried, isolation of the old round, idempotence, roles."""

import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.forms.models import model_to_dict
from django.http import Http404
from django.urls import reverse

from assessments.choices import CarryOver, FindingStatus, Role, Scope
from assessments.models import Assessment, Citation, DataPoint, Finding, Membership, Source
from assessments.rounds import start_round
from assessments.services import change_scope
from tests.factories import (
    AssessmentFactory,
    CitationFactory,
    DataPointFactory,
    FindingFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def worked(assessment, members):
    """The previous round with evidence: scores, statuses, narratives, assignees, sources, data points."""
    r11 = FindingFactory(
        assessment=assessment,
        code="R.1.1",
        narrative="The 2016 law **guarantees** access.",
        score=3,
        status=FindingStatus.ENDORSED,
        assignee=members["researcher"],
        version=4,
    )
    o11 = FindingFactory(assessment=assessment, code="O.1.1", narrative="Open data portal.", score=2)
    law = SourceFactory(assessment=assessment, title="Telecom law 2016")
    CitationFactory(finding=r11, source=law, locator="art. 4")
    DataPointFactory(finding=o11, source=law, year=2022)
    DataPointFactory(finding=r11, source=None, year=2021)
    SourceFactory(assessment=assessment, title="Uncited survey")
    return assessment


def snapshot(assessment):
    """Every row of the round, field by field (timestamps and versions included), and history sizes."""
    findings = Finding.objects.filter(assessment=assessment)
    return {
        "assessment": model_to_dict(Assessment.objects.get(pk=assessment.pk))
        | {"updated": Assessment.objects.get(pk=assessment.pk).updated},
        "memberships": [
            model_to_dict(m) | {"updated": m.updated} for m in assessment.memberships.order_by("pk")
        ],
        "findings": list(findings.order_by("pk").values()),
        "sources": list(Source.objects.filter(assessment=assessment).order_by("pk").values()),
        "citations": list(Citation.objects.filter(finding__assessment=assessment).order_by("pk").values()),
        "data_points": list(DataPoint.objects.filter(finding__assessment=assessment).order_by("pk").values()),
        "history": [
            Finding.history.filter(assessment_id=assessment.pk).count(),
            Source.history.filter(assessment_id=assessment.pk).count(),
            Citation.history.filter(finding__assessment=assessment).count(),
            DataPoint.history.filter(finding__assessment=assessment).count(),
        ],
    }


def test_carry_everything_and_nothing_changes_in_the_old_round(worked, members):
    before = snapshot(worked)
    result = start_round(worked, by=members["lead"], code="khm-2027", title="Cambodia 2027")
    assert snapshot(worked) == before
    new = result.assessment
    assert result.created and new.previous == worked and new.title == "Cambodia 2027"
    assert new.findings.count() == worked.findings.count()
    assert result.counts == {
        "members": 3,  # the lead is already its lead
        "sources": 2,
        "findings": 2,
        "citations": 1,
        "data_points": 2,
    }
    r11 = new.findings.get(indicator__code="R.1.1")
    old_r11 = worked.findings.get(indicator__code="R.1.1")
    assert r11.carried_from == old_r11
    assert r11.narrative == old_r11.narrative and r11.assignee == members["researcher"]
    assert r11.status == FindingStatus.NOT_STARTED and r11.score is None  # statuses start again
    assert r11.history.first().history_change_reason == "carried over from khm-2023"
    law = new.sources.get(title="Telecom law 2016")
    assert law.carried_from == worked.sources.get(title="Telecom law 2016")
    assert r11.citations.get().source == law and r11.citations.get().locator == "art. 4"
    o11_points = DataPoint.objects.filter(finding__assessment=new, finding__indicator__code="O.1.1")
    assert o11_points.get().source == law and o11_points.get().carried_from.finding.assessment == worked
    roles = dict(new.memberships.values_list("user__username", "role"))
    assert roles == {"lead": Role.LEAD, "researcher": Role.RESEARCHER, "mab": Role.MAB, "staffer": Role.STAFF}


def test_running_twice_duplicates_nothing_and_completes(worked, members):
    first = start_round(worked, by=members["lead"], code="khm-2027", carry={CarryOver.SOURCES})
    assert first.counts["sources"] == 2 and "data_points" not in first.counts
    before = snapshot(worked)
    again = start_round(worked, by=members["lead"], code="khm-2027")
    assert not again.created and again.counts["sources"] == 0 and again.counts["data_points"] == 2
    third = start_round(worked, by=members["lead"], code="khm-2027")
    assert third.counts == {"members": 0, "sources": 0, "findings": 0, "citations": 0, "data_points": 0}
    assert snapshot(worked) == before
    assert Source.objects.filter(assessment=first.assessment).count() == 2
    assert Assessment.objects.filter(previous=worked).count() == 1


def test_only_chosen_items_and_unassignable_assignee_is_listed(worked, members):
    result = start_round(worked, by=members["lead"], code="khm-2027", carry={CarryOver.ASSIGNEES})
    new = result.assessment
    assert not new.sources.exists() and not new.findings.exclude(narrative="").exists()
    assert new.findings.filter(assignee__isnull=False).count() == 0  # the researcher is not a member
    assert ("R.1.1", "the assignee is not a researcher of the new round") in result.not_carried
    assert list(new.memberships.values_list("user__username", flat=True)) == ["lead"]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"code": "tst-taken"}, "code"),
        ({"code": "khm-2023"}, "code"),
        ({"code": "khm-2027", "carry": {"everything"}}, "carry"),
        ({"code": "khm-2027", "carry": {CarryOver.CITATIONS}}, "carry"),
    ],
)
def test_refusals_write_nothing(worked, members, framework, kwargs, field):
    AssessmentFactory(code="tst-taken", framework=framework)
    counts = (Assessment.objects.count(), Source.objects.count(), Membership.objects.count())
    with pytest.raises(ValidationError) as refused:
        start_round(worked, by=members["lead"], **kwargs)
    assert field in refused.value.message_dict
    assert counts == (Assessment.objects.count(), Source.objects.count(), Membership.objects.count())


@pytest.mark.parametrize(
    ("who", "error"), [("researcher", PermissionDenied), ("mab", PermissionDenied), ("outsider", Http404)]
)
def test_service_checks_the_person(worked, members, who, error):
    with pytest.raises(error):
        start_round(worked, by=members[who], code="khm-2027")
    assert not Assessment.objects.filter(code="khm-2027").exists()


def test_custom_scope_is_carried(assessment, members, framework):
    picked = list(framework.indicators.filter(category__code="R", is_core=False)[:3])
    change_scope(assessment, Scope.CORE_PLUS, picked)
    new = start_round(assessment, by=members["lead"], code="khm-2027").assessment
    assert new.scope == Scope.CORE_PLUS
    assert set(new.selected_indicators.all()) == set(picked)
    assert new.findings.filter(archived=False).count() == 133


@pytest.mark.parametrize(
    ("who", "status"),
    [("lead", 200), ("researcher", 403), ("mab", 403), ("staff", 403), ("outsider", 404)],
)
def test_new_round_page_roles(client, worked, members, who, status):
    client.force_login(members[who])
    url = reverse("assessments:new_round", args=[worked.code])
    assert client.get(url).status_code == status
    response = client.post(url, {"code": "khm-2027", "carry": ["sources"]})
    assert response.status_code == status
    assert Assessment.objects.filter(code="khm-2027").exists() == (who == "lead")


def test_new_round_page_anonymous(client, worked):
    response = client.get(reverse("assessments:new_round", args=[worked.code]))
    assert response.status_code == 302 and "login" in response.url


def test_new_round_page_creates_and_shows_errors(client, worked, members):
    client.force_login(members["lead"])
    url = reverse("assessments:new_round", args=[worked.code])
    bad = client.post(url, {"code": "not a slug", "carry": ["sources"]})
    assert bad.status_code == 400 and "code" in bad.context["form"].errors
    bad = client.post(url, {"code": "khm-2027", "carry": ["citations"]})
    assert bad.status_code == 400 and "carry" in bad.context["form"].errors
    bad = client.post(url, {"code": "khm-2027", "period_start": "2027-05-01", "period_end": "2027-01-01"})
    assert bad.status_code == 400 and "period_end" in bad.context["form"].errors
    assert not Assessment.objects.filter(code="khm-2027").exists()
    response = client.post(url, {"code": "khm-2027", "carry": list(CarryOver.values)})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Round khm-2027 started from khm-2023" in page and 'data-testid="round-result"' in page
    dashboard = client.get(reverse("assessments:dashboard", args=["khm-2027"])).content.decode()
    assert 'data-testid="previous-round"' in dashboard


def test_command_is_idempotent_and_refuses_clearly(worked, members):
    out = io.StringIO()
    call_command("start_round", "khm-2023", "khm-2027", "--by", "lead", stdout=out)
    assert "Created khm-2027 from khm-2023: carried 3 members, 2 sources" in out.getvalue()
    out = io.StringIO()
    call_command("start_round", "khm-2023", "khm-2027", "--by", "lead", stdout=out)
    assert "Completed khm-2027 from khm-2023: carried 0 members, 0 sources" in out.getvalue()
    with pytest.raises(CommandError, match="may not manage"):
        call_command("start_round", "khm-2023", "khm-2028", "--by", "mab")
    with pytest.raises(CommandError, match="No assessment"):
        call_command("start_round", "nope", "khm-2028", "--by", "lead")
    with pytest.raises(CommandError, match="Unknown items"):
        call_command("start_round", "khm-2023", "khm-2028", "--by", "lead", "--carry", "scores")


def test_a_round_backs_up_and_restores_on_its_own(worked, members, tmp_path):
    from roamx.backup import export_assessment, import_assessment

    start_round(worked, by=members["lead"], code="khm-2027")
    exported = export_assessment("khm-2027", output=tmp_path / "round.zip")
    import_assessment(exported.path, code="khm-2027b")
    restored = Assessment.objects.get(code="khm-2027b")
    assert restored.previous is None
    assert not restored.sources.exclude(carried_from=None).exists()
    assert restored.sources.count() == 2

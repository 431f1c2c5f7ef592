import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from assessments.choices import FindingStatus, Scope
from assessments.models import DataPoint, Finding
from assessments.rules import Perm, can, check, get_assessment_for
from assessments.services import EditConflict, change_scope, save_finding, transition


def test_core_scope_creates_one_finding_per_core_and_contextual_indicator(assessment):
    findings = Finding.objects.filter(assessment=assessment)
    assert findings.count() == 130
    assert findings.filter(indicator__is_core=True).count() == 109
    assert findings.filter(indicator__category__code="C").count() == 21
    assert all(f.status == FindingStatus.NOT_STARTED for f in findings)
    assert findings.first().history.count() == 1


def test_widening_scope_adds_findings_and_narrowing_archives_without_losing_evidence(assessment):
    assert change_scope(assessment, Scope.FULL) == {"created": 173, "archived": 0, "restored": 0}
    assert Finding.objects.filter(assessment=assessment, archived=False).count() == 303
    extra = Finding.objects.get(assessment=assessment, indicator__is_core=False, indicator__code="R.1.2")
    extra.narrative = "Evidence gathered while the scope was full."
    extra.save()
    DataPoint.objects.create(finding=extra, value=42, unit="%", year=2022)
    assert change_scope(assessment, Scope.CORE) == {"created": 0, "archived": 173, "restored": 0}
    extra.refresh_from_db()
    assert extra.archived and extra.narrative.startswith("Evidence gathered")
    assert extra.data_points.count() == 1
    assert Finding.objects.filter(assessment=assessment).count() == 303
    assert change_scope(assessment, Scope.FULL)["restored"] == 173
    extra.refresh_from_db()
    assert not extra.archived


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ([FindingStatus.DRAFT, FindingStatus.READY, FindingStatus.ENDORSED], True),
        ([FindingStatus.DRAFT, FindingStatus.READY, FindingStatus.NEEDS_REVISION, FindingStatus.READY], True),
        ([FindingStatus.ENDORSED], False),
        ([FindingStatus.READY], False),
        ([FindingStatus.DRAFT, FindingStatus.NEEDS_REVISION], False),
    ],
)
def test_only_allowed_transitions(assessment, members, path, allowed):
    finding = Finding.objects.filter(assessment=assessment).first()
    if allowed:
        for status in path:
            transition(finding, status, by=members["researcher"])
        finding.refresh_from_db()
        assert finding.status == path[-1]
    else:
        with pytest.raises(ValidationError, match="cannot go from"):
            for status in path:
                transition(finding, status, by=members["researcher"])


def test_second_save_of_the_same_version_is_refused_and_shows_the_other_change(assessment, members):
    finding = Finding.objects.filter(assessment=assessment).first()
    mine = Finding.objects.get(pk=finding.pk)
    theirs = Finding.objects.get(pk=finding.pk)
    save_finding(
        theirs,
        by=members["lead"],
        expected_version=theirs.version,
        fields={"narrative": "Lead's text", "score": 3},
    )
    with pytest.raises(EditConflict) as excinfo:
        save_finding(
            mine, by=members["researcher"], expected_version=mine.version, fields={"narrative": "Mine"}
        )
    changes = {label: new for label, _old, new in excinfo.value.changes}
    assert changes["narrative evidence"] == "Lead's text"
    assert changes["score"] == 3
    assert str(excinfo.value).startswith(members["lead"].get_full_name())
    finding.refresh_from_db()
    assert finding.narrative == "Lead's text"


def test_score_outside_the_scale_is_refused(assessment, members):
    finding = Finding.objects.filter(assessment=assessment).first()
    with pytest.raises(ValidationError, match="between 1 and 5"):
        save_finding(finding, by=members["researcher"], expected_version=finding.version, fields={"score": 6})
    with pytest.raises(ValidationError, match="not both"):
        save_finding(
            finding,
            by=members["researcher"],
            expected_version=finding.version,
            fields={"score": 2, "special_score": "not_applicable"},
        )
    finding.refresh_from_db()
    assert finding.score is None and finding.version == 1


def test_access_helper_roles(assessment, members):
    assert can(members["researcher"], assessment, Perm.EDIT_EVIDENCE)
    assert can(members["lead"], assessment, Perm.EXPORT)
    assert not can(members["mab"], assessment, Perm.EDIT_EVIDENCE)
    assert can(members["mab"], assessment, Perm.VALIDATE)
    assert can(members["staff"], assessment, Perm.EXPORT)
    assert not can(members["staff"], assessment, Perm.EDIT_EVIDENCE)
    with pytest.raises(Http404):
        get_assessment_for(members["outsider"], "khm-2023")
    with pytest.raises(PermissionDenied):
        check(members["mab"], assessment, Perm.EDIT_EVIDENCE)
    assert get_assessment_for(members["mab"], "khm-2023") == assessment

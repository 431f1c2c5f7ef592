"""Services that act for a person check that person's permission again, whichever door called them."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from assessments.models import Finding
from assessments.services import save_finding, transition
from reports.models import ReportExport
from reports.services import request_export

REFUSED = [("mab", PermissionDenied), ("staff", PermissionDenied), ("outsider", Http404)]


def r11(assessment):
    return Finding.objects.select_related("assessment").get(assessment=assessment, indicator__code="R.1.1")


@pytest.mark.parametrize(("who", "error"), REFUSED)
def test_save_finding_refuses_who_may_not_edit_evidence(assessment, members, who, error):
    target = r11(assessment)
    with pytest.raises(error):
        save_finding(target, by=members[who], expected_version=target.version, fields={"narrative": "Mine"})
    with pytest.raises(error):
        transition(r11(assessment), "draft", by=members[who])
    fresh = r11(assessment)
    assert (fresh.narrative, fresh.version, fresh.history.count()) == ("", 1, target.history.count())


@pytest.mark.parametrize("who", ["lead", "researcher"])
def test_save_finding_lets_the_research_team_write(assessment, members, who):
    target = r11(assessment)
    saved = save_finding(target, by=members[who], expected_version=1, fields={"narrative": "Evidence."})
    assert (saved.narrative, saved.version) == ("Evidence.", 2)


@pytest.mark.parametrize(
    ("who", "error"), [("researcher", PermissionDenied), ("mab", PermissionDenied), ("outsider", Http404)]
)
def test_request_export_refuses_who_may_not_export(assessment, members, who, error):
    with pytest.raises(error):
        request_export(assessment, by=members[who])
    assert not ReportExport.objects.filter(assessment=assessment).exists()

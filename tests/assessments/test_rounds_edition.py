"""A new round on a newer edition of the framework, through the crosswalk: what each relation carries,
what is listed as not carried, the old round untouched, idempotence, progress matched across editions,
the page (roles, edition choice, result) and query counts."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.choices import CarryOver, FindingStatus, Scope
from assessments.models import Assessment, Citation, DataPoint, Finding, Membership, Source
from assessments.progress import Change, progress
from assessments.rounds import start_round
from indicators.choices import Relation
from tests.assessments.test_rounds import snapshot
from tests.editions import make_editions
from tests.factories import (
    AssessmentFactory,
    CitationFactory,
    DataPointFactory,
    FindingFactory,
    MembershipFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def editions():
    return make_editions()


@pytest.fixture
def old_round(editions, members):
    """A round on the old test edition with evidence on each kind of indicator."""
    old_edition, _new = editions
    assessment = AssessmentFactory(code="tst-2023", framework=old_edition, scope=Scope.FULL)
    for m in Membership.objects.filter(assessment__code="khm-2023"):
        MembershipFactory(assessment=assessment, user=m.user, role=m.role)
    f = {
        code: FindingFactory(assessment=assessment, code=code, score=score, narrative=text)
        for code, score, text in [
            ("R.1.1", 3, "Same evidence."),
            ("R.1.2", 2, "Access **and** affordability."),
            ("R.1.3", 4, "Dropped evidence."),
            ("O.1.1", 2, "Open data portal."),
            ("O.1.2", 4, "Open standards."),
        ]
    }
    f["R.1.1"].assignee = members["researcher"]
    f["R.1.1"].save()
    law = assessment.sources.create(type="law", title="Telecom law 2016")
    survey = assessment.sources.create(type="survey", title="Household survey")
    CitationFactory(finding=f["R.1.2"], source=law, locator="art. 4")
    CitationFactory(finding=f["O.1.1"], source=law, locator="art. 9")
    CitationFactory(finding=f["O.1.2"], source=law, locator="art. 10")
    CitationFactory(finding=f["O.1.2"], source=survey)
    DataPointFactory(finding=f["R.1.2"], source=survey, year=2022)
    DataPointFactory(finding=f["O.1.2"], source=None, year=2021)
    DataPointFactory(finding=f["R.1.3"], source=None, year=2020)
    return assessment


def new_findings(new):
    return {f.indicator.code: f for f in Finding.objects.filter(assessment=new).select_related("indicator")}


def test_carry_through_each_relation_and_the_old_round_is_untouched(old_round, editions, members):
    _old_edition, new_edition = editions
    before = snapshot(old_round)
    result = start_round(old_round, by=members["lead"], code="tst-2027", framework=new_edition)
    assert snapshot(old_round) == before
    new = result.assessment
    assert new.framework == new_edition and new.scope == Scope.FULL and new.previous == old_round
    found = new_findings(new)
    assert set(found) == {"R.1.1", "R.1.2", "R.1.4", "R.2.1", "O.1.1", "A.1.1", "C.1.1"}
    old = {f.indicator.code: f for f in old_round.findings.select_related("indicator")}
    # same
    assert found["R.1.1"].narrative == "Same evidence." and found["R.1.1"].assignee == members["researcher"]
    assert found["R.1.1"].carried_from == old["R.1.1"]
    # split: each new finding gets the narrative with a note naming the old code, the citations and points
    for code in ("R.1.2", "R.1.4"):
        split = found[code]
        assert split.narrative.startswith("*Split from R.1.2 of tst-2019")
        assert split.narrative.endswith("Access **and** affordability.")
        assert split.carried_from == old["R.1.2"]
        assert [(c.source.title, c.locator) for c in split.citations.all()] == [
            ("Telecom law 2016", "art. 4")
        ]
        point = split.data_points.get()
        assert point.carried_from.finding == old["R.1.2"] and point.source.title == "Household survey"
        assert point.source.assessment == new
    # merged: the narratives joined, each headed by its old code; each source cited once
    merged = found["O.1.1"]
    assert merged.narrative == (
        "#### From O.1.1 of tst-2019\n\nOpen data portal.\n\n#### From O.1.2 of tst-2019\n\nOpen standards."
    )
    assert merged.carried_from == old["O.1.1"]
    assert sorted(c.source.title for c in merged.citations.all()) == ["Household survey", "Telecom law 2016"]
    assert merged.data_points.get().carried_from.finding == old["O.1.2"]
    # new and dropped: nothing carried, listed
    assert found["R.2.1"].narrative == "" and found["R.2.1"].carried_from is None
    assert ("R.1.3", "dropped in tst-2025: Folded into the review of the law") in result.not_carried
    assert ("R.2.1", "new in tst-2025: nothing to carry over") in result.not_carried
    assert not DataPoint.objects.filter(finding__assessment=new, carried_from__finding=old["R.1.3"]).exists()
    assert result.counts == {
        "members": 3,
        "sources": 2,
        "findings": 4,
        "citations": 4,
        "data_points": 3,
    }
    assert Source.objects.filter(assessment=new).count() == 2  # sources carried once
    # statuses and scores start again
    assert not Finding.objects.filter(assessment=new).exclude(status=FindingStatus.NOT_STARTED).exists()
    assert not Finding.objects.filter(assessment=new, score__isnull=False).exists()


def test_running_again_duplicates_nothing(old_round, editions, members):
    _o, new_edition = editions
    start_round(old_round, by=members["lead"], code="tst-2027", framework=new_edition, carry={"sources"})
    before = snapshot(old_round)
    again = start_round(old_round, by=members["lead"], code="tst-2027")  # the existing round's edition
    assert not again.created and again.counts["data_points"] == 3 and again.counts["citations"] == 4
    third = start_round(old_round, by=members["lead"], code="tst-2027", framework=new_edition)
    assert third.counts == {"members": 0, "sources": 0, "findings": 0, "citations": 0, "data_points": 0}
    assert snapshot(old_round) == before
    new = Assessment.objects.get(code="tst-2027")
    assert DataPoint.objects.filter(finding__assessment=new).count() == 3
    assert Citation.objects.filter(finding__assessment=new).count() == 4


def test_core_scope_is_mapped(old_round, editions, members):
    _o, new_edition = editions
    old_round.scope = Scope.CORE
    old_round.save()
    new = start_round(old_round, by=members["lead"], code="tst-2027", framework=new_edition).assessment
    assert new.scope == Scope.CORE
    # core + contextual of the new edition; A.1.1 is not core
    assert set(new.findings.filter(archived=False).values_list("indicator__code", flat=True)) == {
        "R.1.1",
        "R.1.2",
        "R.1.4",
        "R.2.1",
        "O.1.1",
        "C.1.1",
    }


def test_selected_scope_is_mapped_through_the_crosswalk(old_round, editions, members):
    old_edition, new_edition = editions
    from assessments.services import change_scope

    change_scope(old_round, Scope.SELECTED, list(old_edition.indicators.filter(code__in=["R.1.2", "R.1.3"])))
    result = start_round(old_round, by=members["lead"], code="tst-2027", framework=new_edition)
    new = result.assessment
    assert new.scope == Scope.SELECTED
    assert set(new.selected_indicators.values_list("code", flat=True)) == {"R.1.2", "R.1.4"}
    assert ("R.1.3", "dropped in tst-2025: Folded into the review of the law") in result.not_carried


def test_refusals_write_nothing(old_round, editions, members, framework):
    old_edition, new_edition = editions
    counts = (Assessment.objects.count(), Source.objects.count())
    # no crosswalk from the old test edition to the shipped one
    with pytest.raises(ValidationError) as refused:
        start_round(old_round, by=members["lead"], code="tst-2027", framework=framework)
    assert "No crosswalk from tst-2019 to iui-2019" in str(refused.value.message_dict["framework"])
    start_round(old_round, by=members["lead"], code="tst-2027", framework=new_edition, carry=())
    counts = (Assessment.objects.count(), Source.objects.count())
    with pytest.raises(ValidationError) as refused:
        start_round(old_round, by=members["lead"], code="tst-2027", framework=old_edition)
    assert "framework" in refused.value.message_dict
    assert counts == (Assessment.objects.count(), Source.objects.count())


def test_progress_is_matched_through_the_crosswalk(old_round, editions, members):
    _o, new_edition = editions
    new = start_round(old_round, by=members["lead"], code="tst-2027", framework=new_edition).assessment
    Finding.objects.filter(assessment=new, indicator__code="R.1.1").update(score=4)
    Finding.objects.filter(assessment=new, indicator__code="R.1.2").update(score=1)
    Finding.objects.filter(assessment=new, indicator__code="R.1.4").update(score=2)
    Finding.objects.filter(assessment=new, indicator__code="O.1.1").update(score=3)
    Finding.objects.filter(assessment=new, indicator__code="R.2.1").update(score=2)
    data = progress(new)
    rows = {f.indicator.code: f for f in data["rows"]}
    assert (rows["R.1.1"].then_score, rows["R.1.1"].change, rows["R.1.1"].origin_note) == (
        3,
        Change.IMPROVED,
        "",
    )
    assert (rows["R.1.2"].then_score, rows["R.1.2"].change) == (2, Change.DECLINED)
    assert rows["R.1.4"].origin_note == "split from R.1.2" and rows["R.1.4"].change == Change.UNCHANGED
    merged = rows["O.1.1"]
    assert merged.origin_note == "merged from O.1.1, O.1.2" and merged.then_scores == [2, 4]
    assert merged.then_score == 3 and merged.change == Change.UNCHANGED and merged.relation == Relation.MERGED
    assert rows["R.2.1"].origin_note == "new in tst-2025" and rows["R.2.1"].change == Change.NEW
    assert [(f.indicator.code, f.score) for f in data["dropped"]] == [("R.1.3", 4)]
    cats = {c.category.code: c for c in data["categories"]}
    assert cats["R"].then_mean == pytest.approx((3 + 2 + 2) / 3)


def test_progress_page_and_query_counts(client, old_round, editions, members):
    _o, new_edition = editions
    new = start_round(old_round, by=members["lead"], code="tst-2027", framework=new_edition).assessment
    client.force_login(members["mab"])
    url = reverse("assessments:progress", args=[new.code])
    page = client.get(url).content.decode()
    assert 'data-testid="across-editions"' in page
    assert "split from R.1.2" in page and "merged from O.1.1, O.1.2" in page and "new in tst-2025" in page
    assert 'data-testid="dropped-R.1.3"' in page and "Folded into the review of the law" in page
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    # more findings (a bigger scope on the old side, more evidence on the new) cost no query more
    for finding in new.findings.all():
        DataPointFactory(finding=finding, year=2024)
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


@pytest.mark.parametrize(
    ("who", "status"),
    [("lead", 200), ("researcher", 403), ("mab", 403), ("staff", 403), ("outsider", 404)],
)
def test_edition_choice_on_the_page_roles(client, old_round, editions, members, who, status):
    client.force_login(members[who])
    url = reverse("assessments:new_round", args=[old_round.code])
    response = client.get(url)
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert 'name="edition"' in page and 'value="tst-2025"' in page
    response = client.post(url, {"code": "tst-2027", "edition": "tst-2025", "carry": list(CarryOver.values)})
    assert response.status_code == status
    assert Assessment.objects.filter(code="tst-2027").exists() == (who == "lead")
    if who == "lead":
        page = response.content.decode()
        assert "Round tst-2027 started from tst-2023" in page
        assert 'data-testid="not-carried"' in page
        assert "dropped in tst-2025: Folded into the review of the law" in page
        assert Assessment.objects.get(code="tst-2027").framework.code == "tst-2025"


def test_page_anonymous_and_no_choice_without_crosswalk(client, old_round, assessment, members):
    url = reverse("assessments:new_round", args=[old_round.code])
    assert client.get(url).status_code == 302
    client.force_login(members["lead"])
    page = client.get(reverse("assessments:new_round", args=[assessment.code])).content.decode()
    assert 'name="edition"' not in page  # no crosswalk leads from iui-2019
    bad = client.post(url, {"code": "tst-2027", "edition": "iui-2019"})
    assert bad.status_code == 400 and "edition" in bad.context["form"].errors


def test_command_with_edition(old_round, editions, members):
    out = io.StringIO()
    call_command("start_round", "tst-2023", "tst-2027", "--by", "lead", "--edition", "tst-2025", stdout=out)
    text = out.getvalue()
    assert "Created tst-2027 from tst-2023 on tst-2025 (crosswalk from tst-2019)" in text
    assert "not carried: R.1.3 (dropped in tst-2025: Folded into the review of the law)" in text
    assert "not carried: R.2.1 (new in tst-2025: nothing to carry over)" in text
    with pytest.raises(CommandError, match="No framework edition"):
        call_command("start_round", "tst-2023", "tst-2028", "--by", "lead", "--edition", "nope")
    with pytest.raises(CommandError, match="No crosswalk"):
        call_command("start_round", "tst-2023", "tst-2028", "--by", "lead", "--edition", "iui-2019")
    assert not Assessment.objects.filter(code="tst-2028").exists()


def test_progress_queries_do_not_grow_with_findings(client, old_round, editions, members):
    """The small test editions (7 indicators) against a pair of 60 indicators, split and merged too."""
    from indicators.crosswalks import load_crosswalk
    from tests.editions import crosswalk_bytes, load_test_edition

    _o, new_edition = editions
    small = start_round(old_round, by=members["lead"], code="tst-2027", framework=new_edition).assessment
    big_old = load_test_edition("big-2019", [(f"R.1.{i}", True) for i in range(1, 61)], 2019)
    big_new = load_test_edition("big-2025", [(f"R.1.{i}", True) for i in range(1, 61)], 2025)
    rows = [(f"R.1.{i}", f"R.1.{i}", "same", "") for i in range(3, 59)]
    rows += [("R.1.1", "R.1.1", "split", ""), ("R.1.1", "R.1.2", "split", "")]
    rows += [
        ("R.1.2", "R.1.59", "merged", ""),
        ("R.1.59", "R.1.59", "merged", ""),
        ("R.1.60", "", "dropped", ""),
    ]
    rows += [("", "R.1.60", "new", "")]
    load_crosswalk("big-2019", "big-2025", crosswalk_bytes(rows), format="csv")
    previous = AssessmentFactory(code="big-2023", framework=big_old, scope=Scope.FULL)
    MembershipFactory(assessment=previous, user=members["lead"], role="lead")
    Finding.objects.filter(assessment=previous).update(score=2, narrative="Evidence.")
    big = start_round(previous, by=members["lead"], code="big-2027", framework=big_new).assessment
    Finding.objects.filter(assessment=big).update(score=3)
    assert big.findings.count() == 60 and small.findings.count() == 7
    client.force_login(members["lead"])
    counts = []
    for round_ in (small, big):
        url = reverse("assessments:progress", args=[round_.code])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
        api = f"/api/assessments/{round_.code}/progress/"
        with CaptureQueriesContext(connection) as queries:
            assert client.get(api).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[2] and counts[1] == counts[3]
    assert len(progress(big)["rows"]) == 60 and len(progress(big)["dropped"]) == 1

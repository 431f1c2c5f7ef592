"""The recommendation register page: roles, add and edit with errors in place, reorder, filters, the
finding-code search and the gap view; query counts that do not grow with recommendations or findings."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.choices import StakeholderGroup
from indicators.models import Category
from reports.choices import Priority
from reports.models import Recommendation
from reports.register import move_recommendation
from tests.factories import FindingFactory, RecommendationFactory

pytestmark = pytest.mark.django_db

CODE = "khm-2023"


def url(name, *args):
    return reverse(f"reports:{name}", args=[CODE, *args])


def post_data(**overrides):
    data = {
        "stakeholder_group": StakeholderGroup.GOVERNMENT,
        "priority": Priority.HIGH,
        "text": "Publish spectrum licences online.",
        "finding_codes": "A.1.1, R.1.1",
    }
    data.update(overrides)
    return data


# -- roles


@pytest.mark.parametrize("role", ["lead", "researcher", "mab", "staff"])
def test_members_read_the_register(client, members, assessment, role):
    rec = RecommendationFactory(assessment=assessment, text="Open the **court** records.")
    client.force_login(members[role])
    page = client.get(url("recommendations"))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Open the <strong>court</strong> records." in html
    assert (url("recommendation_edit", rec.pk) in html) is (role in ("lead", "researcher"))
    assert client.get(url("recommendation_findings")).status_code == 200


@pytest.mark.parametrize("role", ["mab", "staff"])
def test_readers_cannot_write(client, members, assessment, role):
    rec = RecommendationFactory(assessment=assessment)
    client.force_login(members[role])
    assert client.get(url("recommendation_add")).status_code == 403
    assert client.post(url("recommendation_add"), post_data()).status_code == 403
    assert client.get(url("recommendation_edit", rec.pk)).status_code == 403
    assert client.post(url("recommendation_edit", rec.pk), post_data()).status_code == 403
    assert client.post(url("recommendation_move", rec.pk), {"direction": "up"}).status_code == 403
    assert Recommendation.objects.filter(assessment=assessment).count() == 1


def test_outsiders_and_anonymous_get_nothing(client, members, assessment):
    rec = RecommendationFactory(assessment=assessment)
    client.force_login(members["outsider"])
    for get in ("recommendations", "recommendation_add", "recommendation_findings"):
        assert client.get(url(get)).status_code == 404
    assert client.get(url("recommendation_edit", rec.pk)).status_code == 404
    assert client.post(url("recommendation_move", rec.pk), {"direction": "up"}).status_code == 404
    client.logout()
    assert client.get(url("recommendations")).status_code == 302
    assert client.get(url("recommendation_findings")).status_code == 302


def test_a_recommendation_of_another_assessment_is_404(client, members, assessment, framework):
    from tests.factories import AssessmentFactory

    other = AssessmentFactory(code="lao-2024", framework=framework)
    rec = RecommendationFactory(assessment=other)
    client.force_login(members["lead"])
    assert client.get(url("recommendation_edit", rec.pk)).status_code == 404
    assert client.post(url("recommendation_move", rec.pk), {"direction": "up"}).status_code == 404


# -- add, edit


@pytest.mark.parametrize("role", ["lead", "researcher"])
def test_writers_add_a_recommendation_with_findings_by_code(client, members, assessment, role):
    client.force_login(members[role])
    access = Category.objects.get(framework=assessment.framework, code="A")
    answer = client.post(url("recommendation_add"), post_data(categories=[access.pk]))
    rec = Recommendation.objects.get(assessment=assessment)
    assert answer.status_code == 302 and answer["Location"].endswith(f"#rec-{rec.pk}")
    assert sorted(f.indicator.code for f in rec.findings.all()) == ["A.1.1", "R.1.1"]
    assert [c.code for c in rec.categories.all()] == ["A"]


def test_errors_show_in_place_and_keep_the_input(client, members, assessment):
    client.force_login(members["researcher"])
    answer = client.post(url("recommendation_add"), post_data(text="", finding_codes="A.1.1, Z.9.9"))
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "This field is required." in html
    assert "No finding of this assessment has the code(s): Z.9.9." in html
    assert 'value="A.1.1, Z.9.9"' in html
    assert not Recommendation.objects.exists()


def test_edit_changes_the_recommendation(client, members, assessment):
    rec = RecommendationFactory(assessment=assessment, text="Old text.")
    rec.findings.set([FindingFactory(assessment=assessment, code="R.1.1")])
    client.force_login(members["lead"])
    page = client.get(url("recommendation_edit", rec.pk)).content.decode()
    assert 'value="R.1.1"' in page
    answer = client.post(url("recommendation_edit", rec.pk), post_data(text="New text.", finding_codes=""))
    assert answer.status_code == 302
    rec.refresh_from_db()
    assert rec.text == "New text." and rec.findings.count() == 0


# -- reorder


def test_move_up_and_down_within_the_group(client, members, assessment):
    a, b, c = (RecommendationFactory(assessment=assessment, order=n) for n in (0, 0, 5))
    client.force_login(members["researcher"])

    def order():
        return list(
            Recommendation.objects.filter(assessment=assessment)
            .order_by("order", "pk")
            .values_list("pk", flat=True)
        )

    answer = client.post(
        url("recommendation_move", c.pk), {"direction": "up", "query": "priority=medium&x=1"}
    )
    assert answer["Location"] == f"{url('recommendations')}?priority=medium#rec-{c.pk}"
    assert order() == [a.pk, c.pk, b.pk]
    client.post(url("recommendation_move", a.pk), {"direction": "down"})
    assert order() == [c.pk, a.pk, b.pk]
    # At the end already: nothing moves.
    assert move_recommendation(c, by=members["lead"], direction="up") is False
    assert order() == [c.pk, a.pk, b.pk]
    with pytest.raises(Exception, match="not allow"):
        move_recommendation(c, by=members["mab"], direction="down")


# -- filters, search, gaps


def test_filters(client, members, assessment):
    access = Category.objects.get(framework=assessment.framework, code="A")
    gov = RecommendationFactory(assessment=assessment, text="For the ministry.", priority=Priority.HIGH)
    gov.categories.set([access])
    RecommendationFactory(
        assessment=assessment, text="For the courts.", stakeholder_group=StakeholderGroup.JUDICIARY
    )
    client.force_login(members["mab"])

    def texts(**params):
        html = client.get(url("recommendations"), params).content.decode()
        html = html[: html.index('id="gaps-h"')]  # the gap view lists every uncited one
        return [t for t in ("For the ministry.", "For the courts.") if t in html]

    assert texts() == ["For the ministry.", "For the courts."]
    assert texts(stakeholder_group="judiciary") == ["For the courts."]
    assert texts(category="A") == ["For the ministry."]
    assert texts(priority="high") == ["For the ministry."]
    assert texts(priority="low") == []


def test_finding_search_is_scoped_to_the_assessment(client, members, assessment):
    client.force_login(members["researcher"])
    data = client.get(url("recommendation_findings"), {"q": "A.1"}).json()["findings"]
    codes = [f["code"] for f in data]
    assert "A.1.1" in codes and all(c.startswith("A.1") for c in codes)
    data = client.get(url("recommendation_findings"), {"q": "freedom of expression"}).json()["findings"]
    assert data and all("freedom of expression" in f["text"].lower() for f in data)


def test_gap_view(client, members, assessment):
    weak = FindingFactory(assessment=assessment, code="A.1.1", score=1)
    addressed = FindingFactory(assessment=assessment, code="A.2.1", score=2)
    FindingFactory(assessment=assessment, code="A.3.1", score=4)  # not weak
    cited = RecommendationFactory(assessment=assessment, text="Cites a finding.")
    cited.findings.set([addressed])
    RecommendationFactory(assessment=assessment, text="Cites nothing at all.")
    client.force_login(members["researcher"])
    html = client.get(url("recommendations")).content.decode()
    gaps = html[html.index('id="gaps-h"') :]
    assert weak.get_absolute_url() in gaps and addressed.get_absolute_url() not in gaps
    assert "A.3.1" not in gaps
    assert "Cites nothing at all." in gaps and "Cites a finding." not in gaps


def test_register_queries_do_not_grow(client, members, assessment):
    client.force_login(members["researcher"])
    access = Category.objects.get(framework=assessment.framework, code="A")

    def add(n, code):
        rec = RecommendationFactory(assessment=assessment, text=f"Recommendation {n}.")
        rec.findings.set([FindingFactory(assessment=assessment, code=code, score=1)])
        rec.categories.set([access])
        FindingFactory(assessment=assessment, code=f"R.{n + 1}.1", score=2)

    add(0, "A.1.1")
    client.get(url("recommendations"))
    with CaptureQueriesContext(connection) as few:
        client.get(url("recommendations"))
    for n, code in enumerate(["A.2.1", "A.3.1", "A.5.1", "A.6.1", "A.7.1"], start=1):
        add(n, code)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url("recommendations")).status_code == 200
    assert len(many) == len(few)

"""One set of finding filters (assessments.filters.FindingFilter) for the API, the review pages and the
research workspace's list filters (assessments.admin.filters.finding_list_filter): the same parameter gives
the same findings in each."""

import pytest
from django.urls import reverse

from assessments.models import Finding
from assessments.services import save_finding
from tests.api.conftest import token_client

from .conftest import finding

CHANGELIST = "admin:assessments_finding_changelist"

# (query parameters, what they select); each runs through the workspace, the API and the review page.
VARIANTS = [
    ({"category": "M"}, lambda f: f.indicator.category.code == "M"),
    ({"theme": "R.B"}, lambda f: f.indicator.question_id and f.indicator.question.theme.code == "R.B"),
    ({"core": "1"}, lambda f: f.indicator.is_core),
    ({"core": "0"}, lambda f: not f.indicator.is_core),
    ({"status": "draft"}, lambda f: f.status == "draft"),
    ({"assignee": "me"}, lambda f: f.assignee and f.assignee.username == "researcher"),
    ({"assignee": "lead"}, lambda f: f.assignee and f.assignee.username == "lead"),
    ({"assignee": "none"}, lambda f: f.assignee is None),
    ({"score": "3"}, lambda f: f.score == 3),
    ({"score": "not_applicable"}, lambda f: f.special_score == "not_applicable"),
    ({"score": "none"}, lambda f: f.score is None and not f.special_score),
]
IDS = ["&".join(f"{k}={v}" for k, v in params.items()) for params, _select in VARIANTS]


@pytest.fixture
def worked(assessment, members):
    me, lead = members["researcher"], members["lead"]
    save_finding(finding(assessment, "R.4.1"), by=me, expected_version=1, fields={"assignee": me, "score": 3})
    save_finding(finding(assessment, "R.2.1"), by=me, expected_version=1, fields={"status": "draft"})
    save_finding(
        finding(assessment, "A.5.1"), by=lead, expected_version=1, fields={"special_score": "not_applicable"}
    )
    save_finding(finding(assessment, "M.1.1"), by=lead, expected_version=1, fields={"assignee": lead})
    return assessment


@pytest.mark.parametrize(("params", "select"), VARIANTS, ids=IDS)
def test_the_same_filter_gives_the_same_findings_everywhere(client, worked, members, params, select):
    live = Finding.objects.filter(assessment=worked, archived=False).select_related(
        "indicator__category", "indicator__question__theme", "assignee"
    )
    expected = {f.indicator.code for f in live if select(f)}
    assert expected  # each variant selects something, and not everything
    assert len(expected) < live.count()

    client.force_login(members["researcher"])
    response = client.get(reverse(CHANGELIST), {**params, "assessment": "khm-2023"})
    workspace = {f.indicator.code for f in response.context["cl"].queryset}
    assert workspace == expected

    api = token_client(members["researcher"]).get(
        "/api/assessments/khm-2023/findings/", {**params, "page_size": 500}
    )
    assert {row["indicator"] for row in api.json()["results"]} == expected

    review = client.get(reverse("review:overview", args=["khm-2023"]), params)
    shown = {
        f.indicator.code
        for c in review.context["listing"]()["categories"]
        for g in c["groups"]
        for f in g["findings"]
    }
    assert shown == expected


def test_workspace_shows_each_filters_choices(client, worked, members):
    client.force_login(members["researcher"])
    response = client.get(reverse(CHANGELIST))
    choices = {
        spec.title: [c["display"] for c in spec.choices(response.context["cl"])]
        for spec in response.context["cl"].filter_specs
    }
    assert list(choices) == [
        "category",
        "theme",
        "core",
        "status",
        "assignee",
        "score",
        "scope",
        "assessment",
    ]
    assert "Rights" in choices["category"] and "Not core" in choices["core"]
    assert choices["assignee"][:3] == ["All", "Me", "Nobody"] and "Not scored yet" in choices["score"]
    assert "Ready for review" in choices["status"]


@pytest.mark.parametrize(
    "params", [{"score": "11"}, {"score": "bogus"}, {"core": "maybe"}, {"status": "done"}]
)
def test_a_value_no_filter_knows(client, worked, members, params):
    """The workspace says the parameters are wrong (Django's ?e=1); the API answers 400 naming the field."""
    client.force_login(members["researcher"])
    response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 302 and response["Location"].endswith("?e=1")
    api = token_client(members["researcher"]).get("/api/assessments/khm-2023/findings/", params)
    assert api.status_code == 400 and list(api.json()) == list(params)


def test_assignee_me_is_nobody_for_a_signed_out_filter(assessment):
    from assessments.filters import FindingFilter

    filters = FindingFilter({"assignee": "me"}, queryset=Finding.objects.all())
    assert filters.is_valid() and not filters.qs.exists()
